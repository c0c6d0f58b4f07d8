"""Crafted checkpoints (issue 14): every bad config field, deep JSON nesting and unreadable
files give one ModelError before anything is built; the CLI says it in one line, exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import save

from models.checkpoint import FORMAT, load_checkpoint, load_model
from models.config import ModelConfig, tiny
from models.errors import ModelError

REPO = Path(__file__).resolve().parents[2]


def crafted(tmp_path: Path, config: dict | str, info: str = "{}", name: str = "m.safetensors") -> Path:
    meta = {"format": FORMAT, "config": config if isinstance(config, str) else json.dumps(config), "info": info}
    path = tmp_path / name
    path.write_bytes(save({"w": torch.zeros(2)}, metadata=meta))
    return path


BAD_FIELDS = [
    {"widths": [100000, 8, 8]},
    {"widths": [4, 10**9, 8]},
    {"temporal_kernel": 100001},
    {"clip_len": 600000},
    {"fps": 1e6},
    {"fps": float("nan")},
    {"fps": float("inf")},
    {"input_size": 100000},
    {"input_size": 64.5},
    {"dropout": 5},
    {"mean": [0.5]},
    {"std": [0, 1, 1]},
    {"widths": [4, 8, True]},
    {"gating": "yes"},
    {"aug_scale": [2.0, 1.0]},
    {"family": "resnet"},
    {"widths": [1024] * 8, "depths": [8] * 7, "spatial_strides": [1] * 7},  # ~0.5G parameters
    {"clip_len": 128, "input_size": 448, "widths": [1024, 8, 8]},  # activations too large
]


@pytest.mark.parametrize("bad", BAD_FIELDS, ids=lambda b: ",".join(f"{k}={str(v)[:12]}" for k, v in b.items()))
def test_every_bad_config_field_is_one_model_error(tmp_path: Path, bad: dict) -> None:
    cfg = json.loads(tiny().to_json())
    cfg.update(bad)
    path = crafted(tmp_path, json.dumps(cfg, allow_nan=True))
    with pytest.raises(ModelError, match="config"):
        load_checkpoint(path)


def test_deep_nesting_in_config_info_or_header_is_refused(tmp_path: Path) -> None:
    deep = "[" * 100000 + "]" * 100000
    with pytest.raises(ModelError, match="nested too deeply"):
        load_checkpoint(crafted(tmp_path, deep))
    with pytest.raises(ModelError, match="nested too deeply"):
        load_checkpoint(crafted(tmp_path, tiny().to_json(), info=deep, name="i.safetensors"))
    header = json.dumps({"__metadata__": {"format": FORMAT}, "x": "PLACEHOLDER"}).replace('"PLACEHOLDER"', deep).encode()
    raw = tmp_path / "h.safetensors"
    raw.write_bytes(len(header).to_bytes(8, "little") + header)
    with pytest.raises(ModelError):
        load_checkpoint(raw)


def test_a_directory_loop_as_model_names_the_file(tmp_path: Path) -> None:
    loop = tmp_path / "loop.safetensors"
    loop.symlink_to(loop)
    with pytest.raises(ModelError, match="loop.safetensors"):
        load_model(loop)


def test_the_valid_variants_still_pass() -> None:
    from models.config import BUILDERS

    for make in BUILDERS.values():
        cfg = make()
        assert ModelConfig.from_json(cfg.to_json()) == cfg


@pytest.mark.parametrize("bad", [{"fps": float("inf")}, {"widths": [4, 10**9, 8]}])
def test_the_cli_says_one_line_and_exits_2(tmp_path: Path, bad: dict, clip_30) -> None:
    cfg = json.loads(tiny().to_json())
    cfg.update(bad)
    path = crafted(tmp_path, json.dumps(cfg, allow_nan=True))
    proc = subprocess.run(
        [sys.executable, "-m", "player", "analyze", str(clip_30), "--model", str(path)],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "error: config:" in lines[0]
    assert "Traceback" not in proc.stderr
