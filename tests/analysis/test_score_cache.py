"""Score cache: round trip, partial tracks, corrupt files, identity, no model run on reopen."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from player.analysis.score_cache import ScoreCache, cache_dir, file_identity
from player.analysis.score_worker import ScoreWorker, track_for_media
from player.core.scores import ScoreTrack
from player.media.probe import probe


def _partial_track(info):  # type: ignore[no-untyped-def]
    track = track_for_media(info)
    rng = np.random.default_rng(0)
    track.update(10, rng.uniform(size=(11, 20)))
    track.update(40, np.full((11, 5), np.nan))  # scored, but no speed could be judged
    return track


def test_round_trip_keeps_partial_tracks_and_their_mask(clip_30, private_cache: Path) -> None:  # type: ignore[no-untyped-def]
    info = probe(clip_30)
    track = _partial_track(info)
    cache = ScoreCache(clip_30, "model-a")
    assert cache.path.parent == private_cache == cache_dir()
    assert cache.load() is None
    assert cache.save(track)
    again = cache.load(like=track_for_media(info))
    assert again is not None
    np.testing.assert_array_equal(again.times, track.times)
    np.testing.assert_array_equal(again.snapshot().p_natural, track.snapshot().p_natural)
    np.testing.assert_array_equal(again.scored_mask(), track.scored_mask())
    assert again.scored_ranges() == track.scored_ranges() and again.duration == track.duration
    assert [p.name for p in private_cache.iterdir()] == [cache.path.name]  # no temp file left


def test_keyed_by_model_and_file_identity(clip_30, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    info = probe(clip_30)
    ScoreCache(clip_30, "model-a").save(_partial_track(info))
    assert ScoreCache(clip_30, "model-b").load() is None
    copy = tmp_path / "copy.mp4"
    shutil.copy2(clip_30, copy)  # same bytes and mtime: same identity, wherever it lives
    assert file_identity(copy) == file_identity(clip_30)
    os.utime(copy, ns=(1, 1))  # touched or replaced: a new identity
    assert file_identity(copy) != file_identity(clip_30)
    assert ScoreCache(copy, "model-a").load() is None
    # A cache file copied to another video's name is refused (identity stored inside).
    src = ScoreCache(clip_30, "model-a").path
    shutil.copy(src, ScoreCache(copy, "model-a").path)
    assert ScoreCache(copy, "model-a").load() is None


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "pickle", "other_grid"])
def test_corrupt_cache_is_ignored_and_rebuilt(clip_30, damage: str) -> None:  # type: ignore[no-untyped-def]
    info = probe(clip_30)
    cache = ScoreCache(clip_30, "model-a")
    cache.save(_partial_track(info))
    data = cache.path.read_bytes()
    if damage == "garbage":
        cache.path.write_bytes(os.urandom(4096))
    elif damage == "truncated":
        cache.path.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        cache.path.write_bytes(b"")
    elif damage == "pickle":
        with open(cache.path, "wb") as fh:  # an object array would need unpickling
            np.savez(fh, format=np.array([object()], dtype=object))
    else:
        other = ScoreTrack.on_frame_grid(info.duration_s, 25.0)
        cache.save(other)
    assert cache.load(like=track_for_media(info)) is None
    assert cache.save(_partial_track(info))
    assert cache.load(like=track_for_media(info)) is not None


def test_unwritable_cache_folder_is_not_fatal(clip_30, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    cache = ScoreCache(clip_30, "model-a", directory=blocker / "scores")
    assert cache.save(_partial_track(probe(clip_30))) is False
    assert cache.load() is None


def test_reopening_an_analysed_video_runs_no_model(make_clip, tiny_scorer) -> None:  # type: ignore[no-untyped-def]
    clip = make_clip(duration=3.0, fps=30)
    info = probe(clip)
    cache = ScoreCache(clip, tiny_scorer.model_hash)
    first = ScoreWorker(clip, info, tiny_scorer, track_for_media(info), cache=cache)
    first.start()
    assert first.join(30) and first.error is None
    assert first.stats["model_frames"] > 0

    loaded = cache.load(like=track_for_media(info))
    assert loaded is not None and loaded.is_complete()
    np.testing.assert_array_equal(loaded.snapshot().p_natural, first.track.snapshot().p_natural)
    second = ScoreWorker(clip, info, tiny_scorer, loaded, cache=cache)
    second.start()
    assert second.join(10)
    assert second.stats["model_frames"] == 0 and second.stats["frames_decoded"] == 0


def test_an_interrupted_analysis_resumes_from_the_cache(make_clip, tiny_scorer) -> None:  # type: ignore[no-untyped-def]
    clip = make_clip(duration=8.0, fps=24, size=(96, 64), tone_hz=None)
    info = probe(clip)
    cache = ScoreCache(clip, tiny_scorer.model_hash)
    track = track_for_media(info)
    worker: ScoreWorker
    worker = ScoreWorker(
        clip, info, tiny_scorer, track, cache=cache, chunk_s=2.0, first_chunk_s=2.0,
        on_progress=lambda f, r: worker.request_stop(),
    )
    worker.start()
    assert worker.join(30)
    partial = cache.load(like=track_for_media(info))
    assert partial is not None and 0 < partial.fraction_scored() < 1
    assert partial.scored_ranges() == track.scored_ranges()


def test_a_fifo_in_place_of_the_cache_file_is_ignored_not_waited_on(clip_30, private_cache: Path) -> None:  # type: ignore[no-untyped-def]
    """Opening a FIFO for reading blocks until a writer comes: analyze hung for ever."""
    import threading

    info = probe(clip_30)
    cache = ScoreCache(clip_30, "model-a")
    cache.path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(cache.path)
    result: list[object] = []
    reader = threading.Thread(target=lambda: result.append(cache.load(like=track_for_media(info))), daemon=True)
    reader.start()
    reader.join(30)
    if reader.is_alive():  # unblock it before failing
        os.close(os.open(cache.path, os.O_WRONLY | os.O_NONBLOCK))
    assert result == [None]
    assert cache.save(_partial_track(info)) and cache.path.is_file()


def test_a_killed_save_leaves_a_temp_file_the_next_save_removes(clip_30, private_cache: Path) -> None:  # type: ignore[no-untyped-def]
    """kill -9 during a save leaves its temporary file; the next save of the entry removes
    it (nobody holds its lock), and leaves other entries' files alone."""
    info = probe(clip_30)
    cache = ScoreCache(clip_30, "model-a")
    private_cache.mkdir(parents=True, exist_ok=True)
    stale = private_cache / f".{cache.path.stem}.k1ll3d.tmp"
    other = private_cache / ".another-entry.k1ll3d.tmp"
    stale.write_bytes(b"half")
    other.write_bytes(b"half")
    assert cache.save(_partial_track(info))
    assert sorted(p.name for p in private_cache.iterdir()) == sorted([cache.path.name, other.name])
