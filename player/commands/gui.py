"""The default command: the desktop player window.

``speednet-player [VIDEO] [--smart] [--rho R | --target-speedup X] [--quit-after SECONDS]
[--screenshot PNG] [--model CKPT] [--device D] [--no-audio]``; with no VIDEO it opens the
bundled demo clip, paused on its first frame.

The window needs a desktop session. Without one, Qt would abort with advice about
reinstalling xcb libraries; ``display_problem`` says what is missing in one line (exit 2)
before Qt starts.
"""

from __future__ import annotations

import argparse
import ctypes.util
import os
import sys
from pathlib import Path
from typing import Callable, Mapping

from player.commands.plan_options import add_plan_arguments, check_plan_arguments
from player.core.errors import MediaError, OutputError, UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("video", nargs="?", metavar="VIDEO", help="video to open (default: the bundled demo clip)")
    parser.add_argument("--smart", action="store_true", help="start with smart fast-forward on")
    add_plan_arguments(parser)
    parser.add_argument("--quit-after", type=float, metavar="SECONDS", help="play this long, then quit (for docs and checks)")
    parser.add_argument("--screenshot", metavar="PNG", help="save a screenshot of the window when it quits")
    parser.add_argument("--no-audio", action="store_true", help="play without opening an audio device")


# Qt platform plugins that draw without a display server.
_HEADLESS_PLATFORMS = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb", "vkkhrdisplay")


def display_problem(
    env: Mapping[str, str] | None = None,
    platform: str = sys.platform,
    find_library: Callable[[str], str | None] = ctypes.util.find_library,
) -> str | None:
    """Why the window cannot open here (one sentence), or None when it can.

    Only Linux and the BSDs need a display server named in the environment: X11 (DISPLAY,
    through Qt's xcb plugin, which also needs libxcb-cursor) or Wayland (WAYLAND_DISPLAY).
    QT_QPA_PLATFORM=offscreen and the other headless plugins need neither.
    """
    env = os.environ if env is None else env
    if platform == "darwin" or platform.startswith(("win", "cygwin")):
        return None
    wanted = [p.split(":")[0].strip().lower() for p in env.get("QT_QPA_PLATFORM", "").split(";") if p.strip()]
    if wanted and all(p in _HEADLESS_PLATFORMS for p in wanted):
        return None
    wants_x = not wanted or "xcb" in wanted
    wants_wayland = not wanted or any(p.startswith("wayland") for p in wanted)
    if wants_wayland and env.get("WAYLAND_DISPLAY"):
        return None
    if wants_x and env.get("DISPLAY"):
        if find_library("xcb-cursor") is None:
            return (
                "the window needs libxcb-cursor0 for X11 (Debian/Ubuntu: sudo apt install libxcb-cursor0); "
                "analyze and export work without it"
            )
        return None
    return (
        "no display: the player window needs a desktop session (DISPLAY or WAYLAND_DISPLAY is not set); "
        "analyze and export work without one"
    )


def _check(args: argparse.Namespace) -> None:
    """Refuse bad arguments with one line (exit 2) before any window appears."""
    if args.video is not None:
        video = Path(args.video)
        if not video.exists():
            raise MediaError(f"no such file: {video}")
        if video.is_dir():
            raise MediaError(f"is a folder, not a video: {video}")
    check_plan_arguments(args)
    if args.quit_after is not None and not args.quit_after > 0:
        raise UserError(f"--quit-after must be positive, got {args.quit_after}")
    if args.screenshot is not None:
        shot = Path(args.screenshot)
        if shot.is_dir():
            raise OutputError(f"--screenshot is a folder, not a file: {shot}")
        if not shot.absolute().parent.is_dir():
            raise OutputError(f"folder for --screenshot does not exist: {shot.absolute().parent}")
    problem = display_problem()
    if problem is not None:
        raise UserError(problem)


def run(args: argparse.Namespace) -> int:
    _check(args)
    from player.app import run_player

    return run_player(
        args.video,
        smart=args.smart,
        rho=args.rho,
        target_speedup=args.target_speedup,
        quit_after_s=args.quit_after,
        screenshot=args.screenshot,
        model_path=args.model,
        device=args.device,
        audio=not args.no_audio,
    )
