"""Which torch device to run on: one rule for training, adaptation, evaluation and the player."""

from __future__ import annotations

import torch

from models.errors import ModelError


def pick_device(name: str = "auto") -> str:
    """"auto" = cuda, then mps, then cpu; ModelError for an unavailable or unknown device."""
    if name == "auto":
        if torch.cuda.is_available():
            return "cuda"
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return "mps"
        return "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ModelError("device 'cuda' was requested but CUDA is not available")
    if name == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ModelError("device 'mps' was requested but is not available")
    try:
        return str(torch.device(name))
    except RuntimeError:
        raise ModelError(f"unknown device {name!r} (use auto, cpu, cuda or mps)") from None
