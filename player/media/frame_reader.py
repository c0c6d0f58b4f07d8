"""ModelFrameReader: frames at model size, with their source times, for the scorer.

Each decoded frame goes through ``models.preprocess.to_model_rgb``, the conversion the
model was trained with: squashed to ``size`` x ``size`` RGB in the swscale call that
converts it from YUV, then turned upright so the model sees what the viewer sees.
Resampling onto the model's frame rate is not done here; the score worker does it with
``models.preprocess.tick_indices`` (by timestamp), the rule training used.

The reader keeps its container open between calls. When a read starts where the previous
one stopped (contiguous chunks, the scorer's usual pattern) it continues decoding instead of
seeking, so a long GOP is not decoded twice.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Iterator

import av.error
import numpy as np

from models.preprocess import frame_rotation, to_model_rgb
from player.media.source import SEEK_BACKOFF_S, MediaSource

#: Frame times within this of a range boundary count as on it (float pts rounding).
TIME_EPS = 1e-4
#: Continue decoding instead of seeking when the next read starts at most this far ahead.
CONTINUE_WITHIN_S = 2.0


class ModelFrameReader:
    """Reads frames of one file at model size. Not thread-safe: one reader per thread.

    Ranges are half-open, ``[start_t, end_t)`` in source seconds, so contiguous chunks read
    every frame exactly once. One read at a time: starting a new ``iter_frames`` ends any
    earlier one on the same reader.
    """

    def __init__(self, path: str | os.PathLike[str], size: int) -> None:
        if size < 1:
            raise ValueError(f"size must be positive, got {size}")
        self.path = Path(path)
        self.size = int(size)
        self._src: MediaSource | None = None
        self._frames: Iterator[Any] | None = None  # decoded frames from the current position
        self._lookahead: tuple[Any, float] | None = None  # decoded, not yet yielded
        self._last_t: float | None = None  # time of the last frame out of the decoder
        self._consumed_t: float | None = None  # time of the last frame a read used or skipped
        self._read_id = 0  # which iter_frames call owns the position (one read at a time)

    # -- public ----------------------------------------------------------------------------
    def iter_frames(
        self, start_t: float = 0.0, end_t: float | None = None, stop: threading.Event | None = None
    ) -> Iterator[tuple[float, np.ndarray]]:
        """Yield ``(src_t, image)`` for each frame with ``start_t <= src_t < end_t``.

        ``image`` is RGB uint8 (size, size, 3), upright. ``end_t`` None reads to the end.
        Stops early (cleanly) once ``stop`` is set. Raises ``MediaError`` if the file cannot
        be opened.
        """
        src = self._open()
        self._read_id += 1
        read_id = self._read_id
        completed = False
        try:
            if not self._can_continue(start_t):
                self._seek(src, start_t)
            while True:
                if stop is not None and stop.is_set():
                    return
                item = self._next_frame(src)
                if item is None:
                    completed = True
                    return
                frame, t = item
                if end_t is not None and t >= end_t - TIME_EPS:
                    self._lookahead = item  # the next read likely starts right here
                    completed = True
                    return
                self._consumed_t = t
                if t < start_t - TIME_EPS:
                    continue  # before the range: decoded (needed) but not converted
                yield t, self._convert(frame, src)
        finally:
            if not completed and read_id == self._read_id:
                # abandoned mid-range (break, stop, error): the position is unknown now
                self._frames, self._lookahead = None, None

    def read_range(
        self, start_t: float = 0.0, end_t: float | None = None, stop: threading.Event | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """All frames in ``[start_t, end_t)``: times float64 (N,), frames uint8 (N, S, S, 3)."""
        times: list[float] = []
        images: list[np.ndarray] = []
        for t, image in self.iter_frames(start_t, end_t, stop):
            times.append(t)
            images.append(image)
        if not images:
            return np.zeros(0, np.float64), np.zeros((0, self.size, self.size, 3), np.uint8)
        return np.asarray(times, np.float64), np.stack(images)

    def close(self) -> None:
        if self._src is not None:
            self._src.close()
        self._src, self._frames, self._lookahead, self._consumed_t = None, None, None, None

    def __enter__(self) -> ModelFrameReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------
    def _open(self) -> MediaSource:
        if self._src is None:
            self._src = MediaSource(self.path, audio=False)
        return self._src

    def _can_continue(self, start_t: float) -> bool:
        """Whether decoding on from here reaches ``start_t`` cheaply without missing a frame."""
        if self._frames is None:
            return False
        consumed, ahead = self._consumed_t, self._lookahead
        if consumed is not None:
            if start_t <= consumed + TIME_EPS:
                return False  # a frame this read needs has already gone by
            here = ahead[1] if ahead is not None else consumed
        elif ahead is not None and ahead[1] <= start_t + TIME_EPS:
            here = ahead[1]  # just seeked: the next frame is at or before start_t
        else:
            return False
        return start_t <= here + CONTINUE_WITHIN_S

    def _seek(self, src: MediaSource, start_t: float) -> None:
        """Position so the next decoded frame is at or before ``start_t`` (keyframe back-off)."""
        self._lookahead, self._consumed_t = None, None
        for backoff in SEEK_BACKOFF_S:
            src.seek_video(start_t - backoff)
            self._frames = self._decoded(src)
            self._last_t = None
            first = self._next_frame(src)
            if first is None or first[1] <= start_t + TIME_EPS or start_t - backoff <= 0:
                self._lookahead = first
                return
        self._lookahead = first  # pragma: no cover - SEEK_BACKOFF_S ends at the file start

    def _decoded(self, src: MediaSource) -> Iterator[Any]:
        """Decoded video frames from the current demux position; corrupt packets skipped."""
        try:
            for packet in src.demux():
                try:
                    frames = src.video.decode(packet)
                except av.error.EOFError:
                    return
                except av.error.FFmpegError:
                    continue  # a corrupt packet: skip it, as players do
                yield from frames
        except av.error.FFmpegError:
            return  # a truncated tail: what was read is all there is

    def _next_frame(self, src: MediaSource) -> tuple[Any, float] | None:
        if self._lookahead is not None:
            item, self._lookahead = self._lookahead, None
            return item
        if self._frames is None:
            return None
        frame = next(self._frames, None)
        if frame is None:
            return None
        t = src.video_frame_time(frame)
        if t is None:
            t = 0.0 if self._last_t is None else self._last_t + src.nominal_frame_duration()
        self._last_t = t
        return frame, t

    def _convert(self, frame: Any, src: MediaSource) -> np.ndarray:
        """RGB uint8 (size, size, 3), upright; scaled in the YUV->RGB conversion itself."""
        return to_model_rgb(frame, self.size, frame_rotation(frame, src.video))
