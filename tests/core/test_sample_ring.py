"""SampleRing: the lock-free SPSC ring between the decode side and the audio callback."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from player.core.sample_ring import SampleRing

SR = 1000  # round numbers: 1 frame = 1 ms


def ramp(start: int, n: int, channels: int = 2) -> np.ndarray:
    """Frames whose value is their absolute index: easy to check after wrap-around."""
    return np.repeat(np.arange(start, start + n, dtype=np.float32)[:, None], channels, axis=1)


def test_write_then_read_across_the_wrap():
    ring = SampleRing(10, 2, SR)
    out = np.zeros((10, 2), np.float32)
    total = 0
    for _ in range(7):
        assert ring.write(ramp(total, 6), [(0, total / SR, 1.0)], 0)
        assert ring.read_into(out) == 6
        np.testing.assert_array_equal(out[:6], ramp(total, 6))
        total += 6
    assert ring.read_index == ring.write_index == 42


def test_full_ring_refuses_whole_blocks_and_never_overwrites():
    ring = SampleRing(10, 1, SR)
    assert ring.write(ramp(0, 8, 1), [(0, 0.0, 1.0)], 0)
    assert not ring.write(ramp(8, 3, 1), [(0, 0.008, 1.0)], 0)
    assert ring.free_frames() == 2
    out = np.zeros((10, 1), np.float32)
    assert ring.read_into(out) == 8
    np.testing.assert_array_equal(out[:8, 0], np.arange(8))
    with pytest.raises(ValueError):
        ring.write(ramp(0, 11, 1), [(0, 0.0, 1.0)], 0)
    with pytest.raises(ValueError):
        ring.write(ramp(0, 2, 1), [(1, 0.0, 1.0)], 0)


def test_source_times_follow_markers_and_stay_known_after_reading():
    ring = SampleRing(100, 1, SR)
    # 20 frames at 1x from 5.0 s, then 20 at 2x from 5.020 s.
    ring.write(np.zeros((40, 1), np.float32), [(0, 5.0, 1.0), (20, 5.020, 2.0)], 3)
    assert ring.source_time_at(0) == (5.0, 1.0, 3)
    assert ring.source_time_at(10)[0] == pytest.approx(5.010)
    assert ring.source_time_at(30)[0] == pytest.approx(5.040)
    out = np.zeros((35, 1), np.float32)
    ring.read_into(out)
    # Already read, still within the history: the callback looks back one latency.
    assert ring.source_time_at(5)[0] == pytest.approx(5.005)
    assert ring.source_time_at(39)[0] == pytest.approx(5.058)
    assert ring.source_time_at(40) is None  # not written yet
    assert ring.source_time_at(-1) is None


def test_history_is_bounded():
    ring = SampleRing(1000, 1, SR, marker_capacity=64, history=4)
    out = np.zeros((10, 1), np.float32)
    for k in range(20):
        ring.write(np.zeros((10, 1), np.float32), [(0, k / 100, 1.0)], 0)
        ring.read_into(out)
    assert ring.source_time_at(190)[0] == pytest.approx(0.19)
    assert ring.source_time_at(150)[0] == pytest.approx(0.15)
    assert ring.source_time_at(10) is None  # long gone from the history


def test_discard_drops_what_was_written_before_the_request():
    ring = SampleRing(100, 1, SR)
    ring.write(ramp(0, 30, 1), [(0, 0.0, 1.0)], 0)
    ring.request_discard()
    assert ring.available() == 0
    ring.write(ramp(100, 5, 1), [(0, 9.0, 1.0)], 0)
    out = np.zeros((50, 1), np.float32)
    assert ring.read_into(out) == 5
    np.testing.assert_array_equal(out[:5, 0], np.arange(100, 105))
    assert ring.source_time_at(30)[0] == 9.0


def test_stale_generations_are_skipped_and_never_mixed():
    ring = SampleRing(100, 1, SR)
    ring.write(ramp(0, 10, 1), [(0, 0.0, 1.0)], 1)
    ring.write(ramp(10, 10, 1), [(0, 0.010, 1.0)], 2)
    ring.write(ramp(20, 10, 1), [(0, 0.020, 1.0)], 1)
    out = np.zeros((100, 1), np.float32)
    assert ring.read_into(out, generation=2) == 10
    np.testing.assert_array_equal(out[:10, 0], np.arange(10, 20))
    assert ring.read_into(out, generation=2) == 0  # the trailing generation-1 run is skipped
    assert ring.available() == 0
    ring.write(ramp(30, 4, 1), [(0, 0.030, 1.0)], 2)
    assert ring.read_into(out, generation=1) == 0
    ring.write(ramp(40, 4, 1), [(0, 0.030, 1.0)], 1)
    assert ring.read_into(out, generation=1) == 4


def test_a_zero_length_read_still_applies_discards():
    ring = SampleRing(10, 1, SR)
    ring.write(ramp(0, 10, 1), [(0, 0.0, 1.0)], 0)
    ring.request_discard()
    assert ring.read_into(np.zeros((0, 1), np.float32)) == 0
    assert ring.free_frames() == 10


def test_one_producer_one_consumer_threads_lose_nothing():
    """A producer thread and a consumer thread, no lock: every frame arrives once, in order,
    with the right source time."""
    ring = SampleRing(257, 2, SR, marker_capacity=128, history=8)
    total = 20_000
    got = np.zeros(total, np.float32)
    times_ok = []

    def produce():
        i = 0
        rng = np.random.default_rng(0)
        while i < total:
            n = int(min(total - i, rng.integers(1, 120)))
            while not ring.write(ramp(i, n), [(0, i / SR, 1.0)], 0):
                time.sleep(0)  # hand the GIL over instead of spinning through the switch interval
            i += n

    def consume():
        out = np.zeros((64, 2), np.float32)
        i = 0
        while i < total:
            n = ring.read_into(out[: 1 + i % 64])
            if n:
                got[i : i + n] = out[:n, 0]
                t = ring.source_time_at(i)
                times_ok.append(t is not None and abs(t[0] - i / SR) < 1e-9)
                i += n
            else:
                time.sleep(0)

    threads = [threading.Thread(target=produce), threading.Thread(target=consume)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    np.testing.assert_array_equal(got, np.arange(total, dtype=np.float32))
    assert all(times_ok)
