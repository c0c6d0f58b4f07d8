"""A bounded, thread-safe queue of generation-tagged media units (frames, audio chunks, EOS).

It sits between the decode thread and its consumers (the render tick, the audio feed thread). Two things
make it different from ``queue.Queue``:

- Every blocking ``put``/``get`` takes a stop flag (``threading.Event``) and gives up within
  ``POLL_S`` (50 ms) of it being set, so closing the window or opening another file never
  hangs on a full or empty queue.
- A *generation floor*: after a seek the decoder raises the floor to the new generation. That
  drops every queued unit of an older generation and makes later puts of older units fail,
  atomically under the queue's lock, so a consumer never sees a stale frame, even from a
  producer that was already blocked in ``put`` when the seek happened (ffplay's serials).

Pure Python: no Qt, PyAV or numpy.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable, Generic, Protocol, TypeVar


class HasGeneration(Protocol):
    """Anything tagged with the generation (seek serial) it was made in."""

    @property
    def generation(self) -> int: ...


T = TypeVar("T", bound=HasGeneration)

#: Longest a blocked put/get sleeps before looking at its stop flag again (seconds).
POLL_S = 0.05


class FrameQueue(Generic[T]):
    """Bounded FIFO of generation-tagged items, safe for any number of producer/consumer threads."""

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError(f"maxsize must be at least 1, got {maxsize}")
        self._maxsize = maxsize
        self._items: deque[T] = deque()
        self._cond = threading.Condition(threading.Lock())
        self._floor: int | None = None

    # -- size ------------------------------------------------------------------------------
    @property
    def maxsize(self) -> int:
        return self._maxsize

    def __len__(self) -> int:
        with self._cond:
            return len(self._items)

    def full(self) -> bool:
        with self._cond:
            return len(self._items) >= self._maxsize

    def empty(self) -> bool:
        with self._cond:
            return not self._items

    @property
    def generation_floor(self) -> int | None:
        """Items with a generation below this are refused and dropped (None: no floor yet)."""
        return self._floor

    # -- producer side ---------------------------------------------------------------------
    def put(
        self, item: T, stop: threading.Event | None = None, timeout: float | None = None
    ) -> bool:
        """Append ``item``, blocking while the queue is full.

        Returns True when the item was queued, False when it was not: ``stop`` was set,
        ``timeout`` (seconds) ran out, or the item is older than the generation floor (stale).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                if self._is_stale(item) or (stop is not None and stop.is_set()):
                    return False
                if len(self._items) < self._maxsize:
                    self._items.append(item)
                    self._cond.notify_all()
                    return True
                if not self._wait(deadline):
                    return False

    # -- consumer side ---------------------------------------------------------------------
    def get(self, stop: threading.Event | None = None, timeout: float | None = None) -> T | None:
        """Remove and return the oldest item, blocking while empty.

        Returns None when ``stop`` is set or ``timeout`` (seconds) runs out first.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                if stop is not None and stop.is_set():
                    return None
                if self._items:
                    item = self._items.popleft()
                    self._cond.notify_all()
                    return item
                if not self._wait(deadline):
                    return None

    def get_nowait(self) -> T | None:
        """The oldest item, or None when empty (never blocks)."""
        with self._cond:
            if not self._items:
                return None
            item = self._items.popleft()
            self._cond.notify_all()
            return item

    def peek(self) -> T | None:
        """The oldest item without removing it, or None when empty."""
        with self._cond:
            return self._items[0] if self._items else None

    def get_if(self, predicate: Callable[[T], bool]) -> T | None:
        """Remove and return the oldest item only if ``predicate(item)`` holds (atomic peek+get).

        The render tick uses it to take a frame only once it is due.
        """
        with self._cond:
            if not self._items or not predicate(self._items[0]):
                return None
            item = self._items.popleft()
            self._cond.notify_all()
            return item

    # -- housekeeping ----------------------------------------------------------------------
    def clear(self) -> int:
        """Drop everything queued; returns how many items were dropped."""
        with self._cond:
            dropped = len(self._items)
            self._items.clear()
            self._cond.notify_all()
            return dropped

    def drop_stale(self, generation: int) -> int:
        """Drop queued items whose generation is below ``generation``; returns the count.

        Unlike ``set_generation_floor`` this does not refuse later puts.
        """
        with self._cond:
            return self._drop_below(generation)

    def set_generation_floor(self, generation: int) -> int:
        """Refuse items older than ``generation`` from now on and drop those queued.

        The floor only ever rises (generations are monotonic). A producer blocked in ``put``
        with a now-stale item is woken and its put returns False. Returns the dropped count.
        """
        with self._cond:
            if self._floor is None or generation > self._floor:
                self._floor = generation
            dropped = self._drop_below(self._floor)
            self._cond.notify_all()
            return dropped

    # -- internals -------------------------------------------------------------------------
    def _is_stale(self, item: T) -> bool:
        return self._floor is not None and item.generation < self._floor

    def _drop_below(self, generation: int) -> int:
        kept = deque(it for it in self._items if it.generation >= generation)
        dropped = len(self._items) - len(kept)
        if dropped:
            self._items = kept
            self._cond.notify_all()
        return dropped

    def _wait(self, deadline: float | None) -> bool:
        """Sleep on the condition for at most POLL_S; False once the deadline has passed."""
        if deadline is None:
            self._cond.wait(POLL_S)
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        self._cond.wait(min(POLL_S, remaining))
        return True
