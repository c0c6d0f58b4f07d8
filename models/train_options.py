"""The settings of one training run, written once: ``TrainOptions``.

Each field carries its command-line flag in its metadata, so ``add_arguments`` generates the
``speednet-player train`` flags from the fields, ``from_args`` reads them back, and
``TrainOptions`` checks its own values (errors name the flag). A new setting is one field
here and nothing else. No torch import: the CLI builds its parser without loading torch.
"""

from __future__ import annotations

import argparse
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

from models.errors import ModelError

VARIANTS = ("small", "i3d", "paper", "tiny")
#: Shares of regular-grid and backwards pairs by default; the same numbers as
#: models.data.REGULAR_FRACTION / REVERSE_FRACTION (tests/models/test_train_options.py checks).
REGULAR_FRACTION = 0.5
REVERSE_FRACTION = 0.5

_RECIPE = "recipe"


def _flag(*names: str, group: str | None = None, **argparse_kw: Any) -> dict[str, Any]:
    """Field metadata: the flag names and argparse keywords (type, help, action, ...)."""
    return {"flags": names, "group": group, "argparse": argparse_kw}


@dataclass
class TrainOptions:
    """Settings of one training run (the ``speednet-player train`` flags)."""

    data: Path = field(metadata=_flag("--data", type=Path, required=True, help="a folder of videos, or the corpus root with MANIFEST.tsv"))
    out: Path = field(default=Path("runs/train"), metadata=_flag("--out", type=Path, help="output folder (checkpoints, log.jsonl)"))
    variant: str = field(default="small", metadata=_flag("--variant", choices=list(VARIANTS), help="model size (default small)"))
    steps: int = field(default=3000, metadata=_flag("--steps", type=int, help="optimizer steps (default 3000)"))
    # If set, overrides steps (1 epoch ~ every train frame once as a window start).
    epochs: float | None = field(default=None, metadata=_flag("--epochs", type=float, help="train for this many passes over the training frames instead"))
    batch_size: int = field(default=32, metadata=_flag("--batch-size", type=int, help="clips per step and process, an even number (default 32)"))
    lr: float = field(default=2e-3, metadata=_flag("--lr", type=float, help="peak learning rate (AdamW, cosine decay)"))
    weight_decay: float = field(default=0.05, metadata=_flag("--weight-decay", type=float, group=_RECIPE, help="AdamW weight decay (default 0.05)"))
    warmup_steps: int = field(default=100, metadata=_flag("--warmup", type=int, metavar="STEPS", group=_RECIPE, help="linear learning-rate warmup (default 100)"))
    device: str = field(default="auto", metadata=_flag("--device", help="auto (cuda, mps, cpu), cpu, cuda, cuda:N or mps"))
    resume: bool = field(default=False, metadata=_flag("--resume", action="store_true", help="continue from the last checkpoint in --out"))
    val_fraction: float = field(default=0.2, metadata=_flag("--val-fraction", type=float, help="share of each category held out, by whole clip (default 0.2)"))
    val_every: int = field(default=200, metadata=_flag("--val-every", type=int, help="validate and checkpoint every N steps"))
    seed: int = field(default=0, metadata=_flag("--seed", type=int))
    cache_dir: Path | None = field(default=None, metadata=_flag("--cache-dir", type=Path, help="decoded-frame cache (default OUT/cache)"))
    threads: int | None = field(default=None, metadata=_flag("--threads", type=int, help="torch CPU threads per process"))
    progress: bool = field(default=True, metadata=_flag("--no-progress", action="store_false", help="no progress bar"))
    # Stop cleanly (and save) after this much wall time.
    time_limit_s: float | None = field(default=None, metadata=_flag("--time-limit", type=float, help="stop cleanly after this many seconds"))
    # Architecture/preprocessing changes from the variant's config (ModelConfig fields).
    config_overrides: dict[str, Any] = field(default_factory=dict)
    # Weight of a pairwise ranking term, softplus(logit_normal - logit_sped_up), on top of
    # the paper's binary cross-entropy: both clips of a window are in the batch, so the net
    # is also told directly which of the two is faster.
    rank_weight: float = field(default=0.5, metadata=_flag("--rank-weight", type=float, group=_RECIPE, help="weight of the pairwise ranking term (default 0.5; 0 = the paper's loss alone)"))
    # Start from these weights, fresh optimizer: a SpeedNet checkpoint of the same
    # architecture, or converted Kinetics I3D weights (models.i3d_weights) for an "i3d"
    # model, which fill the trunk and leave the head fresh.
    init_from: Path | None = field(default=None, metadata=_flag(
        "--init", "--init-from", type=Path,
        help="start from this checkpoint's weights (same architecture), or from converted Kinetics I3D weights for --variant i3d (python -m models.i3d_weights)",
    ))
    # Distillation: a trained SpeedNet (any family, e.g. the slower i3d) whose P(sped up) on
    # each training clip is a second, soft target for the model being trained, weighted
    # by distill_weight against the self-supervised label.
    teacher: Path | None = field(default=None, metadata=_flag(
        "--teacher", type=Path, help="distil this checkpoint into the model: its probabilities are soft targets",
    ))
    distill_weight: float = field(default=0.5, metadata=_flag("--distill-weight", type=float, help="share of the teacher's soft target in the loss (default 0.5)"))
    # Cross-validation by source (models.folds): with folds >= 2, hold out every clip of the
    # sources in fold ``fold`` instead of the per-category split, and train on
    # ``train_fraction`` of the other sources (a learning curve).
    folds: int = field(default=0, metadata=_flag("--folds", type=int, help="cross-validate by source: hold out fold --fold of this many (models/folds.py)"))
    fold: int = field(default=0, metadata=_flag("--fold", type=int, help="which fold to hold out (with --folds)"))
    train_fraction: float = field(default=1.0, metadata=_flag("--train-fraction", type=float, help="with --folds: train on this share of the other sources (learning curve)"))
    # Path prefixes of clips that data.EXCLUDED_PREFIXES leaves out, admitted here for
    # TRAINING ONLY: they join the train side after the split, so the held-out clips stay
    # exactly those of a run without them and the evaluation numbers compare.
    extra_train_prefixes: tuple[str, ...] = field(default=(), metadata=_flag(
        "--add-train", action="append", metavar="PREFIX", group=_RECIPE,
        help="admit clips under this corpus path prefix that the default exclusions leave out, for training only (repeatable)",
    ))
    # Shared brightness/contrast/saturation range (data.PairSampler).
    color_jitter: float = field(default=0.0, metadata=_flag("--color-jitter", type=float, metavar="STRENGTH", group=_RECIPE, help="shared brightness/contrast/saturation jitter, e.g. 0.3"))
    phase_jitter: bool = field(default=False, metadata=_flag("--phase-jitter", action="store_true", group=_RECIPE, help="random sub-frame phase of the regular sampling grid"))
    # Cap of one clip's sampling weight, in seconds of windows.
    weight_cap_s: float | None = field(default=None, metadata=_flag("--weight-cap", type=float, metavar="SECONDS", group=_RECIPE, help="cap each clip's sampling weight at this many seconds of windows"))
    # Decay of an exponential moving average of the weights (and BN statistics), kept beside
    # the raw weights. On a small corpus the raw weights swing from step to step with the
    # last few batches; the average is a steadier model. None = off.
    ema_decay: float | None = field(default=None, metadata=_flag("--ema", type=float, metavar="DECAY", help="also keep an exponential moving average of the weights (ema.safetensors), e.g. 0.998"))
    # Shares of pairs sampled on a regular grid and played backwards (data.PairSampler);
    # 0 and 0 (with rank_weight 0) is the paper's recipe exactly.
    regular_fraction: float = field(default=REGULAR_FRACTION, metadata=_flag("--regular-fraction", type=float, group=_RECIPE, help="share of pairs sampled on a regular stride instead of the paper's random walk (default 0.5)"))
    reverse_fraction: float = field(default=REVERSE_FRACTION, metadata=_flag("--reverse-fraction", type=float, group=_RECIPE, help="share of pairs played backwards (default 0.5); 0 and 0 with --rank-weight 0 is the paper's recipe"))
    # Config overrides with flags of their own (None/False: the variant's value).
    aug_scale: tuple[float, float] | None = field(default=None, metadata=_flag("--aug-scale", type=float, nargs=2, metavar=("LO", "HI"), group=_RECIPE, help="random square side as a fraction of the input size (default: the spec's 64/224 336/224)"))
    dropout: float | None = field(default=None, metadata=_flag("--dropout", type=float, group=_RECIPE, help="dropout before the classifier (default: the variant's)"))
    input_diff: bool = field(default=False, metadata=_flag("--input-diff", action="store_true", group=_RECIPE, help="feed frame differences beside the frames (models/config.py)"))

    def __post_init__(self) -> None:
        self.data = Path(self.data)
        self.out = Path(self.out)
        self.extra_train_prefixes = tuple(self.extra_train_prefixes)
        if self.aug_scale is not None:
            self.aug_scale = (float(self.aug_scale[0]), float(self.aug_scale[1]))
        for check in (self._check_length, self._check_optimizer, self._check_sampling, self._check_model):
            check()

    # -- validation: each error names the flag ---------------------------------------------------
    def _check_length(self) -> None:
        _require(self.steps >= 1, "steps", "must be at least 1")
        _require(self.epochs is None or self.epochs > 0, "epochs", "must be positive")
        _require(self.batch_size >= 2 and self.batch_size % 2 == 0, "batch_size",
                 "must be an even number >= 2 (clips come in pairs)")

    def _check_optimizer(self) -> None:
        for name in ("warmup_steps", "weight_decay", "rank_weight"):
            _require(getattr(self, name) >= 0, name, "must not be negative")
        _require(self.ema_decay is None or 0.0 < self.ema_decay < 1.0, "ema_decay", "must be between 0 and 1, e.g. 0.998")
        _require(0.0 <= self.distill_weight <= 1.0, "distill_weight", "must be in [0, 1]")

    def _check_sampling(self) -> None:
        _require(0.0 <= self.color_jitter < 1.0, "color_jitter", "must be in [0, 1)")
        for name in ("regular_fraction", "reverse_fraction"):
            _require(0.0 <= getattr(self, name) <= 1.0, name, "must be in [0, 1]")
        _require(self.weight_cap_s is None or self.weight_cap_s > 0, "weight_cap_s", "must be a positive number of seconds")

    def _check_model(self) -> None:
        _require(self.aug_scale is None or 0 < self.aug_scale[0] <= self.aug_scale[1], "aug_scale", "needs 0 < LO <= HI")
        _require(self.dropout is None or 0.0 <= self.dropout < 1.0, "dropout", "must be in [0, 1)")

    # -- derived ---------------------------------------------------------------------------------
    def model_overrides(self) -> dict[str, Any]:
        """ModelConfig fields that differ from the variant's: ``config_overrides`` plus the
        architecture flags that were given."""
        overrides = dict(self.config_overrides)
        if self.aug_scale is not None:
            overrides["aug_scale"] = self.aug_scale
        if self.dropout is not None:
            overrides["dropout"] = self.dropout
        if self.input_diff:
            overrides["input_diff"] = True
        return overrides


def flag_of(name: str) -> str:
    """The command-line flag of a TrainOptions field (the field name if it has none)."""
    for f in fields(TrainOptions):
        if f.name == name and "flags" in f.metadata:
            return str(f.metadata["flags"][0])
    return name


def _require(ok: bool, name: str, message: str) -> None:
    if not ok:  # NaN fails every comparison above, so it lands here too
        raise ModelError(f"{flag_of(name)} {message}")


# -- command line ----------------------------------------------------------------------------------
_EXCLUSIVE = ("steps", "epochs")  # one or the other decides the run's length


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per TrainOptions field that has one, in field order."""
    recipe = parser.add_argument_group(_RECIPE, "the knobs the shipped model was trained with (resources/MODEL_CARD.md)")
    length = parser.add_mutually_exclusive_group()
    for f in fields(TrainOptions):
        if "flags" not in f.metadata:
            continue
        kw = dict(f.metadata["argparse"])
        kw["dest"] = f.name
        if "metavar" not in kw and kw.get("action") not in ("store_true", "store_false"):
            kw["metavar"] = f.metadata["flags"][0].lstrip("-").upper().replace("-", "_")
        if kw.get("action") == "append":
            kw["default"] = []
        elif not kw.get("required") and f.default is not MISSING:
            kw["default"] = f.default
        target: Any = parser
        if f.name in _EXCLUSIVE:
            target = length
        elif f.metadata["group"] == _RECIPE:
            target = recipe
        target.add_argument(*f.metadata["flags"], **kw)


def from_args(args: argparse.Namespace) -> TrainOptions:
    """The options the parsed flags describe (validated: ModelError names a bad flag)."""
    values = {f.name: getattr(args, f.name) for f in fields(TrainOptions) if "flags" in f.metadata}
    return TrainOptions(**values)
