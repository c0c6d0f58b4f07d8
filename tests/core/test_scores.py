"""ScoreTrack: updates, scored/unscored ranges, nearest-first order, snapshots."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from player.core.scores import ScoreTrack
from player.core.speedup import LADDER

K = LADDER.size


def _track(n: int = 100, fps: float = 10.0) -> ScoreTrack:
    return ScoreTrack.on_frame_grid(n / fps, fps)


def test_starts_unscored() -> None:
    track = _track()
    snap = track.snapshot()
    assert snap.p_natural.shape == (K, 100) and np.all(np.isnan(snap.p_natural))
    assert track.fraction_scored() == 0.0 and not track.is_complete()
    assert track.scored_ranges() == []
    assert track.unscored_ranges() == [(0.0, 10.0)]
    np.testing.assert_array_equal(track.times, np.arange(100) / 10.0)
    assert track.duration == 10.0


def test_update_reports_new_ranges() -> None:
    track = _track()
    rng = track.update(20, np.full((K, 10), 0.7))
    assert rng == (2.0, 3.0)
    assert track.update(95, np.full((K, 5), 0.2)) == (9.5, 10.0)
    assert track.scored_ranges() == [(2.0, 3.0), (9.5, 10.0)]
    assert track.unscored_ranges() == [(0.0, 2.0), (3.0, 9.5)]
    assert track.fraction_scored() == pytest.approx(0.15)
    one = track.update(0, np.full(3, 0.4), speed_index=4)
    assert one == (0.0, 0.3)
    assert track.snapshot().p_natural[4, :3].tolist() == pytest.approx([0.4] * 3)
    assert np.isnan(track.snapshot().p_natural[0, 0])


def test_unscored_order_is_nearest_after_the_playhead_first_then_wraps() -> None:
    track = _track()
    track.update(20, np.zeros((K, 10)))  # scored 2.0-3.0
    track.update(60, np.zeros((K, 10)))  # scored 6.0-7.0
    # Playhead inside the unscored stretch 3.0-6.0: from the playhead on, then later ones,
    # then wrap to the start, and the part just before the playhead last.
    assert track.unscored_ranges(4.0) == [(4.0, 6.0), (7.0, 10.0), (0.0, 2.0), (3.0, 4.0)]
    # Playhead on a scored stretch: the next unscored one first.
    assert track.unscored_ranges(2.5) == [(3.0, 6.0), (7.0, 10.0), (0.0, 2.0)]
    assert track.unscored_index_ranges(2.5) == [(30, 60), (70, 100), (0, 20)]
    # Past the end: everything wraps.
    assert track.unscored_ranges(50.0) == [(0.0, 2.0), (3.0, 6.0), (7.0, 10.0)]


def test_snapshot_is_immutable_and_reused_until_the_next_update() -> None:
    track = _track()
    a = track.snapshot()
    assert track.snapshot() is a
    with pytest.raises(ValueError):
        a.p_natural[0, 0] = 1.0
    track.update(0, np.ones((K, 5)))
    b = track.snapshot()
    assert b is not a and b.version > a.version
    assert np.all(np.isnan(a.p_natural[:, :5])) and np.all(b.p_natural[:, :5] == 1.0)
    assert b.fraction_scored == pytest.approx(0.05)


def test_readers_never_see_half_an_update() -> None:
    track = _track(2000, 30.0)
    stop = threading.Event()
    torn = []

    def reader() -> None:
        while not stop.is_set():
            p = track.snapshot().p_natural
            vals = np.unique(p[~np.isnan(p)])
            if vals.size > 1:
                torn.append(vals)

    th = threading.Thread(target=reader)
    th.start()
    for k in range(200):
        track.update(0, np.full((K, 2000), float(k % 7) / 7))
    stop.set()
    th.join()
    assert torn == []


def test_from_arrays_round_trip_and_checks() -> None:
    track = _track(50)
    track.update(10, np.full((K, 5), 0.3))
    snap = track.snapshot()
    again = ScoreTrack.from_arrays(snap.times, snap.speeds, snap.p_natural, snap.scored, snap.duration)
    np.testing.assert_array_equal(again.snapshot().p_natural, snap.p_natural)
    assert again.scored_ranges() == track.scored_ranges()
    with pytest.raises(ValueError):
        ScoreTrack.from_arrays(snap.times, snap.speeds, snap.p_natural[:, :10], snap.scored)


def test_bad_input() -> None:
    with pytest.raises(ValueError):
        ScoreTrack(np.array([0.0, 0.0, 1.0]))
    with pytest.raises(ValueError):
        ScoreTrack.on_frame_grid(0.0, 30.0)
    track = _track()
    with pytest.raises(ValueError):
        track.update(95, np.zeros((K, 10)))
    with pytest.raises(ValueError):
        track.update(0, np.zeros((3, 10)))


def test_versions_differ_across_tracks_and_grow() -> None:
    """A track rebuilt from arrays (the score cache) never shares a version with the empty
    track it replaces, so a reader keeping the version it planned from sees the change."""
    empty = _track()
    snap = empty.snapshot()
    loaded = ScoreTrack.from_arrays(
        empty.times, empty.speeds, np.full((K, 100), 0.9, np.float32), np.ones(100, bool), empty.duration
    )
    assert loaded.version > empty.version == snap.version
    other = _track()
    assert other.version > loaded.version
    before = other.version
    other.update(0, np.ones((K, 3)))
    assert other.version > before
