"""The exported audio track: source audio stretched per plan segment, encoded to AAC.

The source audio is cut at the plan's boundaries by the cutter playback uses
(``player.core.audio_cut.plan_pieces``), stretched by the player's own ``TimeStretcher``
(pitch-preserving) and silenced above the mute limit by playback's ``MuteFade``, so every
sample is played at the rate of the segment it lies in and muted exactly where playback
mutes (docs/architecture.md, "Audio cut and mute"). The stretcher says which source time each output
sample stands for (its markers); the encoder places every block at
``plan.src_to_out(marker)``, padding with silence where the source audio starts late or has
a hole, and trimming where blocks would overlap. The track ends at exactly
``total_samples``, the video's length, so the two streams end together.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import av
import numpy as np

from player.audio.gain import MuteFade
from player.audio.stretch import StretchedAudio, TimeStretcher
from player.core.audio_cut import plan_pieces
from player.core.speed_plan import SpeedPlan

AAC_SAMPLE_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000)
# Misplacement (in output time) tolerated before a block is padded or trimmed into place:
# below anyone's A/V sync threshold, above the sub-sample rounding at segment boundaries.
MAX_DRIFT_S = 0.005


def aac_sample_rate(source_rate: int) -> int:
    """The source rate when AAC supports it, else 48 kHz."""
    return source_rate if source_rate in AAC_SAMPLE_RATES else 48000


class AudioCutEncoder:
    """Feed decoded source audio frames in order; get AAC packets for the cut.

    ``out_stream`` is the output AAC stream (its encoder opens at the first encode).
    ``origin_s`` is subtracted from frame timestamps to get source time (the video stream's
    start, as ``MediaSource`` defines it). ``total_samples`` is the exact track length.
    """

    def __init__(
        self,
        plan: SpeedPlan,
        out_stream: Any,
        sample_rate: int,
        layout: str,
        total_samples: int,
        origin_s: float = 0.0,
    ) -> None:
        self.plan = plan
        self.out_stream = out_stream
        self.sample_rate = sample_rate
        self.layout = layout
        self.channels = 2 if layout == "stereo" else 1
        self.total_samples = total_samples
        self.origin_s = origin_s
        self.gain = MuteFade(sample_rate)
        self.stretcher = TimeStretcher(sample_rate, self.channels, silence=self.gain)
        # Decoded audio in any format/layout/rate -> float32 interleaved at our rate/layout.
        self.resampler = av.AudioResampler(format="flt", layout=layout, rate=sample_rate)
        self._cursor: float | None = None  # source time just after the last sample fed
        self._written = 0  # samples sent to the encoder
        self._time_base = Fraction(1, sample_rate)
        self._boundaries = plan.edges[1:-1]  # where the rate changes
        self.padded_samples = 0  # silence inserted where the source audio starts late or has holes

    @property
    def done(self) -> bool:
        """True once the source audio has been consumed up to the end of the plan."""
        return self._cursor is not None and self._cursor >= self.plan.input_duration

    @property
    def duration_s(self) -> float:
        return self._written / self.sample_rate

    # -- input ---------------------------------------------------------------------------------
    def feed(self, frame: Any) -> list[Any]:
        """Stretch and encode one decoded source frame; returns packets ready to mux."""
        packets: list[Any] = []
        for converted in self.resampler.resample(frame):
            # Packed float32: (1, n * channels) -> (n, channels).
            samples = converted.to_ndarray().reshape(-1, self.channels)
            if converted.pts is not None and converted.time_base is not None:
                t = float(converted.pts * converted.time_base) - self.origin_s
            else:
                t = self._cursor if self._cursor is not None else 0.0
            packets += self._stretch(samples, t)
        return packets

    def _stretch(self, samples: np.ndarray, t: float) -> list[Any]:
        """Stretch (n, channels) samples starting at source time ``t``, split at segments."""
        sr = self.sample_rate
        self._cursor = max(self._cursor or 0.0, t + samples.shape[0] / sr)
        end = self.plan.input_duration
        if t < 0:  # before the plan starts (audio that begins before the first frame)
            skip = min(samples.shape[0], math.ceil(-t * sr))
            samples, t = samples[skip:], t + skip / sr
        if t >= end or samples.shape[0] == 0:
            return []
        samples = samples[: math.ceil((end - t) * sr)]
        t1 = t + samples.shape[0] / sr
        b = self._boundaries
        inside = b[(b > t) & (b < t1)].tolist()
        packets: list[Any] = []
        for piece in plan_pieces(samples, t, sr, inside, self.plan.rate_at):
            packets += self._place(self.gain.apply(self.stretcher.process(piece.samples, piece.src_t, piece.rate)))
        return packets

    # -- output --------------------------------------------------------------------------------
    def _place(self, block: StretchedAudio) -> list[Any]:
        """Encode a stretched block at the output position its markers say it belongs to."""
        if block.frames == 0:
            return []
        samples = block.samples
        target = round(self.plan.src_to_out(block.markers[0].src_t) * self.sample_rate)
        offset = target - self._written
        if offset > MAX_DRIFT_S * self.sample_rate:  # starts late or after a hole: silence
            self.padded_samples += offset
            samples = np.concatenate([np.zeros((offset, self.channels), np.float32), samples])
        elif offset < -MAX_DRIFT_S * self.sample_rate:  # would overlap what is written
            samples = samples[min(samples.shape[0], -offset) :]
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
        frame.time_base = self._time_base
        self._written += samples.shape[0]
        return list(self.out_stream.encode(frame))

    def finish(self) -> list[Any]:
        """Flush the stretcher, pad or trim to ``total_samples``, flush the encoder."""
        packets = self._place(self.gain.apply(self.stretcher.flush()))
        missing = self.total_samples - self._written
        if missing > 0:
            packets += self._encode(np.zeros((missing, self.channels), np.float32))
        packets += list(self.out_stream.encode(None))
        return packets
