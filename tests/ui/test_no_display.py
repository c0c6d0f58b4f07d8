"""Without a display the player says so in one line (exit 2) before Qt starts, instead of
Qt's abort about reinstalling xcb libraries."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from player.commands.gui import display_problem

REPO = Path(__file__).resolve().parents[2]
FOUND = lambda name: f"lib{name}.so.0"  # noqa: E731
MISSING = lambda name: None  # noqa: E731


@pytest.mark.parametrize(
    "env, find, words",
    [
        ({}, FOUND, "no display"),
        ({"QT_QPA_PLATFORM": "xcb"}, FOUND, "no display"),
        ({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}, FOUND, "no display"),
        ({"DISPLAY": ":0"}, MISSING, "libxcb-cursor0"),
        ({"DISPLAY": ":0"}, FOUND, None),
        ({"WAYLAND_DISPLAY": "wayland-0"}, MISSING, None),
        ({"QT_QPA_PLATFORM": "offscreen"}, MISSING, None),
        ({"QT_QPA_PLATFORM": "wayland;xcb", "DISPLAY": ":1"}, FOUND, None),
    ],
)
def test_display_problem(env: dict[str, str], find, words: str | None) -> None:
    problem = display_problem(env, platform="linux", find_library=find)
    if words is None:
        assert problem is None
    else:
        assert problem is not None and words in problem and "\n" not in problem


def test_other_systems_always_have_a_display() -> None:
    assert display_problem({}, platform="darwin") is None
    assert display_problem({}, platform="win32") is None


def test_player_without_a_display_exits_2_with_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"))
    result = subprocess.run(
        [sys.executable, "-m", "player", "--no-audio"], capture_output=True, text=True, timeout=60, env=env, cwd=REPO
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no display" in lines[0] and "desktop session" in lines[0], result.stderr
    assert not (tmp_path / "config").exists()  # refused before Qt (and its settings) started
