"""score_with_progress: a whole file scored through the cache, with progress reports."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from player.analysis.offline_scoring import score_with_progress
from player.analysis.score_cache import ScoreCache
from player.analysis.score_worker import track_for_media
from player.core.errors import MediaError
from player.media.probe import probe


@pytest.fixture(scope="module")
def clip(make_clip):  # type: ignore[no-untyped-def]
    return make_clip(duration=3.0, fps=30, size=(160, 120))


def test_scores_everything_then_reads_the_cache(clip, tiny_scorer, private_cache: Path) -> None:  # type: ignore[no-untyped-def]
    info = probe(clip.path)
    seen: list[float] = []
    first = score_with_progress(clip.path, info, tiny_scorer, seen.append)
    assert not first.from_cache and first.track.is_complete()
    assert seen and seen[-1] == 1.0
    assert all(0.0 <= a <= b <= 1.0 for a, b in zip(seen, seen[1:]))
    cached = ScoreCache(clip.path, tiny_scorer.model_hash).load(like=first.track)
    assert cached is not None and cached.is_complete()

    again: list[float] = []
    second = score_with_progress(clip.path, info, tiny_scorer, again.append)
    assert second.from_cache and not again  # no model run, so nothing to report
    np.testing.assert_array_equal(second.track.snapshot().p_natural, first.track.snapshot().p_natural)


def test_a_partial_cache_is_completed_not_redone(clip, tiny_scorer) -> None:  # type: ignore[no-untyped-def]
    info = probe(clip.path)
    partial = track_for_media(info)
    half = partial.n_frames // 2
    marker = np.full((partial.speeds.size, half), 0.123, np.float32)  # no model says this
    partial.update(0, marker)
    ScoreCache(clip.path, tiny_scorer.model_hash).save(partial)

    scores = score_with_progress(clip.path, info, tiny_scorer)
    assert not scores.from_cache and scores.track.is_complete()
    p = scores.track.snapshot().p_natural
    np.testing.assert_array_equal(p[:, :half], marker)
    assert not np.isnan(p[0, half:]).any() and not np.any(p[0, half:] == np.float32(0.123))


def test_no_cache_neither_reads_nor_writes(clip, tiny_scorer, private_cache: Path) -> None:  # type: ignore[no-untyped-def]
    info = probe(clip.path)
    scores = score_with_progress(clip.path, info, tiny_scorer, use_cache=False)
    assert not scores.from_cache and scores.track.is_complete()
    assert not private_cache.exists() or not any(private_cache.iterdir())
    score_with_progress(clip.path, info, tiny_scorer)  # fills the cache
    again = score_with_progress(clip.path, info, tiny_scorer, use_cache=False)
    assert not again.from_cache


def test_a_scoring_error_is_raised_here(tmp_path: Path, clip, tiny_scorer) -> None:  # type: ignore[no-untyped-def]
    # Probed while whole, then cut short: the reader fails part way, as on a failing disk.
    video = tmp_path / "cut.mp4"
    video.write_bytes(clip.path.read_bytes())
    info = probe(video)
    video.write_bytes(b"")
    with pytest.raises(MediaError):
        score_with_progress(video, info, tiny_scorer, use_cache=False)
