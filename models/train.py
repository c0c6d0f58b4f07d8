"""Self-supervised SpeedNet training: one process, or many under torchrun with
DistributedDataParallel (gloo on CPU, nccl on CUDA). Resumable, logs loss and validation
accuracy (JSON lines in ``out/log.jsonl``), tqdm progress bar on rank 0.

Files in ``out``: ``last.safetensors`` (model) + ``last_state.safetensors`` (optimizer,
step), ``best.safetensors`` (best validation accuracy), ``log.jsonl``, and with
``--ema`` also ``ema.safetensors`` (the exponential moving average of the weights).
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F

from models.checkpoint import (
    load_checkpoint,
    model_hash,
    load_train_state,
    save_checkpoint,
    save_train_state,
)
from models.config import ModelConfig, config_for
from models.data import (
    REGULAR_FRACTION,
    REVERSE_FRACTION,
    CorpusClip,
    FrameCache,
    BatchPrefetchWorker,
    PairSampler,
    cache_size_for,
    eval_windows,
    exclusion_reason,
    index_corpus,
    min_frames_for_training,
    min_train_seconds,
    split_clips,
)
from models.errors import ModelError
from models.folds import split_by_source
from models.network import build_model, parameter_count
from models.transforms import resize_frames, to_network_input


@dataclass
class TrainOptions:
    """Settings of one training run (the ``speednet-player train`` flags)."""

    data: Path
    out: Path
    variant: str = "small"
    steps: int = 3000
    epochs: float | None = None  # if set, overrides steps (1 epoch ~ every train frame once as a window start)
    batch_size: int = 32  # per process; even (pairs)
    lr: float = 2e-3
    weight_decay: float = 0.05
    warmup_steps: int = 100
    device: str = "auto"
    resume: bool = False
    val_fraction: float = 0.2
    val_every: int = 200
    seed: int = 0
    cache_dir: Path | None = None  # default: <out>/cache
    threads: int | None = None
    progress: bool = True
    time_limit_s: float | None = None  # stop cleanly (and save) after this much wall time
    config_overrides: dict[str, Any] = field(default_factory=dict)
    # Weight of a pairwise ranking term, softplus(logit_normal - logit_sped_up), on top of
    # the paper's binary cross-entropy: both clips of a window are in the batch, so the net
    # is also told directly which of the two is faster.
    rank_weight: float = 0.5
    # Start from these weights, fresh optimizer: a SpeedNet checkpoint of the same
    # architecture, or converted Kinetics I3D weights (models.i3d_weights) for an "i3d"
    # model, which fill the trunk and leave the head fresh.
    init_from: Path | None = None
    # Cross-validation by source (models.folds): with folds >= 2, hold out every clip of the
    # sources in fold ``fold`` instead of the per-category split, and train on
    # ``train_fraction`` of the other sources (a learning curve).
    folds: int = 0
    fold: int = 0
    train_fraction: float = 1.0
    # Path prefixes of clips that data.EXCLUDED_PREFIXES leaves out, admitted here for
    # TRAINING ONLY: they join the train side after the split, so the held-out clips stay
    # exactly those of a run without them and the evaluation numbers compare.
    extra_train_prefixes: tuple[str, ...] = ()
    color_jitter: float = 0.0  # shared brightness/contrast/saturation range (data.PairSampler)
    phase_jitter: bool = False  # random sub-frame phase of the regular sampling grid
    weight_cap_s: float | None = None  # cap of one clip's sampling weight, in seconds of windows
    # Decay of an exponential moving average of the weights (and BN statistics), kept beside
    # the raw weights. On a small corpus the raw weights swing from step to step with the
    # last few batches; the average is a steadier model. None = off.
    ema_decay: float | None = None
    # Shares of pairs sampled on a regular grid and played backwards (data.PairSampler);
    # 0 and 0 (with rank_weight 0) is the paper's recipe exactly.
    regular_fraction: float = REGULAR_FRACTION
    reverse_fraction: float = REVERSE_FRACTION


def pick_device(name: str) -> torch.device:
    """"auto" = cuda, then mps, then cpu."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ModelError("CUDA was requested but is not available")
    try:
        return torch.device(name)
    except RuntimeError:
        raise ModelError(f"unknown device {name!r}") from None


@dataclass
class _Dist:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world > 1

    @property
    def main(self) -> bool:
        return self.rank == 0


def _init_distributed(device: torch.device) -> _Dist:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return _Dist()
    import torch.distributed as dist

    backend = "nccl" if device.type == "cuda" else "gloo"
    if not dist.is_initialized():
        dist.init_process_group(backend=backend)
    return _Dist(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")))


def lr_at(step: int, opts: TrainOptions, total: int, elapsed_s: float = 0.0) -> float:
    """Linear warmup then cosine decay to 5% of the peak.

    With a time limit, progress is whichever is further along, steps or wall time, so a
    run on a slower (shared) machine still anneals before it is stopped.
    """
    if step < opts.warmup_steps:
        return opts.lr * (step + 1) / opts.warmup_steps
    progress = (step - opts.warmup_steps) / max(1, total - opts.warmup_steps)
    if opts.time_limit_s:
        progress = max(progress, elapsed_s / opts.time_limit_s)
    return opts.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


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


def extra_train_clips(clips: list[CorpusClip], fps: float, prefixes: tuple[str, ...]) -> list[CorpusClip]:
    """The clips under ``prefixes`` that are excluded ONLY by data.EXCLUDED_PREFIXES (split
    'train', frame rate high enough): training-only additions that never enter the split."""
    chosen = []
    for c in clips:
        if not c.key.startswith(tuple(prefixes)):
            continue
        if exclusion_reason(c, fps) is not None and exclusion_reason(c, fps, tuple(prefixes)) is None:
            chosen.append(c)
    return chosen


def prepare_data(
    opts: TrainOptions, config: ModelConfig, log: Callable[[str], None] = print
) -> tuple[list[str], list[str], list[np.ndarray], dict[str, np.ndarray]]:
    """Index, filter, split and decode (cached) the corpus.

    Returns (train keys, val keys, train arrays at cache size, val frames at S x S by key).
    """
    clips = index_corpus(opts.data)
    usable = []
    for c in clips:
        reason = exclusion_reason(c, config.fps)
        if reason is None:
            usable.append(c)
    if not usable:
        raise ModelError(f"no usable training videos in {opts.data}")
    if opts.folds:
        train, val = split_by_source(usable, opts.folds, opts.fold, opts.train_fraction)
    else:
        train, val = split_clips(usable, opts.val_fraction, seed=0, min_train_seconds=min_train_seconds(config))
    if opts.extra_train_prefixes:
        train = sorted(train + extra_train_clips(clips, config.fps, opts.extra_train_prefixes), key=lambda c: c.key)
    cache = FrameCache(opts.cache_dir or (opts.out / "cache"), config.fps, cache_size_for(config))
    train_arrays = []
    train_keys = []
    need = min_frames_for_training(config)
    for c in train:
        try:
            frames = cache.load(c)
        except ModelError as exc:
            log(f"skipping {c.key}: {exc}")
            continue
        if frames.shape[0] >= need:
            train_arrays.append(frames)
            train_keys.append(c.key)
    val_frames: dict[str, np.ndarray] = {}
    for c in val:
        try:
            frames = cache.load(c)
        except ModelError as exc:
            log(f"skipping {c.key}: {exc}")
            continue
        if frames.shape[0] >= 2 * config.clip_len - 1:
            val_frames[c.key] = resize_frames(frames, config.input_size)
    if not train_arrays:
        raise ModelError(f"no training video is long enough (need {need} frames at {config.fps:g} fps)")
    return train_keys, sorted(val_frames), train_arrays, val_frames


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


def run_training(opts: TrainOptions) -> dict[str, Any]:
    """Train; returns a summary (steps, wall time, best validation accuracy, paths)."""
    device = pick_device(opts.device)
    dist_info = _init_distributed(device)
    if device.type == "cuda" and dist_info.enabled:
        device = torch.device("cuda", dist_info.local_rank)
        torch.cuda.set_device(device)
    if opts.threads:
        torch.set_num_threads(opts.threads)
    if opts.batch_size < 2 or opts.batch_size % 2:
        raise ModelError("--batch-size must be an even number >= 2 (clips come in pairs)")
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    log_path = out / "log.jsonl"

    def log(msg: str) -> None:
        if dist_info.main:
            print(msg, file=sys.stderr, flush=True)

    config = config_for(opts.variant)
    if opts.config_overrides:
        config = ModelConfig(**{**asdict(config), **opts.config_overrides})
    torch.manual_seed(opts.seed)  # same init on every rank (DDP also broadcasts it)
    model = build_model(config).to(device)
    if device.type != "mps":
        model = model.to(memory_format=torch.channels_last_3d)
    optimizer = torch.optim.AdamW(model.parameters(), lr=opts.lr, weight_decay=opts.weight_decay)
    if opts.init_from is not None:
        load_initial_weights(model, config, opts.init_from)
    step = 0
    best_acc = -1.0
    elapsed_before = 0.0
    last_state = out / "last_state.safetensors"
    if opts.resume and (out / "last.safetensors").is_file() and last_state.is_file():
        ckpt = load_checkpoint(out / "last.safetensors")
        if ckpt.config != config:
            raise ModelError("--resume: the checkpoint in --out was trained with a different config")
        model.load_state_dict(ckpt.tensors)
        extra = load_train_state(last_state, optimizer)
        step = int(extra.get("step", 0))
        best_acc = float(extra.get("best_acc", -1.0))
        elapsed_before = float(extra.get("elapsed_s", 0.0))
        log(f"resumed from step {step}")

    ema: torch.optim.swa_utils.AveragedModel | None = None
    if opts.ema_decay is not None:
        from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

        ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(opts.ema_decay), use_buffers=True)
        if step and (out / "ema.safetensors").is_file():
            ema.module.load_state_dict(load_checkpoint(out / "ema.safetensors").tensors)
            # Without this the first update would copy the raw weights over the average.
            ema.n_averaged.fill_(step)

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
    total_steps = opts.steps
    if opts.epochs is not None:
        pairs_per_epoch = train_frames / config.clip_len
        total_steps = max(1, int(math.ceil(opts.epochs * pairs_per_epoch / (opts.batch_size // 2 * dist_info.world))))
    log(
        f"{config.variant}: {parameter_count(model)} params, {len(train_keys)} train clips "
        f"({train_frames} frames at {config.fps:g} fps), {len(val_keys)} val clips, "
        f"{total_steps} steps of {opts.batch_size} x {dist_info.world} on {device}"
    )

    train_model: torch.nn.Module = model
    if dist_info.enabled:
        import warnings

        from torch.nn.parallel import DistributedDataParallel

        # 1x1x1 conv weights in channels_last_3d have ambiguous strides; DDP warns about the
        # bucket layout on every step but the result is correct.
        warnings.filterwarnings("ignore", message="Grad strides do not match bucket view strides")

        train_model = DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None
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

    def save(tag: str, extra: dict[str, Any], weights: torch.nn.Module = model) -> None:
        if not dist_info.main:
            return
        info = {**info_base, **extra}
        save_checkpoint(out / f"{tag}.safetensors", weights.state_dict(), config, info)

    bar = None
    tqdm = None
    if opts.progress and dist_info.main:
        try:
            from tqdm import tqdm
        except ImportError:  # the bar is a nicety; training does not need it
            tqdm = None
    if tqdm is not None:
        bar = tqdm(total=total_steps, initial=step, desc="train", unit="step", file=sys.stderr)
    prefetch = BatchPrefetchWorker(sampler, opts.batch_size)
    prefetch.start()
    model.train()
    start = time.time()
    clips_seen = 0
    loss_ema = None
    acc_ema = None
    last_val: dict[str, float] = {}
    stop_early = False
    try:
        while step < total_steps and not stop_early:
            for group in optimizer.param_groups:
                group["lr"] = lr_at(step, opts, total_steps, elapsed_before + time.time() - start)
            batch = prefetch.next_batch()
            x = to_network_input(batch.clips.to(device, non_blocking=True), config)
            y = batch.labels.to(device)
            logits = train_model(x)[:, 0]
            loss = F.binary_cross_entropy_with_logits(logits, y)
            if opts.rank_weight:
                # Pairs are adjacent: [normal, sped up] (PairSampler).
                loss = loss + opts.rank_weight * F.softplus(logits[0::2] - logits[1::2]).mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if ema is not None:
                ema.update_parameters(model)
            step += 1
            clips_seen += y.numel()
            loss_v = float(loss.detach())
            acc_v = float(((logits.detach() > 0).float() == y).float().mean())
            loss_ema = loss_v if loss_ema is None else 0.98 * loss_ema + 0.02 * loss_v
            acc_ema = acc_v if acc_ema is None else 0.98 * acc_ema + 0.02 * acc_v
            if opts.time_limit_s is not None and elapsed_before + time.time() - start > opts.time_limit_s:
                stop_early = True
            if dist_info.enabled:
                # Every rank must agree to stop, or the others hang in the next all-reduce.
                import torch.distributed as dist

                flag = torch.tensor([1.0 if stop_early else 0.0], device=device)
                dist.all_reduce(flag)
                stop_early = bool(flag.item() > 0)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{loss_ema:.3f}", acc=f"{acc_ema:.2f}", refresh=False)
            if step % opts.val_every == 0 or step == total_steps or stop_early:
                elapsed = elapsed_before + time.time() - start
                if dist_info.main:
                    last_val = validate(model, config, val_frames, device) if val_frames else {}
                    if ema is not None and val_frames:
                        last_val["ema_val_acc"] = validate(ema.module, config, val_frames, device)["val_acc"]
                    record = {
                        "step": step,
                        "loss": loss_ema,
                        "train_acc": acc_ema,
                        "lr": optimizer.param_groups[0]["lr"],
                        "elapsed_s": round(elapsed, 1),
                        "clips_per_s": round(clips_seen * dist_info.world / max(1e-9, time.time() - start), 1),
                        **last_val,
                    }
                    with log_path.open("a", encoding="utf-8") as fh:
                        fh.write(json.dumps(record) + "\n")
                    if bar is not None:
                        bar.write(json.dumps(record))
                    acc = last_val.get("val_acc", float("nan"))
                    extra = {"step": step, "elapsed_s": round(elapsed, 1), "val_acc": acc}
                    if not math.isnan(acc) and acc > best_acc:
                        best_acc = acc
                        save("best", extra)
                    save("last", extra)
                    if ema is not None:
                        save("ema", {**extra, "val_acc": last_val.get("ema_val_acc", float("nan")), "ema_decay": opts.ema_decay}, ema.module)
                    save_train_state(last_state, optimizer, {"step": step, "best_acc": best_acc, "elapsed_s": elapsed})
    finally:
        prefetch.request_stop()
        prefetch.join()
    if bar is not None:
        bar.close()
    wall = time.time() - start
    summary = {
        "rank": dist_info.rank,
        "steps": step,
        "wall_s": round(elapsed_before + wall, 1),
        "clips_per_s": round(clips_seen * dist_info.world / max(wall, 1e-9), 1),
        "best_val_acc": best_acc,
        # Of the parameters only (BN running statistics are per rank): identical on every
        # rank when DDP kept the replicas in sync.
        "params_hash": model_hash(config, {k: v.detach() for k, v in model.named_parameters()}),
        "last": str(out / "last.safetensors"),
        "best": str(out / "best.safetensors"),
        **last_val,
    }
    if dist_info.enabled:
        import torch.distributed as dist

        dist.barrier()
        dist.destroy_process_group()
    return summary
