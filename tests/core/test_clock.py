"""PlaybackClock: extrapolation at a rate, rate changes mid-play, generations, time maps."""

from __future__ import annotations

import pytest

from player.core.clock import PlaybackClock


class FakeTime:
    """A wall clock the test advances by hand (the only thing mocked: time itself)."""

    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t

    def advance(self, dt: float) -> None:
        self.t += dt


class DoubleAfter:
    """A two-segment time map: 1x on [0, 2), 2x from 2 s on (a minimal SpeedPlan)."""

    def src_to_out(self, src_t: float) -> float:
        return src_t if src_t < 2 else 2 + (src_t - 2) / 2

    def out_to_src(self, out_t: float) -> float:
        return out_t if out_t < 2 else 2 + (out_t - 2) * 2

    def rate_at(self, src_t: float) -> float:
        return 1.0 if src_t < 2 else 2.0


@pytest.fixture
def wall() -> FakeTime:
    return FakeTime()


def test_paused_clock_stands_still(wall: FakeTime) -> None:
    clock = PlaybackClock(wall)
    clock.set(3.0)
    wall.advance(5)
    assert clock.now() == 3.0
    assert clock.paused


def test_playing_clock_advances_at_rate(wall: FakeTime) -> None:
    clock = PlaybackClock(wall)
    clock.play()
    wall.advance(1.5)
    assert clock.now() == pytest.approx(1.5)
    clock.set_rate(4.0)
    wall.advance(0.5)
    assert clock.now() == pytest.approx(3.5)


def test_rate_change_mid_play_keeps_position_continuous(wall: FakeTime) -> None:
    clock = PlaybackClock(wall)
    clock.seek(10.0)
    clock.play()
    wall.advance(2.0)
    before = clock.now()
    clock.set_rate(2.5)
    assert clock.now() == pytest.approx(before)  # no jump at the change
    wall.advance(2.0)
    assert clock.now() == pytest.approx(12.0 + 5.0)
    clock.set_rate(0.5)
    wall.advance(2.0)
    assert clock.now() == pytest.approx(18.0)


def test_pause_then_play_resumes_from_where_it_paused(wall: FakeTime) -> None:
    clock = PlaybackClock(wall)
    clock.play()
    wall.advance(1.0)
    clock.pause()
    wall.advance(10.0)
    assert clock.now() == pytest.approx(1.0)
    clock.play()
    wall.advance(1.0)
    assert clock.now() == pytest.approx(2.0)


def test_seek_bumps_generation_and_marks_old_units_stale(wall: FakeTime) -> None:
    clock = PlaybackClock(wall)
    g0 = clock.generation
    g1 = clock.seek(42.0)
    assert g1 == g0 + 1
    assert clock.is_stale(g0)
    assert not clock.is_stale(g1)
    assert clock.now() == 42.0
    g2 = clock.bump_generation()
    assert clock.is_stale(g1) and not clock.is_stale(g2)
    assert clock.now() == 42.0  # a bump alone does not move the playhead


def test_set_keeps_generation(wall: FakeTime) -> None:
    clock = PlaybackClock(wall)
    g = clock.generation
    clock.set(1.0)
    assert clock.generation == g


def test_rejects_non_positive_rate(wall: FakeTime) -> None:
    with pytest.raises(ValueError):
        PlaybackClock(wall).set_rate(0)


def test_time_map_changes_rate_exactly_at_boundary(wall: FakeTime) -> None:
    clock = PlaybackClock(wall)
    clock.set_time_map(DoubleAfter())
    clock.seek(1.0)
    clock.play()
    wall.advance(0.5)
    assert clock.now() == pytest.approx(1.5)
    assert clock.effective_rate() == 1.0
    # 1.5 wall seconds more: 0.5 s reaches the boundary at 2.0, then 1.0 s at 2x.
    wall.advance(1.5)
    assert clock.now() == pytest.approx(4.0)
    assert clock.effective_rate() == 2.0
    clock.set_rate(2.0)  # user rate multiplies the plan's
    wall.advance(1.0)
    assert clock.now() == pytest.approx(8.0)
    assert clock.effective_rate() == 4.0


def test_sync_from_audio_master_reanchors(wall: FakeTime) -> None:
    clock = PlaybackClock(wall)
    clock.play()
    wall.advance(1.0)
    clock.sync(0.9, wall=wall.t)  # audio says 0.9 s is heard now: audio wins
    assert clock.now() == pytest.approx(0.9)
    wall.advance(0.1)
    assert clock.now() == pytest.approx(1.0)


def test_sync_ignores_audio_from_an_older_generation(wall: FakeTime) -> None:
    clock = PlaybackClock(wall)
    old = clock.generation
    clock.seek(30.0)
    assert clock.sync(1.0, wall=wall.t, generation=old) is False
    assert clock.now() == 30.0
    assert clock.sync(30.5, wall=wall.t, generation=clock.generation) is True
    assert clock.now() == 30.5


def test_concurrent_seeks_and_syncs_never_lose_a_generation(wall: FakeTime) -> None:
    import threading

    clock = PlaybackClock()
    clock.play()
    stop = threading.Event()

    def audio() -> None:
        while not stop.is_set():
            clock.sync(clock.now())

    thread = threading.Thread(target=audio)
    thread.start()
    try:
        for i in range(2000):
            assert clock.seek(float(i)) == i + 1
    finally:
        stop.set()
        thread.join()
    assert clock.generation == 2000
