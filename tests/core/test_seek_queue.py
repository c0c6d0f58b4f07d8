"""SeekQueue: a burst of user seeks becomes at most one real seek per interval, ending at
the last target asked for."""

from __future__ import annotations

import pytest

from player.core.seek_queue import SeekQueue


def test_first_seek_at_once_then_at_most_one_per_interval_and_the_last_target_wins() -> None:
    q = SeekQueue(0.05)
    assert q.request(1.0, now=10.0) == 1.0
    assert q.request(2.0, now=10.01) is None and q.pending == 2.0
    assert q.request(3.0, now=10.02) is None and q.pending == 3.0
    assert q.due(now=10.04) is None  # 40 ms after the last real seek
    assert q.due(now=10.05) == 3.0 and q.pending is None
    assert q.due(now=11.0) is None  # nothing pending
    assert q.request(4.0, now=10.06) is None  # 10 ms after the seek due() made
    assert q.request(5.0, now=10.20) == 5.0 and q.pending is None  # late enough: at once


def test_clear_forgets_the_target_and_the_burst() -> None:
    q = SeekQueue(0.05)
    q.request(1.0, now=0.0)
    q.request(2.0, now=0.01)
    q.clear()
    assert q.pending is None and q.due(now=1.0) is None
    assert q.request(3.0, now=0.02) == 3.0  # a new file: its first seek is not held back


def test_zero_interval_seeks_every_time_and_a_negative_one_is_refused() -> None:
    q = SeekQueue(0.0)
    assert [q.request(t, now=0.0) for t in (1.0, 2.0)] == [1.0, 2.0]
    with pytest.raises(ValueError):
        SeekQueue(-1.0)
    with pytest.raises(ValueError):
        SeekQueue(float("nan"))
