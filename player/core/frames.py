"""Decoded media units, each tagged with the generation (seek serial) it was made in.

Consumers compare ``generation`` against the current one and drop stale units, as ffplay's
packet serials do. That replaces locks between the decode thread and its consumers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class VideoFrame:
    """One decoded picture.

    ``image`` is RGB uint8 shaped (H, W, 3), already converted off the GUI thread.
    ``src_t`` is its presentation time in source seconds, ``duration`` how long it lasts.
    """

    src_t: float
    duration: float
    generation: int
    image: np.ndarray

    @property
    def end_t(self) -> float:
        return self.src_t + self.duration


@dataclass(frozen=True, slots=True)
class AudioChunk:
    """A run of decoded samples at the output sample rate.

    ``samples`` is float32 shaped (n, channels), interleaved by frame. ``src_t`` is the source
    time of the first sample.
    """

    src_t: float
    generation: int
    samples: np.ndarray
    sample_rate: int

    @property
    def duration(self) -> float:
        return self.samples.shape[0] / self.sample_rate

    @property
    def end_t(self) -> float:
        return self.src_t + self.duration


@dataclass(frozen=True, slots=True)
class EndOfStream:
    """Marks that the decoder reached the end of the file in this generation."""

    generation: int
