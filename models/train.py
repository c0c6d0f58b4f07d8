"""Self-supervised SpeedNet training: one process, or many under torchrun with
DistributedDataParallel (gloo on CPU, nccl on CUDA). Resumable, logs loss and validation
accuracy (JSON lines in ``out/log.jsonl``), tqdm progress bar on rank 0.

Files in ``out``: ``last.safetensors`` (model) + ``last_state.safetensors`` (optimizer,
step), ``best.safetensors`` (best validation accuracy), ``log.jsonl``, and with
``--ema`` also ``ema.safetensors`` (the exponential moving average of the weights).

The shape is timm's: ``build_run`` makes everything a run holds (a ``TrainingRun``),
``train_step`` is one optimizer step, ``evaluate`` validates and logs, ``save_run`` writes
the checkpoints, and ``run_training`` is the loop that calls them. The settings are
``models.train_options.TrainOptions`` (re-exported here).
"""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch.optim.lr_scheduler import LambdaLR

from models.checkpoint import (
    load_checkpoint,
    load_train_state,
    model_hash,
    save_checkpoint,
    save_train_state,
)
from models.config import ModelConfig, config_for
from models.data import BatchPrefetchWorker, PairSampler, eval_windows
from models.device import pick_device
from models.distill import Teacher
from models.distributed import Dist as _Dist
from models.distributed import init_distributed as _init_distributed
from models.errors import ModelError
from models.network import build_model, parameter_count
from models.train_data import extra_train_clips, prepare_data
from models.train_options import TrainOptions
from models.transforms import to_network_input

__all__ = [  # TrainOptions, extra_train_clips and prepare_data are re-exported from their modules
    "TrainOptions", "TrainingRun", "build_run", "evaluate", "extra_train_clips", "load_initial_weights",
    "prepare_data", "run_training", "save_run", "train_step", "validate", "warmup_cosine",
]

#: The learning rate decays to this share of its peak.
FINAL_LR_SHARE = 0.05
#: Smoothing of the loss and accuracy shown on the progress bar and in the log.
_EMA_KEEP = 0.98


def warmup_cosine(step: int, warmup_steps: int, total_steps: int, time_progress: float = 0.0) -> float:
    """The learning rate as a share of its peak: linear warmup, then cosine to 5%.

    ``time_progress``: the share of a time limit already used. Progress is whichever is
    further along, steps or wall time, so a run on a slower (shared) machine still anneals
    before it is stopped.
    """
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    progress = max((step - warmup_steps) / max(1, total_steps - warmup_steps), time_progress)
    return FINAL_LR_SHARE + (1 - FINAL_LR_SHARE) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def load_initial_weights(model: torch.nn.Module, config: ModelConfig, path: Path) -> None:
    """Fill ``model`` from a SpeedNet checkpoint of the same architecture, or its trunk
    from converted I3D weights (ModelError if neither fits)."""
    from models.checkpoint import read_safetensors
    from models.i3d_weights import FORMAT as I3D_FORMAT

    _, meta = read_safetensors(path)
    if meta.get("format") == I3D_FORMAT:
        if config.family != "i3d":
            raise ModelError(f"--init {path}: I3D weights need an i3d variant, not {config.variant!r}")
        from models.i3d_weights import load_init

        result = model.load_state_dict(load_init(path), strict=False)
        if result.unexpected_keys or any(not k.startswith("head.") for k in result.missing_keys):
            raise ModelError(f"--init {path}: the I3D weights do not fit this trunk")
        return
    init = load_checkpoint(path)
    try:
        model.load_state_dict(init.tensors)
    except RuntimeError:
        raise ModelError(f"--init {path}: a different architecture") from None


@torch.inference_mode()
def validate(model: torch.nn.Module, config: ModelConfig, val_frames: dict[str, np.ndarray], device: torch.device) -> dict[str, float]:
    """1x-vs-2x accuracy (threshold 0.5) over the deterministic windows of the val clips."""
    was_training = model.training
    model.eval()
    correct = 0
    total = 0
    for frames in val_frames.values():
        normal, fast = eval_windows(frames, config.clip_len)
        if normal.shape[0] == 0:
            continue
        clips = torch.from_numpy(np.concatenate([normal, fast])).to(device)
        logits = model(to_network_input(clips, config))[:, 0]
        labels = torch.cat([torch.zeros(len(normal)), torch.ones(len(fast))]).to(device)
        correct += int(((logits > 0).float() == labels).sum())
        total += labels.numel()
    model.train(was_training)
    return {"val_acc": correct / total if total else float("nan"), "val_windows": total}


@dataclass
class TrainingRun:
    """Everything one run holds: built by ``build_run``, advanced by ``train_step``."""

    opts: TrainOptions
    config: ModelConfig
    device: torch.device
    dist: _Dist
    model: torch.nn.Module  # the raw model (saved, validated)
    train_model: torch.nn.Module  # what the step calls: the model, or its DDP wrapper
    optimizer: torch.optim.Optimizer
    ema: torch.optim.swa_utils.AveragedModel | None
    sampler: PairSampler
    val_frames: dict[str, np.ndarray]
    info_base: dict[str, Any]
    total_steps: int
    step: int = 0
    best_acc: float = -1.0
    elapsed_before: float = 0.0  # wall time of the runs this one resumed
    start: float = field(default_factory=time.time)
    clips_seen: int = 0
    loss_ema: float | None = None
    acc_ema: float | None = None
    last_val: dict[str, float] = field(default_factory=dict)
    scheduler: LambdaLR | None = None
    teacher: Teacher | None = None

    @property
    def out(self) -> Path:
        return Path(self.opts.out)

    def elapsed(self) -> float:
        return self.elapsed_before + time.time() - self.start

    def log(self, msg: str) -> None:
        if self.dist.main:
            print(msg, file=sys.stderr, flush=True)

    def lr_share(self, step: int) -> float:
        """``warmup_cosine`` at ``step``, with the time-limit progress rule."""
        limit = self.opts.time_limit_s
        time_progress = self.elapsed() / limit if limit else 0.0
        return warmup_cosine(step, self.opts.warmup_steps, self.total_steps, time_progress)


# -- building the run -------------------------------------------------------------------------------
def _device_and_dist(opts: TrainOptions) -> tuple[torch.device, _Dist]:
    device = torch.device(pick_device(opts.device))
    dist_info = _init_distributed(device)
    if device.type == "cuda" and dist_info.enabled:
        device = torch.device("cuda", dist_info.local_rank)
        torch.cuda.set_device(device)
    if opts.threads:
        torch.set_num_threads(opts.threads)
    return device, dist_info


def _model_config(opts: TrainOptions) -> ModelConfig:
    config = config_for(opts.variant)
    overrides = opts.model_overrides()
    return ModelConfig(**{**asdict(config), **overrides}) if overrides else config


def _resume(opts: TrainOptions, config: ModelConfig, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
            log: Callable[[str], None]) -> tuple[int, float, float]:
    """Continue from ``last`` in --out: loads weights and optimizer; returns (step, best
    accuracy, elapsed seconds) of the run resumed, or zeros for a fresh run."""
    out = Path(opts.out)
    last_state = out / "last_state.safetensors"
    if not (opts.resume and (out / "last.safetensors").is_file() and last_state.is_file()):
        return 0, -1.0, 0.0
    ckpt = load_checkpoint(out / "last.safetensors")
    if ckpt.config != config:
        raise ModelError("--resume: the checkpoint in --out was trained with a different config")
    model.load_state_dict(ckpt.tensors)
    extra = load_train_state(last_state, optimizer)
    step = int(extra.get("step", 0))
    log(f"resumed from step {step}")
    return step, float(extra.get("best_acc", -1.0)), float(extra.get("elapsed_s", 0.0))


def _weight_average(model: torch.nn.Module, opts: TrainOptions, step: int) -> torch.optim.swa_utils.AveragedModel | None:
    if opts.ema_decay is None:
        return None
    from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

    ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(opts.ema_decay), use_buffers=True)
    saved = Path(opts.out) / "ema.safetensors"
    if step and saved.is_file():
        ema.module.load_state_dict(load_checkpoint(saved).tensors)
        # Without this the first update would copy the raw weights over the average.
        ema.n_averaged.fill_(step)
    return ema


def _total_steps(opts: TrainOptions, config: ModelConfig, train_frames: int, world: int) -> int:
    if opts.epochs is None:
        return opts.steps
    pairs_per_epoch = train_frames / config.clip_len
    return max(1, int(math.ceil(opts.epochs * pairs_per_epoch / (opts.batch_size // 2 * world))))


def _wrap_distributed(model: torch.nn.Module, device: torch.device, dist_info: _Dist) -> torch.nn.Module:
    if not dist_info.enabled:
        return model
    import warnings

    from torch.nn.parallel import DistributedDataParallel

    # 1x1x1 conv weights in channels_last_3d have ambiguous strides; DDP warns about the
    # bucket layout on every step but the result is correct.
    warnings.filterwarnings("ignore", message="Grad strides do not match bucket view strides")
    return DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)


def _scheduler(run: TrainingRun) -> LambdaLR:
    """Warmup and cosine as a LambdaLR whose epoch is the optimizer step (resume included)."""
    for group in run.optimizer.param_groups:
        group["initial_lr"] = run.opts.lr  # the peak, whatever a resumed state held
    return LambdaLR(run.optimizer, run.lr_share, last_epoch=run.step - 1)


def build_run(opts: TrainOptions) -> TrainingRun:
    """Device, model, optimizer (resumed or initialised), data and schedule of one run."""
    device, dist_info = _device_and_dist(opts)
    Path(opts.out).mkdir(parents=True, exist_ok=True)

    def log(msg: str) -> None:
        if dist_info.main:
            print(msg, file=sys.stderr, flush=True)

    config = _model_config(opts)
    torch.manual_seed(opts.seed)  # same init on every rank (DDP also broadcasts it)
    model = build_model(config).to(device)
    if device.type != "mps":
        model = model.to(memory_format=torch.channels_last_3d)
    optimizer = torch.optim.AdamW(model.parameters(), lr=opts.lr, weight_decay=opts.weight_decay)
    if opts.init_from is not None:
        load_initial_weights(model, config, opts.init_from)
    step, best_acc, elapsed_before = _resume(opts, config, model, optimizer, log)
    ema = _weight_average(model, opts, step)
    train_keys, val_keys, train_arrays, val_frames = prepare_data(opts, config, log)
    sampler = PairSampler(
        train_arrays,
        config,
        seed=opts.seed * 1000 + dist_info.rank + step,
        color_jitter=opts.color_jitter,
        phase_jitter=opts.phase_jitter,
        weight_cap_frames=None if opts.weight_cap_s is None else int(opts.weight_cap_s * config.fps),
        regular_fraction=opts.regular_fraction,
        reverse_fraction=opts.reverse_fraction,
    )
    train_frames = sum(a.shape[0] for a in train_arrays)
    total_steps = _total_steps(opts, config, train_frames, dist_info.world)
    log(
        f"{config.variant}: {parameter_count(model)} params, {len(train_keys)} train clips "
        f"({train_frames} frames at {config.fps:g} fps), {len(val_keys)} val clips, "
        f"{total_steps} steps of {opts.batch_size} x {dist_info.world} on {device}"
    )
    info_base = {
        "variant": config.variant,
        "train_clips": train_keys,
        "val_clips": val_keys,
        "batch_size": opts.batch_size,
        "world_size": dist_info.world,
        "lr": opts.lr,
        "data": str(opts.data),
    }
    run = TrainingRun(
        opts, config, device, dist_info, model, _wrap_distributed(model, device, dist_info), optimizer, ema,
        sampler, val_frames, info_base, total_steps, step=step, best_acc=best_acc, elapsed_before=elapsed_before,
    )
    if opts.teacher is not None:
        run.teacher = Teacher.load(opts.teacher, config, device)
        run.info_base["teacher"] = run.teacher.model_hash
    # The time limit counts training from here, not the data preparation.
    run.scheduler = _scheduler(run)
    return run


# -- one step ---------------------------------------------------------------------------------------
def train_step(run: TrainingRun, batch: Any) -> None:
    """One optimizer step on ``batch`` (pairs adjacent: [normal, sped up]); updates the
    weight average, the step count and the smoothed loss and accuracy."""
    x = to_network_input(batch.clips.to(run.device, non_blocking=True), run.config)
    y = batch.labels.to(run.device)
    logits = run.train_model(x)[:, 0]
    loss = F.binary_cross_entropy_with_logits(logits, y)
    if run.teacher is not None:
        w = run.opts.distill_weight
        soft = run.teacher.probabilities(batch.clips.to(run.device, non_blocking=True))
        loss = (1 - w) * loss + w * F.binary_cross_entropy_with_logits(logits, soft)
    if run.opts.rank_weight:
        loss = loss + run.opts.rank_weight * F.softplus(logits[0::2] - logits[1::2]).mean()
    run.optimizer.zero_grad(set_to_none=True)
    loss.backward()
    run.optimizer.step()
    if run.ema is not None:
        run.ema.update_parameters(run.model)
    run.step += 1
    run.clips_seen += y.numel()
    loss_v = float(loss.detach())
    acc_v = float(((logits.detach() > 0).float() == y).float().mean())
    run.loss_ema = loss_v if run.loss_ema is None else _EMA_KEEP * run.loss_ema + (1 - _EMA_KEEP) * loss_v
    run.acc_ema = acc_v if run.acc_ema is None else _EMA_KEEP * run.acc_ema + (1 - _EMA_KEEP) * acc_v


def _should_stop(run: TrainingRun) -> bool:
    """The time limit is spent; under DDP every rank must agree, or the others hang in the
    next all-reduce."""
    stop = run.opts.time_limit_s is not None and run.elapsed() > run.opts.time_limit_s
    if run.dist.enabled:
        import torch.distributed as dist

        flag = torch.tensor([1.0 if stop else 0.0], device=run.device)
        dist.all_reduce(flag)
        stop = bool(flag.item() > 0)
    return stop


# -- evaluation and saving --------------------------------------------------------------------------
def evaluate(run: TrainingRun) -> dict[str, Any]:
    """Validate the model (and its average) and append the log record; returns the record."""
    run.last_val = validate(run.model, run.config, run.val_frames, run.device) if run.val_frames else {}
    if run.ema is not None and run.val_frames:
        run.last_val["ema_val_acc"] = validate(run.ema.module, run.config, run.val_frames, run.device)["val_acc"]
    record = {
        "step": run.step,
        "loss": run.loss_ema,
        "train_acc": run.acc_ema,
        "lr": run.optimizer.param_groups[0]["lr"],
        "elapsed_s": round(run.elapsed(), 1),
        "clips_per_s": round(run.clips_seen * run.dist.world / max(1e-9, time.time() - run.start), 1),
        **run.last_val,
    }
    with (run.out / "log.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")
    return record


def save_run(run: TrainingRun) -> None:
    """best (when validation improved), last, ema and the optimizer state."""
    elapsed = run.elapsed()
    acc = run.last_val.get("val_acc", float("nan"))
    extra = {"step": run.step, "elapsed_s": round(elapsed, 1), "val_acc": acc}

    def save(tag: str, info: dict[str, Any], weights: torch.nn.Module) -> None:
        save_checkpoint(run.out / f"{tag}.safetensors", weights.state_dict(), run.config, {**run.info_base, **info})

    if not math.isnan(acc) and acc > run.best_acc:
        run.best_acc = acc
        save("best", extra, run.model)
    save("last", extra, run.model)
    if run.ema is not None:
        ema_info = {**extra, "val_acc": run.last_val.get("ema_val_acc", float("nan")), "ema_decay": run.opts.ema_decay}
        save("ema", ema_info, run.ema.module)
    save_train_state(
        run.out / "last_state.safetensors", run.optimizer,
        {"step": run.step, "best_acc": run.best_acc, "elapsed_s": elapsed},
    )


# -- the loop ---------------------------------------------------------------------------------------
def _progress_bar(run: TrainingRun) -> Any:
    if not (run.opts.progress and run.dist.main):
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # the bar is a nicety; training does not need it
        return None
    return tqdm(total=run.total_steps, initial=run.step, desc="train", unit="step", file=sys.stderr)


def run_training(opts: TrainOptions) -> dict[str, Any]:
    """Train; returns a summary (steps, wall time, best validation accuracy, paths)."""
    run = build_run(opts)
    bar = _progress_bar(run)
    prefetch = BatchPrefetchWorker(run.sampler, opts.batch_size)
    prefetch.start()
    run.model.train()
    stop_early = False
    try:
        while run.step < run.total_steps and not stop_early:
            train_step(run, prefetch.next_batch())
            stop_early = _should_stop(run)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{run.loss_ema:.3f}", acc=f"{run.acc_ema:.2f}", refresh=False)
            if (run.step % opts.val_every == 0 or run.step == run.total_steps or stop_early) and run.dist.main:
                record = evaluate(run)
                if bar is not None:
                    bar.write(json.dumps(record))
                save_run(run)
            run.scheduler.step()  # type: ignore[union-attr]  # the next step's rate, after any validation
    finally:
        prefetch.request_stop()
        prefetch.join()
    if bar is not None:
        bar.close()
    return _summary(run)


def _summary(run: TrainingRun) -> dict[str, Any]:
    wall = time.time() - run.start
    summary = {
        "rank": run.dist.rank,
        "steps": run.step,
        "wall_s": round(run.elapsed_before + wall, 1),
        "clips_per_s": round(run.clips_seen * run.dist.world / max(wall, 1e-9), 1),
        "best_val_acc": run.best_acc,
        # Of the parameters only (BN running statistics are per rank): identical on every
        # rank when DDP kept the replicas in sync.
        "params_hash": model_hash(run.config, {k: v.detach() for k, v in run.model.named_parameters()}),
        "last": str(run.out / "last.safetensors"),
        "best": str(run.out / "best.safetensors"),
        **run.last_val,
    }
    if run.dist.enabled:
        import torch.distributed as dist

        dist.barrier()
        dist.destroy_process_group()
    return summary
