"""The mute stage: silence above the mute limit, with 20 ms fades, after the stretcher.

``TimeStretcher`` only stretches. This stage applies the policy of
``player.core.audio_cut.is_muted`` to its output: where a block's markers say the rate is
above the limit, the sound fades to silence over ``MUTE_FADE_S`` (as mpv and Chrome do) and
comes back the same way; a new timeline (after a seek, or a jump the stretcher started
afresh at) fades in, so it never clicks. Playback (``AudioPipeline``) and export
(``AudioCutEncoder``) both use it. See docs/architecture.md, "Audio cut and mute".
"""

from __future__ import annotations

import numpy as np

from player.audio.stretch import StretchedAudio
from player.core.audio_cut import MUTE_ABOVE, is_muted

MUTE_FADE_S = 0.020
"""Length of the fade to silence above the mute limit, and back (mpv and Chrome use ~20 ms)."""

# Markers further apart than this from where the previous run ends start a new timeline.
_JUMP_S = 0.001


class MuteFade:
    """Mutes stretched audio above ``mute_above`` and fades in each new timeline.

    One instance per stream; not thread-safe (its producer thread owns it). It also tells
    the stretcher which rates it will silence (``mutes``, ``fade_samples``), so the
    stretcher can skip building frames that would be silenced anyway.
    """

    def __init__(self, sample_rate: int, mute_above: float = MUTE_ABOVE) -> None:
        self.sample_rate = int(sample_rate)
        self.mute_above = float(mute_above)
        self.fade_samples = max(1, round(MUTE_FADE_S * self.sample_rate))
        self._step = 1.0 / self.fade_samples
        self.reset()

    def reset(self) -> None:
        """A new timeline follows: it fades in."""
        self._gain = 0.0
        self._src_end: float | None = None  # source time where the last block ended

    def mutes(self, rate: float) -> bool:
        return is_muted(rate, self.mute_above)

    def apply(self, block: StretchedAudio) -> StretchedAudio:
        """Apply the gain to ``block``'s samples in place; returns the block."""
        if block.frames == 0:
            return block
        sr = self.sample_rate
        markers = block.markers
        for j, m in enumerate(markers):
            stop = markers[j + 1].index if j + 1 < len(markers) else block.frames
            if self._src_end is not None and abs(m.src_t - self._src_end) > _JUMP_S:
                self._gain = 0.0  # the stretcher started a new timeline here
            self._run(block.samples[m.index : stop], m.rate)
            self._src_end = m.src_t + (stop - m.index) / sr * m.rate
        return block

    def _run(self, part: np.ndarray, rate: float) -> None:
        """Slew the gain towards this run's target (0 muted, 1 audible) over its samples."""
        g = self._gain
        target = 0.0 if self.mutes(rate) else 1.0
        if g == target:
            if g == 0.0:
                part[:] = 0.0
            return
        step = self._step if target > g else -self._step
        ramp = np.clip(g + step * np.arange(1, part.shape[0] + 1), 0.0, 1.0)
        part *= ramp[:, None].astype(np.float32)
        self._gain = float(ramp[-1])
