"""1x-vs-2x evaluation on held-out videos, next to the frame-difference baseline.

For each clip (frames at the model fps, S x S), non-overlapping windows give a natural
clip (T consecutive frames) and a 2x clip (every second frame) from the same start. The
model is right when P(sped up) is below 0.5 for the first and above for the second. The
baseline is the mean absolute difference between consecutive frames, with the single best
threshold chosen on the evaluation set itself (an oracle choice that favours the baseline).
Never evaluate on the clips a checkpoint was trained on: ``evaluate_data`` drops the
checkpoint's recorded training clips.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from models.data import FrameCache, eval_windows, exclusion_reason, index_corpus
from models.errors import ModelError


@dataclass
class EvalResult:
    """Accuracies in [0, 1]; windows counts both the 1x and the 2x clips."""

    accuracy: float
    baseline_accuracy: float
    baseline_threshold: float
    clip_accuracy: float
    baseline_clip_accuracy: float
    windows: int
    clips: list[str] = field(default_factory=list)
    per_clip: dict[str, float] = field(default_factory=dict)  # window accuracy per clip

    @property
    def margin_points(self) -> float:
        return 100.0 * (self.accuracy - self.baseline_accuracy)


def frame_difference(clips: np.ndarray) -> np.ndarray:
    """(N, T, H, W, 3) uint8 -> (N,) mean |frame[t+1] - frame[t]| (0..255)."""
    x = clips.astype(np.float32)
    return np.abs(np.diff(x, axis=1)).mean(axis=(1, 2, 3, 4))


def best_threshold_accuracy(values: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Best accuracy of the rule "label 1 iff value > threshold" over every threshold.

    Returns (accuracy, threshold).
    """
    values = np.asarray(values, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    if values.size == 0:
        return float("nan"), float("nan")
    order = np.argsort(values, kind="stable")
    v, y = values[order], labels[order]
    # Threshold below everything: all predicted 1.
    ones_above = np.concatenate([[y.sum()], y.sum() - np.cumsum(y)])  # label-1 count above cut k
    zeros_below = np.concatenate([[0], np.cumsum(1 - y)])  # label-0 count at or below cut k
    correct = ones_above + zeros_below
    # Only cut between distinct values.
    valid = np.concatenate([[True], np.diff(v) > 0, [True]])
    correct = np.where(valid, correct, -1)
    k = int(np.argmax(correct))
    thr = v[0] - 1.0 if k == 0 else (v[k - 1] if k == v.size else (v[k - 1] + v[k]) / 2)
    return float(correct[k] / v.size), float(thr)


def evaluate_frames(
    score_clips: Callable[[np.ndarray], np.ndarray], frames_by_clip: dict[str, np.ndarray], clip_len: int
) -> EvalResult:
    """Evaluate a scorer on clips given as frames at model fps and size (L, S, S, 3)."""
    probs_all, diffs_all, labels_all = [], [], []
    per_clip: dict[str, float] = {}
    clip_model_right = 0
    clip_base_vals: list[tuple[float, int]] = []
    used: list[str] = []
    for key, frames in frames_by_clip.items():
        normal, fast = eval_windows(frames, clip_len)
        if normal.shape[0] == 0:
            continue
        clips = np.concatenate([normal, fast])
        labels = np.concatenate([np.zeros(len(normal)), np.ones(len(fast))]).astype(np.int64)
        probs = np.asarray(score_clips(clips), dtype=np.float64)
        diffs = frame_difference(clips)
        probs_all.append(probs)
        diffs_all.append(diffs)
        labels_all.append(labels)
        per_clip[key] = float(((probs > 0.5) == labels).mean())
        clip_model_right += int(probs[labels == 0].mean() <= 0.5) + int(probs[labels == 1].mean() > 0.5)
        clip_base_vals += [(float(diffs[labels == 0].mean()), 0), (float(diffs[labels == 1].mean()), 1)]
        used.append(key)
    if not used:
        raise ModelError(f"no video is long enough to evaluate (need {2 * clip_len - 1} frames at the model fps)")
    probs = np.concatenate(probs_all)
    diffs = np.concatenate(diffs_all)
    labels = np.concatenate(labels_all)
    base_acc, thr = best_threshold_accuracy(diffs, labels)
    base_clip_acc, _ = best_threshold_accuracy(
        np.array([v for v, _ in clip_base_vals]), np.array([y for _, y in clip_base_vals])
    )
    return EvalResult(
        accuracy=float(((probs > 0.5) == labels).mean()),
        baseline_accuracy=base_acc,
        baseline_threshold=thr,
        clip_accuracy=clip_model_right / (2 * len(used)),
        baseline_clip_accuracy=base_clip_acc,
        windows=int(labels.size),
        clips=used,
        per_clip=per_clip,
    )


def select_eval_clips(data: str | Path, train_clips: list[str], fps: float, include_all: bool = False):
    """The clips of ``data`` to evaluate: never the checkpoint's training clips; in a
    corpus with MANIFEST.tsv also not the clips excluded from training (unreliable speed)."""
    from models.data import CorpusClip

    clips: list[CorpusClip] = index_corpus(data)
    trained = set(train_clips)
    chosen = []
    has_manifest = Path(data, "MANIFEST.tsv").is_file()
    for c in clips:
        if c.key in trained:
            continue
        if has_manifest and not include_all and exclusion_reason(c, fps) is not None:
            continue
        chosen.append(c)
    return chosen


def evaluate_data(
    data: str | Path,
    model: str | Path | None = None,
    device: str = "auto",
    cache_dir: str | Path | None = None,
    log: Callable[[str], None] | None = None,
) -> EvalResult:
    """Load a checkpoint and evaluate it on the held-out videos of ``data``."""
    from models.inference import SpeedScorer
    from models.checkpoint import load_checkpoint
    from models.inference import DEFAULT_CHECKPOINT

    ckpt_path = Path(model) if model is not None else DEFAULT_CHECKPOINT
    ckpt = load_checkpoint(ckpt_path)
    scorer = SpeedScorer.load(ckpt_path, device=device)
    config = ckpt.config
    clips = select_eval_clips(data, list(ckpt.info.get("train_clips", [])), config.fps)
    if not clips:
        raise ModelError(f"no held-out videos to evaluate in {data} (all were used for training)")
    # Decoded straight to the input size, as the player decodes (models.preprocess).
    size = config.input_size
    cache = FrameCache(cache_dir, config.fps, size) if cache_dir is not None else None
    frames_by_clip: dict[str, np.ndarray] = {}
    for c in clips:
        try:
            if cache is not None:
                frames = cache.load(c)
            else:
                from models.video_decode import decode_at_fps

                frames = decode_at_fps(c.path, config.fps, size)
        except ModelError as exc:
            if log:
                log(f"skipping {c.key}: {exc}")
            continue
        frames_by_clip[c.key] = frames
    return evaluate_frames(scorer.score_clips, frames_by_clip, config.clip_len)
