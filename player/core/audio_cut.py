"""Where audio changes rate and when it is silent: one rule for playback and export.

The plan's segments meet at boundaries in source time. A block of audio samples is cut at
every boundary inside it, and sample ``i`` (at source time ``src_t + i / sample_rate``)
belongs to the segment that holds that time, as ``SpeedPlan.segment_index`` says; each piece
is then stretched at one rate. ``AudioPipeline.feed`` (playback) and ``AudioCutEncoder``
(export) both cut with ``plan_pieces``, so a rate change lands on the same sample in both.

Above ``MUTE_ABOVE`` (source seconds per second) speech is a chirp, so the sound is faded
out there (``is_muted``; the fade itself is ``player.audio.gain.MuteFade``). The status bar
says "muted above ...x" with the same rule. See docs/architecture.md, "Audio cut and mute".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

#: Default mute limit of playback and export (the player's ``mute_above``).
MUTE_ABOVE = 4.0
# A boundary within this many samples of a sample's time counts as at it (float noise).
_EPS_SAMPLES = 1e-6


def is_muted(rate: float, mute_above: float = MUTE_ABOVE) -> bool:
    """True when audio played ``rate`` times faster is silenced."""
    return rate > mute_above + 1e-9


def plan_cuts(src_t: float, n: int, sample_rate: int, boundaries: Iterable[float]) -> list[tuple[int, int]]:
    """[i0, i1) sample ranges of ``n`` samples from ``src_t``, split at each boundary inside.

    Sample ``i`` goes to the piece that starts at the last boundary at or before its time.
    """
    cuts = [0]
    for b in sorted(boundaries):
        i = math.ceil((b - src_t) * sample_rate - _EPS_SAMPLES)
        if cuts[-1] < i < n:
            cuts.append(i)
    cuts.append(n)
    return [(i0, i1) for i0, i1 in zip(cuts[:-1], cuts[1:]) if i1 > i0]


@dataclass(frozen=True, slots=True)
class AudioPiece:
    """Samples that play at one rate, starting at source time ``src_t``."""

    samples: np.ndarray
    src_t: float
    rate: float


def plan_pieces(
    samples: np.ndarray,
    src_t: float,
    sample_rate: int,
    boundaries: Iterable[float],
    rate_at: Callable[[float], float],
) -> Iterator[AudioPiece]:
    """Cut ``samples`` (n, channels) at the boundaries; each piece's rate is ``rate_at`` at
    its middle (immune to rounding exactly at a boundary)."""
    for i0, i1 in plan_cuts(src_t, samples.shape[0], sample_rate, boundaries):
        rate = float(rate_at(src_t + (i0 + i1) / 2 / sample_rate))
        yield AudioPiece(samples[i0:i1], src_t + i0 / sample_rate, rate)
