"""``speednet-player [VIDEO] ... --quit-after S --screenshot PNG``: the scripted run used for
docs and automated checks, and the command's usage errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

REPO = Path(__file__).resolve().parents[2]


def run_player(*args: str, home: Path, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        # Settings and the score cache of the real user stay untouched.
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        HOME=str(home),
    )
    return subprocess.run(
        [sys.executable, "-m", "player", *args], capture_output=True, text=True,
        timeout=timeout, env=env, cwd=REPO,
    )


def test_quit_after_with_screenshot_plays_the_demo_and_exits_0(tmp_path, tiny_model) -> None:
    shot = tmp_path / "window.png"
    result = run_player(
        "--smart", "--quit-after", "2", "--screenshot", str(shot), "--no-audio",
        "--model", str(tiny_model), "--device", "cpu", home=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    image = QImage(str(shot))
    assert not image.isNull() and image.width() >= 640 and image.height() >= 420
    assert not list(tmp_path.glob(".window.png.partial-*"))  # written atomically
    # The window remembered the demo clip in its (temporary) settings.
    settings = (tmp_path / "config" / "SpeedNet" / "SpeedNet Player.conf").read_text()
    assert "demo_baseball.mp4" in settings


@pytest.mark.parametrize(
    "args, words",
    [
        (["/no/such/video.mp4"], "no such file"),
        (["--rho", "1.5"], "--rho"),
        (["--target-speedup", "0.5"], "--target-speedup"),
        (["--quit-after", "0"], "--quit-after"),
        (["--screenshot", "/no/such/folder/x.png"], "does not exist"),
        (["--rho", "0.5", "--target-speedup", "2"], "not allowed with"),
    ],
)
def test_usage_errors_exit_2_with_one_line(tmp_path, args: list[str], words: str) -> None:
    result = run_player(*args, home=tmp_path, timeout=30)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], result.stderr
    assert "Traceback" not in result.stderr
