"""Checkpoints: safetensors round trip, the model hash, and refusing unsafe or broken files."""

from __future__ import annotations

import json
import pickle
import struct
from pathlib import Path

import pytest
import torch

from models.checkpoint import (
    load_checkpoint,
    load_model,
    load_train_state,
    save_checkpoint,
    save_train_state,
)
from models.config import tiny
from models.errors import ModelError
from models.inference import SpeedScorer
from models.network import build_model


def test_round_trip_keeps_weights_config_info_and_hash(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = build_model(tiny()).eval()
    digest = save_checkpoint(tmp_path / "m.safetensors", model.state_dict(), tiny(), {"step": 7})
    loaded, ckpt = load_model(tmp_path / "m.safetensors")
    assert ckpt.config == tiny()
    assert ckpt.info == {"step": 7}
    assert ckpt.model_hash == digest and len(digest) == 16
    x = torch.randn(2, 3, tiny().clip_len, tiny().input_size, tiny().input_size)
    with torch.no_grad():
        torch.testing.assert_close(model(x), loaded(x))
    assert not list(tmp_path.glob("*.tmp"))  # written atomically


def test_hash_changes_with_any_weight(tmp_path: Path) -> None:
    torch.manual_seed(0)
    sd = build_model(tiny()).state_dict()
    a = save_checkpoint(tmp_path / "a.safetensors", sd, tiny())
    name = next(k for k, v in sd.items() if v.dtype == torch.float32)
    sd[name] = sd[name].clone()
    sd[name].view(-1)[0] += 1e-3
    b = save_checkpoint(tmp_path / "b.safetensors", sd, tiny())
    assert a != b


class _Payload:
    """Runs code when unpickled: writes a marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # noqa: ANN204
        return (Path.write_text, (self.marker, "pwned"))


@pytest.mark.parametrize("how", ["pickle", "torch_save"])
def test_crafted_pickle_is_refused_and_never_runs(tmp_path: Path, how: str) -> None:
    marker = tmp_path / "marker.txt"
    bad = tmp_path / "evil.safetensors"
    if how == "pickle":
        bad.write_bytes(pickle.dumps({"weights": _Payload(marker)}))
    else:
        torch.save({"weights": _Payload(marker)}, bad)
    for loader in (load_checkpoint, lambda p: SpeedScorer.load(p, device="cpu")):
        with pytest.raises(ModelError, match="pickle"):
            loader(bad)
    assert not marker.exists()


def test_armed_pickle_would_run_code(tmp_path: Path) -> None:
    """Control for the test above: unpickling the same payload does write the marker."""
    marker = tmp_path / "marker.txt"
    pickle.loads(pickle.dumps(_Payload(marker)))
    assert marker.read_text() == "pwned"


def _safetensors_bytes(header: dict, body: bytes = b"") -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + body


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"garbage that is not a checkpoint at all",
        struct.pack("<Q", 10**12) + b"{}",
        _safetensors_bytes({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, b"\0" * 8),
        _safetensors_bytes({"__metadata__": {"format": "other"}}),
    ],
    ids=["empty", "garbage", "huge-header", "truncated", "not-speednet"],
)
def test_broken_files_raise_model_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)
    with pytest.raises(ModelError):
        load_checkpoint(path)


def test_missing_file_and_mismatched_weights(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        SpeedScorer.load(tmp_path / "nope.safetensors")
    sd = build_model(tiny()).state_dict()
    sd.pop(next(iter(sd)))
    save_checkpoint(tmp_path / "partial.safetensors", sd, tiny())
    with pytest.raises(ModelError, match="do not match"):
        load_model(tmp_path / "partial.safetensors")


def test_train_state_round_trip(tmp_path: Path) -> None:
    model = build_model(tiny())
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.randn(2, 3, tiny().clip_len, tiny().input_size, tiny().input_size)
    model(x).sum().backward()
    opt.step()
    save_train_state(tmp_path / "state.safetensors", opt, {"step": 5})
    fresh = torch.optim.AdamW(model.parameters(), lr=1e-3)
    assert load_train_state(tmp_path / "state.safetensors", fresh) == {"step": 5}
    a, b = opt.state_dict(), fresh.state_dict()
    for idx, state in a["state"].items():
        torch.testing.assert_close(state["exp_avg"], b["state"][idx]["exp_avg"])
        assert float(state["step"]) == float(b["state"][idx]["step"])


def test_header_length_starting_with_pickle_byte_still_loads(tmp_path: Path) -> None:
    """A valid file whose 8-byte header length begins with 0x80 is not mistaken for a pickle."""
    sd = build_model(tiny()).state_dict()
    path = tmp_path / "m.safetensors"
    for pad in range(300):
        save_checkpoint(path, sd, tiny(), {"pad": "x" * pad})
        if path.read_bytes()[0] == 0x80:
            break
    assert path.read_bytes()[0] == 0x80
    assert load_checkpoint(path).info["pad"] == "x" * pad
