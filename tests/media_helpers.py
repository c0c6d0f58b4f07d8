"""Writing test media with PyAV: the encode-and-mux steps every clip maker repeats.

A plain module, not a conftest, so that any test folder's conftest or helper can import it
by name (``from media_helpers import mux_frames``): tests/ is on ``sys.path`` because
tests/conftest.py lives there, while the conftests themselves all share one module name.
PyAV is imported only when a frame is made, as in tests/conftest.py, so importing this
module costs nothing.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np


def rgb_frame(image: np.ndarray, pts: int | None = None) -> Any:
    """An ``av.VideoFrame`` of an RGB uint8 (H, W, 3) picture; ``pts`` None leaves it unset."""
    import av

    frame = av.VideoFrame.from_ndarray(image, format="rgb24")
    if pts is not None:
        frame.pts = pts
    return frame


def mux_frames(out: Any, stream: Any, frames: Iterable[Any]) -> None:
    """Encode ``frames`` (video or audio) into ``stream`` of the container ``out``, muxing
    every packet as it comes, then flush the encoder and mux what it still held."""
    for frame in frames:
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)
