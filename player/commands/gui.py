"""The default command: the desktop player window.

``speednet-player [VIDEO] [--smart] [--rho R | --target-speedup X] [--quit-after SECONDS]
[--screenshot PNG] [--model CKPT] [--device D] [--no-audio]``; with no VIDEO it opens the
bundled demo clip.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from player.commands.plan_options import add_plan_arguments, check_plan_arguments
from player.core.errors import MediaError, OutputError, UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("video", nargs="?", metavar="VIDEO", help="video to open (default: the bundled demo clip)")
    parser.add_argument("--smart", action="store_true", help="start with smart fast-forward on")
    add_plan_arguments(parser)
    parser.add_argument("--quit-after", type=float, metavar="SECONDS", help="play this long, then quit (for docs and checks)")
    parser.add_argument("--screenshot", metavar="PNG", help="save a screenshot of the window when it quits")
    parser.add_argument("--no-audio", action="store_true", help="play without opening an audio device")


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
