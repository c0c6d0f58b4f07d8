"""Training data: the corpus index, the split by whole clip, the decoded-frame cache and the
self-supervised pair sampler (docs/architecture.md, "Models").

Labels come from how a clip is sampled: any natural-speed video is training data. A normal
clip keeps each frame of the window with probability 1/f, f ~ U[1.0, 1.2]; a sped-up clip
the same with f ~ U[1.7, 2.2]. Both clips of a pair start on the same frame, share one
spatial augmentation and go in the same batch, so speed is the only difference.
"""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from models.config import ModelConfig
from models.errors import ModelError
from models.transforms import keep_with_probability, shared_color_jitter, shared_spatial_augment

VIDEO_SUFFIXES = {".mp4", ".mkv", ".avi", ".mov", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv"}
NORMAL_RANGE = (1.0, 1.2)
SPEDUP_RANGE = (1.7, 2.2)
# Windows of about 3T frames (the paper's sampling): enough for a 2.2x walk to keep T frames.
WINDOW_FACTOR = 3
# Share of pairs sampled on a regular grid round(k * f) instead of the random walk. The
# random walk alone teaches "jerky = sped up", but the player scores regular strides
# (the score worker samples frame round(k * x)), so both kinds are trained on.
REGULAR_FRACTION = 0.5
# Share of pairs played backwards (both clips): most motion is as natural reversed, and it
# doubles the variety of a small corpus.
REVERSE_FRACTION = 0.5
# Paths left out of training on purpose (see resources/MODEL_CARD.md).
EXCLUDED_PREFIXES: dict[str, str] = {
    "videos/opentracker/oneperson.mp4": "repeated frames (VFR converted to CFR) look like slow motion",
    "videos/sleap/": "top-down lab flies: capture rate undocumented",
    "videos/dreem/": "top-down lab flies: capture rate undocumented",
    "videos/deeplabcut/": "top-down lab mouse: far from the product's footage",
    "videos/amadeusgpt/mabe_mouse": "top-down lab mice: far from the product's footage",
    "videos/cotracker/": "20 fps, possibly subsampled from phone capture (true speed unclear)",
    "videos/debian/nbsphinx_Shepard_Calais_1906_FrenchGP.mp4": "hand-cranked 1906 film, true speed unknown",
}


@dataclass(frozen=True)
class CorpusClip:
    """One source video. ``key`` is its corpus-relative path (stable across machines)."""

    key: str
    path: Path
    category: str = "unknown"
    fps: float = 0.0
    duration_s: float = 0.0
    license: str = ""
    split: str = "train"
    source: str = ""  # the manifest's source column (models.folds groups clips by it)


def index_corpus(root: str | Path) -> list[CorpusClip]:
    """All videos under ``root``: the rows of MANIFEST.tsv if present (any split, caller
    filters), else every video file found recursively (category "unknown")."""
    root = Path(root)
    if not root.exists():
        raise ModelError(f"data folder not found: {root}")
    manifest = root / "MANIFEST.tsv"
    if manifest.is_file():
        clips = []
        with manifest.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                clips.append(
                    CorpusClip(
                        key=row["path"],
                        path=root / row["path"],
                        category=row.get("category") or "unknown",
                        fps=float(row.get("fps") or 0.0),
                        duration_s=float(row.get("duration_s") or 0.0),
                        license=row.get("license") or "",
                        split=row.get("split") or "train",
                        source=row.get("source") or "",
                    )
                )
        return clips
    if root.is_file():
        return [CorpusClip(key=root.name, path=root)]
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file())
    if not files:
        raise ModelError(f"no video files in {root}")
    return [CorpusClip(key=str(p.relative_to(root)), path=p) for p in files]


def exclusion_reason(clip: CorpusClip, model_fps: float, admitted: tuple[str, ...] = ()) -> str | None:
    """Why a clip is not used for training or validation, or None if it is usable.

    ``admitted``: path prefixes whose EXCLUDED_PREFIXES rule is waived (the other rules,
    split and frame rate, still apply).
    """
    if clip.split != "train":
        return f"split {clip.split!r} is not for training"
    for prefix, reason in EXCLUDED_PREFIXES.items():
        if clip.key.startswith(prefix) and not clip.key.startswith(tuple(admitted)):
            return reason
    if clip.fps and clip.fps < 0.9 * model_fps:
        # Fewer real frames than model ticks means repeated frames: fake slow motion.
        return f"{clip.fps:g} fps is below the model's {model_fps:g} fps"
    return None


def split_clips(
    clips: list[CorpusClip],
    val_fraction: float,
    seed: int = 0,
    min_train_seconds: float = 0.0,
) -> tuple[list[CorpusClip], list[CorpusClip]]:
    """(train, val) by WHOLE clip, stratified by category, deterministic for a seed.

    Clips known to be shorter than ``min_train_seconds`` cannot give a training window,
    so they go to validation (they still give 1x-vs-2x test windows). Of the rest, each
    category gives clips (in an order fixed by a hash of the path, never by file order)
    to validation until they hold ``val_fraction`` of its duration (of its count when
    durations are unknown).
    """
    if not 0.0 <= val_fraction < 1.0:
        raise ModelError("val fraction must be in [0, 1)")
    train: list[CorpusClip] = []
    val: list[CorpusClip] = []
    by_cat: dict[str, list[CorpusClip]] = {}
    for c in clips:
        if val_fraction > 0 and 0 < c.duration_s < min_train_seconds:
            val.append(c)
        else:
            by_cat.setdefault(c.category, []).append(c)
    for cat in sorted(by_cat):
        members = sorted(by_cat[cat], key=lambda c: hashlib.sha256(f"{seed}:{c.key}".encode()).hexdigest())
        weight = [c.duration_s if c.duration_s > 0 else 1.0 for c in members]
        goal = val_fraction * sum(weight)
        taken = 0.0
        for c, w in zip(members, weight):
            # Stop before the clip that would overshoot the goal by more than half of itself.
            if val_fraction > 0 and taken + w / 2 <= goal and len(members) > 1:
                val.append(c)
                taken += w
            else:
                train.append(c)
    return sorted(train, key=lambda c: c.key), sorted(val, key=lambda c: c.key)


def min_train_seconds(config: "ModelConfig") -> float:
    """Shortest clip (s) that holds one training window at the model fps."""
    return min_frames_for_training(config) / config.fps


class FrameCache:
    """Decoded frames of each clip at the model fps, squashed to a small square, on disk.

    One .npy per clip under ``root/<fps>fps_<size>px/``, written atomically, so the corpus
    is decoded once and training is compute bound. Arrays are (L, size, size, 3) uint8.
    """

    def __init__(self, root: str | Path, fps: float, size: int) -> None:
        self.fps = fps
        self.size = size
        self.dir = Path(root) / f"{fps:g}fps_{size}px"

    def path_for(self, clip: CorpusClip) -> Path:
        digest = hashlib.sha256(clip.key.encode()).hexdigest()[:12]
        stem = Path(clip.key).stem[:40].replace(" ", "_")
        return self.dir / f"{stem}-{digest}.npy"

    def load(self, clip: CorpusClip) -> np.ndarray:
        """The clip's frames, decoding and caching them on first use."""
        target = self.path_for(clip)
        if target.is_file():
            return np.load(target, allow_pickle=False)
        from models.video_decode import decode_at_fps

        frames = decode_at_fps(clip.path, self.fps, self.size)
        self.dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.dir, suffix=".npy.tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.save(fh, frames, allow_pickle=False)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return frames


def cache_size_for(config: ModelConfig) -> int:
    """Side of the cached frames: the largest random resize the augmentation can ask for."""
    return int(round(config.aug_scale[1] * config.input_size))


def min_frames_for_training(config: ModelConfig) -> int:
    """Clips need enough frames for a sped-up walk: about 2.2 T (we ask for 2.3 T)."""
    return int(np.ceil(2.3 * config.clip_len))


@dataclass
class Batch:
    """clips (B, T, S, S, 3) uint8; labels (B,) float32, 1 = sped up; pair ids (B,)."""

    clips: torch.Tensor
    labels: torch.Tensor
    pair_ids: torch.Tensor
    strides: torch.Tensor  # (B,) mean stride of each clip in cached frames (for tests/logs)


class PairSampler:
    """Endless self-supervised batches from decoded clips (docs/architecture.md, "Models").

    Each batch holds B/2 pairs; a pair is a normal and a sped-up clip of the same window,
    sharing one spatial augmentation, so batches are balanced 50/50. Windows are drawn
    uniformly over all usable frame positions (long clips are seen more often).
    """

    def __init__(
        self,
        arrays: list[np.ndarray],
        config: ModelConfig,
        seed: int = 0,
        color_jitter: float = 0.0,
        phase_jitter: bool = False,
        weight_cap_frames: int | None = None,
        regular_fraction: float = REGULAR_FRACTION,
        reverse_fraction: float = REVERSE_FRACTION,
    ) -> None:
        self.config = config
        # 0 and 0 give the paper's sampling exactly: random walks only, played forwards.
        if not (0.0 <= regular_fraction <= 1.0 and 0.0 <= reverse_fraction <= 1.0):
            raise ModelError("regular and reverse fractions must be in [0, 1]")
        self.regular_fraction = regular_fraction
        self.reverse_fraction = reverse_fraction
        # Training-only augmentations (not part of the checkpoint config): a shared colour
        # change (transforms.shared_color_jitter) and a random sub-frame phase of the regular
        # grid, so strides like 1.1 do not always start with the same 1-1-1-...-2 pattern.
        self.color_jitter = color_jitter
        self.phase_jitter = phase_jitter
        self.rng = np.random.default_rng(seed)
        need = min_frames_for_training(config)
        self.arrays = [a for a in arrays if a.shape[0] >= need]
        if not self.arrays:
            raise ModelError(
                f"no clip has enough frames for training (need {need} at {config.fps:g} fps)"
            )
        self.starts = np.array([a.shape[0] - need + 1 for a in self.arrays], dtype=np.float64)
        # A cap on a clip's share (in window positions) keeps a few long clips (two minutes
        # of lab flies) from dominating the batches; None = uniform over all positions.
        weights = self.starts if weight_cap_frames is None else np.minimum(self.starts, weight_cap_frames)
        self.weights = weights / weights.sum()

    def _pair(self) -> tuple[torch.Tensor, float, float]:
        cfg = self.config
        t = cfg.clip_len
        clip = self.arrays[int(self.rng.choice(len(self.arrays), p=self.weights))]
        need = min_frames_for_training(cfg)
        start = int(self.rng.integers(0, clip.shape[0] - need + 1))
        window = min(clip.shape[0] - start, WINDOW_FACTOR * t)
        offsets = []
        regular = self.rng.random() < self.regular_fraction
        # One phase for both clips: they still start on the same frame (offset 0).
        phase = float(self.rng.uniform(0.0, 1.0)) if (regular and self.phase_jitter) else 0.0
        for lo, hi in (NORMAL_RANGE, SPEDUP_RANGE):
            factor = self.rng.uniform(lo, hi)
            if regular:
                grid = np.round(phase + np.arange(t) * factor).astype(np.int64)
                offsets.append(grid - grid[0])
                continue
            while True:
                got = keep_with_probability(self.rng, window, factor, t)
                if got is not None:
                    break
                factor = self.rng.uniform(lo, hi)
            offsets.append(got)
        pair = torch.from_numpy(np.stack([clip[start + o] for o in offsets]))  # (2, T, h, w, 3)
        if self.rng.random() < self.reverse_fraction:
            pair = pair.flip(1)
        pair = shared_spatial_augment(pair, cfg.input_size, self.rng, cfg.aug_scale)
        pair = shared_color_jitter(pair, self.rng, self.color_jitter)
        strides = [float(np.mean(np.diff(o))) for o in offsets]
        return pair, strides[0], strides[1]

    def batch(self, batch_size: int) -> Batch:
        if batch_size < 2 or batch_size % 2:
            raise ModelError("batch size must be an even number >= 2 (pairs)")
        clips, labels, pair_ids, strides = [], [], [], []
        for i in range(batch_size // 2):
            pair, s_norm, s_fast = self._pair()
            clips.append(pair)
            labels += [0.0, 1.0]
            pair_ids += [i, i]
            strides += [s_norm, s_fast]
        return Batch(
            clips=torch.cat(clips),
            labels=torch.tensor(labels, dtype=torch.float32),
            pair_ids=torch.tensor(pair_ids),
            strides=torch.tensor(strides, dtype=torch.float32),
        )


def eval_windows(frames: np.ndarray, clip_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic 1x and 2x clips from one held-out clip's frames at model fps.

    Non-overlapping windows start every T frames while a 2x clip (stride 2) still fits.
    Returns (normal, sped_up), each (W, T, h, w, 3) uint8; W may be 0.
    """
    t = clip_len
    starts = list(range(0, frames.shape[0] - 2 * t + 2, t))
    if not starts:
        empty = np.zeros((0, t) + frames.shape[1:], dtype=np.uint8)
        return empty, empty
    normal = np.stack([frames[s : s + t] for s in starts])
    fast = np.stack([frames[s : s + 2 * t : 2] for s in starts])
    return normal, fast


class BatchPrefetchWorker:
    """Builds the next batches on a background thread while the model trains on this one.

    Sampling and augmentation are numpy/torch ops that release the GIL, so they overlap
    with the training step. ``next_batch`` blocks until a batch is ready; every wait also
    checks the stop flag, so ``request_stop`` + ``join`` never hang.
    """

    def __init__(self, sampler: PairSampler, batch_size: int, depth: int = 2) -> None:
        import queue
        import threading

        self._sampler = sampler
        self._batch_size = batch_size
        self._queue: "queue.Queue[Batch | BaseException]" = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="BatchPrefetchWorker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def request_stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        import queue

        while not self._stop.is_set():
            try:
                item: Batch | BaseException = self._sampler.batch(self._batch_size)
            except BaseException as exc:  # noqa: BLE001 - handed to the consumer, re-raised there
                item = exc
            while not self._stop.is_set():
                try:
                    self._queue.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if isinstance(item, BaseException):
                return

    def next_batch(self) -> Batch:
        import queue

        while True:
            try:
                item = self._queue.get(timeout=0.1)
            except queue.Empty:
                if self._stop.is_set() or not self._thread.is_alive():
                    raise ModelError("the batch prefetch worker stopped") from None
                continue
            if isinstance(item, BaseException):
                raise item
            return item
