"""Distillation: a trained SpeedNet (for example the slower i3d) as the teacher of the model
being trained (``train --teacher CKPT --distill-weight W``). Its P(sped up) on the same clips
is a soft target mixed into the loss (models/train.py, ``train_step``); the teacher's hash is
recorded in the student's checkpoint."""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

from models.config import ModelConfig
from models.errors import ModelError
from models.transforms import to_network_input


class Teacher:
    """A frozen SpeedNet whose P(sped up) is a soft target (distillation). It sees the same
    clips as the student, squashed to its own input size."""

    def __init__(self, model: torch.nn.Module, config: ModelConfig, model_hash: str) -> None:
        self.model, self.config, self.model_hash = model, config, model_hash

    @classmethod
    def load(cls, path: Path, student: ModelConfig, device: torch.device) -> "Teacher":
        from models.checkpoint import load_model

        model, ckpt = load_model(path, device)
        if ckpt.config.clip_len != student.clip_len or ckpt.config.fps != student.fps:
            raise ModelError(f"--teacher {path}: needs the same clip length and frame rate as the model trained")
        return cls(model.eval(), ckpt.config, ckpt.model_hash)

    @torch.no_grad()  # not inference_mode: the result is a target in an autograd graph
    def probabilities(self, clips: torch.Tensor) -> torch.Tensor:
        """(B, T, S, S, 3) uint8 student clips -> (B,) the teacher's P(sped up)."""
        b, t, h, w, _ = clips.shape
        size = self.config.input_size
        if (h, w) != (size, size):
            flat = clips.reshape(b * t, h, w, 3).permute(0, 3, 1, 2).float()
            flat = F.interpolate(flat, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
            clips = flat.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).reshape(b, t, size, size, 3)
        return torch.sigmoid(self.model(to_network_input(clips, self.config))[:, 0])
