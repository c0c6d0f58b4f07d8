"""Stretched audio as it leaves the time stretcher: samples plus source-time markers.

``StretchedAudio`` travels from ``TimeStretcher`` through the mute stage to the sink's ring
(playback) or the AAC encoder (export); its markers say exactly which source time each
output sample stands for, which is what lets the sound card drive the master clock
(docs/architecture.md, "Time").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class StretchMarker:
    """From output sample ``index`` on (until the next marker) the output stands for source
    time ``src_t + (i - index) / sample_rate * rate`` at sample ``i``."""

    index: int
    src_t: float
    rate: float


@dataclass(frozen=True, slots=True)
class StretchedAudio:
    """A block of stretched output with its source-time markers.

    ``samples`` is float32 shaped (m, channels). ``markers`` is empty only when m == 0;
    otherwise the first marker has index 0 and there is one more at every rate change or
    timeline jump inside the block.
    """

    samples: np.ndarray
    markers: tuple[StretchMarker, ...]
    sample_rate: int

    @property
    def frames(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration(self) -> float:
        """Output (wall-clock at 1x playback) seconds."""
        return self.frames / self.sample_rate

    def _marker_for(self, i: int) -> StretchMarker:
        found = self.markers[0]
        for m in self.markers:
            if m.index > i:
                break
            found = m
        return found

    def src_time_at(self, i: int) -> float:
        """Source time that output sample ``i`` of this block stands for."""
        if not self.markers:
            raise IndexError("empty block has no source times")
        m = self._marker_for(i)
        return m.src_t + (i - m.index) / self.sample_rate * m.rate

    def src_times(self) -> np.ndarray:
        """Source time of every output sample, float64 shaped (m,)."""
        out = np.empty(self.frames, np.float64)
        for j, m in enumerate(self.markers):
            stop = self.markers[j + 1].index if j + 1 < len(self.markers) else self.frames
            out[m.index : stop] = m.src_t + np.arange(stop - m.index) / self.sample_rate * m.rate
        return out

    @property
    def src_end(self) -> float:
        """Source time just after the last sample (where the next block continues)."""
        if not self.markers:
            raise IndexError("empty block has no source times")
        m = self.markers[-1]
        return m.src_t + (self.frames - m.index) / self.sample_rate * m.rate

    def slice(self, start: int, stop: int) -> StretchedAudio:
        """Samples [start, stop) with markers rebased so the first one has index 0."""
        start = max(0, start)
        stop = min(self.frames, stop)
        if stop <= start:
            return empty_stretched(self.samples.shape[1], self.sample_rate)
        first = self._marker_for(start)
        markers = [StretchMarker(0, self.src_time_at(start), first.rate)]
        markers += [
            StretchMarker(m.index - start, m.src_t, m.rate)
            for m in self.markers
            if start < m.index < stop
        ]
        return StretchedAudio(self.samples[start:stop], tuple(markers), self.sample_rate)

    @staticmethod
    def concat(blocks: Sequence[StretchedAudio], channels: int, sample_rate: int) -> StretchedAudio:
        """Join blocks back to back; markers are kept (each block's first one included)."""
        blocks = [b for b in blocks if b.frames]
        if not blocks:
            return empty_stretched(channels, sample_rate)
        if len(blocks) == 1:
            return blocks[0]
        markers: list[StretchMarker] = []
        offset = 0
        for b in blocks:
            markers += [StretchMarker(m.index + offset, m.src_t, m.rate) for m in b.markers]
            offset += b.frames
        samples = np.concatenate([b.samples for b in blocks])
        return StretchedAudio(samples, tuple(_drop_redundant(markers, sample_rate)), sample_rate)


def empty_stretched(channels: int, sample_rate: int) -> StretchedAudio:
    return StretchedAudio(np.zeros((0, channels), np.float32), (), sample_rate)


def _drop_redundant(markers: list[StretchMarker], sample_rate: int) -> list[StretchMarker]:
    """Drop markers that the previous one already predicts (same rate, same line)."""
    kept = markers[:1]
    for m in markers[1:]:
        p = kept[-1]
        predicted = p.src_t + (m.index - p.index) / sample_rate * p.rate
        if m.rate != p.rate or abs(predicted - m.src_t) > 1e-9:
            kept.append(m)
    return kept
