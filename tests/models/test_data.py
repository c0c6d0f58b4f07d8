"""Corpus index, split by whole clip, and the self-supervised pair sampler (docs/architecture.md, "Models")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from models.config import ModelConfig, small, tiny
from models.data import (
    CorpusClip,
    FrameCache,
    PairSampler,
    eval_windows,
    exclusion_reason,
    index_corpus,
    min_train_seconds,
    split_clips,
)
from models.errors import ModelError


def _textured_clip(frames: int, size: int, seed: int, moving: bool = True) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = (rng.random((size, size * 4, 3)) * 255).astype(np.uint8)
    return np.stack([base[:, (i * 2 if moving else 0) % (size * 3) :][:, :size] for i in range(frames)])


def test_pairs_share_augmentation_and_start_frame() -> None:
    cfg = tiny()
    # A static scene: both clips of a pair show the same picture, so any difference
    # between them could only come from different augmentation.
    static = [_textured_clip(60, 24, seed=s, moving=False) for s in range(3)]
    sampler = PairSampler(static, cfg, seed=0)
    batch = sampler.batch(16)
    assert batch.clips.shape == (16, cfg.clip_len, cfg.input_size, cfg.input_size, 3)
    assert batch.clips.dtype == torch.uint8
    for i in range(0, 16, 2):
        assert batch.pair_ids[i] == batch.pair_ids[i + 1]
        assert torch.equal(batch.clips[i], batch.clips[i + 1])
    # ...and augmentation does vary between pairs (random resize/crop/flip).
    assert any(not torch.equal(batch.clips[0], batch.clips[i]) for i in range(2, 16, 2))


def test_batches_are_balanced_and_sped_up_clips_stride_further() -> None:
    cfg = tiny()
    clips = [_textured_clip(80, 24, seed=s) for s in range(4)]
    sampler = PairSampler(clips, cfg, seed=1)
    labels, strides = [], []
    for _ in range(20):
        b = sampler.batch(8)
        assert b.labels.tolist() == [0.0, 1.0] * 4
        labels.append(b.labels)
        strides.append(b.strides)
    lab = torch.cat(labels)
    st = torch.cat(strides)
    normal, fast = st[lab == 0], st[lab == 1]
    assert float(normal.mean()) < 1.25 and float(fast.mean()) > 1.6
    assert bool((fast.view(-1) > normal.view(-1)).float().mean() > 0.9)
    with pytest.raises(ModelError):
        sampler.batch(7)


def test_sampler_needs_long_enough_clips() -> None:
    with pytest.raises(ModelError):
        PairSampler([_textured_clip(10, 24, 0)], tiny())


def _clip(key: str, cat: str, dur: float = 10.0, fps: float = 30.0, split: str = "train") -> CorpusClip:
    return CorpusClip(key=key, path=Path(key), category=cat, fps=fps, duration_s=dur, split=split)


def test_split_is_by_whole_clip_stratified_and_deterministic() -> None:
    clips = [_clip(f"v/{cat}{i}.mp4", cat) for cat in ("a", "b", "c") for i in range(10)]
    clips.append(_clip("v/short.mp4", "a", dur=1.0))
    train, val = split_clips(clips, 0.2, min_train_seconds=min_train_seconds(small()))
    assert {c.key for c in train}.isdisjoint({c.key for c in val})
    assert len(train) + len(val) == len(clips)
    assert "v/short.mp4" in {c.key for c in val}  # too short to train on
    for cat in "abc":
        assert sum(c.category == cat for c in val if c.key != "v/short.mp4") == 2
    again = split_clips(list(reversed(clips)), 0.2, min_train_seconds=min_train_seconds(small()))
    assert [c.key for c in again[1]] == [c.key for c in val]


def test_exclusions() -> None:
    assert exclusion_reason(_clip("videos/x.mp4", "sports"), 15.0) is None
    assert "split" in exclusion_reason(_clip("videos/bbb.mp4", "animated", split="animated"), 15.0)
    assert exclusion_reason(_clip("videos/opentracker/oneperson.mp4", "human action"), 15.0)
    assert "fps" in exclusion_reason(_clip("videos/lowrate.mp4", "sports", fps=10.0), 15.0)


def test_eval_windows_are_1x_and_2x_from_the_same_start() -> None:
    frames = np.arange(70, dtype=np.uint8)[:, None, None, None] * np.ones((1, 2, 2, 3), np.uint8)
    normal, fast = eval_windows(frames, 8)
    assert normal.shape == fast.shape == (7, 8, 2, 2, 3)
    assert normal[1, :, 0, 0, 0].tolist() == list(range(8, 16))
    assert fast[1, :, 0, 0, 0].tolist() == list(range(8, 24, 2))
    assert eval_windows(frames[:10], 8)[0].shape[0] == 0


def test_folder_index_and_frame_cache(video_dir: Path, tmp_path: Path) -> None:
    clips = index_corpus(video_dir)
    assert len(clips) == 4 and all(c.category == "unknown" for c in clips)
    cache = FrameCache(tmp_path, fps=10.0, size=24)
    first = cache.load(clips[0])
    assert first.shape == (30, 24, 24, 3)
    assert cache.path_for(clips[0]).is_file()
    assert np.array_equal(cache.load(clips[0]), first)  # second time from disk
    with pytest.raises(ModelError):
        index_corpus(tmp_path / "missing")


def test_colour_and_phase_jitter_keep_pairs_identical_apart_from_speed() -> None:
    cfg = tiny()
    static = [_textured_clip(60, 24, seed=s, moving=False) for s in range(3)]
    plain = PairSampler(static, cfg, seed=3).batch(16)
    jittered = PairSampler(static, cfg, seed=3, color_jitter=0.4, phase_jitter=True).batch(16)
    for i in range(0, 16, 2):
        # One colour change per pair: a static scene still gives two identical clips.
        assert torch.equal(jittered.clips[i], jittered.clips[i + 1])
    assert not torch.equal(plain.clips, jittered.clips)


def test_phase_jitter_grid_keeps_its_speed() -> None:
    cfg = tiny()
    sampler = PairSampler(
        [_textured_clip(80, 24, seed=s) for s in range(3)], cfg, seed=5, phase_jitter=True, regular_fraction=1.0
    )
    strides = torch.cat([sampler.batch(16).strides for _ in range(10)])
    normal, fast = strides[0::2], strides[1::2]
    assert float(normal.min()) >= 1.0 - 1e-6 and float(normal.max()) <= 1.2 + 1.0 / (cfg.clip_len - 1)
    assert float(fast.min()) >= 1.7 - 1.0 / (cfg.clip_len - 1) and float(fast.max()) <= 2.2 + 1.0 / (cfg.clip_len - 1)


def test_weight_cap_limits_the_share_of_long_clips() -> None:
    cfg = tiny()
    clips = [_textured_clip(400, 24, seed=0), _textured_clip(40, 24, seed=1)]
    uniform = PairSampler(clips, cfg, seed=0)
    capped = PairSampler(clips, cfg, seed=0, weight_cap_frames=30)
    assert uniform.weights[0] > 0.9
    starts_short = 40 - int(np.ceil(2.3 * cfg.clip_len)) + 1
    assert capped.weights[0] == pytest.approx(30 / (30 + starts_short))


def test_paper_sampling_is_random_walks_played_forwards() -> None:
    # A clip whose frame k shows the number k: a sampled clip reveals the indices it took.
    numbers = np.arange(120, dtype=np.uint8)[:, None, None, None]
    counter = np.ascontiguousarray(np.broadcast_to(numbers, (120, 24, 24, 3)))
    cfg = ModelConfig(**{**tiny().__dict__, "aug_scale": (1.0, 1.0)})

    def steps(sampler: PairSampler) -> torch.Tensor:
        taken = torch.cat([sampler.batch(8).clips[..., 0].float().mean(dim=(2, 3)) for _ in range(20)])
        return taken[:, 1:] - taken[:, :-1]  # (B, T - 1) frame steps

    paper = steps(PairSampler([counter], cfg, seed=2, regular_fraction=0.0, reverse_fraction=0.0))
    grid = steps(PairSampler([counter], cfg, seed=2, regular_fraction=1.0, reverse_fraction=0.0))
    assert (paper > 0).all() and (grid > 0).all()  # never played backwards
    # round(k * f) with f <= 2.2 never steps more than 3 frames; a walk that keeps each
    # frame with probability 1/f does.
    assert float(grid.max()) <= 3 and float(paper.max()) >= 4
    with pytest.raises(ModelError):
        PairSampler([counter], cfg, regular_fraction=1.5)
