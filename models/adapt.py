"""Learn my videos: fine-tune a SpeedNet checkpoint on the user's own footage.

SpeedNet's task needs no labels, only video at its natural speed, so any video the user
watches is training data. ``adapt`` runs training's self-supervised task on a few videos:

- The same preprocessing: frames are converted and squashed by ``models.preprocess``
  (``to_model_rgb``, swscale AREA, upright) and sampled on the model's clock with
  ``tick_indices``, as ``decode_at_fps`` does (a test checks they agree frame for frame);
  the training frames at the cache size (``data.cache_size_for``), the held-back frames at
  the input size, as the player scores them.
- The same pairs and augmentation: ``data.PairSampler`` (random-walk and regular strides,
  reversal, the shared resize/crop/flip and colour jitter) through
  ``data.BatchPrefetchWorker``; the same loss (binary cross-entropy plus the pairwise
  ranking term of ``train``).
- A held-back part of every video, by time: its last ``holdout_fraction`` (20%), starting
  on a whole second. Training windows are drawn only from frames before that second, so
  no training window overlaps it. The 1x-vs-2x accuracy there (``data.eval_windows``,
  threshold 0.5, as ``train.validate``) is measured before and after.
- Memory is bounded: long videos are not decoded whole. Spans of ``SEGMENT_S`` seconds,
  spread evenly over the training part (and over the held-back part), are decoded by
  seeking, up to a budget of seconds that also fits ``FRAME_BUDGET_BYTES``.
- Time is bounded (``minutes``): decoding, training and the measurements all fit in it.
  The held-back accuracy is measured a few times while training; the best state so far is
  kept. At the end (or on a stop request, or Ctrl-C) the best state is written only if
  it beats the base model there: a higher accuracy, or the same accuracy with a lower
  held-back loss (never a lower accuracy), atomically (``save_checkpoint``),
  with what it was adapted on (file names and durations, never paths), the base model's
  hash and the before/after figures in its info. Otherwise nothing is written.

Selecting the best state on the held-back part makes "after" slightly optimistic (a few
candidates); ``AdaptResult.final_accuracy`` is the last state's figure, unselected.

Where it lives: ``models.adapt_reader`` reads spans of a video without decoding it whole,
``models.adapt_parts`` splits every video and decodes its parts within the budgets,
``models.adapt_measure`` measures a model state on the held-back parts; this module runs
the loop and writes the result.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import torch

from models.adapt_measure import Measure, holdout_accuracy
from models.adapt_parts import (
    FRAME_BUDGET_BYTES,
    HOLDOUT_FRACTION,
    MAX_HOLDOUT_S,
    MAX_TRAIN_S,
    SEGMENT_S,
    Progress,
    VideoPart,
    holdout_start,
    read_parts,
    spread_spans,
)
from models.adapt_reader import VideoReader
from models.adapt_training import BATCH_SIZE, COLOR_JITTER, LR, TrainingRun, cpu_state
from models.checkpoint import Checkpoint, load_model, save_checkpoint
from models.config import ModelConfig
from models.data import BatchPrefetchWorker, PairSampler
from models.errors import ModelError

# The reading and measuring names stay importable from here, where callers found them.
__all__ = [
    "AdaptInterrupted",
    "AdaptOptions",
    "AdaptResult",
    "BATCH_SIZE",
    "FRAME_BUDGET_BYTES",
    "HOLDOUT_FRACTION",
    "LR",
    "MAX_HOLDOUT_S",
    "MAX_TRAIN_S",
    "Measure",
    "Progress",
    "SEGMENT_S",
    "VideoPart",
    "VideoReader",
    "adapt",
    "adapted_config",
    "holdout_accuracy",
    "holdout_start",
    "read_parts",
    "spread_spans",
]

#: Share of the time budget decoding may take before the remaining videos are left out.
DECODE_SHARE = 0.4


@dataclass(frozen=True)
class AdaptOptions:
    """Settings of one adaptation (the ``speednet-player adapt`` flags)."""

    videos: tuple[Path, ...]
    base: Path
    out: Path
    minutes: float = 5.0
    device: str = "auto"
    holdout_fraction: float = HOLDOUT_FRACTION
    max_train_s: float = MAX_TRAIN_S
    max_holdout_s: float = MAX_HOLDOUT_S
    batch_size: int = BATCH_SIZE
    lr: float = LR
    seed: int = 0
    threads: int | None = None
    # On a stop request or Ctrl-C: write the best state so far (if it did not drop), or
    # nothing. The GUI's Cancel passes False: the user asked for nothing.
    keep_on_stop: bool = True
    # Write even when the accuracy dropped (benchmarks that compare; never the product).
    force_write: bool = False
    # Also stop after this many steps (tests, benchmarks); None: the time budget alone.
    steps: int | None = None
    # Durations (s) of the videos as the caller probed them (a truncated file's real end);
    # empty: read from each container.
    durations: tuple[float, ...] = ()


class AdaptInterrupted(KeyboardInterrupt):
    """Ctrl-C during training, after the best state so far was written (or not): ``result``."""

    def __init__(self, result: "AdaptResult") -> None:
        super().__init__()
        self.result = result


@dataclass
class AdaptResult:
    """What happened. Accuracies in [0, 1] on the held-back parts; ``written`` is the path
    of the adapted checkpoint, or None when nothing was written (``reason`` says why)."""

    before: float
    after: float
    final_accuracy: float
    per_video_before: dict[str, float]
    per_video_after: dict[str, float]
    windows: int
    steps: int
    wall_s: float
    stopped: bool
    written: Path | None
    reason: str
    model_hash: str | None = None
    base_hash: str = ""
    videos: list[dict[str, Any]] = field(default_factory=list)
    peak_frame_bytes: int = 0

    @property
    def improved_points(self) -> float:
        return 100.0 * (self.after - self.before)


def _pick_device(name: str) -> torch.device:
    from models.inference import pick_device

    return torch.device(pick_device(name))


def _check_options(opts: AdaptOptions) -> None:
    """ModelError for settings no run can use, before anything is loaded."""
    if not opts.videos:
        raise ModelError("no videos to adapt on")
    if opts.batch_size < 2 or opts.batch_size % 2:
        raise ModelError("the batch size must be an even number >= 2 (clips come in pairs)")


def _clamped(progress: Progress | None) -> Progress:
    """``progress`` with its fraction kept in [0, 1] (a fraction of a time budget can
    overshoot it); it does nothing when there is no ``progress``."""

    def say(stage: str, fraction: float, message: str) -> None:
        if progress is not None:
            progress(stage, min(1.0, max(0.0, fraction)), message)

    return say


def _measure_base(
    model: torch.nn.Module,
    config: ModelConfig,
    parts: list[VideoPart],
    device: torch.device,
    say: Progress,
    log: Callable[[str], None] | None,
) -> tuple[Measure, float]:
    """The base model's held-back figures, and the seconds to keep for the last measurement."""
    say("measure", 0.0, "measuring the base model")
    t_measure = time.monotonic()
    base_measure = holdout_accuracy(model, config, parts, device)
    # Time kept for the last measurement: about as long as this one took.
    measure_s = time.monotonic() - t_measure + 1.0
    if base_measure.windows == 0:
        raise ModelError("the held-back parts give no 1x-vs-2x windows")
    if log:
        log(
            f"{len(parts)} video(s): {sum(p.train_s for p in parts):.0f} s to train on, "
            f"{sum(p.holdout_s for p in parts):.0f} s held back ({base_measure.windows} windows); "
            f"base accuracy {base_measure.accuracy:.3f}"
        )
    return base_measure, measure_s


def adapt(
    opts: AdaptOptions,
    *,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    log: Callable[[str], None] | None = None,
    warn: Callable[[str], None] | None = None,
) -> AdaptResult:
    """Fine-tune ``opts.base`` on ``opts.videos`` (see the module docstring).

    ``log`` hears what happens (one line each), ``warn`` the videos left out (default: log).

    ``stop`` (set from another thread) ends the run early like Ctrl-C does. A
    KeyboardInterrupt during training is caught, the best state so far is written if it
    did not drop (``keep_on_stop``), and ``AdaptInterrupted`` (a KeyboardInterrupt that
    carries the result) is raised.
    """
    start = time.monotonic()
    budget = max(1.0, opts.minutes * 60.0)
    stop = stop if stop is not None else threading.Event()
    _check_options(opts)
    if opts.threads:
        torch.set_num_threads(opts.threads)
    device = _pick_device(opts.device)
    model, base = load_model(opts.base, "cpu")
    config = base.config
    model = model.to(device)
    say = _clamped(progress)
    say("decode", 0.0, "reading the videos")
    parts = read_parts(
        list(opts.videos), config,
        holdout_fraction=opts.holdout_fraction, max_train_s=opts.max_train_s, max_holdout_s=opts.max_holdout_s,
        deadline=start + DECODE_SHARE * budget, stop=stop, progress=say, log=warn or log, durations=opts.durations,
    )
    if stop.is_set():
        return _nothing(base.model_hash, start, "stopped before training", stopped=True)
    if not parts:
        raise ModelError("none of the videos has enough decodable video to adapt on")
    peak_bytes = sum(p.nbytes() for p in parts)
    base_measure, measure_s = _measure_base(model, config, parts, device, say, log)
    sampler = PairSampler(
        [a for p in parts for a in p.train_spans], config, seed=opts.seed,
        color_jitter=COLOR_JITTER, phase_jitter=True,
    )
    torch.manual_seed(opts.seed)  # dropout
    training = TrainingRun(
        model, config, parts, device, base_measure, log,
        lr=opts.lr, steps=opts.steps, deadline=start + budget, measure_s=measure_s,
    )
    prefetch = BatchPrefetchWorker(sampler, opts.batch_size)
    prefetch.start()
    model.train()
    stopped, interrupted = training.finish(*training.run(prefetch, stop, say), say)
    result = _result(training, base, base_measure, time.monotonic() - start, stopped, peak_bytes)
    _conclude(opts, base, config, training, result)
    if interrupted is not None:
        raise AdaptInterrupted(result) from interrupted
    return result


def _result(
    training: TrainingRun, base: Checkpoint, base_measure: Measure, wall_s: float, stopped: bool, peak_bytes: int
) -> AdaptResult:
    """What happened, before anything is written (``written`` None, no ``reason`` yet)."""
    videos = [
        {"name": p.name, "duration_s": p.duration_s, "holdout_start_s": p.holdout_start_s,
         "train_s": round(p.train_s, 1), "holdout_s": round(p.holdout_s, 1)}
        for p in training.parts
    ]
    return AdaptResult(
        before=base_measure.accuracy, after=training.best.accuracy, final_accuracy=training.final.accuracy,
        per_video_before=base_measure.per_video, per_video_after=training.best.per_video,
        windows=base_measure.windows, steps=training.step, wall_s=wall_s, stopped=stopped, written=None, reason="",
        base_hash=base.model_hash, videos=videos, peak_frame_bytes=peak_bytes,
    )


def _conclude(opts: AdaptOptions, base: Checkpoint, config: ModelConfig, training: TrainingRun, result: AdaptResult) -> None:
    """Write the best state when there is one to write (with ``force_write``, the last state
    if none did better), and say in ``result.reason`` what was done."""
    best_state = training.best_state
    if opts.force_write and best_state is None:
        best_state = cpu_state(training.model)
        result.after, result.per_video_after = training.final.accuracy, training.final.per_video
    if result.stopped and not opts.keep_on_stop:
        result.reason = "cancelled: nothing written"
    elif best_state is None:
        result.reason = (
            "stopped before an adapted state was measured: nothing written" if result.stopped
            else f"no state did better on the held-back part than the base model ({result.before:.3f}; "
            f"last {result.final_accuracy:.3f}): nothing written"
        )
    else:
        result.model_hash = _write(opts, base, config, best_state, result)
        result.written = opts.out
        result.reason = "written"


def _nothing(base_hash: str, start: float, reason: str, *, stopped: bool) -> AdaptResult:
    return AdaptResult(
        before=float("nan"), after=float("nan"), final_accuracy=float("nan"), per_video_before={},
        per_video_after={}, windows=0, steps=0, wall_s=time.monotonic() - start, stopped=stopped,
        written=None, reason=reason, base_hash=base_hash,
    )


def adapted_config(config: ModelConfig, base_hash: str) -> ModelConfig:
    """The base config with the base model's hash in ``extra`` (same architecture)."""
    return replace(config, extra={**config.extra, "adapted_from": base_hash})


def _write(opts: AdaptOptions, base: Any, config: ModelConfig, state: dict[str, torch.Tensor], result: AdaptResult) -> str:
    info = {
        key: base.info[key] for key in ("variant", "train_clips", "val_clips") if key in base.info
    }
    info["adapted"] = {
        "base_model": Path(opts.base).name,
        "base_model_hash": base.model_hash,
        "videos": result.videos,
        "holdout_fraction": opts.holdout_fraction,
        "accuracy_before": round(result.before, 4),
        "accuracy_after": round(result.after, 4),
        "per_video_before": {k: round(v, 4) for k, v in result.per_video_before.items()},
        "per_video_after": {k: round(v, 4) for k, v in result.per_video_after.items()},
        "windows": result.windows,
        "steps": result.steps,
        "minutes": opts.minutes,
        "wall_s": round(result.wall_s, 1),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    return save_checkpoint(opts.out, state, adapted_config(config, base.model_hash), info)
