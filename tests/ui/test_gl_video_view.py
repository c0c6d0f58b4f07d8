"""The OpenGL picture path, on a real X server (Xvfb + Mesa): the offscreen platform has no
GL, so this test starts its own Xvfb in a subprocess and skips where there is none."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, time
import numpy as np
from PySide6.QtWidgets import QApplication
app = QApplication([])
from player.core.frames import VideoFrame
from player.ui.gl_video_view import GLVideoView, gl_renderer
from player.ui.video_view import make_video_view

out = {"renderer": gl_renderer(), "auto": type(make_video_view()).__name__,
       "forced": type(make_video_view("gl")).__name__, "sides": {}}
view = GLVideoView()
view.resize(400, 400)
view.show()
image = np.zeros((180, 320, 3), np.uint8)
image[:90] = (255, 0, 0)   # top half red
image[90:] = (0, 0, 255)   # bottom half blue
for rotation in (0, 90, 180, 270):
    view.set_rotation(rotation)
    view.set_frame(VideoFrame(0.0, 1 / 30, 0, image))
    for _ in range(5):
        app.processEvents()
        time.sleep(0.01)
    grabbed = view.grab().toImage()
    r = view.picture_rect()
    cx, cy = int(r.center().x()), int(r.center().y())
    # Probe across the red/blue split: it runs horizontally at 0/180 and vertically at 90/270.
    if rotation % 180 == 0:
        probes = {"top": (cx, int(r.top()) + 15), "bottom": (cx, int(r.bottom()) - 15)}
    else:
        probes = {"left": (int(r.left()) + 15, cy), "right": (int(r.right()) - 15, cy)}
    red = [side for side, (x, y) in probes.items()
           if grabbed.pixelColor(x, y).red() > 200 and grabbed.pixelColor(x, y).blue() < 60]
    out["sides"][rotation] = {"red": red, "rect": [r.width(), r.height()],
                              "corner": grabbed.pixelColor(2, 2).red()}
view.close()
print("RESULT " + json.dumps(out))
"""


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="needs xvfb-run for a GL context")
def test_gl_view_letterboxes_and_rotates_like_the_qimage_view(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env["QT_QPA_PLATFORM"] = "xcb"
    env["PYTHONPATH"] = str(REPO)
    result = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1024x768x24", sys.executable, "-c", SCRIPT],
        capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path,
    )
    lines = [l for l in result.stdout.splitlines() if l.startswith("RESULT ")]
    assert lines, result.stdout + result.stderr
    out = json.loads(lines[0][len("RESULT "):])
    if out["renderer"] is None:
        pytest.skip("no OpenGL context under Xvfb here")
    assert out["forced"] == "GLVideoView"
    # A software rasteriser is slower than QPainter, so auto keeps the QImage view there.
    if "llvmpipe" in out["renderer"].lower():
        assert out["auto"] == "VideoView"
    sides = out["sides"]
    assert sides["0"]["red"] == ["top"]
    assert sides["90"]["red"] == ["left"]  # counter-clockwise: the top turns to the left
    assert sides["180"]["red"] == ["bottom"]
    assert sides["270"]["red"] == ["right"]
    assert sides["0"]["rect"] == pytest.approx([400, 225])
    assert sides["90"]["rect"] == pytest.approx([225, 400])
    assert all(s["corner"] < 20 for s in sides.values())  # black letterbox
    assert "Texture has not been destroyed" not in result.stderr
