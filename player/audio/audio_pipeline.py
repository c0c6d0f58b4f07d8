"""The audio path of playback: decoded ``AudioChunk``s -> cut -> ``TimeStretcher`` ->
``MuteFade`` -> ``AudioSink``.

Runs on the session's audio feed thread (``player.session.audio_feed_worker``): it calls
``feed`` for each chunk the decode thread queued, and ``end_of_stream`` at the end. Each
chunk is cut at the rate boundaries inside it by the cutter export uses too
(``player.core.audio_cut.plan_pieces``), so a rate change lands on the exact source sample
the plan says, and every piece is stretched at its own rate. Without a boundaries function
the rate is sampled once per chunk (about 21 ms of audio), which is good enough for a
manual rate. See docs/architecture.md, "Audio cut and mute".

``rate_at(src_t)`` is the total playback rate at a source time: in smart fast-forward
``plan.rate_at(t) * clock.rate``; otherwise just ``clock.rate``. The session passes
functions that read its current plan and manual rate, so a change applies from the next
chunk on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from player.audio.gain import MuteFade
from player.audio.sink import AudioSink
from player.audio.stretch import TimeStretcher
from player.core.audio_cut import MUTE_ABOVE, plan_pieces
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
        mute_above: float = MUTE_ABOVE,
    ) -> None:
        self._sink = sink
        self._rate_at = rate_at
        self._boundaries = boundaries
        self.gain = MuteFade(sink.sample_rate, mute_above)
        self.stretcher = TimeStretcher(sink.sample_rate, sink.channels, silence=self.gain)
        self._generation: int | None = None

    def reset(self) -> None:
        """Forget the stretcher's state (the next chunk starts a new timeline)."""
        self.stretcher.reset()
        self.gain.reset()
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
            self.reset()
            self._generation = chunk.generation
        boundaries: Sequence[float] = ()
        if self._boundaries is not None and chunk.samples.shape[0]:
            boundaries = self._boundaries(chunk.src_t, chunk.end_t)
        ok = True
        for piece in plan_pieces(chunk.samples, chunk.src_t, chunk.sample_rate, boundaries, self._rate_at):
            out = self.gain.apply(self.stretcher.process(np.asarray(piece.samples), piece.src_t, piece.rate))
            ok = self._sink.push(out, chunk.generation, should_stop=should_stop) and ok
        return ok

    def end_of_stream(self, generation: int, should_stop: Callable[[], bool] | None = None) -> bool:
        """The decoder reached the end: play out what the stretcher still holds."""
        if generation != self._generation:
            return False
        out = self.gain.apply(self.stretcher.flush())
        self._generation = None
        return self._sink.push(out, generation, should_stop=should_stop)
