"""The held-back measurement of "Learn my videos" (``models.adapt``): the 1x-vs-2x accuracy of
a model state on the held-back parts of the user's videos, as ``train.validate`` measures it
(``data.eval_windows``, threshold 0.5), with the mean loss as the tie-break between states.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from models.adapt_parts import VideoPart
from models.config import ModelConfig
from models.data import eval_windows
from models.transforms import to_network_input


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
