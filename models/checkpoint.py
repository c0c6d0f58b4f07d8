"""Checkpoints: safetensors tensors plus the JSON model config in the file's metadata.

Loading parses a JSON header and raw little-endian tensor bytes; nothing is ever
unpickled, so a crafted file cannot run code (a torch.save/pickle file is refused with a
clear ModelError). The model hash (sha256 over the config and every tensor's name, dtype,
shape and bytes) identifies the weights, e.g. in score-cache keys.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from models.config import ModelConfig
from models.errors import ModelError

FORMAT = "speednet-player/1"
MAX_HEADER_BYTES = 16 * 1024 * 1024
MAX_FILE_BYTES = 2 * 1024**3


@dataclass
class Checkpoint:
    """A loaded checkpoint: config, tensors on CPU, free-form info, and the model hash."""

    config: ModelConfig
    tensors: dict[str, torch.Tensor]
    info: dict[str, Any] = field(default_factory=dict)
    model_hash: str = ""


def model_hash(config: ModelConfig, tensors: dict[str, torch.Tensor]) -> str:
    """sha256 (hex, first 16 chars) of the config and all tensors, independent of order."""
    h = hashlib.sha256(config.to_json().encode())
    for name in sorted(tensors):
        t = tensors[name].detach().to("cpu").contiguous()
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}".encode())
        h.update(t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.view(torch.int16).numpy().tobytes())
    return h.hexdigest()[:16]


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; checkpoints are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_checkpoint(
    path: str | Path,
    state_dict: dict[str, torch.Tensor],
    config: ModelConfig,
    info: dict[str, Any] | None = None,
) -> str:
    """Write ``state_dict`` + config (+ JSON ``info``) atomically; returns the model hash."""
    from safetensors.torch import save

    tensors = {k: v.detach().to("cpu").contiguous() for k, v in state_dict.items()}
    digest = model_hash(config, tensors)
    metadata = {
        "format": FORMAT,
        "config": config.to_json(),
        "info": json.dumps(info or {}, sort_keys=True),
        "model_hash": digest,
    }
    atomic_write_bytes(Path(path), save(tensors, metadata=metadata))
    return digest


def read_safetensors(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Tensors and metadata of a safetensors file, after sanity checks; never unpickles."""
    from safetensors import SafetensorError
    from safetensors.torch import load

    path = Path(path)
    try:
        if not path.exists():
            raise ModelError(f"model file not found: {path}")
        if not path.is_file():
            raise ModelError(f"model path is not a file: {path}")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ModelError(f"model file is too large ({size} bytes): {path}")
        data = path.read_bytes()
    except OSError as exc:  # permission denied, a directory loop, an I/O error: say which file
        raise ModelError(f"cannot read model file {path}: {exc.strerror or exc}") from None
    _check_header(data, path)
    try:
        tensors = load(data)
    except (SafetensorError, ValueError, RuntimeError, OSError) as exc:
        raise ModelError(f"model file is corrupt: {path}: {exc}") from None
    header_len = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + header_len])
    metadata = header.get("__metadata__") or {}
    if not isinstance(metadata, dict):
        raise ModelError(f"model file has malformed metadata: {path}")
    return tensors, metadata


def _check_header(data: bytes, path: Path) -> None:
    """Refuse anything that is not a plausible safetensors file, with a useful message."""
    header = None
    if len(data) >= 10:
        header_len = struct.unpack("<Q", data[:8])[0]
        if header_len <= MAX_HEADER_BYTES and 8 + header_len <= len(data):
            try:
                header = json.loads(data[8 : 8 + header_len])
            except (UnicodeDecodeError, ValueError):
                header = None
            except RecursionError:
                raise ModelError(f"model file header is nested too deeply: {path}") from None
    if isinstance(header, dict):
        return
    # Only now guess what it is: pickle protocol 2+ starts with 0x80, torch.save with a zip.
    if data[:2] == b"PK" or data[:1] == b"\x80":
        raise ModelError(
            f"{path} looks like a pickle / torch.save file; only .safetensors checkpoints are "
            "accepted (pickles can run code when loaded)"
        )
    raise ModelError(f"model file is not a valid safetensors checkpoint: {path}")


def load_checkpoint(path: str | Path) -> Checkpoint:
    """Read and validate a SpeedNet checkpoint (ModelError if anything is off)."""
    tensors, metadata = read_safetensors(path)
    if metadata.get("format") != FORMAT or "config" not in metadata:
        raise ModelError(f"{path} is a safetensors file but not a SpeedNet checkpoint")
    config = ModelConfig.from_json(metadata["config"])
    try:
        info = json.loads(metadata.get("info") or "{}")
    except ValueError:
        raise ModelError(f"{path}: checkpoint info is not valid JSON") from None
    except RecursionError:
        raise ModelError(f"{path}: checkpoint info is nested too deeply") from None
    if not isinstance(info, dict):
        raise ModelError(f"{path}: checkpoint info must be a JSON object")
    return Checkpoint(config=config, tensors=tensors, info=info, model_hash=model_hash(config, tensors))


def load_model(path: str | Path, device: str | torch.device = "cpu") -> tuple[torch.nn.Module, Checkpoint]:
    """A SpeedNet in eval mode with the checkpoint's weights (ModelError on any mismatch)."""
    from models.network import build_model

    ckpt = load_checkpoint(path)
    model = build_model(ckpt.config)
    try:
        model.load_state_dict(ckpt.tensors, strict=True)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0]
        raise ModelError(f"{path}: weights do not match the config: {first}") from None
    return model.to(device).eval(), ckpt


# ---------------------------------------------------------------- training state (resume)


def save_train_state(
    path: str | Path, optimizer: torch.optim.Optimizer, extra: dict[str, Any]
) -> None:
    """Optimizer tensors + JSON param groups and ``extra`` (step, best accuracy...), as
    safetensors so resuming never unpickles either."""
    from safetensors.torch import save

    sd = optimizer.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, float]] = {}
    for idx, state in sd["state"].items():
        for key, value in state.items():
            if isinstance(value, torch.Tensor):
                tensors[f"opt.{idx}.{key}"] = value.detach().to("cpu").contiguous()
            else:
                scalars.setdefault(str(idx), {})[key] = float(value)
    meta = {
        "format": FORMAT + "/train-state",
        "param_groups": json.dumps(sd["param_groups"]),
        "scalars": json.dumps(scalars),
        "extra": json.dumps(extra, sort_keys=True),
    }
    if not tensors:
        tensors["opt.empty"] = torch.zeros(1)
    atomic_write_bytes(Path(path), save(tensors, metadata=meta))


def load_train_state(path: str | Path, optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    """Restore ``optimizer`` from :func:`save_train_state`; returns the ``extra`` dict."""
    tensors, meta = read_safetensors(path)
    if meta.get("format") != FORMAT + "/train-state":
        raise ModelError(f"{path} is not a SpeedNet training state")
    state: dict[int, dict[str, Any]] = {}
    for name, value in tensors.items():
        if name == "opt.empty":
            continue
        _, idx, key = name.split(".", 2)
        state.setdefault(int(idx), {})[key] = value
    for idx, values in json.loads(meta.get("scalars") or "{}").items():
        state.setdefault(int(idx), {}).update(values)
    groups = json.loads(meta["param_groups"])
    for g in groups:
        if "betas" in g:
            g["betas"] = tuple(g["betas"])
    optimizer.load_state_dict({"state": state, "param_groups": groups})
    return json.loads(meta.get("extra") or "{}")
