"""Cancelling an export from another thread, and progress reporting back to it.

The GUI runs an export on a worker thread and passes either a ``threading.Event`` (set it to
cancel) or any callable returning True once the user pressed Cancel. Both are read without a
lock: ``Event.is_set`` is thread-safe and a flag read is atomic under the GIL.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Union

CancelSignal = Union[threading.Event, Callable[[], bool], None]
ProgressCallback = Callable[[float], None]


class ExportCancelled(Exception):
    """The export was cancelled by the caller; nothing was written at OUT."""


def as_cancel_check(cancel: CancelSignal) -> Callable[[], bool]:
    """Normalise an Event, a callable or None into a ``() -> bool`` check."""
    if cancel is None:
        return lambda: False
    if isinstance(cancel, threading.Event):
        return cancel.is_set
    if callable(cancel):
        return lambda: bool(cancel())
    raise TypeError(f"cancel must be a threading.Event or a callable, got {type(cancel).__name__}")


class ProgressThrottle:
    """Forwards progress (0..1) to a callback at most every ``interval`` seconds.

    Calling a GUI bridge per frame would flood the event queue, so only changes of at least
    ``min_step`` or after ``interval`` go through; 0.0 and 1.0 always go through.
    """

    def __init__(
        self,
        callback: ProgressCallback | None,
        interval: float = 0.1,
        min_step: float = 0.01,
        time_fn: Callable[[], float] = time.monotonic,
    ) -> None:
        self._callback = callback
        self._interval = interval
        self._min_step = min_step
        self._time = time_fn
        self._last_value = -1.0
        self._last_time = -float("inf")

    def __call__(self, value: float) -> None:
        if self._callback is None:
            return
        value = min(max(float(value), 0.0), 1.0)
        now = self._time()
        final = value in (0.0, 1.0) and value != self._last_value
        if final or (
            value - self._last_value >= self._min_step and now - self._last_time >= self._interval
        ):
            self._last_value = value
            self._last_time = now
            self._callback(value)
