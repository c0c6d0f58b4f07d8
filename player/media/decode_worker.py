"""DecodeWorker: the decode thread. Demuxes and decodes one file into generation-tagged
VideoFrames and AudioChunks on two bounded FrameQueues.

Design (after ffplay, in one thread):
- Its own PyAV container, decoders with ``thread_type="AUTO"``. PyAV releases the GIL while
  FFmpeg decodes, so this thread and the GUI run side by side.
- The thread never blocks on a queue. Packets are demuxed into small per-stream backlogs,
  a stream's next packet is decoded only when its queue has room, and what a packet decodes
  to waits in a per-stream outbox that is delivered without blocking. So a full video queue
  never starves audio (or the reverse): the audio device drives the clock, and audio stuck
  behind video would stall playback for good.
- Seeking bumps the generation. ``seek()`` raises the queues' generation floor at once, so
  no unit of an older generation is delivered after it returns. The thread then seeks to the
  keyframe at or before the target (further back if the demuxer landed after it) and decodes
  forward, dropping frames until the one covering the target: frame-accurate.
- Each video frame is held back until the next one is decoded: the next frame's time is the
  held one's true end (packet durations follow decode order, which B-frames scramble).
- The only waits are short sleeps on an event that ``seek``/``request_stop`` set, so the
  thread reacts at once and stops within milliseconds.
- Corrupt packets are skipped; a fatal error is reported once through ``on_error(message)``,
  followed by ``EndOfStream`` on each queue so consumers never wait forever.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from typing import Any, Callable

import av
import av.error
import numpy as np

from player.core.errors import MediaError
from player.core.frame_queue import FrameQueue
from player.core.frames import AudioChunk, EndOfStream, VideoFrame
from player.core.media_info import MediaInfo
from player.core.worker import Worker
from player.media.source import SEEK_BACKOFF_S, MediaSource, frame_rotation

log = logging.getLogger(__name__)

#: Compressed packets held back per worker while one queue is full (bytes).
PACKET_BACKLOG_BYTES = 48 * 1024 * 1024
#: Consecutive undecodable packets of one stream before giving up on the file.
MAX_CONSECUTIVE_ERRORS = 64
#: How long the thread sleeps when every queue it feeds is full (seconds).
IDLE_POLL_S = 0.01
#: ...and when it has reached the end of the file (only seek/stop can bring work then).
FINISHED_POLL_S = 0.2
#: Frame times within this of a target count as "at" the target (float pts rounding).
TIME_EPS = 1e-6
#: Audio timestamps this close to where the previous chunk ended are taken as contiguous.
AUDIO_JITTER_S = 0.02

_LAYOUTS = {1: "mono", 2: "stereo"}

VideoQueue = FrameQueue[VideoFrame | EndOfStream]
AudioQueue = FrameQueue[AudioChunk | EndOfStream]


class DecodeWorker(Worker):
    """Decode thread for one file. See the module docstring.

    ``video_queue`` receives ``VideoFrame`` (RGB uint8 (H, W, 3), upright: the display
    rotation is applied) then ``EndOfStream``. ``audio_queue`` (None: do not decode audio;
    unused when the file has none) receives ``AudioChunk`` (float32 (n, audio_channels) at
    ``audio_rate``) then ``EndOfStream``. Each queue's EndOfStream comes when that stream
    ends, independently. ``max_video_width`` downscales the (upright) picture to at most
    that width, keeping aspect. ``start_t``/``generation``: where decoding starts, and under
    which generation. After the end, the thread idles until ``seek`` or ``request_stop``.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        info: MediaInfo,
        video_queue: VideoQueue,
        audio_queue: AudioQueue | None = None,
        *,
        audio_rate: int = 48000,
        audio_channels: int = 2,
        max_video_width: int | None = None,
        on_error: Callable[[str], None] | None = None,
        start_t: float = 0.0,
        generation: int = 0,
    ) -> None:
        if audio_channels not in _LAYOUTS:
            raise ValueError(f"audio_channels must be 1 or 2, got {audio_channels}")
        if audio_rate < 1000:
            raise ValueError(f"audio_rate must be at least 1000 Hz, got {audio_rate}")
        if max_video_width is not None and max_video_width < 2:
            raise ValueError(f"max_video_width must be at least 2, got {max_video_width}")
        self.path = path
        self.info = info
        self.video_queue = video_queue
        self.audio_queue = audio_queue if info.has_audio else None
        self._audio_queue_given = audio_queue
        self.audio_rate = int(audio_rate)
        self.audio_channels = int(audio_channels)
        self.max_video_width = max_video_width
        self._on_error = on_error
        # Set by seek() and request_stop() to cut an idle sleep short.
        self._wakeup = threading.Event()
        self._lock = threading.Lock()
        self._pending: tuple[float, int] | None = (float(start_t), int(generation))
        super().__init__(f"DecodeWorker({os.fspath(path)})")

    # -- control (any thread) --------------------------------------------------------------
    def _wake(self) -> None:
        self._wakeup.set()

    def seek(self, src_t: float, generation: int) -> None:
        """Restart decoding at source time ``src_t`` under ``generation`` (latest call wins).

        Returns at once. From then on the queues hold and accept only units of
        ``generation`` or newer; the first video frame delivered is the one covering
        ``src_t`` (the last frame starting at or before it), and audio starts at ``src_t``.
        """
        with self._lock:
            self._pending = (float(src_t), int(generation))
            self.video_queue.set_generation_floor(generation)
            if self._audio_queue_given is not None:
                self._audio_queue_given.set_generation_floor(generation)
            self._wakeup.set()

    # -- the thread ------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            with MediaSource(self.path, audio=self.audio_queue is not None) as src:
                _Decoding(self, src).loop()
        except MediaError as exc:
            self._fail(str(exc))
        except Exception as exc:  # noqa: BLE001 - a worker must report, not die silently
            log.exception("decode thread failed on %s", self.path)
            self._fail(f"Decoding '{os.fspath(self.path)}' failed: {exc}")

    def _fail(self, message: str) -> None:
        """Report a fatal error once and end both streams so no consumer waits forever."""
        if self._on_error is not None:
            try:
                self._on_error(message)
            except Exception:  # noqa: BLE001 - a broken callback must not hide the error
                log.exception("on_error callback raised")
        gen = self._current_generation()
        self.video_queue.put(EndOfStream(gen), stop=self._stop, timeout=1.0)
        if self.audio_queue is not None:
            self.audio_queue.put(EndOfStream(gen), stop=self._stop, timeout=1.0)

    def _current_generation(self) -> int:
        with self._lock:
            if self._pending is not None:
                return self._pending[1]
        floor = self.video_queue.generation_floor
        return floor if floor is not None else 0

    def _take_pending(self) -> tuple[float, int] | None:
        # Under the same lock as seek(), so a set wake always means a request is waiting.
        with self._lock:
            req, self._pending = self._pending, None
            if not self._stop.is_set():
                self._wakeup.clear()
            return req


class _Decoding:
    """The decode loop's state for one open source (lives only on the worker thread)."""

    def __init__(self, worker: DecodeWorker, src: MediaSource) -> None:
        self.w = worker
        self.src = src
        self.fallback_frame_s = src.nominal_frame_duration()
        self.generation = 0
        self.target: float | None = None  # seek target still being decoded up to
        self.backoff_i = 0
        self.held: tuple[Any, float] | None = None  # decoded, waiting for the next frame's time
        self.audio_from: float | None = None  # drop audio before this source time
        self.last_video_t: float | None = None
        self.resampler: Any = None
        self.audio_next_t: float | None = None  # where the next chunk starts if contiguous
        self.errors: dict[int, int] = {}
        self._reset_streams()
        self.finished = True  # nothing to do until the first (pending) seek

    def _reset_streams(self) -> None:
        # after a reopen (unseekable input) the stream objects are new
        src = self.src
        self.streams = [src.video] + ([src.audio] if src.audio is not None else [])
        self.queues: dict[int, FrameQueue[Any]] = {src.video.index: self.w.video_queue}
        if src.audio is not None:
            assert self.w.audio_queue is not None
            self.queues[src.audio.index] = self.w.audio_queue
        self.backlog: dict[int, deque[Any]] = {s.index: deque() for s in self.streams}
        self.outbox: dict[int, deque[Any]] = {s.index: deque() for s in self.streams}
        self.backlog_bytes = 0
        self.ended: set[int] = set()  # streams whose decoder is drained
        self.eos_queued: set[int] = set()  # streams whose EndOfStream is in the outbox
        for s in self.streams:
            self.errors.setdefault(s.index, 0)

    # -- main loop -------------------------------------------------------------------------
    def loop(self) -> None:
        w = self.w
        while not w._stop.is_set():
            req = w._take_pending()
            if req is not None:
                self._seek(*req)
            if not self._step():
                w._wakeup.wait(FINISHED_POLL_S if self._finished() else IDLE_POLL_S)

    def _finished(self) -> bool:
        return len(self.eos_queued) == len(self.streams) and not any(self.outbox.values())

    def _step(self) -> bool:
        """One unit of work; False when there is nothing to do (queues full, or finished)."""
        progressed = self._deliver()
        for s in self.streams:
            i = s.index
            if self.backlog[i] and not self.outbox[i] and self._has_room(s):
                self._decode(s, self.backlog[i].popleft())
                return True
        if not self.demux_done and self._wants_packets():
            self._demux_one()
            return True
        for s in self.streams:
            if s.index in self.ended and s.index not in self.eos_queued and not self.backlog[s.index]:
                self._queue_eos(s)
                return True
        return progressed

    def _deliver(self) -> bool:
        """Move outbox units into their queues while there is room; never blocks."""
        moved = False
        for s in self.streams:
            box, q = self.outbox[s.index], self.queues[s.index]
            while box and q.put(box[0], timeout=0):
                box.popleft()
                moved = True
        return moved

    def _has_room(self, stream: Any) -> bool:
        return not self.queues[stream.index].full()

    # -- seeking ---------------------------------------------------------------------------
    def _seek(self, src_t: float, generation: int, backoff_i: int = 0) -> None:
        self.generation = generation
        self.backoff_i = backoff_i
        self.target = max(0.0, src_t)
        self.audio_from = self.target
        self.held = None
        self.resampler = None
        self.audio_next_t = None
        self.src.seek_video(self.target - SEEK_BACKOFF_S[backoff_i])
        self._reset_streams()
        self.demuxer = self.src.demux(self.streams)
        self.demux_done = False

    def _seek_earlier(self) -> bool:
        """The keyframe found was after the target: seek further back. False if no further."""
        if self.target is None or self.backoff_i + 1 >= len(SEEK_BACKOFF_S):
            return False
        self._seek(self.target, self.generation, self.backoff_i + 1)
        return True

    # -- demuxing --------------------------------------------------------------------------
    def _wants_packets(self) -> bool:
        """Demux more only for a hungry decoder, and only while the backlog is small."""
        if self.backlog_bytes >= PACKET_BACKLOG_BYTES:
            return False
        return any(
            not self.backlog[s.index]
            and not self.outbox[s.index]
            and s.index not in self.ended
            and self._has_room(s)
            for s in self.streams
        )

    def _demux_one(self) -> None:
        try:
            packet = next(self.demuxer)
        except (StopIteration, av.error.EOFError):
            self._end_demux()
            return
        except av.error.FFmpegError as exc:
            # A broken container tail (truncated download): play what was read.
            log.warning("demux error in %s, treating as end of file: %s", self.src.path, exc)
            self._end_demux()
            return
        self.backlog[packet.stream.index].append(packet)
        self.backlog_bytes += packet.size

    def _end_demux(self) -> None:
        self.demux_done = True
        for s in self.streams:
            self.backlog[s.index].append(None)  # None drains the decoder's delayed frames

    # -- decoding --------------------------------------------------------------------------
    def _decode(self, stream: Any, packet: Any) -> None:
        if packet is not None:
            self.backlog_bytes -= packet.size
        try:
            frames = stream.decode(packet)
        except av.error.EOFError:
            frames = []  # already drained (the demuxer sent its own flush packet)
        except av.error.FFmpegError as exc:
            self._decode_error(stream, exc)
            return
        self.errors[stream.index] = 0
        if packet is None:
            self.ended.add(stream.index)
        if stream is self.src.video:
            for frame in frames:
                if not self._on_video_frame(frame):
                    return
        else:
            self._on_audio_frames(frames, flush=packet is None)

    def _decode_error(self, stream: Any, exc: Exception) -> None:
        self.errors[stream.index] += 1
        log.debug("skipping undecodable %s packet in %s: %s", stream.type, self.src.path, exc)
        if self.errors[stream.index] >= MAX_CONSECUTIVE_ERRORS:
            raise MediaError(
                f"'{self.src.path}' could not be decoded: {MAX_CONSECUTIVE_ERRORS} "
                f"{stream.type} packets in a row are corrupt ({exc})."
            )

    def _queue_eos(self, stream: Any) -> None:
        """Queue the stream's EndOfStream, after the held last frame for video."""
        if stream is self.src.video:
            if self.held is not None:  # the last frame (also when a seek went past the end)
                frame, t = self.held
                self.held = None
                self._emit_video(frame, t, None)
            self.target = None
        self.outbox[stream.index].append(EndOfStream(self.generation))
        self.eos_queued.add(stream.index)

    # -- video -----------------------------------------------------------------------------
    def _on_video_frame(self, frame: Any) -> bool:
        """Hold ``frame`` back until the next one shows, then emit the held one.

        The next frame's time gives the held frame's true duration, and after a seek it tells
        whether the held frame covers the target or comes before it. Returns False when a
        re-seek replaced the decode position.
        """
        t = self.src.video_frame_time(frame)
        if t is None:
            t = 0.0 if self.last_video_t is None else self.last_video_t + self.fallback_frame_s
        self.last_video_t = t
        if self.held is None:
            if (
                self.target is not None
                and t > self.target + TIME_EPS
                and self.target > TIME_EPS
                and self._seek_earlier()
            ):
                return False  # landed after the target: that keyframe was too late
            self.held = (frame, t)
            return True
        held_frame, held_t = self.held
        self.held = (frame, t)
        if self.target is not None:
            if t <= self.target + TIME_EPS:
                return True  # the held frame ends before the target: dropped unconverted
            self.target = None  # the held frame covers the target
        self._emit_video(held_frame, held_t, t - held_t if t > held_t else None)
        return True

    def _emit_video(self, frame: Any, t: float, duration: float | None) -> None:
        """Convert one frame into the outbox; ``duration`` None: from its packet, or nominal."""
        rotation = frame_rotation(frame, self.src.video)
        if duration is None:
            duration = self.src.frame_duration(frame, self.fallback_frame_s)
        image = self._to_rgb(frame, rotation)
        self.outbox[self.src.video.index].append(
            VideoFrame(src_t=t, duration=duration, generation=self.generation, image=image)
        )

    def _to_rgb(self, frame: Any, rotation: int) -> np.ndarray:
        """RGB uint8 (H, W, 3), upright, at most ``max_video_width`` wide."""
        width, height = frame.width, frame.height
        limit = self.w.max_video_width
        upright_w = height if rotation % 180 else width
        if limit is not None and upright_w > limit:
            scale = limit / upright_w
            width = max(1, int(round(width * scale)))
            height = max(1, int(round(height * scale)))
            image = frame.to_ndarray(format="rgb24", width=width, height=height, interpolation="BILINEAR")
        else:
            image = frame.to_ndarray(format="rgb24")
        if rotation:
            image = np.ascontiguousarray(np.rot90(image, rotation // 90))
        return image

    # -- audio -----------------------------------------------------------------------------
    def _on_audio_frames(self, frames: list[Any], *, flush: bool) -> None:
        w = self.w
        if self.resampler is None and frames:
            self.resampler = av.AudioResampler(
                format="flt", layout=_LAYOUTS[w.audio_channels], rate=w.audio_rate
            )
        if self.resampler is None:
            return
        out: list[Any] = []
        for frame in frames:
            out.extend(self.resampler.resample(frame))
        if flush:
            out.extend(self.resampler.resample(None))
            self.resampler = None
        for o in out:
            self._emit_audio(o)

    def _emit_audio(self, frame: Any) -> None:
        """Queue one resampled frame as an AudioChunk, trimmed to start at a seek target."""
        w = self.w
        samples = frame.to_ndarray().reshape(-1, w.audio_channels)  # packed flt: (1, n*ch)
        t = self.src.frame_time(frame)
        expected = self.audio_next_t
        if t is None:
            t = expected if expected is not None else (self.audio_from or 0.0)
        elif expected is not None and abs(t - expected) < AUDIO_JITTER_S:
            # Coarse time bases (Matroska's 1 ms) make pts jitter: keep samples contiguous
            # and only honour real gaps or overlaps.
            t = expected
        self.audio_next_t = t + samples.shape[0] / w.audio_rate
        if self.audio_from is not None:
            skip = int(round((self.audio_from - t) * w.audio_rate))
            if skip >= samples.shape[0]:
                return
            if skip > 0:
                samples = samples[skip:]
                t = self.audio_from
            self.audio_from = None
        if samples.shape[0] == 0:
            return
        assert self.src.audio is not None
        self.outbox[self.src.audio.index].append(
            AudioChunk(
                src_t=t,
                generation=self.generation,
                samples=np.ascontiguousarray(samples, dtype=np.float32),
                sample_rate=w.audio_rate,
            )
        )
