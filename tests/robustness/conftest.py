"""Fixtures for the robustness tests: a tiny real checkpoint, a private score cache, the
good clips the broken ones are cut from, and the corpus of broken files (bad_media.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from bad_media import GoodClips, build_corpus, make_good_clips


@pytest.fixture(scope="session")
def tiny_checkpoint(make_tiny_checkpoint: Callable[..., Path]) -> Path:
    """A randomly initialised tiny SpeedNet as a real checkpoint: the real scoring path
    (model, worker, cache, planner) in a fraction of a second per clip."""
    return make_tiny_checkpoint({"purpose": "robustness tests"})


@pytest.fixture(autouse=True)
def private_cache(private_cache: Path) -> Path:
    """tests/conftest.py's private score cache, for every robustness test."""
    return private_cache


@pytest.fixture(scope="session")
def good_clips(tmp_path_factory: pytest.TempPathFactory) -> GoodClips:
    return make_good_clips(tmp_path_factory.mktemp("good"))


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory, good_clips: GoodClips, bad_inputs) -> dict[str, Path]:
    """name -> bad file (the shared bad inputs of tests/conftest.py among them)."""
    media_dir = Path(bad_inputs["empty"]).parent
    return build_corpus(tmp_path_factory.mktemp("bad"), good_clips, media_dir)
