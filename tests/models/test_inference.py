"""SpeedScorer: the public inference API (docs/architecture.md, "Models")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.config import small
from models.errors import ModelError
from models.inference import DEFAULT_CHECKPOINT, SpeedScorer


@pytest.fixture(scope="module")
def scorer(tiny_checkpoint: Path) -> SpeedScorer:
    return SpeedScorer.load(tiny_checkpoint, device="cpu")


def test_attributes(scorer: SpeedScorer) -> None:
    assert scorer.clip_len == 8 and scorer.fps == 10.0 and scorer.input_size == 16
    assert scorer.device == "cpu" and len(scorer.model_hash) == 16


def test_score_clips_any_size_returns_probabilities(scorer: SpeedScorer) -> None:
    rng = np.random.default_rng(0)
    clips = rng.integers(0, 255, (5, 8, 45, 70, 3), dtype=np.uint8)
    p = scorer.score_clips(clips)
    assert p.shape == (5,) and p.dtype == np.float32
    assert np.all((p >= 0) & (p <= 1))
    # Resizing first with the scorer's own resize gives the same scores.
    pre = scorer.resize_frames(clips.reshape(-1, 45, 70, 3)).reshape(5, 8, 16, 16, 3)
    np.testing.assert_allclose(scorer.score_clips(pre), p, atol=1e-6)
    # Batching does not change results.
    scorer.batch_size = 2
    np.testing.assert_allclose(scorer.score_clips(clips), p, atol=1e-6)
    with pytest.raises(ValueError):
        scorer.score_clips(clips[:, :5])


@pytest.mark.parametrize("chunk", [16, 40, 512])
def test_score_sequence_matches_score_clips(scorer: SpeedScorer, chunk: int) -> None:
    rng = np.random.default_rng(1)
    frames = rng.integers(0, 255, (57, 16, 16, 3), dtype=np.uint8)
    scorer.chunk_frames = chunk
    seq = scorer.score_sequence(frames)
    assert seq.shape == (57 - 8 + 1,) and seq.dtype == np.float32
    windows = np.stack([frames[i : i + 8] for i in range(50)])
    np.testing.assert_allclose(seq, scorer.score_clips(windows), atol=1e-4)
    assert scorer.score_sequence(frames[:7]).shape == (0,)


def test_score_sequence_matches_for_the_small_architecture(tmp_path: Path) -> None:
    import torch

    from models.checkpoint import save_checkpoint
    from models.network import build_model

    torch.manual_seed(0)
    model = build_model(small())
    with torch.no_grad():
        model(torch.randn(4, 3, 16, 64, 64))  # moves BN running statistics
    save_checkpoint(tmp_path / "s.safetensors", model.eval().state_dict(), small())
    sc = SpeedScorer.load(tmp_path / "s.safetensors", device="cpu")
    rng = np.random.default_rng(2)
    frames = rng.integers(0, 255, (40, 64, 64, 3), dtype=np.uint8)
    sc.chunk_frames = 32
    seq = sc.score_sequence(frames)
    windows = np.stack([frames[i : i + 16] for i in range(25)])
    np.testing.assert_allclose(seq, sc.score_clips(windows), atol=1e-4)


def test_bad_device_and_missing_file(tiny_checkpoint: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelError):
        SpeedScorer.load(tiny_checkpoint, device="nonsense-device")
    with pytest.raises(ModelError):
        SpeedScorer.load(tmp_path / "missing.safetensors")


def test_bundled_default_model_loads_and_is_small() -> None:
    assert DEFAULT_CHECKPOINT.is_file(), "the shipped default checkpoint is missing from resources/"
    assert DEFAULT_CHECKPOINT.stat().st_size <= 10 * 1024 * 1024
    sc = SpeedScorer.load()
    assert sc.clip_len == 16 and sc.input_size == 64 and sc.fps == 15.0
    p = sc.score_clips(np.zeros((2, 16, 90, 120, 3), dtype=np.uint8))
    assert p.shape == (2,) and np.all(np.isfinite(p))
