"""PlanWorker: re-plans when new scores arrive, at most every ``min_interval_s``.

The score worker reports a chunk every few seconds of source, and each re-plan rebuilds a
``SpeedPlanner`` (O(K N), about 40 ms for two hours of video), so arrivals are coalesced:
the first one after a quiet spell is planned at once, the rest at most every 0.5 s. A rho
or target change does not come through here: the session re-plans it on the spot.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from player.core.worker import Worker

log = logging.getLogger(__name__)

#: Longest wait on the "dirty" flag before the stop flag is looked at again.
POLL_S = 0.1


class PlanWorker(Worker):
    """Thread calling ``replan()`` after ``mark_dirty()``, throttled, until stopped."""

    def __init__(self, replan: Callable[[], None], *, min_interval_s: float = 0.5) -> None:
        self._replan = replan
        self._min_interval = float(min_interval_s)
        self._dirty = threading.Event()
        super().__init__("PlanWorker")

    def mark_dirty(self) -> None:
        """New scores: plan again soon."""
        self._dirty.set()

    def _wake(self) -> None:
        self._dirty.set()

    def _run(self) -> None:
        last = -float("inf")
        while not self._stop.is_set():
            if not self._dirty.wait(POLL_S):
                continue
            wait_s = last + self._min_interval - time.monotonic()
            if wait_s > 0 and self._stop.wait(wait_s):
                break
            if self._stop.is_set():
                break
            self._dirty.clear()
            try:
                self._replan()
            except Exception:  # noqa: BLE001 - a failed re-plan keeps the old plan
                log.exception("re-planning failed")
            last = time.monotonic()
