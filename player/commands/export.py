"""``speednet-player export VIDEO [OUT]``: write the sped-up cut, and/or the plan for editors.

    speednet-player export VIDEO [OUT] [--rho R | --target-speedup X] [--model CKPT]
                           [--device auto|cpu|cuda] [--preset P] [--crf N] [--fps F]
                           [--overwrite] [--timeline T.fcpxml|T.edl] [--plan P.json]
                           [--load-plan P.json] [--no-cache]

OUT is the cut (H.264 + AAC in MP4; .mp4, .m4v or .mov). It may be left out when
``--timeline`` or ``--plan`` is given: then only those are written, in well under a second
once the scores are cached, and no video is encoded. ``--load-plan`` takes a plan written by
``--plan`` or ``analyze --json`` (or edited by hand) instead of scoring the video, so no
model is needed.

Everything that can be refused is refused before any model loads or any frame is encoded,
with one line on stderr and exit code 2: a bad input, a missing model, an OUT that exists
(without ``--overwrite``), is the input, or sits in a folder that is missing or not
writable. Scores come from the score cache when present, else from the same scoring the
``analyze`` command runs (and it fills the cache). Every file is written to a temporary name
and renamed when complete: Ctrl-C, SIGTERM, SIGHUP or an error leaves nothing half-written.

A video that stops before the length its header claims (a truncated file) is planned and
exported up to where it stops, with one ``warning:`` line; so is a plan made for the claimed
length. Damaged packets are skipped, as the player skips them, and counted in a warning.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterator

from player.commands.notices import warn, warn_if_truncated
from player.commands.plan_options import add_plan_arguments, check_plan_arguments
from player.commands.scoring_bar import score_with_bar

VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov")
#: A plan file larger than this is refused unread (a real plan of 1e6 segments is ~70 MB).
MAX_PLAN_BYTES = 128 * 1024 * 1024


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from player.export.render import DEFAULT_CRF, DEFAULT_PRESET, X264_PRESETS

    parser.add_argument("video", type=Path, help="the video to speed up")
    parser.add_argument(
        "out",
        type=Path,
        nargs="?",
        help="the sped-up cut to write (.mp4); optional with --timeline or --plan",
    )
    mode = add_plan_arguments(parser)
    mode.add_argument(
        "--load-plan",
        type=Path,
        metavar="PLAN",
        help="use this plan JSON (from --plan or analyze --json) instead of scoring the video",
    )
    parser.add_argument(
        "--preset",
        choices=X264_PRESETS,
        default=DEFAULT_PRESET,
        metavar="P",
        help=f"x264 preset, ultrafast ... placebo (default {DEFAULT_PRESET})",
    )
    parser.add_argument(
        "--crf", type=int, default=DEFAULT_CRF, metavar="N", help=f"x264 quality, 0-51, lower is better (default {DEFAULT_CRF})"
    )
    parser.add_argument("--fps", metavar="F", help="output frame rate, e.g. 30 or 30000/1001 (default: the source's)")
    parser.add_argument("--overwrite", action="store_true", help="replace existing output files")
    parser.add_argument(
        "--timeline", type=Path, metavar="T", help="also write the plan as an editor timeline: T.fcpxml or T.edl"
    )
    parser.add_argument("--plan", type=Path, metavar="P", help="also write the plan itself as JSON")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the score cache")


# -- checks that need no model and no decoding ----------------------------------------------------
def _check_args(args: argparse.Namespace) -> Fraction | None:
    """Validate the options; returns the parsed --fps."""
    from player.core.errors import OutputError, UserError

    if args.out is None and args.timeline is None and args.plan is None:
        raise UserError("nothing to write: give OUT, --timeline or --plan")
    check_plan_arguments(args)
    if not 0 <= args.crf <= 51:
        raise UserError(f"--crf must be between 0 and 51, got {args.crf}")
    fps = None
    if args.fps is not None:
        try:
            fps = Fraction(args.fps).limit_denominator(1001)
        except (ValueError, ZeroDivisionError):
            raise UserError(f"--fps must be a number or a fraction such as 30000/1001, got {args.fps!r}") from None
        if not 1 <= fps <= 240:
            raise UserError(f"--fps must be between 1 and 240, got {args.fps}")
        from player.export.output_rate import STANDARD_RATES

        nearest = min(STANDARD_RATES, key=lambda r: abs(r - fps))
        if abs(nearest - fps) / nearest < 1e-3:  # "29.97" means 30000/1001
            fps = nearest
    if args.out is not None and args.out.suffix.lower() not in VIDEO_SUFFIXES:
        raise OutputError(f"the cut is written as MP4: name it .mp4, .m4v or .mov, not {args.out.name!r}")
    if args.timeline is not None:
        from player.export.timeline import timeline_format_of

        timeline_format_of(args.timeline)
    return fps


def _check_outputs(args: argparse.Namespace) -> dict[str, Path]:
    """Every output checked up front (exists, is the input, folder writable); by role."""
    from player.core.errors import OutputError
    from player.export.output_path import check_output_path

    wanted = {"out": args.out, "timeline": args.timeline, "plan": args.plan}
    inputs = [args.video] + ([args.load_plan] if args.load_plan is not None else [])
    checked: dict[str, Path] = {}
    for role, path in wanted.items():
        if path is None:
            continue
        target = check_output_path(path, inputs=inputs, overwrite=args.overwrite)
        for other_role, other in checked.items():
            if other.resolve() == target.resolve():
                raise OutputError(f"{role} and {other_role} are the same file: {target}")
        checked[role] = target
    return checked


# -- the plan ----------------------------------------------------------------------------------
def _read_plan_text(path: Path) -> str:
    """The plan file's text; one-line ``UserError`` for anything that is not a readable,
    reasonably sized regular file (a FIFO would block the read for ever)."""
    import errno
    import os
    import stat

    from player.core.errors import UserError

    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise UserError(f"plan file {path} is a folder")
        if not stat.S_ISREG(st.st_mode):
            raise UserError(f"plan file {path} is not a regular file (a pipe, socket or device)")
        if st.st_size > MAX_PLAN_BYTES:
            raise UserError(f"{path} is not a speed plan: {st.st_size} bytes is far more than a plan takes")
        with open(path, "rb") as fh:
            data = fh.read(MAX_PLAN_BYTES + 1)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise UserError(f"plan file not found: {path}") from None
        if exc.errno == errno.ELOOP:
            raise UserError(f"plan file {path} is a symbolic link that loops back on itself") from None
        raise UserError(f"plan file {path} could not be read: {(exc.strerror or str(exc)).lower()}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{path} is not a speed plan: it is not UTF-8 text") from None


def _load_plan(path: Path, info: Any) -> Any:
    from player.core.errors import UserError
    from player.core.speed_plan import SpeedPlan

    text = _read_plan_text(path)
    try:
        plan = SpeedPlan.from_dict(json.loads(text))
    except RecursionError:
        raise UserError(f"{path} is not a speed plan: its JSON is nested too deeply") from None
    except (json.JSONDecodeError, ValueError, TypeError) as exc:
        raise UserError(f"{path} is not a speed plan: {' '.join(str(exc).split())[:200]}") from None
    duration_s = info.duration_s
    claimed = info.claimed_duration_s
    if claimed is not None and _same_length(plan.input_duration, claimed):
        return plan.cut_at(duration_s)  # made for the whole file, which stops early
    if not _same_length(plan.input_duration, duration_s):
        raise UserError(
            f"{path.name} plans {plan.input_duration:.2f} s of video but the video is "
            f"{duration_s:.2f} s long: it was made for another file"
        )
    return plan


def _same_length(a: float, b: float) -> bool:
    return abs(a - b) <= max(1.0, 0.02 * b)


def _scored_plan(args: argparse.Namespace, info: Any) -> tuple[Any, float, bool]:
    """(plan, rho used, target met): scores from the cache, the model scoring what it lacks."""
    from player.commands.model_file import load_scorer
    from player.core.speedup import SpeedPlanner

    scorer = load_scorer(args.model, args.device)
    scores = score_with_bar(args.video, info, scorer, use_cache=not args.no_cache)
    snap = scores.track.snapshot()
    result = SpeedPlanner(snap.times, snap.p_natural, snap.duration).plan(
        rho=args.rho, target_speedup=args.target_speedup
    )
    return result.plan, float(result.rho_used), bool(result.target_met)


# -- running -----------------------------------------------------------------------------------
#: Signals that end an export the way Ctrl-C does: SIGHUP is the terminal going away.
_TERMINATE_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """SIGTERM and SIGHUP raise SystemExit while exporting, so the temporary file is removed.

    Only where nobody handles them yet: the CLI's own handler (player/cli.py), when it owns
    the process, does the same and more; a signal set to be ignored (``nohup``) stays ignored.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    previous = {sig: signal.getsignal(sig) for sig in _TERMINATE_SIGNALS}
    for sig, old in previous.items():
        if old is signal.SIG_DFL:
            signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old if old is not None else signal.SIG_DFL)


def _render_with_bar(args: argparse.Namespace, plan: Any, out: Path, fps: Fraction | None) -> Any:
    from tqdm import tqdm

    from player.export.render import export_cut

    with tqdm(total=100, unit="%", desc="exporting", file=sys.stderr, disable=None, leave=False,
              bar_format="{desc}: {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}]") as bar:  # fmt: skip

        def progress(fraction: float) -> None:
            bar.update(max(0.0, 100 * fraction - bar.n))

        return export_cut(
            args.video, plan, out, progress, preset=args.preset, crf=args.crf, fps=fps, overwrite=args.overwrite
        )


def run(args: argparse.Namespace) -> int:
    fps = _check_args(args)
    outputs = _check_outputs(args)

    from player.media.probe import probe

    info = probe(args.video)
    warn_if_truncated(info, "exported" if "out" in outputs else "planned")

    rho: float | None = None
    target_met = True
    if args.load_plan is not None:
        plan = _load_plan(args.load_plan, info)
    else:
        plan, rho, target_met = _scored_plan(args, info)

    lines = []
    # The cut first: it is the step that can fail late (a full disk, a damaged file), and
    # a run that fails should leave no output at all, not a plan or timeline without it.
    with _terminate_as_exit():
        result = _render_with_bar(args, plan, outputs["out"], fps) if "out" in outputs else None
        if "plan" in outputs:
            from player.export.plan_file import write_plan_json

            extra = {"source": str(Path(args.video).name)}
            if rho is not None:
                extra["rho"] = rho
            write_plan_json(outputs["plan"], plan, inputs=[args.video], extra=extra, overwrite=args.overwrite)
            lines.append(f"plan        {outputs['plan']}")
        if "timeline" in outputs:
            from player.export.timeline import write_timeline

            write_timeline(outputs["timeline"], plan, info, fps=fps, overwrite=args.overwrite)
            lines.append(f"timeline    {outputs['timeline']}")

    from player.core.status_text import format_clock, output_phrase, plan_phrase
    from player.export.output_rate import output_frame_rate
    from player.export.timeline_events import output_duration

    # One output duration everywhere: the cut's frames at its rate (analyze and the
    # timelines print the same).
    out_rate = fps if fps is not None else output_frame_rate(info.fps_avg)
    out_frames, out_s = output_duration(plan, out_rate)
    target = args.target_speedup if args.load_plan is None else None
    summary = [
        f"input       {format_clock(plan.input_duration)}  ({plan.input_duration:.2f} s)",
        f"output      {format_clock(float(out_s))}  ({output_phrase(out_frames, out_rate)})",
        f"speed-up    x{plan.speedup:.2f}  ({plan_phrase(len(plan), rho=rho, target=target)})",
    ]
    if args.target_speedup is not None and not target_met:
        summary.append(
            f"target      x{args.target_speedup:.2f} not reachable within 1%: the closest plan is x{plan.speedup:.2f}"
        )
    if result is not None:
        xrt = result.input_duration_s / result.elapsed_s if result.elapsed_s > 0 else float("inf")
        summary[1] = f"output      {format_clock(result.duration_s)}  ({output_phrase(result.frame_count, result.fps)})"
        lines.insert(0, f"wrote       {result.path}  (in {result.elapsed_s:.1f} s, {xrt:.1f}x real time)")
        if result.skipped_packets:
            n = result.skipped_packets
            warn(
                f"skipped {n} damaged packet{'s' if n != 1 else ''} of '{Path(args.video).name}' "
                "that could not be decoded (the picture holds, the sound is silent there)"
            )
    print("\n".join(summary + lines))
    return 0
