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
       "forced": type(make_video_view("gl")).__name__}
view = GLVideoView()
view.resize(400, 400)
view.show()
image = np.zeros((180, 320, 3), np.uint8)
image[:90] = (255, 0, 0)   # top half red
image[90:] = (0, 0, 255)   # bottom half blue
view.set_frame(VideoFrame(0.0, 1 / 30, 0, image))
for _ in range(5):
    app.processEvents()
    time.sleep(0.01)
grabbed = view.grab().toImage()
r = view.picture_rect()
cx = int(r.center().x())
probes = {"top": (cx, int(r.top()) + 15), "bottom": (cx, int(r.bottom()) - 15)}
out["red"] = [side for side, (x, y) in probes.items()
              if grabbed.pixelColor(x, y).red() > 200 and grabbed.pixelColor(x, y).blue() < 60]
out["rect"] = [r.width(), r.height()]
out["corner"] = grabbed.pixelColor(2, 2).red()
view.close()
print("RESULT " + json.dumps(out))
"""


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="needs xvfb-run for a GL context")
def test_gl_view_letterboxes_like_the_qimage_view(tmp_path) -> None:
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
    assert out["red"] == ["top"]  # upright: the top half stays on top
    assert out["rect"] == pytest.approx([400, 225])
    assert out["corner"] < 20  # black letterbox
    assert "Texture has not been destroyed" not in result.stderr
