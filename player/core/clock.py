"""The playback master clock: which source time is being presented right now.

The audio sink drives it while audio is audible (``sync``), as in mpv and ffplay; otherwise
it extrapolates from the system clock at the current rate. In smart fast-forward the clock
is given a ``TimeMap`` (the SpeedPlan): wall time then advances *output* time, and the source
time is read back through the map, so the rate changes exactly at segment boundaries instead
of whenever the next GUI tick happens to notice.

State lives in one immutable snapshot that is replaced whole. Attribute assignment is atomic
under the GIL, so readers (the audio callback, the audio feed and decode threads, the GUI) see a consistent
state without any lock. Writers take a private lock so that a read-modify-write from one
thread (a seek's generation bump) is never lost under another's (an audio sync). The audio
callback must never wait on the GUI, so ``sync`` only *tries* the lock and skips that one
re-anchoring when it is busy: the next callback, a few ms later, syncs again.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from typing import Callable, Protocol


class TimeMap(Protocol):
    """Maps source time to output time and back (implemented by SpeedPlan)."""

    def src_to_out(self, src_t: float) -> float: ...

    def out_to_src(self, out_t: float) -> float: ...

    def rate_at(self, src_t: float) -> float: ...


@dataclass(frozen=True, slots=True)
class _ClockState:
    anchor_src: float  # source time at the anchor
    anchor_wall: float  # wall (monotonic) time at the anchor
    rate: float  # user rate: output seconds per wall second (1.0 = real time)
    paused: bool
    generation: int
    time_map: TimeMap | None


class PlaybackClock:
    """Rate-aware clock in source seconds.

    ``rate`` is the user's manual speed. With a time map set, the effective source rate is
    ``rate * time_map.rate_at(now)``; without one it is ``rate``.
    """

    def __init__(self, time_fn: Callable[[], float] = time.monotonic) -> None:
        self._time = time_fn
        self._state = _ClockState(0.0, time_fn(), 1.0, True, 0, None)
        self._write_lock = threading.Lock()

    # -- reading ---------------------------------------------------------------------------
    def now(self) -> float:
        """Source time being presented now (extrapolated at the current rate)."""
        return self._now(self._state, self._time())

    def _now(self, s: _ClockState, wall: float) -> float:
        if s.paused:
            return s.anchor_src
        elapsed = (wall - s.anchor_wall) * s.rate
        if s.time_map is None:
            return s.anchor_src + elapsed
        return s.time_map.out_to_src(s.time_map.src_to_out(s.anchor_src) + elapsed)

    @property
    def generation(self) -> int:
        return self._state.generation

    @property
    def paused(self) -> bool:
        return self._state.paused

    @property
    def rate(self) -> float:
        """The user's manual rate (without the plan's factor)."""
        return self._state.rate

    @property
    def time_map(self) -> TimeMap | None:
        return self._state.time_map

    def effective_rate(self) -> float:
        """Source seconds per wall second right now, plan included."""
        s = self._state
        if s.time_map is None:
            return s.rate
        return s.rate * s.time_map.rate_at(self._now(s, self._time()))

    def is_stale(self, generation: int) -> bool:
        return generation != self._state.generation

    # -- changing --------------------------------------------------------------------------
    def _reanchor(self, **changes: object) -> None:
        with self._write_lock:
            s = self._state
            wall = self._time()
            self._state = replace(s, anchor_src=self._now(s, wall), anchor_wall=wall, **changes)

    def set(self, src_t: float) -> None:
        """Jump to ``src_t`` without starting a new generation (e.g. frame step)."""
        with self._write_lock:
            self._state = replace(self._state, anchor_src=float(src_t), anchor_wall=self._time())

    def seek(self, src_t: float) -> int:
        """Jump to ``src_t`` and start a new generation; returns the new generation."""
        with self._write_lock:
            s = self._state
            self._state = replace(
                s, anchor_src=float(src_t), anchor_wall=self._time(), generation=s.generation + 1
            )
            return self._state.generation

    def bump_generation(self) -> int:
        """Invalidate everything in flight without moving (e.g. on a plan change)."""
        with self._write_lock:
            s = self._state
            wall = self._time()
            self._state = replace(
                s, anchor_src=self._now(s, wall), anchor_wall=wall, generation=s.generation + 1
            )
            return self._state.generation

    def play(self) -> None:
        with self._write_lock:
            if self._state.paused:
                self._state = replace(self._state, paused=False, anchor_wall=self._time())

    def pause(self) -> None:
        if not self._state.paused:
            self._reanchor(paused=True)

    def set_rate(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        self._reanchor(rate=float(rate))

    def set_time_map(self, time_map: TimeMap | None) -> None:
        """Follow a plan (smart fast-forward) or plain ``rate`` when None."""
        self._reanchor(time_map=time_map)

    def sync(self, src_t: float, wall: float | None = None, generation: int | None = None) -> bool:
        """Re-anchor on an external master (the audio device): ``src_t`` is heard at ``wall``.

        Never blocks (it runs in the audio callback): returns False, changing nothing, when a
        writer holds the lock or when ``generation`` is given and is no longer current (the
        audio predates a seek). The next callback syncs again.
        """
        if not self._write_lock.acquire(blocking=False):
            return False
        try:
            s = self._state
            if generation is not None and generation != s.generation:
                return False
            self._state = replace(
                s, anchor_src=float(src_t), anchor_wall=self._time() if wall is None else wall
            )
            return True
        finally:
            self._write_lock.release()
