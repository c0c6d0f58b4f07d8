"""User seeks, queued and coalesced: at most one real seek per ``interval_s``.

Each real seek restarts frame-accurate decoding from a keyframe (and flushes the sound).
Dragging the seek bar or the speed curve asks for a new position on every mouse move,
tens of times a second; seeking on each would only queue decoder work that the next move
throws away. So the first seek of a burst is made at once, and later ones within
``interval_s`` of the last real seek only replace the pending target, which is made when
the interval has passed (the transport asks at every render tick). The last position
asked for is always the one reached. ffplay coalesces the same way (``seek_req`` holds one
pending request, overwritten by newer ones).

Pure: the caller passes the time (``now``, monotonic seconds), so tests need no clock. See
docs/architecture.md, "Time".
"""

from __future__ import annotations


class SeekQueue:
    """At most one pending seek target; ``request`` and ``due`` say when to really seek."""

    def __init__(self, interval_s: float) -> None:
        if not interval_s >= 0.0:
            raise ValueError(f"interval_s must be >= 0, got {interval_s}")
        self.interval_s = float(interval_s)
        self._pending: float | None = None
        self._last_seek_at: float | None = None

    @property
    def pending(self) -> float | None:
        """The target waiting for its turn, or None."""
        return self._pending

    def request(self, target: float, now: float) -> float | None:
        """Ask for ``target`` at time ``now``: returns it if the seek is to be made now,
        else None (it is kept as the pending target and ``due`` returns it later)."""
        if self._ready(now):
            self._pending = None
            self._last_seek_at = now
            return target
        self._pending = target
        return None

    def due(self, now: float) -> float | None:
        """The pending target once its turn has come (and it is then no longer pending)."""
        if self._pending is None or not self._ready(now):
            return None
        target, self._pending = self._pending, None
        self._last_seek_at = now
        return target

    def clear(self) -> None:
        """Forget the pending target and the burst (a new file is open)."""
        self._pending = None
        self._last_seek_at = None

    def _ready(self, now: float) -> bool:
        return self._last_seek_at is None or now - self._last_seek_at >= self.interval_s
