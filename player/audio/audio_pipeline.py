"""Decode-side glue: decoded ``AudioChunk``s -> ``TimeStretcher`` -> ``AudioSink``.

Runs on the decode thread (whoever owns the ``DecodeWorker`` calls ``feed`` for each audio
chunk and ``end_of_stream`` at the end). Each chunk is cut at the rate boundaries that fall
inside it, so a rate change lands on the exact source sample the plan says, and every piece
is stretched at its own rate. Without a boundaries function the rate is sampled once per
chunk (about 21 ms of audio), which is good enough for a manual rate.

``rate_at(src_t)`` is the total playback rate at a source time: in smart fast-forward
``plan.rate_at(t) * clock.rate``; otherwise just ``clock.rate``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from player.audio.sink import AudioSink
from player.audio.stretch import TimeStretcher
from player.core.frames import AudioChunk

RateAt = Callable[[float], float]
Boundaries = Callable[[float, float], Sequence[float]]
"""``boundaries(t0, t1)``: source times in (t0, t1) where the rate changes."""


class AudioPipeline:
    """Stretches decoded chunks at the planned rate and queues them on the sink.

    Not thread-safe: one thread (the session's audio feed thread) calls
    ``feed``/``end_of_stream``/``reset``.
    """

    def __init__(
        self,
        sink: AudioSink,
        rate_at: RateAt,
        boundaries: Boundaries | None = None,
        *,
        mute_above: float = 4.0,
    ) -> None:
        self._sink = sink
        self._rate_at = rate_at
        self._boundaries = boundaries
        self.stretcher = TimeStretcher(sink.sample_rate, sink.channels, mute_above=mute_above)
        self._generation: int | None = None

    def reset(self) -> None:
        """Forget the stretcher's state (the next chunk starts a new timeline)."""
        self.stretcher.reset()
        self._generation = None

    def feed(self, chunk: AudioChunk, should_stop: Callable[[], bool] | None = None) -> bool:
        """Stretch ``chunk`` and queue it (waiting while the sink is full).

        Returns False when the chunk was dropped: stale generation, no device, or stopped.
        """
        if chunk.sample_rate != self._sink.sample_rate:
            raise ValueError(
                f"audio must be resampled to {self._sink.sample_rate} Hz on the decode side, "
                f"got {chunk.sample_rate} Hz"
            )
        if self._sink.clock.is_stale(chunk.generation):
            return False
        if chunk.generation != self._generation:
            # A seek: the stretcher's timeline (and its half-made frames) belong to the past.
            self.stretcher.reset()
            self._generation = chunk.generation
        rate_at, boundaries = self._rate_at, self._boundaries
        samples = chunk.samples
        n = samples.shape[0]
        sr = chunk.sample_rate
        cuts = [0]
        if boundaries is not None and n:
            for b in sorted(boundaries(chunk.src_t, chunk.end_t)):
                i = int(round((b - chunk.src_t) * sr))
                if cuts[-1] < i < n:
                    cuts.append(i)
        cuts.append(n)
        ok = True
        for i0, i1 in zip(cuts[:-1], cuts[1:], strict=True):
            if i1 <= i0:
                continue
            t0 = chunk.src_t + i0 / sr
            # The rate at the piece's middle: immune to rounding exactly at a boundary.
            rate = float(rate_at(chunk.src_t + (i0 + i1) / 2 / sr))
            out = self.stretcher.process(np.asarray(samples[i0:i1]), t0, rate)
            ok = self._sink.push(out, chunk.generation, should_stop=should_stop) and ok
        return ok

    def end_of_stream(self, generation: int, should_stop: Callable[[], bool] | None = None) -> bool:
        """The decoder reached the end: play out what the stretcher still holds."""
        if generation != self._generation:
            return False
        out = self.stretcher.flush()
        self._generation = None
        return self._sink.push(out, generation, should_stop=should_stop)
