"""FrameQueue: bounded FIFO with stop flags and a generation floor (player/core/frame_queue.py)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from player.core.frame_queue import POLL_S, FrameQueue
from player.core.frames import EndOfStream


@dataclass(frozen=True)
class Item:
    generation: int
    value: int = 0


def _in_thread(fn):
    """Run ``fn`` in a thread; returns (thread, result list filled when it ends)."""
    out: list = []
    th = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    th.start()
    return th, out


def test_fifo_order_and_size():
    q: FrameQueue[Item] = FrameQueue(3)
    assert q.empty() and not q.full() and len(q) == 0
    for i in range(3):
        assert q.put(Item(0, i))
    assert q.full() and len(q) == 3
    assert q.peek() == Item(0, 0)
    assert [q.get().value for _ in range(3)] == [0, 1, 2]
    assert q.get_nowait() is None and q.peek() is None


def test_rejects_bad_maxsize():
    with pytest.raises(ValueError):
        FrameQueue(0)


def test_put_times_out_when_full_and_get_times_out_when_empty():
    q: FrameQueue[Item] = FrameQueue(1)
    assert q.get(timeout=0.05) is None
    assert q.put(Item(0))
    t0 = time.monotonic()
    assert q.put(Item(0), timeout=0.1) is False
    assert 0.09 <= time.monotonic() - t0 < 1.0
    assert len(q) == 1


def test_stop_wakes_a_blocked_put_within_poll_interval():
    q: FrameQueue[Item] = FrameQueue(1)
    q.put(Item(0))
    stop = threading.Event()
    th, out = _in_thread(lambda: q.put(Item(0, 1), stop=stop))
    time.sleep(0.1)
    assert th.is_alive(), "put must block while the queue is full"
    t0 = time.monotonic()
    stop.set()
    th.join(1.0)
    assert not th.is_alive() and out == [False]
    assert time.monotonic() - t0 < POLL_S + 0.15
    assert len(q) == 1


def test_stop_wakes_a_blocked_get():
    q: FrameQueue[Item] = FrameQueue(2)
    stop = threading.Event()
    th, out = _in_thread(lambda: q.get(stop=stop))
    time.sleep(0.1)
    assert th.is_alive()
    t0 = time.monotonic()
    stop.set()
    th.join(1.0)
    assert out == [None] and time.monotonic() - t0 < POLL_S + 0.15


def test_stop_already_set_transfers_nothing():
    q: FrameQueue[Item] = FrameQueue(2)
    stop = threading.Event()
    stop.set()
    assert q.put(Item(0), stop=stop) is False
    q.put(Item(0))
    assert q.get(stop=stop) is None and len(q) == 1


def test_get_wakes_blocked_producer():
    q: FrameQueue[Item] = FrameQueue(1)
    q.put(Item(0, 1))
    th, out = _in_thread(lambda: q.put(Item(0, 2), timeout=2.0))
    time.sleep(0.05)
    assert q.get().value == 1
    th.join(1.0)
    assert out == [True] and q.get().value == 2


def test_get_if_takes_only_matching_head():
    q: FrameQueue[Item] = FrameQueue(4)
    q.put(Item(0, 5))
    q.put(Item(0, 1))
    assert q.get_if(lambda it: it.value < 3) is None
    assert q.get_if(lambda it: it.value == 5) == Item(0, 5)
    assert q.get_if(lambda it: it.value < 3) == Item(0, 1)
    assert q.get_if(lambda it: True) is None


def test_clear_and_drop_stale():
    q: FrameQueue[Item] = FrameQueue(8)
    for g in (0, 1, 0, 2, 1):
        q.put(Item(g))
    assert q.drop_stale(1) == 2
    assert [it.generation for it in (q.get(), q.get(), q.get())] == [1, 2, 1]
    # drop_stale does not set a floor: older items are still accepted afterwards
    assert q.put(Item(0))
    assert q.clear() == 1 and q.empty()


def test_generation_floor_drops_queued_and_refuses_later_stale_puts():
    q: FrameQueue = FrameQueue(8)
    q.put(Item(0))
    q.put(EndOfStream(0))
    q.put(Item(1))
    assert q.set_generation_floor(1) == 2
    assert q.generation_floor == 1
    assert q.put(Item(0)) is False
    assert q.put(Item(2)) is True
    # the floor never goes down
    q.set_generation_floor(0)
    assert q.generation_floor == 1
    assert [it.generation for it in (q.get(), q.get())] == [1, 2]


def test_floor_wakes_producer_blocked_with_stale_item():
    q: FrameQueue[Item] = FrameQueue(1)
    q.put(Item(0, 1))
    th, out = _in_thread(lambda: q.put(Item(0, 2)))
    time.sleep(0.05)
    assert th.is_alive()
    q.set_generation_floor(1)
    th.join(1.0)
    assert out == [False] and q.empty()


def test_threaded_producer_consumer_keeps_order():
    q: FrameQueue[Item] = FrameQueue(4)
    stop = threading.Event()
    n = 2000

    def produce() -> bool:
        return all(q.put(Item(0, i), stop=stop) for i in range(n))

    th, out = _in_thread(produce)
    got = [q.get(timeout=2.0).value for _ in range(n)]
    th.join(2.0)
    assert out == [True] and got == list(range(n))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("put"), st.integers(0, 5)),
            st.tuples(st.just("get"), st.just(0)),
            st.tuples(st.just("floor"), st.integers(0, 5)),
        ),
        max_size=40,
    )
)
def test_model_based_single_thread(ops):
    """Against a plain list model: FIFO, bounded, and never yields an item under the floor."""
    q: FrameQueue[Item] = FrameQueue(3)
    model: list[Item] = []
    floor = None
    for i, (op, arg) in enumerate(ops):
        if op == "put":
            ok = q.put(Item(arg, i), timeout=0)
            expect = (floor is None or arg >= floor) and len(model) < 3
            assert ok == expect
            if expect:
                model.append(Item(arg, i))
        elif op == "get":
            got = q.get_nowait()
            assert got == (model.pop(0) if model else None)
            if got is not None and floor is not None:
                assert got.generation >= floor
        else:
            floor = arg if floor is None else max(floor, arg)
            q.set_generation_floor(arg)
            model = [it for it in model if it.generation >= floor]
        assert len(q) == len(model)
