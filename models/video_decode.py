"""Decode a video file to frames at the model's frame rate and input size, for training,
evaluation and tests, with THE preprocessing of ``models.preprocess`` (the player reads
with its own ``ModelFrameReader``, which converts and samples with the same functions, so
models/ stays independent of the player).
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from models.errors import ModelError
from models.preprocess import frame_rotation, indices_at_rate, median_frame_duration, to_model_rgb


def decode_frames(path: str | Path, size: int, max_seconds: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Every frame of the first video stream: times (N,) float64 s, ascending (a frame
    stamped before its predecessor is dropped: the earlier one stays on screen), and
    images (N, size, size, 3) uint8 RGB, upright. ``max_seconds`` stops after that much
    video from the first frame. ModelError if nothing decodes."""
    path = Path(path)
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise ModelError(f"cannot open video {path}: {exc}") from None
    times: list[float] = []
    images: list[np.ndarray] = []
    try:
        if not container.streams.video:
            raise ModelError(f"{path} has no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        rate = float(stream.average_rate or stream.guessed_rate or 25.0)
        for index, frame in enumerate(container.decode(stream)):
            t = frame.time if frame.time is not None else index / rate
            if times and t < times[-1] - 1e-6:
                continue
            if max_seconds is not None and times and t - times[0] >= max_seconds:
                break
            times.append(t)
            images.append(to_model_rgb(frame, size, frame_rotation(frame, stream)))
    except av.error.FFmpegError as exc:
        if not images:
            raise ModelError(f"cannot decode {path}: {exc}") from None
        # A truncated file: keep what decoded.
    finally:
        container.close()
    if not images:
        raise ModelError(f"{path} has no decodable video frames")
    return np.asarray(times, dtype=np.float64), np.stack(images)


def decode_at_fps(path: str | Path, fps: float, size: int, max_seconds: float | None = None) -> np.ndarray:
    """Frames on screen at each tick of a ``fps`` clock, (L, size, size, 3) uint8 RGB.

    Timestamp based (``models.preprocess.indices_at_rate``): tick k shows the latest frame
    at or before t0 + k / fps, so VFR and any source rate are handled alike.
    """
    if not (np.isfinite(fps) and fps > 0):
        raise ModelError(f"frame rate must be a positive number, got {fps}")
    times, images = decode_frames(path, size, max_seconds)
    end = float(times[-1]) + median_frame_duration(times, fps)
    if max_seconds is not None:
        end = min(end, float(times[0]) + max_seconds)
    return images[indices_at_rate(times, fps, end)]
