"""Reading spans of a video for "Learn my videos" (``models.adapt``), without decoding it whole.

``VideoReader`` opens one video, tells its duration and decodes any span of it at the
model's rate by seeking, so a two-hour file costs only the spans asked for. The frames are
``decode_at_fps``'s: the same conversion (``models.preprocess``) and the same tick rule.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path
from typing import Any

import numpy as np

from models.errors import ModelError
from models.preprocess import frame_rotation, median_frame_duration, tick_count, tick_indices, to_model_rgb


class VideoReader:
    """One open video: its duration and spans of it at the model's rate (seeking, so a
    two-hour file is never decoded whole). Times are seconds from the first frame."""

    def __init__(self, path: str | Path) -> None:
        import av

        self.path = Path(path)
        try:
            self._container = av.open(str(self.path))
        except (av.error.FFmpegError, OSError) as exc:
            raise ModelError(f"cannot open video {self.path.name}: {_short(exc)}") from None
        try:
            if not self._container.streams.video:
                raise ModelError(f"{self.path.name} has no video stream")
            self._stream = self._container.streams.video[0]
            self._stream.thread_type = "AUTO"
            self._rate = float(self._stream.average_rate or self._stream.guessed_rate or 25.0)
            self.t_first = self._first_time()
            self.duration_s = self._duration()
        except BaseException:
            self._container.close()
            raise

    def close(self) -> None:
        self._container.close()

    def __enter__(self) -> "VideoReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _first_time(self) -> float:
        import av

        try:
            for frame in self._container.decode(self._stream):
                return float(frame.time) if frame.time is not None else 0.0
        except av.error.FFmpegError as exc:
            raise ModelError(f"cannot decode {self.path.name}: {_short(exc)}") from None
        raise ModelError(f"{self.path.name} has no decodable video frames")

    def _duration(self) -> float:
        s = self._stream
        if s.duration is not None and s.time_base is not None:
            d = float(s.duration * s.time_base)
            start = float(s.start_time * s.time_base) if s.start_time is not None else self.t_first
            return max(0.0, d - (self.t_first - start))
        if self._container.duration is not None:
            return max(0.0, self._container.duration / 1_000_000 - self.t_first)
        raise ModelError(f"cannot tell how long {self.path.name} is")

    def span(self, a: float, b: float, size: int, fps: float, stop: threading.Event | None = None) -> np.ndarray:
        """Frames on screen at each tick of a ``fps`` clock from ``a`` to ``b`` (seconds from
        the first frame), squashed to ``size``: (L, size, size, 3) uint8, L may be 0.

        Exactly ``decode_at_fps``'s frames for a span starting at 0 (the same conversion and
        the same tick rule); later spans start by seeking to the keyframe before ``a``."""
        import av

        abs_a, abs_b = self.t_first + a, self.t_first + b
        if a > 0:
            target = max(0.0, abs_a - 0.5)
            self._container.seek(int(target / self._stream.time_base), stream=self._stream, backward=True)
        else:
            self._container.seek(int(self.t_first / self._stream.time_base), stream=self._stream, backward=True)
        times: list[float] = []
        images: list[np.ndarray] = []
        before: Any = None  # the last frame before ``a``: it is on screen at the first tick
        before_t = 0.0
        last_t = -math.inf
        try:
            for frame in self._container.decode(self._stream):
                if stop is not None and stop.is_set():
                    break
                t = float(frame.time) if frame.time is not None else last_t + 1.0 / self._rate
                if t < last_t - 1e-6:
                    continue  # stamped before its predecessor: the earlier one stays on screen
                last_t = t
                if t >= abs_b:
                    break
                if t <= abs_a + 1e-6 and not times:
                    before, before_t = frame, t
                    if t < abs_a - 1e-6:
                        continue
                    before = None
                if before is not None:
                    times.append(before_t)
                    images.append(to_model_rgb(before, size, frame_rotation(before, self._stream)))
                    before = None
                times.append(t)
                images.append(to_model_rgb(frame, size, frame_rotation(frame, self._stream)))
        except av.error.FFmpegError:
            pass  # a damaged stretch: keep what decoded
        if before is not None:
            times.append(before_t)
            images.append(to_model_rgb(before, size, frame_rotation(before, self._stream)))
        if not images:
            return np.zeros((0, size, size, 3), dtype=np.uint8)
        t_arr = np.asarray(times, dtype=np.float64)
        end = min(abs_b, float(t_arr[-1]) + median_frame_duration(t_arr, fps))
        start = abs_a if a > 0 else float(t_arr[0])
        if end <= start:
            return np.zeros((0, size, size, 3), dtype=np.uint8)
        ticks = start + np.arange(tick_count(start, end, fps)) / fps
        return np.stack(images)[tick_indices(t_arr, ticks)]


def _short(exc: BaseException) -> str:
    """The error on one line (FFmpeg's messages can span several), for a one-line ModelError."""
    return " ".join(str(exc).split()) or type(exc).__name__
