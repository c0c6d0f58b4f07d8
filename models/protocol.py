"""The model card's evaluation protocol, reproducible with one command::

    python -m models.protocol --data ../shared/data --init i3d_k400.safetensors --out runs/protocol

Every run trains the same recipe for the same wall-clock budget, then is evaluated on
clips of sources it never saw (models.folds), next to the frame-difference baseline:

- k-fold cross-validation by source (``--folds``), I3D-initialised: mean and spread;
- a learning curve on fold 0: 25% and 50% of its training sources (100% is the CV run);
- an ablation on fold 0: random initialisation, same budget.

Each run's last checkpoint is evaluated (never the best on the held-out fold, which would
choose on the test set). Results go to ``OUT/results.jsonl`` (one line per run, appended,
so an interrupted protocol resumes where it stopped) and ``OUT/summary.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from models.data import FrameCache, exclusion_reason, index_corpus
from models.errors import ModelError
from models.evaluate import EvalResult, evaluate_frames
from models.folds import group_of, split_by_source
from models.train import TrainOptions, run_training


def held_out_frames(opts: TrainOptions, cache_root: Path, fps: float, size: int) -> dict[str, np.ndarray]:
    """Frames at the model's rate and input size, decoded as the player decodes them, of
    every usable clip in the held-out fold of ``opts``."""
    clips = [c for c in index_corpus(opts.data) if exclusion_reason(c, fps) is None]
    _, held = split_by_source(clips, opts.folds, opts.fold)
    cache = FrameCache(cache_root, fps, size)
    out: dict[str, np.ndarray] = {}
    for c in held:
        try:
            out[c.key] = cache.load(c)
        except ModelError as exc:
            print(f"skipping {c.key}: {exc}", file=sys.stderr)
    return out


def evaluate_run(checkpoint: Path, opts: TrainOptions, cache_root: Path) -> tuple[EvalResult, list[str]]:
    """The 1x-vs-2x evaluation of ``checkpoint`` on its held-out fold."""
    from models.checkpoint import load_checkpoint
    from models.inference import SpeedScorer

    ckpt = load_checkpoint(checkpoint)
    scorer = SpeedScorer.load(checkpoint, device="cpu")
    frames = held_out_frames(opts, cache_root, ckpt.config.fps, ckpt.config.input_size)
    trained = set(ckpt.info.get("train_clips", []))
    leaked = trained & set(frames)
    if leaked:  # a guard, not a filter: this would mean the split is broken
        raise ModelError(f"held-out clips were trained on: {sorted(leaked)[:3]}")
    result = evaluate_frames(scorer.score_clips, frames, ckpt.config.clip_len)
    groups = sorted({group_of(c) for c in index_corpus(opts.data) if c.key in frames})
    return result, groups


def run_protocol(base: TrainOptions, out: Path, folds: int, only: list[str] | None = None) -> list[dict[str, Any]]:
    results_path = out / "results.jsonl"
    done = {}
    if results_path.is_file():
        for line in results_path.read_text().splitlines():
            rec = json.loads(line)
            done[rec["run"]] = rec
    runs: list[tuple[str, TrainOptions]] = []
    for k in range(folds):
        runs.append((f"fold{k}", replace(base, folds=folds, fold=k)))
    runs.append(("fold0-25pct", replace(base, folds=folds, fold=0, train_fraction=0.25)))
    runs.append(("fold0-50pct", replace(base, folds=folds, fold=0, train_fraction=0.5)))
    runs.append(("fold0-random-init", replace(base, folds=folds, fold=0, init_from=None)))
    cache_root = base.cache_dir or out / "cache"
    records = []
    for name, opts in runs:
        if only and name not in only:
            continue
        if name in done:
            records.append(done[name])
            continue
        opts = replace(opts, out=out / name, cache_dir=cache_root)
        summary = run_training(opts)
        result, groups = evaluate_run(Path(summary["last"]), opts, cache_root)
        rec = {
            "run": name,
            "fold": opts.fold,
            "train_fraction": opts.train_fraction,
            "init": str(opts.init_from) if opts.init_from else "random",
            "steps": summary["steps"],
            "wall_s": summary["wall_s"],
            "accuracy": result.accuracy,
            "baseline_accuracy": result.baseline_accuracy,
            "clip_accuracy": result.clip_accuracy,
            "baseline_clip_accuracy": result.baseline_clip_accuracy,
            "windows": result.windows,
            "held_out_clips": len(result.clips),
            "held_out_sources": groups,
            "per_clip": result.per_clip,
        }
        with results_path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(rec) + "\n")
        print(f"{name}: accuracy {result.accuracy:.3f}, baseline {result.baseline_accuracy:.3f}", file=sys.stderr)
        records.append(rec)
    (out / "summary.md").write_text(summarise(records, folds))
    return records


def summarise(records: list[dict[str, Any]], folds: int) -> str:
    """A markdown table of the runs, with the CV mean and spread."""
    lines = ["| run | init | train share | steps | held-out clips | accuracy | frame-diff | margin (pts) |", "|---|---|---|---|---|---|---|---|"]
    for r in records:
        lines.append(
            f"| {r['run']} | {'I3D' if r['init'] != 'random' else 'random'} | {r['train_fraction']:.0%} | {r['steps']} | "
            f"{r['held_out_clips']} | {r['accuracy']:.3f} | {r['baseline_accuracy']:.3f} | "
            f"{100 * (r['accuracy'] - r['baseline_accuracy']):+.1f} |"
        )
    cv = [r for r in records if r["run"] in {f"fold{k}" for k in range(folds)}]
    if cv:
        acc = np.array([r["accuracy"] for r in cv])
        base = np.array([r["baseline_accuracy"] for r in cv])
        lines.append("")
        lines.append(
            f"Cross-validation over {len(cv)} folds: accuracy {acc.mean():.3f} ± {acc.std():.3f} "
            f"(min {acc.min():.3f}, max {acc.max():.3f}); frame-difference baseline {base.mean():.3f} ± {base.std():.3f}; "
            f"margin {100 * (acc - base).mean():+.1f} points."
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.protocol", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--init", type=Path, required=True, help="converted I3D weights (models/i3d_weights.py)")
    parser.add_argument("--out", type=Path, default=Path("runs/protocol"))
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--minutes", type=float, default=12.0, help="training budget of each run (wall clock)")
    parser.add_argument("--steps", type=int, default=100000, help="step cap of each run (the time budget usually ends it first)")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--only", nargs="*", help="run only these runs (e.g. fold0 fold1)")
    args = parser.parse_args(argv)
    base = TrainOptions(
        data=args.data,
        out=args.out,
        variant="i3d",
        steps=args.steps,
        lr=args.lr,
        warmup_steps=30,
        val_every=250,
        time_limit_s=60 * args.minutes,
        init_from=args.init,
        color_jitter=0.3,
        phase_jitter=True,
        weight_cap_s=60.0,
        cache_dir=args.out / "cache",
        progress=False,
    )
    try:
        records = run_protocol(base, args.out, args.folds, args.only)
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summarise(records, args.folds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
