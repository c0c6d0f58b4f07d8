"""``speednet-player train``: self-supervised SpeedNet training on a folder of videos.

One process: ``speednet-player train --data DIR``. Many (CPU gloo or CUDA nccl):
``torchrun --nproc_per_node N -m player train --data DIR`` (DistributedDataParallel;
--batch-size is per process).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, type=Path, help="a folder of videos, or the corpus root with MANIFEST.tsv")
    parser.add_argument("--out", type=Path, default=Path("runs/train"), help="output folder (checkpoints, log.jsonl)")
    parser.add_argument("--variant", choices=["small", "i3d", "paper", "tiny"], default="small", help="model size (default small)")
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--steps", type=int, default=3000, help="optimizer steps (default 3000)")
    length.add_argument("--epochs", type=float, help="train for this many passes over the training frames instead")
    parser.add_argument("--batch-size", type=int, default=32, help="clips per step and process, an even number (default 32)")
    parser.add_argument("--lr", type=float, default=2e-3, help="peak learning rate (AdamW, cosine decay)")
    parser.add_argument("--device", default="auto", help="auto (cuda, mps, cpu), cpu, cuda, cuda:N or mps")
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint in --out")
    parser.add_argument("--val-fraction", type=float, default=0.2, help="share of each category held out, by whole clip (default 0.2)")
    parser.add_argument("--val-every", type=int, default=200, help="validate and checkpoint every N steps")
    parser.add_argument("--threads", type=int, help="torch CPU threads per process")
    parser.add_argument("--time-limit", type=float, help="stop cleanly after this many seconds")
    parser.add_argument("--init", "--init-from", dest="init_from", type=Path, help="start from this checkpoint's weights (same architecture), or from converted Kinetics I3D weights for --variant i3d (python -m models.i3d_weights)")
    parser.add_argument("--folds", type=int, default=0, help="cross-validate by source: hold out fold --fold of this many (models/folds.py)")
    parser.add_argument("--fold", type=int, default=0, help="which fold to hold out (with --folds)")
    parser.add_argument("--train-fraction", type=float, default=1.0, help="with --folds: train on this share of the other sources (learning curve)")
    parser.add_argument("--cache-dir", type=Path, help="decoded-frame cache (default OUT/cache)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ema", type=float, metavar="DECAY", help="also keep an exponential moving average of the weights (ema.safetensors), e.g. 0.998")
    recipe = parser.add_argument_group("recipe", "the knobs the shipped model was trained with (resources/MODEL_CARD.md)")
    recipe.add_argument("--warmup", type=int, default=100, metavar="STEPS", help="linear learning-rate warmup (default 100)")
    recipe.add_argument("--weight-decay", type=float, default=0.05, help="AdamW weight decay (default 0.05)")
    recipe.add_argument("--rank-weight", type=float, default=0.5, help="weight of the pairwise ranking term (default 0.5; 0 = the paper's loss alone)")
    recipe.add_argument("--aug-scale", type=float, nargs=2, metavar=("LO", "HI"), help="random square side as a fraction of the input size (default: the spec's 64/224 336/224)")
    recipe.add_argument("--dropout", type=float, help="dropout before the classifier (default: the variant's)")
    recipe.add_argument("--input-diff", action="store_true", help="feed frame differences beside the frames (models/config.py)")
    recipe.add_argument("--color-jitter", type=float, default=0.0, metavar="STRENGTH", help="shared brightness/contrast/saturation jitter, e.g. 0.3")
    recipe.add_argument("--phase-jitter", action="store_true", help="random sub-frame phase of the regular sampling grid")
    recipe.add_argument("--regular-fraction", type=float, default=0.5, help="share of pairs sampled on a regular stride instead of the paper's random walk (default 0.5)")
    recipe.add_argument("--reverse-fraction", type=float, default=0.5, help="share of pairs played backwards (default 0.5); 0 and 0 with --rank-weight 0 is the paper's recipe")
    recipe.add_argument("--weight-cap", type=float, metavar="SECONDS", help="cap each clip's sampling weight at this many seconds of windows")
    recipe.add_argument("--add-train", action="append", default=[], metavar="PREFIX", help="admit clips under this corpus path prefix that the default exclusions leave out, for training only (repeatable)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _config_overrides(args: argparse.Namespace) -> dict:
    """The architecture/preprocessing flags that differ from the variant's defaults."""
    overrides: dict = {}
    if args.aug_scale is not None:
        overrides["aug_scale"] = tuple(args.aug_scale)
    if args.dropout is not None:
        overrides["dropout"] = args.dropout
    if args.input_diff:
        overrides["input_diff"] = True
    return overrides


def run(args: argparse.Namespace) -> int:
    from models.errors import ModelError
    from models.train import TrainOptions, run_training

    if args.steps is not None and args.steps < 1:
        raise ModelError("--steps must be at least 1")
    if args.epochs is not None and args.epochs <= 0:
        raise ModelError("--epochs must be positive")
    if args.ema is not None and not 0.0 < args.ema < 1.0:
        raise ModelError("--ema must be between 0 and 1, e.g. 0.998")
    if args.aug_scale is not None and not 0 < args.aug_scale[0] <= args.aug_scale[1]:
        raise ModelError("--aug-scale needs 0 < LO <= HI")
    if args.dropout is not None and not 0.0 <= args.dropout < 1.0:
        raise ModelError("--dropout must be in [0, 1)")
    if not 0.0 <= args.color_jitter < 1.0:
        raise ModelError("--color-jitter must be in [0, 1)")
    for flag, value in (("--regular-fraction", args.regular_fraction), ("--reverse-fraction", args.reverse_fraction)):
        if not 0.0 <= value <= 1.0:
            raise ModelError(f"{flag} must be in [0, 1]")
    if args.weight_cap is not None and not args.weight_cap > 0:
        raise ModelError("--weight-cap must be a positive number of seconds")
    for flag, value in (("--warmup", args.warmup), ("--weight-decay", args.weight_decay), ("--rank-weight", args.rank_weight)):
        if value < 0:
            raise ModelError(f"{flag} must not be negative")
    summary = run_training(
        TrainOptions(
            data=args.data,
            out=args.out,
            variant=args.variant,
            steps=args.steps if args.steps is not None else 3000,
            epochs=args.epochs,
            batch_size=args.batch_size,
            lr=args.lr,
            device=args.device,
            resume=args.resume,
            val_fraction=args.val_fraction,
            val_every=args.val_every,
            seed=args.seed,
            cache_dir=args.cache_dir,
            threads=args.threads,
            progress=not args.no_progress,
            time_limit_s=args.time_limit,
            init_from=args.init_from,
            folds=args.folds,
            fold=args.fold,
            train_fraction=args.train_fraction,
            ema_decay=args.ema,
            warmup_steps=args.warmup,
            weight_decay=args.weight_decay,
            rank_weight=args.rank_weight,
            color_jitter=args.color_jitter,
            phase_jitter=args.phase_jitter,
            weight_cap_s=args.weight_cap,
            extra_train_prefixes=tuple(args.add_train),
            regular_fraction=args.regular_fraction,
            reverse_fraction=args.reverse_fraction,
            config_overrides=_config_overrides(args),
        )
    )
    if summary.get("rank", 0) == 0:
        print(
            f"trained {summary['steps']} steps in {summary['wall_s']:.0f} s "
            f"({summary['clips_per_s']:.1f} clips/s); best validation accuracy "
            f"{summary['best_val_acc']:.3f}; checkpoints: {summary['best']}, {summary['last']}"
        )
    return 0
