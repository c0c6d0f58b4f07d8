"""SpeedNet scores of one video on its grid of source frame times, filled in as they come.

``ScoreTrack`` holds ``p_natural`` (K, N): for each ladder speed ``x_i`` (K = 11) and each
source frame time, the probability that the video still looks natural played at ``x_i``.
NaN where not scored yet. The score worker writes it chunk by chunk; the GUI and the planner
read it at the same time, so readers take an immutable ``snapshot()`` (a copy made under a
short lock, reused until the next write) and never see half an update.

A frame counts as *scored* once the worker has processed it, even if some speeds stayed NaN:
that happens when the video is too short for one window at a high speed, and the planner
treats NaN as "does not pass", so such a frame is never played at that speed.

Versions are unique in the process and only grow, across all tracks: a reader that keeps
"the version I planned from" (the session) sees a change even when the whole track is
swapped for another one, such as a track read from the score cache.
"""

from __future__ import annotations

import itertools
import math
import threading
from dataclasses import dataclass

import numpy as np

from player.core.ladder import LADDER, default_duration

Range = tuple[float, float]
IndexRange = tuple[int, int]

# One counter for every track: a fresh or rebuilt track (a cache load) never shares a version
# with another track, so "same version" means "same scores". next() on it is atomic.
_VERSIONS = itertools.count(1)


@dataclass(frozen=True, slots=True)
class ScoreSnapshot:
    """A consistent, read-only copy of a track at one ``version``.

    times: (N,) source frame times; p_natural: (K, N) float32, NaN = unknown;
    scored: (N,) bool; speeds: (K,); duration: end of the video in source seconds.
    """

    times: np.ndarray
    speeds: np.ndarray
    p_natural: np.ndarray
    scored: np.ndarray
    duration: float
    version: int

    @property
    def fraction_scored(self) -> float:
        return float(self.scored.mean()) if self.scored.size else 1.0


def _read_only(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


class ScoreTrack:
    """P(natural) per ladder speed on the source frame grid, with a record of what is done.

    times: (N,) increasing source frame times in seconds; speeds: (K,) the ladder;
    duration: end of the video (default: end of the last frame). Thread-safe: one writer
    (the score worker) and any number of readers.
    """

    def __init__(
        self, times: np.ndarray, speeds: np.ndarray = LADDER, duration: float | None = None
    ) -> None:
        t = np.array(times, dtype=np.float64)
        if t.ndim != 1 or (t.size > 1 and np.any(np.diff(t) <= 0)):
            raise ValueError("times must be 1-D and strictly increasing")
        if t.size and not np.all(np.isfinite(t)):
            raise ValueError("times must be finite")
        s = np.array(speeds, dtype=np.float64)
        if s.ndim != 1 or s.size == 0:
            raise ValueError("speeds must be a non-empty 1-D ladder")
        dur = default_duration(t) if duration is None else float(duration)
        if t.size and dur <= t[-1]:
            raise ValueError(f"duration {dur} must be after the last frame time {t[-1]}")
        self._times = _read_only(t)
        self._speeds = _read_only(s)
        self._duration = dur
        self._p = np.full((s.size, t.size), np.nan, dtype=np.float32)
        self._scored = np.zeros(t.size, dtype=bool)
        self._lock = threading.Lock()
        self._version = next(_VERSIONS)
        self._snapshot: ScoreSnapshot | None = None

    @classmethod
    def on_frame_grid(
        cls, duration_s: float, fps: float, speeds: np.ndarray = LADDER
    ) -> ScoreTrack:
        """A track on the nominal frame grid ``k / fps`` covering ``[0, duration_s)``.

        For variable-frame-rate video this is an approximation of the frame times; scores
        are interpolated onto the grid by timestamp, so nothing else depends on it.
        """
        if not (duration_s > 0 and math.isfinite(duration_s)):
            raise ValueError(f"duration must be positive, got {duration_s}")
        if not (fps > 0 and math.isfinite(fps)):
            raise ValueError(f"fps must be positive, got {fps}")
        n = max(1, int(math.ceil(duration_s * fps - 1e-6)))
        return cls(np.arange(n, dtype=np.float64) / fps, speeds, duration_s)

    @classmethod
    def from_arrays(
        cls,
        times: np.ndarray,
        speeds: np.ndarray,
        p_natural: np.ndarray,
        scored: np.ndarray,
        duration: float | None = None,
    ) -> ScoreTrack:
        """Rebuild a track (e.g. from the score cache); shapes are checked."""
        track = cls(times, speeds, duration)
        p = np.asarray(p_natural, dtype=np.float32)
        m = np.asarray(scored, dtype=bool)
        if p.shape != track._p.shape or m.shape != track._scored.shape:
            raise ValueError(
                f"p_natural {p.shape} / scored {m.shape} do not fit the grid {track._p.shape}"
            )
        track._p[...] = p
        track._scored[...] = m
        track._version = next(_VERSIONS)  # other scores than the empty track it started as
        return track

    # -- facts -----------------------------------------------------------------------------------
    @property
    def times(self) -> np.ndarray:
        """(N,) source frame times, read-only."""
        return self._times

    @property
    def speeds(self) -> np.ndarray:
        """(K,) ladder speeds, read-only."""
        return self._speeds

    @property
    def duration(self) -> float:
        return self._duration

    @property
    def n_frames(self) -> int:
        return int(self._times.size)

    @property
    def version(self) -> int:
        """Changes with every update; unique among all tracks and increasing over time."""
        return self._version

    def frame_end(self, i: int) -> float:
        """End of frame i: the next frame's time, or the duration for the last one."""
        return float(self._times[i + 1]) if i + 1 < self._times.size else self._duration

    def index_range(self, t0: float, t1: float) -> IndexRange:
        """Frames whose time lies in [t0, t1), as an index range [i0, i1)."""
        i0 = int(np.searchsorted(self._times, t0, side="left"))
        i1 = int(np.searchsorted(self._times, t1, side="left"))
        return i0, max(i0, i1)

    def time_range(self, i0: int, i1: int) -> Range:
        """Source time covered by frames [i0, i1): (time of i0, end of frame i1 - 1)."""
        if i1 <= i0:
            t = float(self._times[i0]) if i0 < self._times.size else self._duration
            return t, t
        return float(self._times[i0]), self.frame_end(i1 - 1)

    # -- writing (the score worker) ----------------------------------------------------------------
    def update(self, start: int, values: np.ndarray, speed_index: int | None = None) -> Range:
        """Store scores for frames ``start .. start + n`` and mark them scored.

        values: (K, n) for all speeds, or (n,) for one speed when ``speed_index`` is given.
        Returns the source time range (t0, t1) written.
        """
        v = np.asarray(values, dtype=np.float32)
        if speed_index is None:
            if v.ndim != 2 or v.shape[0] != self._speeds.size:
                raise ValueError(f"values must be (K={self._speeds.size}, n), got {v.shape}")
        elif v.ndim != 1 or not 0 <= speed_index < self._speeds.size:
            raise ValueError("with speed_index, values must be (n,) and the index in range")
        n = v.shape[-1]
        if start < 0 or start + n > self._times.size:
            raise ValueError(f"frames {start}..{start + n} outside 0..{self._times.size}")
        rng = self.time_range(start, start + n)
        with self._lock:
            if speed_index is None:
                self._p[:, start : start + n] = v
            else:
                self._p[speed_index, start : start + n] = v
            self._scored[start : start + n] = True
            self._version = next(_VERSIONS)
            self._snapshot = None
        return rng

    # -- reading ---------------------------------------------------------------------------------
    def snapshot(self) -> ScoreSnapshot:
        """A consistent read-only copy; the same object until the next update."""
        with self._lock:
            snap = self._snapshot
            if snap is None:
                snap = ScoreSnapshot(
                    times=self._times,
                    speeds=self._speeds,
                    p_natural=_read_only(self._p.copy()),
                    scored=_read_only(self._scored.copy()),
                    duration=self._duration,
                    version=self._version,
                )
                self._snapshot = snap
            return snap

    def scored_mask(self) -> np.ndarray:
        """(N,) bool copy: True where the frame has been scored."""
        with self._lock:
            return self._scored.copy()

    def fraction_scored(self) -> float:
        with self._lock:
            return float(self._scored.mean()) if self._scored.size else 1.0

    def is_complete(self) -> bool:
        with self._lock:
            return bool(self._scored.all())

    def _index_runs(self, value: bool) -> list[IndexRange]:
        with self._lock:
            m = self._scored.copy()
        flags = np.concatenate(([False], m == value, [False])).astype(np.int8)
        d = np.diff(flags)
        return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))

    def scored_ranges(self) -> list[Range]:
        """Scored stretches as (t0, t1) source time ranges, in order."""
        return [self.time_range(a, b) for a, b in self._index_runs(True)]

    def unscored_index_ranges(self, after_t: float | None = None) -> list[IndexRange]:
        """Unscored frame ranges [i0, i1) in the order the worker should fill them.

        With ``after_t`` (the playhead): the unscored stretch holding or following it first
        (from the playhead on), then the later ones, then wrapping round to the earlier ones,
        and last the part of the playhead's own stretch that lies before it.
        """
        runs = self._index_runs(False)
        if after_t is None or not runs:
            return runs
        if after_t >= self._duration:  # at the end: nothing is ahead, start over
            j = self._times.size
        else:
            j = max(int(np.searchsorted(self._times, after_t, side="right")) - 1, 0)
        ahead: list[IndexRange] = []
        behind: list[IndexRange] = []
        tail: list[IndexRange] = []
        for a, b in runs:
            if b <= j:
                behind.append((a, b))
            elif a >= j:
                ahead.append((a, b))
            else:  # the playhead is inside this stretch: split it there
                ahead.append((j, b))
                tail.append((a, j))
        return ahead + behind + tail

    def unscored_ranges(self, after_t: float | None = None) -> list[Range]:
        """``unscored_index_ranges`` as (t0, t1) source time ranges."""
        return [self.time_range(a, b) for a, b in self.unscored_index_ranges(after_t)]
