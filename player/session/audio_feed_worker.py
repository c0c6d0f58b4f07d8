"""AudioFeedWorker: moves decoded audio from the decoder's queue through the stretcher to the
sound card.

The DecodeWorker only decodes and resamples; this small thread takes each ``AudioChunk`` off
the audio queue and hands it to the ``AudioPipeline``, which cuts it at plan boundaries,
stretches every piece at its own rate and pushes it to the ``AudioSink``'s ring (waiting
while the ring is full, which is what paces it). Stale chunks (from before a seek) are
dropped. Every wait looks at the stop flag, and a push gives up as soon as a seek makes its
chunk stale, so neither a seek nor a close waits on a full ring.
"""

from __future__ import annotations

import logging
from typing import Callable

from player.audio.audio_pipeline import AudioPipeline
from player.core.clock import PlaybackClock
from player.core.frame_queue import FrameQueue
from player.core.frames import AudioChunk, EndOfStream

from player.core.worker import Worker

log = logging.getLogger(__name__)

#: How long one wait on an empty queue lasts before the stop flag is looked at again.
POLL_S = 0.05


class AudioFeedWorker(Worker):
    """Thread: audio queue -> ``pipeline.feed`` (stretch + sink), until stopped."""

    def __init__(
        self,
        queue: FrameQueue[AudioChunk | EndOfStream],
        pipeline: AudioPipeline,
        clock: PlaybackClock,
        *,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self._queue = queue
        self._pipeline = pipeline
        self._clock = clock
        self._on_error = on_error
        super().__init__("AudioFeedWorker")

    def _run(self) -> None:
        try:
            self._loop()
        except Exception as exc:  # noqa: BLE001 - report, then let video play on muted
            log.exception("audio feed failed")
            if self._on_error is not None:
                self._on_error(f"Audio playback stopped: {exc}")

    def _loop(self) -> None:
        stop, clock = self._stop, self._clock
        while not stop.is_set():
            item = self._queue.get(stop=stop, timeout=POLL_S)
            if item is None or clock.is_stale(item.generation):
                continue
            generation = item.generation

            def should_stop() -> bool:
                return stop.is_set() or clock.is_stale(generation)

            if isinstance(item, EndOfStream):
                self._pipeline.end_of_stream(generation, should_stop=should_stop)
            else:
                self._pipeline.feed(item, should_stop=should_stop)
