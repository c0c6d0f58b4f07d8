"""TrainOptions: flags generated from its fields, self-validation, and the LR schedule."""

from __future__ import annotations

import argparse
import math
from dataclasses import fields
from pathlib import Path

import pytest
import torch

from models import data
from models.errors import ModelError
from models.train import warmup_cosine
from models.train_options import TrainOptions, add_arguments, from_args


def _parse(*argv: str) -> TrainOptions:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return from_args(parser.parse_args(["--data", "videos", *argv]))


def test_defaults_match_the_sampler_and_the_dataclass() -> None:
    assert TrainOptions.regular_fraction == data.REGULAR_FRACTION  # type: ignore[comparison-overlap]
    assert TrainOptions.reverse_fraction == data.REVERSE_FRACTION  # type: ignore[comparison-overlap]
    assert _parse() == TrainOptions(data=Path("videos"))


def test_every_flag_and_alias_reaches_its_field() -> None:
    opts = _parse(
        "--out", "o", "--variant", "tiny", "--epochs", "2.5", "--batch-size", "8", "--lr", "0.01",
        "--weight-decay", "0.1", "--warmup", "5", "--device", "cpu", "--resume", "--val-fraction", "0.3",
        "--val-every", "7", "--seed", "3", "--cache-dir", "c", "--threads", "2", "--no-progress",
        "--time-limit", "60", "--rank-weight", "0", "--init-from", "w.safetensors", "--folds", "5",
        "--fold", "1", "--train-fraction", "0.5", "--add-train", "a/", "--add-train", "b/",
        "--color-jitter", "0.3", "--phase-jitter", "--weight-cap", "2", "--ema", "0.9",
        "--regular-fraction", "0", "--reverse-fraction", "0", "--aug-scale", "0.8", "1.2",
        "--dropout", "0.1", "--input-diff",
    )
    assert opts == TrainOptions(
        data=Path("videos"), out=Path("o"), variant="tiny", epochs=2.5, batch_size=8, lr=0.01,
        weight_decay=0.1, warmup_steps=5, device="cpu", resume=True, val_fraction=0.3, val_every=7,
        seed=3, cache_dir=Path("c"), threads=2, progress=False, time_limit_s=60.0, rank_weight=0.0,
        init_from=Path("w.safetensors"), folds=5, fold=1, train_fraction=0.5,
        extra_train_prefixes=("a/", "b/"), color_jitter=0.3, phase_jitter=True, weight_cap_s=2.0,
        ema_decay=0.9, regular_fraction=0.0, reverse_fraction=0.0, aug_scale=(0.8, 1.2), dropout=0.1,
        input_diff=True,
    )
    assert opts.model_overrides() == {"aug_scale": (0.8, 1.2), "dropout": 0.1, "input_diff": True}
    assert _parse("--init", "w.safetensors").init_from == Path("w.safetensors")
    with pytest.raises(SystemExit):
        _parse("--steps", "3", "--epochs", "1")  # one or the other
    flagged = {f.name for f in fields(TrainOptions) if "flags" in f.metadata}
    assert flagged == {f.name for f in fields(TrainOptions)} - {"config_overrides"}


@pytest.mark.parametrize(
    "kw, flag",
    [
        ({"steps": 0}, "--steps"), ({"epochs": 0.0}, "--epochs"), ({"batch_size": 3}, "--batch-size"),
        ({"ema_decay": 1.5}, "--ema"), ({"aug_scale": (1.5, 0.5)}, "--aug-scale"), ({"dropout": 1.0}, "--dropout"),
        ({"weight_cap_s": 0.0}, "--weight-cap"), ({"warmup_steps": -1}, "--warmup"),
        ({"regular_fraction": 2.0}, "--regular-fraction"), ({"color_jitter": math.nan}, "--color-jitter"),
    ],
)
def test_bad_values_are_refused_naming_the_flag(kw: dict, flag: str) -> None:
    with pytest.raises(ModelError, match=flag):
        TrainOptions(data=Path("videos"), **kw)


def _reference_lr(step: int, lr: float, warmup: int, total: int, time_progress: float) -> float:
    """The hand-written schedule this replaced."""
    if step < warmup:
        return lr * (step + 1) / warmup
    progress = max((step - warmup) / max(1, total - warmup), time_progress)
    return lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


@pytest.mark.parametrize("resume_at", [0, 37])
def test_lambda_lr_follows_warmup_then_cosine_to_five_percent(resume_at: int) -> None:
    total, warmup, lr = 100, 10, 2e-3
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=lr)
    for group in opt.param_groups:
        group["initial_lr"] = lr
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: warmup_cosine(s, warmup, total), last_epoch=resume_at - 1)
    for step in range(resume_at, total):
        assert opt.param_groups[0]["lr"] == pytest.approx(_reference_lr(step, lr, warmup, total, 0.0))
        opt.step()
        sched.step()
    assert warmup_cosine(total, warmup, total) == pytest.approx(0.05)
    # A time limit half spent: at least half-way down the cosine.
    assert warmup_cosine(20, warmup, total, 0.5) == pytest.approx(_reference_lr(20, 1.0, warmup, total, 0.5))
