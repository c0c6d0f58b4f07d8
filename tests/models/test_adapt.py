"""models/adapt.py: "Learn my videos" on real footage with the tiny model.

Real code paths on real media: the bundled demo clip (a real baseball video), clips of the
shared corpus when present, and PyAV clips whose frames carry their own index (so a test
can tell exactly which source frames the training and held-back parts hold).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from models.adapt import (
    AdaptInterrupted,
    AdaptOptions,
    VideoReader,
    adapt,
    holdout_accuracy,
    holdout_start,
    read_parts,
    spread_spans,
)
from models.checkpoint import load_checkpoint, load_model, save_checkpoint
from models.config import small, tiny
from models.errors import ModelError
from models.network import build_model
from models.video_decode import decode_at_fps

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "resources" / "demo_baseball.mp4"


def _fast(**kw) -> AdaptOptions:  # type: ignore[no-untyped-def]
    """Small, quick settings: a step bound, a small batch, one thread."""
    base = dict(minutes=3.0, steps=40, batch_size=8, threads=1, device="cpu")
    base.update(kw)
    return AdaptOptions(**base)


# -- the same preprocessing -------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["demo", "vfr"])
def test_spans_are_decode_at_fps_frames(which: str, make_clip) -> None:  # type: ignore[no-untyped-def]
    """A span from 0 is exactly decode_at_fps; a later span (reached by seeking) is exactly
    the same ticks of the whole-file decode, for a real clip and a VFR one."""
    path = DEMO if which == "demo" else Path(make_clip(duration=6.0, fps=30, vfr=True, tone_hz=None))
    cfg = small()
    whole = decode_at_fps(path, cfg.fps, cfg.input_size)
    with VideoReader(path) as reader:
        assert reader.t_first == 0.0
        first = reader.span(0.0, 2.0, cfg.input_size, cfg.fps)
        later = reader.span(3.0, 5.0, cfg.input_size, cfg.fps)
    assert np.array_equal(first, decode_at_fps(path, cfg.fps, cfg.input_size, max_seconds=2.0))
    assert later.shape[0] == 30
    assert np.array_equal(later, whole[45:75])


def test_holdout_starts_on_a_whole_second_and_refuses_short_videos() -> None:
    cfg = small()  # a 1x-vs-2x window is 31 frames at 15 fps, a training window 37
    assert holdout_start(100.0, cfg) == 80
    assert holdout_start(45.55, cfg) == 36
    assert holdout_start(10.0, cfg, 0.4) == 6
    # 20% of 8 s is too short for one window: the held-back part grows to fit one.
    start = holdout_start(8.0, cfg)
    assert start == 5 and 8.0 - start >= 31 / 15
    with pytest.raises(ModelError, match="too short to adapt on"):
        holdout_start(4.0, cfg, name="clip.mp4")


def test_spans_are_spread_and_bounded() -> None:
    assert spread_spans(0.0, 30.0, 60.0) == [(0.0, 30.0)]
    spans = spread_spans(0.0, 5400.0, 240.0, 8.0)  # a 90-minute training part
    assert len(spans) == 30
    assert spans[0][0] == 0.0 and spans[-1][1] == pytest.approx(5400.0)
    assert all(b - a == pytest.approx(8.0) for a, b in spans)
    assert all(s1[0] > s0[1] for s0, s1 in zip(spans, spans[1:]))


def test_training_frames_never_reach_the_held_back_part(make_clip, frame_index) -> None:  # type: ignore[no-untyped-def]
    """Every source frame the training spans hold comes before the held-back second, every
    held-back frame after it (frames carry their index), and a small budget spreads spans."""
    clip = make_clip(duration=30.0, fps=30, tone_hz=None, size=(192, 144))
    cfg = small()
    parts = read_parts([Path(clip)], cfg, max_train_s=16.0, max_holdout_s=60.0)
    (part,) = parts
    assert part.holdout_start_s == 24
    assert len(part.train_spans) == 2  # 16 s of a 24 s training part: two 8 s spans apart
    boundary = part.holdout_start_s * 30
    train_idx = [frame_index(f) for span in part.train_spans for f in span]
    held_idx = [frame_index(f) for span in part.holdout_spans for f in span]
    assert max(train_idx) < boundary <= min(held_idx)
    assert max(held_idx) >= 30 * 30 - 3
    # Spread: the second span starts well after the first ends.
    assert frame_index(part.train_spans[1][0]) > frame_index(part.train_spans[0][-1]) + 30


def test_a_non_video_is_a_model_error(tmp_path: Path) -> None:
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video\n" * 50)
    with pytest.raises(ModelError, match="notes.mp4"):
        VideoReader(bad)


# -- adapting ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.manual_seed(3)
    path = tmp_path_factory.mktemp("base") / "base.safetensors"
    save_checkpoint(path, build_model(tiny()).state_dict(), tiny(), {"variant": "tiny", "train_clips": ["videos/x.mp4"]})
    return path


def _real_clips(shared_data: Path | None) -> list[Path]:
    clips = [DEMO]
    if shared_data is not None:
        clips.append(shared_data / "videos" / "pingpong" / "video.mp4")
    return clips


@pytest.fixture(scope="module")
def corpus() -> Path | None:
    root = REPO.parent / "shared" / "data"
    return root if (root / "MANIFEST.tsv").is_file() else None


def test_short_adaptation_on_real_footage_improves_or_keeps_and_records_its_origin(tiny_base: Path, corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    videos = _real_clips(corpus)
    out = tmp_path / "adapted.safetensors"
    lines: list[str] = []
    stages: list[str] = []
    result = adapt(
        _fast(videos=tuple(videos), base=tiny_base, out=out, steps=80, lr=3e-3),
        progress=lambda stage, fraction, _m: stages.append(stage), log=lines.append,
    )
    assert result.after >= result.before
    assert result.written == out and out.is_file(), result.reason
    assert [p.name for p in tmp_path.iterdir()] == ["adapted.safetensors"]  # no temporary left
    assert stages[0] == "decode" and "train" in stages and stages[-1] == "measure"
    model, ckpt = load_model(out)  # a normal checkpoint of the same architecture
    base = load_checkpoint(tiny_base)
    assert ckpt.config.family == base.config.family and ckpt.config.clip_len == base.config.clip_len
    assert ckpt.config.extra["adapted_from"] == base.model_hash
    adapted = ckpt.info["adapted"]
    assert adapted["base_model"] == "base.safetensors" and adapted["base_model_hash"] == base.model_hash
    assert [v["name"] for v in adapted["videos"]] == [v.name for v in videos]
    assert "/" not in json.dumps(adapted["videos"]) and str(tmp_path) not in json.dumps(ckpt.info)
    assert adapted["videos"][0]["duration_s"] == pytest.approx(5.58, abs=0.05)
    assert adapted["accuracy_before"] == pytest.approx(result.before, abs=1e-4)
    assert adapted["accuracy_after"] == pytest.approx(result.after, abs=1e-4)
    assert ckpt.info["train_clips"] == ["videos/x.mp4"]  # evaluate still leaves those out
    # The figure is real: the written model measured again on the same held-back spans.
    parts = read_parts(list(videos), ckpt.config)
    assert holdout_accuracy(model, ckpt.config, parts, "cpu").accuracy == pytest.approx(result.after)
    base_model, _ = load_model(tiny_base)
    assert holdout_accuracy(base_model, base.config, parts, "cpu").accuracy == pytest.approx(result.before)


def test_a_run_that_makes_the_model_worse_writes_nothing(tiny_base: Path, tmp_path: Path) -> None:
    """A learning rate that wrecks the weights: no state beats the base model on the
    held-back part, so there is no file at all."""
    out = tmp_path / "worse.safetensors"
    result = adapt(_fast(videos=(DEMO,), base=tiny_base, out=out, steps=12, lr=50.0))
    assert result.written is None and "nothing written" in result.reason
    assert result.after == result.before
    assert list(tmp_path.iterdir()) == []


def test_a_cancelled_run_writes_nothing(tiny_base: Path, tmp_path: Path) -> None:
    """The GUI's Cancel (keep_on_stop False), pressed mid-training from another thread."""
    out = tmp_path / "cancelled.safetensors"
    stop = threading.Event()
    seen = []

    def progress(stage: str, _f: float, message: str) -> None:
        seen.append(stage)
        if stage == "train" and seen.count("train") == 30:
            threading.Timer(0.0, stop.set).start()

    result = adapt(_fast(videos=(DEMO,), base=tiny_base, out=out, steps=400, keep_on_stop=False, lr=3e-3),
                   progress=progress, stop=stop)
    assert result.stopped and result.written is None and result.reason.startswith("cancelled")
    assert result.steps < 400
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_keeps_the_best_state_so_far_or_nothing(tiny_base: Path, tmp_path: Path) -> None:
    """KeyboardInterrupt (Ctrl-C in the main thread) after the first measurement: the
    result travels with AdaptInterrupted; the file is the measured best, whole, or absent."""
    out = tmp_path / "interrupted.safetensors"

    def progress(stage: str, _f: float, message: str) -> None:
        if stage == "train" and message.startswith("step 60,"):
            raise KeyboardInterrupt

    with pytest.raises(AdaptInterrupted) as caught:
        adapt(_fast(videos=(DEMO,), base=tiny_base, out=out, steps=200, lr=3e-3), progress=progress)
    result = caught.value.result
    assert result.stopped and result.steps == 60
    files = [p.name for p in tmp_path.iterdir()]
    if result.written is None:
        assert files == []
    else:
        assert files == ["interrupted.safetensors"]
        assert result.after > result.before or result.after == result.before
        assert load_checkpoint(out).info["adapted"]["accuracy_after"] == pytest.approx(result.after, abs=1e-4)


def test_too_short_video_is_refused(tiny_base: Path, make_clip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    short = Path(make_clip(duration=1.0, fps=30, tone_hz=None))
    with pytest.raises(ModelError, match="too short to adapt on"):
        adapt(_fast(videos=(short,), base=tiny_base, out=tmp_path / "x.safetensors"))
    assert list(tmp_path.iterdir()) == []


def test_any_family_adapts_an_i3d_checkpoint_too(tmp_path: Path) -> None:
    """The mechanism dispatches on config.family (build_model / load_model): an "i3d"
    checkpoint adapts, and the result loads in the player's scorer as an i3d model."""
    from models.config import i3d
    from models.inference import SpeedScorer

    torch.manual_seed(0)
    base = tmp_path / "i3d.safetensors"
    save_checkpoint(base, build_model(i3d()).state_dict(), i3d(), {})
    out = tmp_path / "i3d-adapted.safetensors"
    result = adapt(_fast(videos=(DEMO,), base=base, out=out, steps=3, batch_size=4, force_write=True))
    assert result.written == out and result.steps == 3
    scorer = SpeedScorer.load(out, device="cpu")
    assert scorer.config.family == "i3d" and scorer.config.extra["adapted_from"] == load_checkpoint(base).model_hash
    frames = np.zeros((2, scorer.clip_len, 48, 48, 3), dtype=np.uint8)
    assert scorer.score_clips(frames).shape == (2,)
