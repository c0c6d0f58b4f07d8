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
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F

from models.checkpoint import load_model, save_checkpoint
from models.config import ModelConfig
from models.data import BatchPrefetchWorker, PairSampler, cache_size_for, eval_windows, min_frames_for_training
from models.errors import ModelError
from models.preprocess import frame_rotation, median_frame_duration, tick_count, tick_indices, to_model_rgb
from models.transforms import to_network_input

#: Share of every video held back (its end), for the before/after measurement.
HOLDOUT_FRACTION = 0.2
#: Length of one decoded span of a long video (seconds).
SEGMENT_S = 8.0
#: Seconds of video decoded for training and for the measurement, over all videos.
MAX_TRAIN_S = 300.0
MAX_HOLDOUT_S = 120.0
#: Memory for decoded frames (training frames at cache size plus held-back frames).
FRAME_BUDGET_BYTES = 512 * 1024 * 1024
#: Share of the time budget decoding may take before the remaining videos are left out.
DECODE_SHARE = 0.4
#: Held-back measurements while training (the base model's is one more).
CHECKS = 4
#: The recipe of the shipped model's last fine-tune (resources/MODEL_CARD.md, v4), at a
#: lower learning rate: adaptation starts from a trained model.
LR = 3e-4
WEIGHT_DECAY = 0.05
RANK_WEIGHT = 0.5
COLOR_JITTER = 0.3
BATCH_SIZE = 32
WARMUP_STEPS = 20

#: progress(stage, fraction 0..1, message): stage is "decode", "measure" or "train".
Progress = Callable[[str, float, str], None]


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
class VideoPart:
    """One video's decoded spans: training frames (cache size) and held-back frames (input size)."""

    name: str
    duration_s: float
    holdout_start_s: int
    train_spans: list[np.ndarray] = field(default_factory=list)
    holdout_spans: list[np.ndarray] = field(default_factory=list)
    train_s: float = 0.0
    holdout_s: float = 0.0

    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.train_spans + self.holdout_spans)


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


# -- splitting and decoding -----------------------------------------------------------------------
def holdout_start(duration_s: float, config: ModelConfig, fraction: float = HOLDOUT_FRACTION, name: str = "video") -> int:
    """The whole second where the held-back part begins: about ``fraction`` of the video from
    its end, and never less than one 1x-vs-2x window (2T - 1 frames) nor leaving less than
    one training window before it (ModelError when the video is too short for both)."""
    if not 0.0 < fraction < 1.0:
        raise ModelError("the held-back fraction must be between 0 and 1")
    need_eval_s = (2 * config.clip_len - 1) / config.fps + 0.5
    need_train_s = min_frames_for_training(config) / config.fps + 0.5
    start = math.floor(duration_s * (1.0 - fraction))
    start = min(start, math.floor(duration_s - need_eval_s))
    if start < need_train_s:
        raise ModelError(
            f"{name} is too short to adapt on ({duration_s:.1f} s; "
            f"need at least {math.ceil(need_train_s + need_eval_s)} s)"
        )
    return int(start)


def spread_spans(t0: float, t1: float, total_s: float, span_s: float = SEGMENT_S) -> list[tuple[float, float]]:
    """Spans covering ``total_s`` seconds of [t0, t1), evenly spread (all of it if it fits)."""
    length = t1 - t0
    if length <= 0:
        return []
    if length <= total_s:
        return [(t0, t1)]
    n = max(1, int(total_s // span_s))
    if n == 1:
        mid = t0 + (length - span_s) / 2
        return [(mid, mid + span_s)]
    step = (length - span_s) / (n - 1)
    return [(t0 + i * step, t0 + i * step + span_s) for i in range(n)]


class VideoReader:
    """One open video: its duration and spans of it at the model's rate (seeking, so a
    two-hour file is never decoded whole). Times are seconds from the first frame."""

    def __init__(self, path: str | Path) -> None:
        import av

        self.path = Path(path)
        try:
            self._container = av.open(str(self.path))
        except (av.error.FFmpegError, OSError) as exc:
            raise ModelError(f"cannot open video {self.path.name}: {_short(exc)}") from None
        try:
            if not self._container.streams.video:
                raise ModelError(f"{self.path.name} has no video stream")
            self._stream = self._container.streams.video[0]
            self._stream.thread_type = "AUTO"
            self._rate = float(self._stream.average_rate or self._stream.guessed_rate or 25.0)
            self.t_first = self._first_time()
            self.duration_s = self._duration()
        except BaseException:
            self._container.close()
            raise

    def close(self) -> None:
        self._container.close()

    def __enter__(self) -> "VideoReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _first_time(self) -> float:
        import av

        try:
            for frame in self._container.decode(self._stream):
                return float(frame.time) if frame.time is not None else 0.0
        except av.error.FFmpegError as exc:
            raise ModelError(f"cannot decode {self.path.name}: {_short(exc)}") from None
        raise ModelError(f"{self.path.name} has no decodable video frames")

    def _duration(self) -> float:
        s = self._stream
        if s.duration is not None and s.time_base is not None:
            d = float(s.duration * s.time_base)
            start = float(s.start_time * s.time_base) if s.start_time is not None else self.t_first
            return max(0.0, d - (self.t_first - start))
        if self._container.duration is not None:
            return max(0.0, self._container.duration / 1_000_000 - self.t_first)
        raise ModelError(f"cannot tell how long {self.path.name} is")

    def span(self, a: float, b: float, size: int, fps: float, stop: threading.Event | None = None) -> np.ndarray:
        """Frames on screen at each tick of a ``fps`` clock from ``a`` to ``b`` (seconds from
        the first frame), squashed to ``size``: (L, size, size, 3) uint8, L may be 0.

        Exactly ``decode_at_fps``'s frames for a span starting at 0 (the same conversion and
        the same tick rule); later spans start by seeking to the keyframe before ``a``."""
        import av

        abs_a, abs_b = self.t_first + a, self.t_first + b
        if a > 0:
            target = max(0.0, abs_a - 0.5)
            self._container.seek(int(target / self._stream.time_base), stream=self._stream, backward=True)
        else:
            self._container.seek(int(self.t_first / self._stream.time_base), stream=self._stream, backward=True)
        times: list[float] = []
        images: list[np.ndarray] = []
        before: Any = None  # the last frame before ``a``: it is on screen at the first tick
        before_t = 0.0
        last_t = -math.inf
        try:
            for frame in self._container.decode(self._stream):
                if stop is not None and stop.is_set():
                    break
                t = float(frame.time) if frame.time is not None else last_t + 1.0 / self._rate
                if t < last_t - 1e-6:
                    continue  # stamped before its predecessor: the earlier one stays on screen
                last_t = t
                if t >= abs_b:
                    break
                if t <= abs_a + 1e-6 and not times:
                    before, before_t = frame, t
                    if t < abs_a - 1e-6:
                        continue
                    before = None
                if before is not None:
                    times.append(before_t)
                    images.append(to_model_rgb(before, size, frame_rotation(before, self._stream)))
                    before = None
                times.append(t)
                images.append(to_model_rgb(frame, size, frame_rotation(frame, self._stream)))
        except av.error.FFmpegError:
            pass  # a damaged stretch: keep what decoded
        if before is not None:
            times.append(before_t)
            images.append(to_model_rgb(before, size, frame_rotation(before, self._stream)))
        if not images:
            return np.zeros((0, size, size, 3), dtype=np.uint8)
        t_arr = np.asarray(times, dtype=np.float64)
        end = min(abs_b, float(t_arr[-1]) + median_frame_duration(t_arr, fps))
        start = abs_a if a > 0 else float(t_arr[0])
        if end <= start:
            return np.zeros((0, size, size, 3), dtype=np.uint8)
        ticks = start + np.arange(tick_count(start, end, fps)) / fps
        return np.stack(images)[tick_indices(t_arr, ticks)]


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def read_parts(
    videos: list[Path],
    config: ModelConfig,
    *,
    holdout_fraction: float = HOLDOUT_FRACTION,
    max_train_s: float = MAX_TRAIN_S,
    max_holdout_s: float = MAX_HOLDOUT_S,
    deadline: float | None = None,
    stop: threading.Event | None = None,
    progress: Progress | None = None,
    log: Callable[[str], None] | None = None,
    durations: tuple[float, ...] = (),
) -> list[VideoPart]:
    """Decode the training and held-back spans of every video, within the time and memory
    budgets. ModelError for a single video that cannot be read or is too short; of several,
    such videos are left out, each with one ``log`` line (a warning)."""
    train_size = cache_size_for(config)
    s = config.input_size
    # Scale both budgets down to fit the bytes budget (the paper variant's 336 px frames).
    need = config.fps * 3 * (max_train_s * train_size**2 + max_holdout_s * s * s)
    scale = min(1.0, FRAME_BUDGET_BYTES / max(need, 1.0))
    train_total, holdout_total = max_train_s * scale, max_holdout_s * scale
    readers: list[VideoReader] = []
    try:
        splits = []
        for i, path in enumerate(videos):
            try:
                reader = VideoReader(path)
            except ModelError as exc:
                if len(videos) == 1:
                    raise
                if log:
                    log(f"skipping {path.name}: {exc}")
                continue
            readers.append(reader)
            if i < len(durations) and 0 < durations[i] < reader.duration_s:
                reader.duration_s = float(durations[i])
            try:
                splits.append(holdout_start(reader.duration_s, config, holdout_fraction, path.name))
            except ModelError as exc:
                if len(videos) == 1:
                    raise
                if log:
                    log(f"skipping {path.name}: {str(exc).removeprefix(path.name + ' ').strip()}")
                readers.pop().close()
        if not readers:
            raise ModelError("none of the videos is long enough to adapt on")
        n = len(readers)
        min_span = min_frames_for_training(config) / config.fps + 1.0
        train_each = max(train_total / n, min_span)
        holdout_each = max(holdout_total / n, (2 * config.clip_len) / config.fps + 1.0)
        plans = []
        for reader, start in zip(readers, splits):
            train = spread_spans(0.0, float(start), train_each, max(SEGMENT_S, min_span))
            hold = spread_spans(float(start), reader.duration_s, holdout_each, max(SEGMENT_S, min_span))
            plans.append((train, hold))
        total = sum(len(t) + len(h) for t, h in plans) or 1
        done = 0
        parts: list[VideoPart] = []
        for reader, start, (train, hold) in zip(readers, splits, plans):
            if deadline is not None and time.monotonic() > deadline and parts:
                if log:
                    log(f"skipping {reader.path.name} and later videos: the time budget is spent")
                break
            part = VideoPart(reader.path.name, round(reader.duration_s, 3), start)
            for a, b in hold:
                if stop is not None and stop.is_set():
                    return parts
                frames = reader.span(a, b, s, config.fps, stop)
                if frames.shape[0] >= 2 * config.clip_len - 1:
                    part.holdout_spans.append(frames)
                    part.holdout_s += frames.shape[0] / config.fps
                done += 1
                if progress:
                    progress("decode", done / total, f"reading {reader.path.name}")
            for a, b in train:
                if stop is not None and stop.is_set():
                    return parts
                frames = reader.span(a, b, train_size, config.fps, stop)
                if frames.shape[0] >= min_frames_for_training(config):
                    part.train_spans.append(frames)
                    part.train_s += frames.shape[0] / config.fps
                done += 1
                if progress:
                    progress("decode", done / total, f"reading {reader.path.name}")
            if not part.train_spans or not part.holdout_spans:
                if log:
                    log(f"skipping {reader.path.name}: too little decodable video")
                continue
            parts.append(part)
        return parts
    finally:
        for reader in readers:
            reader.close()


# -- measuring ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Measure:
    """Held-back figures of one model state: accuracy (threshold 0.5), accuracy per video,
    the number of windows (1x and 2x), and the mean binary cross-entropy (the tie-break)."""

    accuracy: float
    per_video: dict[str, float]
    windows: int
    loss: float

    def better_than(self, other: "Measure") -> bool:
        """Higher accuracy, or the same accuracy with a lower loss."""
        return self.accuracy > other.accuracy or (self.accuracy == other.accuracy and self.loss < other.loss)


@torch.inference_mode()
def holdout_accuracy(
    model: torch.nn.Module, config: ModelConfig, parts: list[VideoPart], device: torch.device | str, batch: int = 32
) -> Measure:
    """1x-vs-2x accuracy (threshold 0.5, as ``train.validate``) over the deterministic windows
    (``data.eval_windows``) of every held-back span."""
    was_training = model.training
    model.eval()
    correct_all, total_all, loss_sum = 0, 0, 0.0
    per_video: dict[str, float] = {}
    try:
        for part in parts:
            correct, total = 0, 0
            for frames in part.holdout_spans:
                normal, fast = eval_windows(frames, config.clip_len)
                if normal.shape[0] == 0:
                    continue
                clips = np.concatenate([normal, fast])
                labels = torch.cat([torch.zeros(len(normal)), torch.ones(len(fast))])
                for i in range(0, len(clips), batch):
                    x = to_network_input(torch.from_numpy(clips[i : i + batch]).to(device), config)
                    logits = model(x)[:, 0].float().cpu()
                    y = labels[i : i + batch]
                    correct += int(((logits > 0).float() == y).sum())
                    loss = F.binary_cross_entropy_with_logits(logits, y, reduction="sum")
                    loss_sum += float(loss) if torch.isfinite(loss) else math.inf
                total += len(clips)
            if total:
                per_video[part.name] = correct / total
            correct_all += correct
            total_all += total
    finally:
        model.train(was_training)
    if not total_all:
        return Measure(float("nan"), per_video, 0, math.inf)
    return Measure(correct_all / total_all, per_video, total_all, loss_sum / total_all)


# -- the loop -------------------------------------------------------------------------------------
def _lr_at(step: int, done: float, peak: float) -> float:
    """Linear warmup, then cosine decay to 5% of the peak as ``done`` goes from 0 to 1."""
    if step < WARMUP_STEPS:
        return peak * (step + 1) / WARMUP_STEPS
    progress = min(1.0, max(0.0, done))
    return peak * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))


def _pick_device(name: str) -> torch.device:
    from models.inference import pick_device

    return torch.device(pick_device(name))


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
    deadline = start + budget
    stop = stop if stop is not None else threading.Event()
    if not opts.videos:
        raise ModelError("no videos to adapt on")
    if opts.batch_size < 2 or opts.batch_size % 2:
        raise ModelError("the batch size must be an even number >= 2 (clips come in pairs)")
    if opts.threads:
        torch.set_num_threads(opts.threads)
    device = _pick_device(opts.device)
    model, base = load_model(opts.base, "cpu")
    config = base.config
    model = model.to(device)

    def say(stage: str, fraction: float, message: str) -> None:
        if progress is not None:
            progress(stage, min(1.0, max(0.0, fraction)), message)

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
    say("measure", 0.0, "measuring the base model")
    t_measure = time.monotonic()
    base_measure = holdout_accuracy(model, config, parts, device)
    before, windows = base_measure.accuracy, base_measure.windows
    # Time kept for the last measurement: about as long as this one took.
    measure_s = time.monotonic() - t_measure + 1.0
    if windows == 0:
        raise ModelError("the held-back parts give no 1x-vs-2x windows")
    if log:
        log(
            f"{len(parts)} video(s): {sum(p.train_s for p in parts):.0f} s to train on, "
            f"{sum(p.holdout_s for p in parts):.0f} s held back ({windows} windows); "
            f"base accuracy {before:.3f}"
        )
    sampler = PairSampler(
        [a for p in parts for a in p.train_spans], config, seed=opts.seed,
        color_jitter=COLOR_JITTER, phase_jitter=True,
    )
    torch.manual_seed(opts.seed)  # dropout
    optimizer = torch.optim.AdamW(model.parameters(), lr=opts.lr, weight_decay=WEIGHT_DECAY)
    best: Measure = base_measure
    best_state: dict[str, torch.Tensor] | None = None
    final: Measure = base_measure
    train_start = time.monotonic()
    train_budget = max(1.0, deadline - train_start - measure_s)
    check_every = train_budget / CHECKS
    next_check = train_start + check_every
    step_checks = {round(opts.steps * k / CHECKS) for k in range(1, CHECKS)} if opts.steps else set()
    step = 0
    interrupted: BaseException | None = None
    stopped = False

    def measure_now(label: str) -> None:
        nonlocal best, best_state, final
        final = holdout_accuracy(model, config, parts, device)
        if log:
            log(f"step {step}: held-back accuracy {final.accuracy:.3f}{label}")
        if final.better_than(best):
            best = final
            best_state = {k: v.detach().to("cpu").clone() for k, v in model.state_dict().items()}

    prefetch = BatchPrefetchWorker(sampler, opts.batch_size)
    prefetch.start()
    model.train()
    try:
        while True:
            now = time.monotonic()
            if stop.is_set():
                stopped = True
                break
            if now >= train_start + train_budget or (opts.steps and step >= opts.steps):
                break
            done = step / opts.steps if opts.steps else (now - train_start) / train_budget
            for group in optimizer.param_groups:
                group["lr"] = _lr_at(step, done, opts.lr)
            batch = prefetch.next_batch()
            x = to_network_input(batch.clips.to(device), config)
            y = batch.labels.to(device)
            logits = model(x)[:, 0]
            # The loss of ``train``: the paper's cross-entropy plus the pairwise ranking term
            # (pairs are adjacent: [normal, sped up]).
            loss = F.binary_cross_entropy_with_logits(logits, y)
            loss = loss + RANK_WEIGHT * F.softplus(logits[0::2] - logits[1::2]).mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            step += 1
            now = time.monotonic()
            done = step / opts.steps if opts.steps else (now - train_start) / train_budget
            say("train", done, f"step {step}, loss {float(loss.detach()):.3f}")
            if opts.steps:
                if step in step_checks:
                    measure_now("")
            elif now >= next_check and now < train_start + train_budget - 0.5 * check_every:
                next_check += check_every
                measure_now("")
    except KeyboardInterrupt as exc:
        interrupted = exc
        stopped = True
    finally:
        prefetch.request_stop()
        prefetch.join(1.0)
    if not stopped:
        say("measure", 1.0, "measuring the adapted model")
        try:
            measure_now(" (last)")
        except KeyboardInterrupt as exc:  # keep what the earlier measurements found
            interrupted, stopped = exc, True
    wall = time.monotonic() - start
    videos = [
        {"name": p.name, "duration_s": p.duration_s, "holdout_start_s": p.holdout_start_s,
         "train_s": round(p.train_s, 1), "holdout_s": round(p.holdout_s, 1)}
        for p in parts
    ]
    result = AdaptResult(
        before=before, after=best.accuracy, final_accuracy=final.accuracy,
        per_video_before=base_measure.per_video, per_video_after=best.per_video,
        windows=windows, steps=step, wall_s=wall, stopped=stopped, written=None, reason="",
        base_hash=base.model_hash, videos=videos, peak_frame_bytes=peak_bytes,
    )
    if opts.force_write and best_state is None:
        best_state = {k: v.detach().to("cpu").clone() for k, v in model.state_dict().items()}
        result.after, result.per_video_after = final.accuracy, final.per_video
    if stopped and not opts.keep_on_stop:
        result.reason = "cancelled: nothing written"
    elif best_state is None:
        result.reason = (
            "stopped before an adapted state was measured: nothing written" if stopped
            else f"no state did better on the held-back part than the base model ({before:.3f}; "
            f"last {final.accuracy:.3f}): nothing written"
        )
    else:
        result.model_hash = _write(opts, base, config, best_state, result)
        result.written = opts.out
        result.reason = "written"
    if interrupted is not None:
        raise AdaptInterrupted(result) from interrupted
    return result


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
