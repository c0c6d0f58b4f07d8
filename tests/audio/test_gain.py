"""MuteFade: the mute policy as its own stage after the (DSP-only) stretcher."""

from __future__ import annotations

import numpy as np
import pytest
from audio_signals import SR

from player.audio.gain import MUTE_FADE_S, MuteFade
from player.audio.stretch import StretchedAudio, StretchMarker

FADE = int(MUTE_FADE_S * SR)


def _block(src_t: float, rate: float, n: int, value: float = 1.0) -> StretchedAudio:
    return StretchedAudio(np.full((n, 2), value, np.float32), (StretchMarker(0, src_t, rate),), SR)


def test_a_new_timeline_fades_in_then_plays_at_unit_gain() -> None:
    gain = MuteFade(SR)
    out = gain.apply(_block(0.0, 1.0, 2 * FADE)).samples
    assert out[0, 0] == pytest.approx(1 / FADE) and out[FADE // 2, 0] == pytest.approx(0.5, abs=0.01)
    assert np.all(out[FADE:] == 1.0)


def test_above_the_limit_fades_out_to_exact_silence_and_back() -> None:
    gain = MuteFade(SR, mute_above=4.0)
    gain.apply(_block(0.0, 1.0, 2 * FADE))
    fast = gain.apply(_block(2 * FADE / SR, 5.0, 2 * FADE)).samples
    assert fast[FADE // 2, 0] == pytest.approx(0.5, abs=0.01) and np.all(fast[FADE:] == 0.0)
    back = gain.apply(_block(2 * FADE / SR + 2 * FADE * 5.0 / SR, 1.0, 2 * FADE)).samples
    assert back[FADE // 2, 0] == pytest.approx(0.5, abs=0.01) and np.all(back[FADE:] == 1.0)


def test_a_jump_in_source_time_or_a_reset_starts_a_fade_in() -> None:
    gain = MuteFade(SR)
    gain.apply(_block(0.0, 1.0, 2 * FADE))
    jumped = gain.apply(_block(60.0, 1.0, 2 * FADE)).samples
    assert jumped[0, 0] == pytest.approx(1 / FADE)
    gain.reset()
    assert gain.apply(_block(60.0 + 2 * FADE / SR, 1.0, 4)).samples[0, 0] == pytest.approx(1 / FADE)
