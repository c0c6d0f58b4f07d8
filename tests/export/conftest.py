"""Fixtures for the export tests: clips that tests/conftest.py's factory cannot make.

Clips come from the media engineer's factory (``make_clip`` in tests/conftest.py); here only
an odd-sized, non-YUV source (PNG frames in a MOV). Helpers live in export_facts.py.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest


@pytest.fixture(scope="session")
def odd_png_clip(media_dir: Path) -> Path:
    """1 s of 161x121 RGB PNG frames at 25 fps in a MOV, no audio: odd size, not YUV."""
    path = media_dir / "odd_png.mov"
    if not path.exists():
        with av.open(str(path), "w") as out:
            vs = out.add_stream("png", rate=25)
            vs.width, vs.height, vs.pix_fmt = 161, 121, "rgb24"
            for i in range(25):
                img = np.zeros((121, 161, 3), np.uint8)
                img[:, : 6 * i + 6] = (200, 40, 40)
                frame = av.VideoFrame.from_ndarray(img, format="rgb24")
                frame.pts = i
                for packet in vs.encode(frame):
                    out.mux(packet)
            for packet in vs.encode():
                out.mux(packet)
    return path
