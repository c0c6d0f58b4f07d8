"""The Worker thread protocol: start / request_stop / join, with a wake hook."""

from __future__ import annotations

import threading
import time

from player.core.worker import Worker


class WaitsOnItsOwnEvent(Worker):
    """Blocks on an event of its own, as PlanWorker does on its dirty flag."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.ran = threading.Event()
        super().__init__("WaitsOnItsOwnEvent")

    def _wake(self) -> None:
        self.event.set()

    def _run(self) -> None:
        self.ran.set()
        self.event.wait()  # no timeout: only _wake can end this wait


def test_join_before_start_is_true() -> None:
    assert WaitsOnItsOwnEvent().join(0) is True


def test_request_stop_wakes_a_blocked_thread_and_join_reports_it() -> None:
    worker = WaitsOnItsOwnEvent()
    worker.start()
    assert worker.ran.wait(2)
    assert worker.join(0.05) is False and worker.is_alive()
    t0 = time.monotonic()
    worker.request_stop()
    assert worker.join(1.0) is True
    assert time.monotonic() - t0 < 1.0
    assert not worker.is_alive()
