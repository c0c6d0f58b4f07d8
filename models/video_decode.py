"""Decode a video file straight to frames at the model's frame rate (by timestamp) and a
small square size, for training, evaluation and tests. The player has its own reader
(player/media); this one exists so models/ stays independent of the player.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from models.errors import ModelError


def decode_at_fps(path: str | Path, fps: float, size: int, max_seconds: float | None = None) -> np.ndarray:
    """Frames on screen at each tick of a ``fps`` clock, squashed to (size, size).

    Returns (L, size, size, 3) uint8 RGB. Timestamp based (the same rule as
    ``transforms.indices_at_rate``): the frame shown at tick k is the latest frame whose
    presentation time is <= t0 + k / fps, so VFR and any source rate are handled alike.
    Only frames that are actually shown get converted, which keeps 60 fps sources cheap.
    """
    path = Path(path)
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise ModelError(f"cannot open video {path}: {exc}") from None
    out: list[np.ndarray] = []
    try:
        if not container.streams.video:
            raise ModelError(f"{path} has no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        rate = float(stream.average_rate or stream.guessed_rate or 25.0)
        tick_step = 1.0 / fps
        t0: float | None = None
        next_tick = 0.0
        prev = None  # (frame, converted array or None)
        prev_t = 0.0
        index = 0
        for frame in container.decode(stream):
            t = frame.time if frame.time is not None else index / rate
            index += 1
            if t0 is None:
                t0 = t
                next_tick = t0
            # Every tick before this frame's time showed the previous frame.
            while prev is not None and next_tick < t - 1e-6:
                if prev[1] is None:
                    prev = (prev[0], _convert(prev[0], size))
                out.append(prev[1])
                next_tick += tick_step
                if max_seconds is not None and next_tick - t0 >= max_seconds:
                    return np.stack(out)
            if prev is not None and t < prev_t - 1e-6:
                continue  # out-of-order timestamp: keep the earlier frame on screen
            prev = (frame, None)
            prev_t = t
        if prev is not None:
            # The last frame stays on screen for one source frame duration; count the ticks
            # by rounding (not flooring) so millisecond-rounded timestamps do not add one.
            end = prev_t + 1.0 / rate
            while next_tick < end - 0.5 * tick_step:
                if prev[1] is None:
                    prev = (prev[0], _convert(prev[0], size))
                out.append(prev[1])
                next_tick += tick_step
    except av.error.FFmpegError as exc:
        if not out:
            raise ModelError(f"cannot decode {path}: {exc}") from None
        # A truncated file: keep what decoded.
    finally:
        container.close()
    if not out:
        raise ModelError(f"{path} has no decodable video frames")
    return np.stack(out)


def _convert(frame: "av.VideoFrame", size: int) -> np.ndarray:
    return frame.to_ndarray(format="rgb24", width=size, height=size, interpolation="AREA")
