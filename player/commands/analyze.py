"""``speednet-player analyze VIDEO``: score a video with SpeedNet and print its speed plan.

    speednet-player analyze VIDEO [--rho R | --target-speedup X] [--model CKPT]
                                  [--device auto|cpu|cuda] [--json OUT] [--no-cache]

Probes first (a bad file is one line and exit 2 before any model loads), scores the whole
video with the same ``ScoreWorker`` the player uses (progress bar on stderr), plans V(t),
and prints a short summary on stdout. ``--json OUT`` writes exactly these fields:
``speeds``, ``times``, ``p_natural`` (one list per speed; null where a speed could not be
judged), ``rho``, ``v``, ``segments`` ([{start, end, speed}]), ``input_duration_s``,
``output_duration_s``. The default rho is ``DEFAULT_RHO`` (0.5, see player/core/speedup.py).

Scores are cached (player/analysis/score_cache.py), so a second analyze of the same video,
e.g. with another rho, runs no model; ``--no-cache`` neither reads nor writes the cache.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

from player.commands.notices import warn_if_truncated
from player.commands.plan_options import add_plan_arguments, check_plan_arguments
from player.commands.scoring_bar import score_with_bar

JSON_PREFIX = '{"speeds"'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("video", type=Path, help="the video file to analyze")
    add_plan_arguments(parser)
    parser.add_argument("--json", type=Path, metavar="OUT", help="write scores and plan as JSON to OUT")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --json file")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the score cache")


def _json_target(args: argparse.Namespace) -> Path | None:
    """Validate --json up front (before minutes of scoring); None when not asked for."""
    if args.json is None:
        return None
    from player.export.output_path import check_output_path

    overwrite = bool(args.overwrite) or _is_earlier_output(args.json)
    return check_output_path(args.json, inputs=[args.video], overwrite=overwrite)


def _is_earlier_output(path: Path) -> bool:
    """An existing file written by an earlier analyze may be replaced without --overwrite."""
    try:
        with open(path, "rb") as fh:
            return fh.read(len(JSON_PREFIX)) == JSON_PREFIX.encode()
    except OSError:
        return False


def run(args: argparse.Namespace) -> int:
    check_plan_arguments(args)
    json_out = _json_target(args)

    from player.media.probe import probe

    info = probe(args.video)
    warn_if_truncated(info, "analyzed")

    from player.commands.model_file import load_scorer
    from player.core.speedup import SpeedPlanner

    scorer = load_scorer(args.model, args.device)
    t0 = time.perf_counter()
    scores = score_with_bar(args.video, info, scorer, use_cache=not args.no_cache)
    spent = time.perf_counter() - t0
    track, from_cache = scores.track, scores.from_cache

    snap = track.snapshot()
    planner = SpeedPlanner(snap.times, snap.p_natural, snap.duration)
    result = planner.plan(rho=args.rho, target_speedup=args.target_speedup)
    plan = result.plan

    if json_out is not None:
        _write_json(json_out, snap.speeds, snap.times, snap.p_natural, result, overwrite=True)

    from player.core.status_text import format_clock, output_phrase, plan_phrase
    from player.export.output_rate import output_frame_rate
    from player.export.timeline_events import output_duration

    fps = f"{info.fps_avg:.3f}".rstrip("0").rstrip(".")
    # The output duration as the exported cut will have it (whole frames at its rate), so
    # analyze, export and the timelines print one number.
    out_frames, out_s = output_duration(plan, output_frame_rate(info.fps_avg))
    lines = [
        f"video       {args.video.name}  ({info.width}x{info.height}, {fps} fps)",
        f"input       {format_clock(plan.input_duration)}  ({plan.input_duration:.2f} s)",
        f"output      {format_clock(float(out_s))}  ({output_phrase(out_frames, output_frame_rate(info.fps_avg))})",
        f"speed-up    x{plan.speedup:.2f}  ({plan_phrase(len(plan), rho=result.rho_used, target=args.target_speedup)})",
    ]
    if args.target_speedup is not None and not result.target_met:
        lines.append(
            f"target      x{args.target_speedup:.2f} not reachable within 1%: "
            f"the closest plan is x{plan.speedup:.2f}"
        )
    if from_cache:
        lines.append(f"time spent  {spent:.2f} s  (scores from the cache, no model run)")
    else:
        xrt = info.duration_s / spent if spent > 0 else float("inf")
        lines.append(f"time spent  {spent:.1f} s  ({xrt:.1f}x real time, model on {scorer.device})")
    if json_out is not None:
        lines.append(f"json        {json_out}")
    print("\n".join(lines))
    return 0


def _write_json(out: Path, speeds, times, p_natural, result, *, overwrite: bool) -> None:  # type: ignore[no-untyped-def]
    import json

    import numpy as np

    from player.export.output_path import write_text_atomic

    p = np.round(p_natural.astype(np.float64), 6)
    data = {
        "speeds": [float(s) for s in speeds],
        "times": np.round(times, 6).tolist(),
        # JSON has no NaN: a speed that could not be judged is null.
        "p_natural": [[None if math.isnan(x) else x for x in row] for row in p.tolist()],
        "rho": float(result.rho_used),
        "v": [float(x) for x in result.v],
        "segments": result.plan.to_dict()["segments"],
        "input_duration_s": float(result.plan.input_duration),
        "output_duration_s": float(result.plan.output_duration),
    }
    text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    assert text.startswith(JSON_PREFIX)
    write_text_atomic(out, text + "\n", overwrite=overwrite)
