"""The exported audio track: source audio stretched per plan segment, encoded to AAC.

Stretching uses the player's own ``TimeStretcher`` (pitch-preserving, muted above its limit),
fed one plan segment at a time so every sample is played at the rate of the segment it lies
in, exactly as playback does. The encoder's output position is kept locked to the plan:
where the stretched stream drifts from ``plan.src_to_out`` by more than a few milliseconds
(rounding at hundreds of segment changes, holes in the source audio) it is padded with
silence or trimmed, and the track ends at exactly ``total_samples``, the video's length.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import av
import numpy as np

from player.audio.stretch import TimeStretcher
from player.core.speed_plan import SpeedPlan

AAC_SAMPLE_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000)
# Drift between where the stretched audio is and where the plan says it should be that is
# tolerated before correcting (well under the 40 ms A/V tolerance, above stretcher jitter).
MAX_DRIFT_S = 0.010
# A jump in the source audio timestamps bigger than this is a hole: filled with silence.
GAP_S = 0.020


def aac_sample_rate(source_rate: int) -> int:
    """The source rate when AAC supports it, else 48 kHz."""
    return source_rate if source_rate in AAC_SAMPLE_RATES else 48000


class AudioCutEncoder:
    """Feed decoded source ``av.AudioFrame``s in order; get AAC packets for the cut.

    ``out_stream`` is the output AAC stream (its codec opens at the first encode).
    ``total_samples`` is the exact length of the track, at ``sample_rate``.
    """

    def __init__(
        self,
        plan: SpeedPlan,
        out_stream: Any,
        sample_rate: int,
        layout: str,
        total_samples: int,
    ) -> None:
        self.plan = plan
        self.out_stream = out_stream
        self.sample_rate = sample_rate
        self.layout = layout
        self.channels = 2 if layout == "stereo" else 1
        self.total_samples = total_samples
        self.stretcher = TimeStretcher(sample_rate, self.channels)
        # Decoded audio in any format/layout/rate -> float32 interleaved at our rate/layout.
        self.resampler = av.AudioResampler(format="flt", layout=layout, rate=sample_rate)
        self._src_cursor: float | None = None  # source time of the next sample to stretch
        self._in_cursor: float | None = None  # source time the next decoded frame should have
        self._written = 0  # samples sent to the encoder
        self._segment_ends = plan.edges[1:].tolist()
        self._speeds = plan.speeds.tolist()

    @property
    def done(self) -> bool:
        """True once the source audio has been consumed up to the end of the plan."""
        return self._src_cursor is not None and self._src_cursor >= self.plan.input_duration

    @property
    def duration_s(self) -> float:
        return self._written / self.sample_rate

    # -- input ---------------------------------------------------------------------------------
    def feed(self, frame: Any) -> list[Any]:
        """Stretch and encode one decoded source frame; returns packets ready to mux."""
        packets: list[Any] = []
        in_time = float(frame.pts * frame.time_base) if frame.pts is not None else None
        in_samples = frame.samples
        in_rate = frame.sample_rate or self.sample_rate
        for converted in self.resampler.resample(frame):
            # Packed float32: (1, n * channels) -> (n, channels).
            samples = converted.to_ndarray().reshape(-1, self.channels)
            if self._src_cursor is None:
                self._src_cursor = in_time if in_time is not None else 0.0
            elif in_time is not None and self._in_cursor is not None:
                gap = in_time - self._in_cursor
                if gap > GAP_S:
                    packets += self._stretch(np.zeros((round(gap * self.sample_rate), self.channels), np.float32))
            packets += self._stretch(samples)
            in_time = None  # only the first converted chunk carries the frame's time
        if frame.pts is not None:
            self._in_cursor = float(frame.pts * frame.time_base) + in_samples / in_rate
        elif self._in_cursor is not None:
            self._in_cursor += in_samples / in_rate
        return packets

    def _stretch(self, samples: np.ndarray) -> list[Any]:
        """Stretch (n, channels) samples starting at the source cursor, split at segments."""
        packets: list[Any] = []
        assert self._src_cursor is not None
        sr = self.sample_rate
        t = self._src_cursor
        self._src_cursor = t + samples.shape[0] / sr
        end = self.plan.input_duration
        if t < 0:  # encoder priming or a negative start: before the plan begins
            skip = min(samples.shape[0], math.ceil(-t * sr))
            samples, t = samples[skip:], t + skip / sr
        if t >= end or samples.shape[0] == 0:
            return packets
        keep = min(samples.shape[0], math.ceil((end - t) * sr))
        samples = samples[:keep]
        while samples.shape[0] > 0:
            k = self.plan.segment_index(t)
            seg_end = self._segment_ends[k]
            n = samples.shape[0] if k == len(self._speeds) - 1 else max(1, min(samples.shape[0], math.ceil((seg_end - t) * sr - 1e-9)))
            piece, samples = samples[:n], samples[n:]
            stretched = self.stretcher.process(piece, t, self._speeds[k])
            packets += self._write(stretched.samples, t + n / sr)
            t += n / sr
        return packets

    # -- output --------------------------------------------------------------------------------
    def _write(self, samples: np.ndarray, src_end: float) -> list[Any]:
        """Encode stretched samples, correcting drift against the plan at ``src_end``."""
        expected_end = round(self.plan.src_to_out(src_end) * self.sample_rate)
        drift = self._written + samples.shape[0] - expected_end
        limit = round(MAX_DRIFT_S * self.sample_rate)
        if drift > limit:  # ahead of the plan: drop the excess from the front
            samples = samples[min(samples.shape[0], drift) :]
        elif drift < -limit:  # behind (a hole, or stretcher latency): pad with silence
            samples = np.concatenate([np.zeros((-drift, self.channels), np.float32), samples])
        return self._encode(samples)

    def _encode(self, samples: np.ndarray) -> list[Any]:
        room = self.total_samples - self._written
        if room <= 0 or samples.shape[0] == 0:
            return []
        samples = samples[:room]
        planar = np.ascontiguousarray(samples.T, dtype=np.float32)  # (channels, n)
        frame = av.AudioFrame.from_ndarray(planar, format="fltp", layout=self.layout)
        frame.sample_rate = self.sample_rate
        frame.pts = self._written
        frame.time_base = Fraction(1, self.sample_rate)
        self._written += samples.shape[0]
        return list(self.out_stream.encode(frame))

    def finish(self) -> list[Any]:
        """Flush the stretcher, pad or trim to ``total_samples``, flush the encoder."""
        packets: list[Any] = []
        tail = self.stretcher.flush()
        if tail is not None and tail.samples.shape[0] > 0:
            packets += self._encode(tail.samples)
        missing = self.total_samples - self._written
        if missing > 0:
            packets += self._encode(np.zeros((missing, self.channels), np.float32))
        packets += list(self.out_stream.encode(None))
        return packets
