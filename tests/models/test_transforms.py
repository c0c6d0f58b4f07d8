"""Timestamp resampling, resizing and the frame-dropping walk."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.preprocess import indices_at_rate
from models.transforms import keep_with_probability, resize_frames
from models.video_decode import decode_at_fps


@pytest.mark.parametrize("src_fps", [24.0, 25.0, 30.0, 60.0, 29.97])
def test_resampling_covers_the_same_time_at_any_source_rate(src_fps: float) -> None:
    times = np.arange(int(4 * src_fps)) / src_fps
    idx = indices_at_rate(times, 15.0)
    assert len(idx) == pytest.approx(4 * 15, abs=1)
    shown = times[idx]
    ticks = np.arange(len(idx)) / 15.0
    # Each tick shows the newest frame not after it: never in the future, never stale.
    assert np.all(shown <= ticks + 1e-6)
    assert np.all(ticks - shown < 1.0 / src_fps + 1e-6)
    assert np.all(np.diff(idx) >= 0)


def test_resampling_vfr_and_exact_multiples() -> None:
    assert indices_at_rate(np.arange(10) / 30, 15).tolist() == [0, 2, 4, 6, 8]
    rng = np.random.default_rng(0)
    times = np.cumsum(rng.uniform(0.02, 0.05, 200))
    idx = indices_at_rate(times, 15.0)
    ticks = times[0] + np.arange(len(idx)) / 15.0
    assert np.all(times[idx] <= ticks + 1e-6)
    nxt = np.minimum(idx + 1, len(times) - 1)
    assert np.all((times[nxt] > ticks) | (idx == len(times) - 1))
    assert indices_at_rate(np.zeros(0), 15.0).size == 0


def test_decoding_30_and_60_fps_versions_of_a_scene_agree(tmp_path: Path, scene_clip) -> None:  # noqa: ANN001
    a = decode_at_fps(scene_clip(tmp_path / "a.mp4", fps=30, seconds=2.0), 15.0, 32)
    b = decode_at_fps(scene_clip(tmp_path / "b.mp4", fps=60, seconds=2.0), 15.0, 32)
    c = decode_at_fps(scene_clip(tmp_path / "c.mp4", fps=30, seconds=2.0, vfr=True), 15.0, 32)
    assert a.shape == b.shape == (30, 32, 32, 3)
    assert abs(c.shape[0] - 30) <= 3
    # Same scene at the same instants: frames match up to compression noise.
    same_instant = np.abs(a.astype(int) - b.astype(int)).mean()
    one_tick_apart = np.abs(np.diff(a.astype(int), axis=0)).mean()
    assert same_instant < 0.3 * one_tick_apart


def test_resize_frames_squashes_any_size() -> None:
    frames = np.random.default_rng(0).integers(0, 255, (3, 37, 91, 3), dtype=np.uint8)
    out = resize_frames(frames, 16)
    assert out.shape == (3, 16, 16, 3) and out.dtype == np.uint8
    flat = np.full((2, 50, 70, 3), 77, dtype=np.uint8)
    assert np.all(resize_frames(flat, 16) == 77)


def test_keep_with_probability_walk() -> None:
    rng = np.random.default_rng(0)
    strides_fast, strides_normal = [], []
    for _ in range(300):
        o = keep_with_probability(rng, 48, rng.uniform(1.7, 2.2), 16)
        if o is not None:
            assert o[0] == 0 and len(o) == 16 and np.all(np.diff(o) >= 1)
            strides_fast.append(np.diff(o).mean())
        n = keep_with_probability(rng, 48, rng.uniform(1.0, 1.2), 16)
        assert n is not None
        strides_normal.append(np.diff(n).mean())
    assert 1.0 <= np.mean(strides_normal) < 1.2
    assert 1.7 < np.mean(strides_fast) < 2.3
    assert keep_with_probability(rng, 10, 1.0, 16) is None


def test_shared_color_jitter_is_one_change_for_the_whole_pair() -> None:
    import numpy as np
    import torch

    from models.transforms import shared_color_jitter

    rng = np.random.default_rng(0)
    clip = torch.from_numpy((rng.random((1, 4, 8, 8, 3)) * 255).astype(np.uint8))
    pair = torch.cat([clip, clip])
    assert shared_color_jitter(pair, np.random.default_rng(1), 0.0) is pair
    out = shared_color_jitter(pair, np.random.default_rng(1), 0.5)
    assert out.shape == pair.shape and out.dtype == torch.uint8
    assert torch.equal(out[0], out[1])
    assert not torch.equal(out, pair)
