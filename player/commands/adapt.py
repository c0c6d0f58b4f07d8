"""``speednet-player adapt VIDEO|FOLDER...``: learn my videos.

    speednet-player adapt VIDEO|FOLDER... [--minutes N] [--out MODEL.safetensors]
                                          [--model CKPT] [--device auto|cpu|cuda] [--overwrite]

Fine-tunes the model (``--model``, default the bundled one) on the videos with training's
self-supervised task (``models.adapt``), measuring 1x-vs-2x accuracy on the last 20% of
every video, held back, before and after. The adapted checkpoint is written only if that
accuracy did not drop. Without ``--out`` it goes to the player's model library (the user
data folder) and the player uses it for these videos from then on (Model menu).

Every input is probed first: a missing, corrupt or non-video file is one line and exit 2
before any model loads. Ctrl-C during training keeps the best model so far, if it did not
drop, and exits 130; nothing half-written is ever left.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from player.commands.plan_options import DEVICES

#: The default time budget (minutes): a few minutes on 2 CPU cores.
DEFAULT_MINUTES = 5.0
MAX_MINUTES = 24 * 60


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", type=Path, metavar="VIDEO|FOLDER", help="videos, or folders searched for videos")
    parser.add_argument("--minutes", type=float, default=DEFAULT_MINUTES, help=f"time budget in minutes, everything included (default {DEFAULT_MINUTES:g})")
    parser.add_argument("--out", type=Path, metavar="MODEL.safetensors", help="where to write the adapted model (default: the player's model library)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    parser.add_argument("--model", type=Path, metavar="CKPT", help="the model to start from (default: the bundled model)")
    parser.add_argument("--device", choices=DEVICES, default="auto", help="where the model trains")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _out_path(args: argparse.Namespace, videos: list[Path]) -> tuple[Path, bool]:
    """(where to write, whether it is the library's default place)."""
    from player.core.errors import OutputError

    if args.out is None:
        from player.session.model_library import ModelLibrary

        return ModelLibrary().new_path(videos), True
    if args.out.suffix != ".safetensors":
        raise OutputError(f"--out must end in .safetensors: {args.out}")
    from player.export.output_path import check_output_path

    return check_output_path(args.out, inputs=videos, overwrite=args.overwrite), False


def run(args: argparse.Namespace) -> int:
    from player.commands.model_file import check_model_file
    from player.commands.notices import warn, warn_if_truncated
    from player.core.errors import UserError
    from player.media.probe import probe

    if not (math.isfinite(args.minutes) and 0 < args.minutes <= MAX_MINUTES):
        raise UserError(f"--minutes must be between 0 and {MAX_MINUTES}, got {args.minutes}")
    if args.model is not None:
        check_model_file(args.model)
    from player.session.model_library import find_videos

    videos = find_videos(args.inputs)
    named = {p.resolve() for p in args.inputs if not p.is_dir()}
    kept, durations = [], []
    for video in videos:
        try:
            info = probe(video)
        except UserError as exc:
            if video.resolve() in named:
                raise
            warn(f"skipping {video.name}: {exc}")  # one bad file of a folder
            continue
        warn_if_truncated(info, "used")
        kept.append(video)
        durations.append(info.duration_s)
    if not kept:
        raise UserError("none of the files is a video that can be played")
    base = args.model
    if base is None:
        from models.inference import DEFAULT_CHECKPOINT

        base = DEFAULT_CHECKPOINT
    out, in_library = _out_path(args, kept)
    return _adapt(args, kept, tuple(durations), base, out, in_library, warn)


def _adapt(args, videos, durations, base, out, in_library, warn) -> int:  # type: ignore[no-untyped-def]
    from models.adapt import AdaptInterrupted, AdaptOptions, adapt

    bar = None
    if not args.no_progress:
        from tqdm import tqdm

        bar = tqdm(total=100, desc="adapt", unit="%", file=sys.stderr, disable=None, leave=False,
                   bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining} {postfix}")

    def progress(stage: str, fraction: float, message: str) -> None:
        if bar is None:
            return
        # Reading is the first 10%, training the next 85%, the last measurement the rest.
        if stage == "decode":
            pct = 10.0 * fraction
        elif stage == "train":
            pct = 10.0 + 85.0 * fraction
        else:
            pct = bar.n if bar.n < 10.0 else 95.0 + 5.0 * fraction
        bar.set_description_str(stage, refresh=False)
        bar.set_postfix_str(message, refresh=False)
        bar.update(max(0.0, round(pct, 1) - bar.n))

    def log(message: str) -> None:
        if bar is not None:
            bar.write(message, file=sys.stderr)
        else:
            print(message, file=sys.stderr)

    opts = AdaptOptions(videos=tuple(videos), base=Path(base), out=out, minutes=args.minutes, device=args.device,
                        durations=durations)
    interrupted = None
    try:
        result = adapt(opts, progress=progress, log=log, warn=lambda m: log("warning: " + m))
    except AdaptInterrupted as exc:
        interrupted, result = exc, exc.result
    finally:
        if bar is not None:
            bar.close()
    _report(result, videos, args.device)
    if result.written is not None and in_library:
        from player.session.model_library import ModelLibrary

        library = ModelLibrary()
        for video in videos:
            library.assign(video, result.written)
        print("player      uses it for " + (videos[0].name if len(videos) == 1 else f"these {len(videos)} videos"))
    if interrupted is not None:
        raise KeyboardInterrupt from interrupted
    return 0


def _report(result, videos, device) -> None:  # type: ignore[no-untyped-def]
    trained = sum(v["train_s"] for v in result.videos)
    held = sum(v["holdout_s"] for v in result.videos)
    lines = [
        f"videos      {len(result.videos)} of {len(videos)}  ({trained:.0f} s trained on, {held:.0f} s held back)",
        f"accuracy    {result.before:.3f} -> {result.after:.3f}  (1x vs 2x on the held-back parts, "
        f"{result.improved_points:+.1f} points, {result.windows} windows)",
    ]
    if len(result.per_video_before) > 1:
        for name, acc in result.per_video_before.items():
            lines.append(f"  {name}  {acc:.3f} -> {result.per_video_after.get(name, acc):.3f}")
    lines.append(f"training    {result.steps} steps in {result.wall_s / 60:.1f} min{' (stopped)' if result.stopped else ''}")
    if result.written is not None:
        lines.append(f"model       {result.written}")
    else:
        lines.append(f"model       not written: {result.reason}")
    print("\n".join(lines), flush=True)
