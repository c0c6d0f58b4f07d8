"""Fixtures for the analysis tests: a small random SpeedNet, a private score cache folder."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from models.checkpoint import save_checkpoint
from models.config import tiny
from models.inference import SpeedScorer
from models.network import build_model


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised tiny SpeedNet (T = 8 at 10 fps, 16x16 input) as a real file."""
    torch.manual_seed(0)
    model = build_model(tiny())
    with torch.no_grad():  # non-trivial weights, so scores vary with the input
        for p in model.parameters():
            p.add_(0.1 * torch.randn_like(p))
    path = tmp_path_factory.mktemp("ckpt") / "tiny.safetensors"
    save_checkpoint(path, model.state_dict(), tiny(), {"train_clips": []})
    return path


@pytest.fixture(scope="session")
def tiny_scorer(tiny_checkpoint: Path) -> SpeedScorer:
    return SpeedScorer.load(tiny_checkpoint, device="cpu")


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own score cache folder (never the user's)."""
    folder = tmp_path / "score-cache"
    monkeypatch.setenv("SPEEDNET_CACHE_DIR", str(folder))
    return folder
