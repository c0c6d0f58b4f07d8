"""THE preprocessing of frames for SpeedNet, shared by training, ``evaluate`` and the player.

- Decode: PyAV, frame times in seconds from the stream's presentation times.
- Space and colour: each frame is converted from its native YUV to RGB24 and squashed to
  S x S (aspect ratio ignored) by swscale in one call, with the AREA filter. AREA averages
  every source pixel, so a 10x downscale does not alias into flicker, which would look like
  motion to a speed model. Then it is turned upright (display matrix or ``rotate`` tag),
  so the model sees what the viewer sees.
- Time: the frame used at tick k of a clock running at ``fps`` from t0 is the one on screen
  then, the latest frame whose time is at or before ``t0 + k / fps`` (``tick_indices``).
  24, 30, 60 fps and variable frame rates are all judged at the same motion per second.

The player's ``ModelFrameReader`` converts with ``to_model_rgb`` and samples its speed
ladder with ``tick_indices``; ``models.video_decode.decode_at_fps`` does both for
training and evaluation. A test checks that the two agree frame for frame.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: swscale filter of the RGB conversion (see the module docstring).
INTERPOLATION = "AREA"
#: A frame stamped this close after a tick counts as on screen at the tick (pts rounding).
TICK_EPS = 1e-6


def normalise_rotation(degrees: float) -> int:
    """Nearest multiple of 90 in [0, 360)."""
    return int(round(degrees / 90.0)) * 90 % 360


def frame_rotation(frame: Any, stream: Any) -> int:
    """Counter-clockwise degrees (0/90/180/270) to turn ``frame`` upright.

    The display matrix (frame side data, copied from the container by FFmpeg) wins; the old
    ``rotate`` stream tag, which is clockwise, is the fallback. ``np.rot90(image, r // 90)``
    applies it.
    """
    try:
        matrix_rot = frame.rotation
    except (AttributeError, ValueError):
        matrix_rot = 0
    if matrix_rot:
        return normalise_rotation(matrix_rot)
    # Matroska upper-cases tag names
    tag = next((v for k, v in (stream.metadata or {}).items() if k.lower() == "rotate"), None)
    if tag:
        try:
            return normalise_rotation(-float(tag))
        except ValueError:
            return 0
    return 0


def to_model_rgb(frame: Any, size: int, rotation: int = 0) -> np.ndarray:
    """A decoded PyAV video frame -> (size, size, 3) uint8 RGB, upright."""
    image = frame.to_ndarray(format="rgb24", width=size, height=size, interpolation=INTERPOLATION)
    if rotation:
        image = np.ascontiguousarray(np.rot90(image, rotation // 90))
    return image


def tick_indices(times: np.ndarray, ticks: np.ndarray) -> np.ndarray:
    """For each tick (s), the index of the frame on screen: the latest of ``times``
    (ascending) at or before it; ticks before the first frame take frame 0. int64."""
    times = np.asarray(times, dtype=np.float64)
    if times.size == 0:
        return np.zeros(0, dtype=np.int64)
    idx = np.searchsorted(times, np.asarray(ticks, dtype=np.float64) + TICK_EPS, side="right") - 1
    return np.clip(idx, 0, times.size - 1).astype(np.int64)


def tick_count(t0: float, end_time: float, fps: float) -> int:
    """Ticks of a ``fps`` clock from ``t0`` before ``end_time``, rounded (not floored) so
    timestamps rounded to the time base neither add nor lose one."""
    return max(1, int(round((end_time - t0) * fps)))


def indices_at_rate(times: np.ndarray, fps: float, end_time: float | None = None) -> np.ndarray:
    """Which source frame is on screen at each tick of a clock running at ``fps``.

    ``times`` are the presentation times (s) of the source frames, ascending. Ticks start at
    times[0] and stop before ``end_time`` (default: the last frame's time plus one median
    frame duration). A 30 fps source at 15 fps gives every second frame; a 24 fps source an
    irregular 1-2-2-1... pattern, exactly what a viewer would have seen.
    """
    times = np.asarray(times, dtype=np.float64)
    if times.size == 0:
        return np.zeros(0, dtype=np.int64)
    if end_time is None:
        end_time = float(times[-1]) + median_frame_duration(times, fps)
    ticks = times[0] + np.arange(tick_count(float(times[0]), end_time, fps)) / fps
    return tick_indices(times, ticks)


def median_frame_duration(times: np.ndarray, fallback_fps: float) -> float:
    """How long the last frame stays on screen: the median frame interval."""
    return float(np.median(np.diff(times))) if len(times) > 1 else 1.0 / fallback_fps
