"""SpeedNet network: shapes, numerics, window locality, BN folding, overfitting one batch."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from models.config import ModelConfig, config_for, paper, small, tiny
from models.errors import ModelError
from models.inference import fold_batchnorm
from models.network import build_model, parameter_count


@pytest.mark.parametrize("extra", [0, 5])
def test_small_forward_shape_one_logit_per_window(extra: int) -> None:
    cfg = small()
    model = build_model(cfg).eval()
    x = torch.randn(2, 3, cfg.clip_len + extra, cfg.input_size, cfg.input_size)
    with torch.no_grad():
        y = model(x)
    assert y.shape == (2, extra + 1)
    assert torch.isfinite(y).all()


def test_small_is_cheap_and_paper_is_s3dg_sized() -> None:
    assert 150_000 < parameter_count(build_model(small())) < 600_000
    with torch.device("meta"):
        big = build_model(paper())
        y = big(torch.empty(2, 3, paper().clip_len, paper().input_size, paper().input_size))
    assert y.shape == (2, 1)
    assert 5_000_000 < parameter_count(big) < 20_000_000


def test_too_few_frames_is_an_error() -> None:
    cfg = tiny()
    with pytest.raises(ValueError):
        build_model(cfg)(torch.randn(1, 3, cfg.clip_len - 1, cfg.input_size, cfg.input_size))


def test_window_logit_depends_only_on_its_own_frames() -> None:
    cfg = tiny()
    torch.manual_seed(1)
    model = build_model(cfg).eval()
    x = torch.randn(1, 3, cfg.clip_len + 6, cfg.input_size, cfg.input_size)
    with torch.no_grad():
        base = model(x)
        y = x.clone()
        y[:, :, cfg.clip_len + 3 :] = torch.randn_like(y[:, :, cfg.clip_len + 3 :]) * 5
        changed = model(y)
    # Windows 0..3 end before frame T + 3, so they must not move.
    torch.testing.assert_close(base[:, :4], changed[:, :4], rtol=0, atol=1e-5)
    assert not torch.allclose(base[:, 4:], changed[:, 4:])


def test_folding_batchnorm_keeps_outputs() -> None:
    cfg = tiny()
    torch.manual_seed(2)
    model = build_model(cfg)
    # Make BN do something: a few training-mode passes update the running statistics.
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(4, 3, cfg.clip_len, cfg.input_size, cfg.input_size) * 2 + 0.5)
    model.eval()
    x = torch.randn(3, 3, cfg.clip_len + 2, cfg.input_size, cfg.input_size)
    with torch.no_grad():
        before = model(x)
        after = fold_batchnorm(model)(x)
    torch.testing.assert_close(before, after, rtol=1e-4, atol=1e-5)


def test_overfits_one_batch() -> None:
    cfg = tiny()
    torch.manual_seed(3)
    model = build_model(cfg)
    x = torch.randn(8, 3, cfg.clip_len, cfg.input_size, cfg.input_size)
    y = torch.tensor([0.0, 1.0] * 4)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    first = None
    for _ in range(60):
        loss = F.binary_cross_entropy_with_logits(model(x)[:, 0], y)
        first = float(loss.detach()) if first is None else first
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert first > 0.5
    assert float(loss.detach()) < 0.1


def test_config_json_round_trip_and_validation() -> None:
    cfg = small()
    assert ModelConfig.from_json(cfg.to_json()) == cfg
    with pytest.raises(ModelError):
        ModelConfig.from_json('{"no_such_key": 1}')
    with pytest.raises(ModelError):
        ModelConfig.from_json("not json")
    with pytest.raises(ModelError):
        ModelConfig(clip_len=4)  # shorter than the receptive field
    with pytest.raises(ModelError):
        config_for("huge")


def test_difference_input_keeps_window_locality_and_adds_one_frame_of_context() -> None:
    cfg = ModelConfig(**{**tiny().__dict__, "input_diff": True})
    assert cfg.temporal_receptive_field == tiny().temporal_receptive_field + 1
    torch.manual_seed(3)
    model = build_model(cfg).eval()
    x = torch.randn(2, 3, cfg.clip_len + 4, cfg.input_size, cfg.input_size)
    with torch.no_grad():
        whole = model(x)
        alone = torch.stack([model(x[:, :, i : i + cfg.clip_len])[:, 0] for i in range(5)], dim=1)
        # A still clip has zero difference channels; moving content must change the logit.
        still = model(x[:, :, :1].expand(-1, -1, cfg.clip_len, -1, -1).contiguous())
        moving = model(x[:, :, : cfg.clip_len])
    torch.testing.assert_close(whole, alone, rtol=0, atol=1e-5)
    assert not torch.allclose(still, moving)
    folded = fold_batchnorm(build_model(cfg).eval())
    with torch.no_grad():
        assert folded(x).shape == (2, 5)


def test_old_configs_without_input_diff_still_load() -> None:
    raw = small().to_json().replace(', "input_diff": false', "")
    assert "input_diff" not in raw
    assert ModelConfig.from_json(raw) == small()
