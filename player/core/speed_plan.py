"""The speed plan: which playback rate applies to which stretch of source time.

A ``SpeedPlan`` is an immutable list of contiguous segments ``[start, end)`` of source time,
each played at a constant ``speed`` (source seconds per output second). It covers the whole
input ``[0, input_duration]`` with no gaps. It is the one place that converts between source
time (``src_t``) and output time (``out_t``), so playback, the seek bar, audio stretching and
export all agree (docs/architecture.md, "Time").

It satisfies the ``TimeMap`` protocol of ``player.core.clock`` (``src_to_out``,
``out_to_src``, ``rate_at``), so the clock can follow it directly.

Conversions take a float (and return a float) or a numpy array (and return an array of the
same shape). Times outside the plan are clamped to it, so ``src_to_out(-1) == 0`` and
``src_to_out(1e9) == output_duration``.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping, overload

import numpy as np

from player.core.ladder import MAX_SPEED, MIN_SPEED

PLAN_FORMAT_VERSION = 1
#: What a plan read from a file may hold (``from_dict``): the speeds the planner's ladder spans
#: (player/core/ladder.py), with room for float rounding, and a
#: segment count far above any real plan (a 10-hour video on a 0.1 s grid) that still
#: bounds the memory a hand-made file can ask for (a speed of 1e-9 asked for 2 TiB).
MIN_FILE_SPEED = MIN_SPEED * (1.0 - 1e-9)
MAX_FILE_SPEED = MAX_SPEED * (1.0 + 1e-9)
MAX_FILE_SEGMENTS = 1_000_000


@dataclass(frozen=True, slots=True)
class Segment:
    """Source time ``[start, end)`` played at ``speed`` (1.0 = natural, 2.0 = twice as fast)."""

    start: float
    end: float
    speed: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.start) and math.isfinite(self.end)):
            raise ValueError(f"segment bounds must be finite, got {self.start}..{self.end}")
        if not self.end > self.start:
            raise ValueError(f"segment must have positive length, got {self.start}..{self.end}")
        if not (math.isfinite(self.speed) and self.speed > 0):
            raise ValueError(f"segment speed must be positive and finite, got {self.speed}")

    @property
    def duration(self) -> float:
        """Length in source seconds."""
        return self.end - self.start

    @property
    def output_duration(self) -> float:
        """Length in output seconds."""
        return (self.end - self.start) / self.speed


class SpeedPlan:
    """Immutable, contiguous piecewise-constant rate over ``[0, input_duration]``.

    Adjacent segments with the same speed are merged on construction, so every segment
    boundary is a real rate change (``next_boundary`` relies on that). The plan is held as
    numpy arrays; ``Segment`` objects are made only when ``segments`` is first read, so the
    planner can rebuild a plan of thousands of segments within a slider drag.
    """

    __slots__ = (
        "_edges",
        "_starts",
        "_starts_list",
        "_speeds",
        "_speeds_list",
        "_out_starts",
        "_out_starts_list",
        "_input_duration",
        "_output_duration",
        "_segments",
    )

    def __init__(self, segments: Iterable[Segment]) -> None:
        segs = list(segments)
        if not segs:
            raise ValueError("a speed plan needs at least one segment")
        for s in segs:
            if not isinstance(s, Segment):
                raise TypeError(f"expected Segment, got {type(s).__name__}")
        for a, b in zip(segs, segs[1:]):
            if a.end != b.start:
                raise ValueError(f"segments must be contiguous: {a.end} != {b.start}")
        edges = np.array([s.start for s in segs] + [segs[-1].end], dtype=np.float64)
        speeds = np.array([s.speed for s in segs], dtype=np.float64)
        self._init_arrays(edges, speeds)

    def _init_arrays(self, edges: np.ndarray, speeds: np.ndarray) -> None:
        """Validate (K+1,) edges and (K,) speeds, merge equal neighbours, precompute."""
        if edges.ndim != 1 or speeds.ndim != 1 or edges.shape[0] != speeds.shape[0] + 1:
            raise ValueError("need K+1 edges for K speeds")
        if speeds.shape[0] == 0:
            raise ValueError("a speed plan needs at least one segment")
        if edges[0] != 0.0:
            raise ValueError(f"a speed plan must start at 0, got {edges[0]}")
        if not np.all(np.isfinite(edges)) or not np.all(np.diff(edges) > 0):
            raise ValueError("segment edges must be finite and strictly increasing")
        if not np.all(np.isfinite(speeds)) or not np.all(speeds > 0):
            raise ValueError("segment speeds must be positive and finite")
        # Keep an edge only where the speed changes (plus both ends).
        keep = np.concatenate(([True], speeds[1:] != speeds[:-1]))
        speeds = speeds[keep]
        edges = np.append(edges[:-1][keep], edges[-1])
        out_lengths = np.diff(edges) / speeds
        out_starts = np.concatenate(([0.0], np.cumsum(out_lengths)[:-1]))
        starts = edges[:-1]
        for arr in (edges, starts, speeds, out_starts):
            arr.setflags(write=False)
        self._edges = edges
        self._starts = starts
        self._speeds = speeds
        self._out_starts = out_starts
        # Plain lists for the scalar path: bisect on a list is several times faster than
        # np.searchsorted on a scalar, and the clock asks once per GUI tick and audio block.
        self._starts_list = starts.tolist()
        self._speeds_list = speeds.tolist()
        self._out_starts_list = out_starts.tolist()
        self._input_duration = float(edges[-1])
        self._output_duration = float(out_starts[-1] + out_lengths[-1])
        self._segments: tuple[Segment, ...] | None = None

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def uniform(cls, duration: float, speed: float = 1.0) -> SpeedPlan:
        """One segment: the whole input at ``speed``."""
        return cls([Segment(0.0, float(duration), float(speed))])

    @classmethod
    def from_edges(cls, edges: np.ndarray, speeds: np.ndarray) -> SpeedPlan:
        """Build from K+1 increasing edges and K speeds (edges[0] must be 0)."""
        plan = cls.__new__(cls)
        plan._init_arrays(
            np.array(edges, dtype=np.float64, copy=True), np.array(speeds, dtype=np.float64, copy=True)
        )
        return plan

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SpeedPlan:
        """Inverse of ``to_dict``; raises ValueError on anything malformed.

        The data may come from a file edited by hand, so it is bounded too: speeds within the
        ladder's range (``MIN_FILE_SPEED`` .. ``MAX_FILE_SPEED``), at most
        ``MAX_FILE_SEGMENTS`` segments, numbers only (no strings, no booleans).
        """
        if not isinstance(data, Mapping):
            raise ValueError("a speed plan must be a JSON object")
        version = data.get("version", PLAN_FORMAT_VERSION)
        if version != PLAN_FORMAT_VERSION:
            raise ValueError(f"unsupported speed plan version {version!r}")
        raw = data.get("segments")
        if not isinstance(raw, list) or not raw:
            raise ValueError("a speed plan needs a non-empty 'segments' list")
        if len(raw) > MAX_FILE_SEGMENTS:
            raise ValueError(f"{len(raw)} segments is more than the {MAX_FILE_SEGMENTS} a plan may have")
        segs = []
        for i, item in enumerate(raw):
            if not isinstance(item, Mapping):
                raise ValueError(f"segment {i} is not an object")
            try:
                start, end, speed = (_number(item[key]) for key in ("start", "end", "speed"))
                segs.append(Segment(start, end, speed))
            except KeyError as exc:
                raise ValueError(f"segment {i} lacks {exc.args[0]!r}") from None
            except (TypeError, ValueError) as exc:
                raise ValueError(f"segment {i}: {exc}") from None
            if not MIN_FILE_SPEED <= speed <= MAX_FILE_SPEED:
                raise ValueError(
                    f"segment {i}: speed {speed:g} is outside {MIN_SPEED:g} .. {MAX_SPEED:.2f}, the speeds a plan may use"
                )
        return cls(segs)

    def cut_at(self, duration: float) -> SpeedPlan:
        """The plan up to source time ``duration`` (a video that stops earlier than planned)."""
        if not (math.isfinite(duration) and duration > 0):
            raise ValueError(f"a plan must be cut at a positive time, got {duration}")
        if duration >= self._input_duration:
            return self
        k = self.segment_index(duration)
        if k > 0 and self._edges[k] >= duration:
            k -= 1
        edges = np.append(self._edges[: k + 1], duration)
        return SpeedPlan.from_edges(edges, self._speeds[: k + 1])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (used by ``analyze --json`` and ``export --plan``)."""
        e = self._edges.tolist()
        return {
            "version": PLAN_FORMAT_VERSION,
            "input_duration_s": self._input_duration,
            "output_duration_s": self._output_duration,
            "segments": [
                {"start": a, "end": b, "speed": v} for a, b, v in zip(e[:-1], e[1:], self._speeds_list)
            ],
        }

    # -- facts -------------------------------------------------------------------------------
    @property
    def segments(self) -> tuple[Segment, ...]:
        if self._segments is None:
            e = self._edges.tolist()
            self._segments = tuple(
                Segment(a, b, v) for a, b, v in zip(e[:-1], e[1:], self._speeds_list)
            )
        return self._segments

    @property
    def input_duration(self) -> float:
        return self._input_duration

    @property
    def output_duration(self) -> float:
        return self._output_duration

    @property
    def speedup(self) -> float:
        """Overall speed-up: input duration / output duration."""
        return self._input_duration / self._output_duration

    @property
    def edges(self) -> np.ndarray:
        """(K+1,) segment boundaries in source time, read-only."""
        return self._edges

    @property
    def speeds(self) -> np.ndarray:
        """(K,) segment speeds, read-only."""
        return self._speeds

    def __len__(self) -> int:
        return len(self._speeds_list)

    def __iter__(self) -> Iterator[Segment]:
        return iter(self.segments)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SpeedPlan):
            return NotImplemented
        return np.array_equal(self._edges, other._edges) and np.array_equal(
            self._speeds, other._speeds
        )

    def __hash__(self) -> int:
        return hash((self._edges.tobytes(), self._speeds.tobytes()))

    def __repr__(self) -> str:
        return (
            f"SpeedPlan({len(self)} segments, {self._input_duration:.3f}s -> "
            f"{self._output_duration:.3f}s, x{self.speedup:.3f})"
        )

    # -- mappings (TimeMap protocol) -----------------------------------------------------------
    @overload
    def src_to_out(self, src_t: float) -> float: ...
    @overload
    def src_to_out(self, src_t: np.ndarray) -> np.ndarray: ...
    def src_to_out(self, src_t: float | np.ndarray) -> float | np.ndarray:
        """Output time at which source time ``src_t`` is shown (clamped to the plan)."""
        if np.ndim(src_t) == 0:
            t = min(max(float(src_t), 0.0), self._input_duration)
            k = max(bisect_right(self._starts_list, t) - 1, 0)
            return self._out_starts_list[k] + (t - self._starts_list[k]) / self._speeds_list[k]
        t = np.clip(np.asarray(src_t, dtype=np.float64), 0.0, self._input_duration)
        k = np.maximum(np.searchsorted(self._starts, t, side="right") - 1, 0)
        return self._out_starts[k] + (t - self._starts[k]) / self._speeds[k]

    @overload
    def out_to_src(self, out_t: float) -> float: ...
    @overload
    def out_to_src(self, out_t: np.ndarray) -> np.ndarray: ...
    def out_to_src(self, out_t: float | np.ndarray) -> float | np.ndarray:
        """Source time shown at output time ``out_t`` (clamped to the plan)."""
        if np.ndim(out_t) == 0:
            o = min(max(float(out_t), 0.0), self._output_duration)
            k = max(bisect_right(self._out_starts_list, o) - 1, 0)
            src = self._starts_list[k] + (o - self._out_starts_list[k]) * self._speeds_list[k]
            return min(src, self._input_duration)
        o = np.clip(np.asarray(out_t, dtype=np.float64), 0.0, self._output_duration)
        k = np.maximum(np.searchsorted(self._out_starts, o, side="right") - 1, 0)
        src = self._starts[k] + (o - self._out_starts[k]) * self._speeds[k]
        return np.minimum(src, self._input_duration)

    @overload
    def rate_at(self, src_t: float) -> float: ...
    @overload
    def rate_at(self, src_t: np.ndarray) -> np.ndarray: ...
    def rate_at(self, src_t: float | np.ndarray) -> float | np.ndarray:
        """Speed of the segment holding ``src_t`` (the last one at and after the end)."""
        if np.ndim(src_t) == 0:
            k = max(bisect_right(self._starts_list, float(src_t)) - 1, 0)
            return self._speeds_list[k]
        k = np.maximum(np.searchsorted(self._starts, np.asarray(src_t, np.float64), "right") - 1, 0)
        return self._speeds[k]

    def segment_index(self, src_t: float) -> int:
        """Index of the segment holding ``src_t`` (clamped to the first and last)."""
        return max(bisect_right(self._starts_list, float(src_t)) - 1, 0)

    def segment_at(self, src_t: float) -> Segment:
        """The segment holding ``src_t`` (clamped to the first and last)."""
        k = self.segment_index(src_t)
        return Segment(float(self._edges[k]), float(self._edges[k + 1]), self._speeds_list[k])

    def next_boundary(self, src_t: float) -> float:
        """The next source time after ``src_t`` where the rate changes.

        That is the end of the segment holding ``src_t``; ``input_duration`` in the last
        segment (and at or past the end).
        """
        return float(self._edges[self.segment_index(src_t) + 1])


def _number(value: Any) -> float:
    """A JSON number as a float; ValueError for anything else (a string, a boolean, null)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {value!r}"[:80])
    return float(value)
