"""player/session/model_library.py: the adapted models of the user data folder, their
origin (read from each checkpoint), and which video uses which."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from models.checkpoint import save_checkpoint
from models.config import tiny
from models.network import build_model
from player.core.errors import MediaError
from player.session.model_library import DATA_ENV, ModelLibrary, data_dir, find_videos


def _adapted(path: Path, videos: list[str], before: float, after: float, created: str) -> Path:
    torch.manual_seed(0)
    info = {"adapted": {
        "videos": [{"name": v, "duration_s": 60.0} for v in videos], "base_model": "base.safetensors",
        "base_model_hash": "abc", "accuracy_before": before, "accuracy_after": after, "created": created,
    }}
    save_checkpoint(path, build_model(tiny()).state_dict(), tiny(), info)
    return path


def test_lists_models_with_their_origin_assigns_and_deletes(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "data"))
    assert data_dir() == tmp_path / "data"
    library = ModelLibrary()
    assert library.root == tmp_path / "data" / "models" and library.models() == []
    video = tmp_path / "match.mp4"
    path = library.new_path([video, tmp_path / "b.mp4"])
    assert path.parent == library.root and path.name.startswith("match+1-") and path.suffix == ".safetensors"
    old = _adapted(library.root / "old.safetensors", ["a.mp4", "b.mp4", "c.mp4"], 0.55, 0.6, "2026-11-01T10:00:00Z")
    new = _adapted(path, ["match.mp4"], 0.61, 0.74, "2026-12-04T18:00:00Z")
    save_checkpoint(library.root / "plain.safetensors", build_model(tiny()).state_dict(), tiny(), {})  # not adapted
    (library.root / "junk.safetensors").write_bytes(b"not a checkpoint")
    models = library.models()
    assert [m.path for m in models] == [new, old]  # newest first; the others are not listed
    assert models[0].origin() == "Adapted to match.mp4 (0.61 \u2192 0.74, 2026-12-04)"
    assert models[1].origin() == "Adapted to a.mp4, b.mp4 and 1 more (0.55 \u2192 0.60, 2026-11-01)"
    assert library.assigned(video) is None
    library.assign(video, new)
    assert library.assigned(video) == new
    library.assign(tmp_path / "other.mp4", new)
    with pytest.raises(ValueError):
        library.assign(video, tmp_path / "elsewhere.safetensors")
    library.delete(new)
    assert not new.exists() and library.assigned(video) is None
    assert json.loads((library.root / "assignments.json").read_text()) == {}
    with pytest.raises(ValueError):
        library.delete(tmp_path / "match.mp4")


def test_a_damaged_assignments_file_reads_as_empty(tmp_path: Path) -> None:
    library = ModelLibrary(tmp_path)
    (tmp_path / "assignments.json").write_text("{not json")
    assert library.assigned(tmp_path / "x.mp4") is None
    (tmp_path / "assignments.json").write_text(json.dumps({str(tmp_path / "x.mp4"): "../../etc/passwd"}))
    assert library.assigned(tmp_path / "x.mp4") is None  # names only, never paths


def test_find_videos(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    for name in ("a/2.mp4", "a/1.MKV", "a/notes.txt", "3.mov"):
        (tmp_path / name).write_bytes(b"x")
    found = find_videos([tmp_path / "a", tmp_path / "3.mov", tmp_path / "a" / "2.mp4"])
    assert [p.name for p in found] == ["1.MKV", "2.mp4", "3.mov"]
    with pytest.raises(MediaError, match="no such file"):
        find_videos([tmp_path / "missing.mp4"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(MediaError, match="no video files"):
        find_videos([tmp_path / "empty"])
