"""The planning options the player, ``analyze`` and ``export`` share, defined and checked once.

``--rho R | --target-speedup X`` choose how the plan is made (docs/architecture.md, "Scores and the plan"), ``--model`` and
``--device`` which SpeedNet scores the video and where.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

DEVICES = ("auto", "cpu", "cuda")


def add_plan_arguments(parser: argparse.ArgumentParser) -> argparse._MutuallyExclusiveGroup:
    """Add --rho/--target-speedup (exclusive), --model and --device; returns the exclusive group
    so a command can add another way to get a plan (export's --load-plan)."""
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--rho",
        type=float,
        metavar="R",
        help="threshold, 0.01 to 0.99: higher is stricter, i.e. slower playback (default 0.5)",
    )
    mode.add_argument(
        "--target-speedup",
        type=float,
        metavar="X",
        help="overall speed-up to reach (>= 1), e.g. 2 for a cut half as long",
    )
    parser.add_argument("--model", type=Path, metavar="CKPT", help="checkpoint (default: the bundled model)")
    parser.add_argument("--device", choices=DEVICES, default="auto", help="where the model runs")
    return mode


def check_plan_arguments(args: argparse.Namespace) -> None:
    """Refuse an out-of-range --rho or --target-speedup with one line (exit 2)."""
    from player.core.errors import UserError
    from player.core.plan_settings import RHO_MAX, RHO_MIN

    if args.rho is not None and not (RHO_MIN <= args.rho <= RHO_MAX):
        raise UserError(f"--rho must be between {RHO_MIN} and {RHO_MAX}, got {args.rho}")
    if args.target_speedup is not None and not (
        math.isfinite(args.target_speedup) and args.target_speedup >= 1.0
    ):
        raise UserError(f"--target-speedup must be a number >= 1, got {args.target_speedup}")
