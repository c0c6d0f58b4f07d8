"""Worker: the thread protocol every background job follows (docs/architecture.md, "Threads").

A worker is a named daemon thread with ``start`` / ``request_stop`` / ``join``. Stopping is
cooperative: ``request_stop`` sets ``_stop`` (every blocking wait in ``_run`` also watches it)
and calls ``_wake`` so a subclass can cut a wait on some other event short. ``join`` returns
whether the thread has ended, so callers can bound how long a close takes.
"""

from __future__ import annotations

import threading


class Worker:
    """Base for ``<Thing>Worker`` classes; subclasses implement ``_run``."""

    def __init__(self, name: str) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def request_stop(self) -> None:
        self._stop.set()
        self._wake()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread; True when it has ended (or never started)."""
        if self._thread.ident is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def _wake(self) -> None:
        """Cut short whatever the thread may be waiting on besides ``_stop`` (override)."""

    def _run(self) -> None:
        raise NotImplementedError
