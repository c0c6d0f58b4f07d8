"""Fixtures for the robustness tests: a tiny real checkpoint, a private score cache, the
good clips the broken ones are cut from, and the corpus of broken files (bad_media.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bad_media import GoodClips, build_corpus, make_good_clips


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised tiny SpeedNet as a real checkpoint: the real scoring path
    (model, worker, cache, planner) in a fraction of a second per clip."""
    import torch

    from models.checkpoint import save_checkpoint
    from models.config import tiny
    from models.network import build_model

    torch.manual_seed(0)
    model = build_model(tiny())
    path = tmp_path_factory.mktemp("ckpt") / "tiny.safetensors"
    save_checkpoint(path, model.state_dict(), tiny(), {"purpose": "robustness tests"})
    return path


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own score cache folder (never the user's)."""
    folder = tmp_path / "score-cache"
    monkeypatch.setenv("SPEEDNET_CACHE_DIR", str(folder))
    return folder


@pytest.fixture(scope="session")
def good_clips(tmp_path_factory: pytest.TempPathFactory) -> GoodClips:
    return make_good_clips(tmp_path_factory.mktemp("good"))


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory, good_clips: GoodClips, bad_inputs) -> dict[str, Path]:
    """name -> bad file (the shared bad inputs of tests/conftest.py among them)."""
    media_dir = Path(bad_inputs["empty"]).parent
    return build_corpus(tmp_path_factory.mktemp("bad"), good_clips, media_dir)
