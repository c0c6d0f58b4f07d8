"""A SpeedPlan as a list of timeline events for editors' formats: one event per segment.

Editors place clips on whole frames of the timeline, but a plan's segments start and end
anywhere. Each plan segment becomes exactly one event (none is ever dropped):

- its **source range** ``[src_start, src_end)`` is the segment's exact source time, as a
  rational number, so consecutive events meet exactly: no source is skipped or repeated;
- its **record range** ``[rec_in, rec_out)`` is on whole timeline frames. Record frames are
  rounded from the plan's cumulative output time (not per segment), so rounding never
  accumulates, and the last event ends at ``output_frames``: the frame count the rendered
  cut has (``frame_picker.output_frame_count``). A segment too short for a frame of its own
  (a 0.5 s cell at 9.31x is 0.054 s of output, half a frame at 10 fps) still gets one: its
  neighbours give up the frame.

The speed an editor must apply to fit a source range into its record range,
``effective_speed``, differs from the plan's speed by the rounding of the record frames
(at most about one frame over the event's length).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from player.core.speed_plan import SpeedPlan
from player.export.frame_picker import output_frame_count

# Source times come from floats. Their exact binary value has a 2**52 denominator that no
# editor wants; the closest fraction with a denominator of at most 10**6 is within 1e-12 s
# and recovers the intended value (118.0, 1/2, 1001/30000 * k) whenever it has one.
SOURCE_DENOMINATOR = 10**6


def exact_seconds(seconds: float) -> Fraction:
    """A float time as a small exact fraction (the same float always gives the same one)."""
    return Fraction(float(seconds)).limit_denominator(SOURCE_DENOMINATOR)


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """One retimed clip: source ``[src_start, src_end)`` shown over record frames ``[rec_in, rec_out)``."""

    src_start: Fraction  # source seconds, exact
    src_end: Fraction
    speed: float  # the plan's speed for this segment
    rec_in: int  # timeline frames
    rec_out: int

    @property
    def rec_frames(self) -> int:
        return self.rec_out - self.rec_in

    def effective_speed(self, fps: Fraction) -> Fraction:
        """Source seconds per record second that fit the source range into the record range."""
        return (self.src_end - self.src_start) * Fraction(fps) / self.rec_frames


def output_duration(plan: SpeedPlan, fps: Fraction) -> tuple[int, Fraction]:
    """(frames, seconds) of the output at ``fps``: the one output duration that the rendered
    cut, the timelines and every command's summary report."""
    frames = output_frame_count(plan, Fraction(fps))
    return frames, frames / Fraction(fps)


def timeline_frames(plan: SpeedPlan, rate: Fraction, output_rate: Fraction | None = None) -> int:
    """Frames at the timeline ``rate`` that last exactly as long as the cut at
    ``output_rate`` when ``rate`` is a whole multiple of it (a 10 fps cut of 231 frames is
    693 frames at 30); else the plan's output duration rounded to frames of ``rate``."""
    rate = Fraction(rate)
    if output_rate is not None:
        ratio = rate / Fraction(output_rate)
        if ratio.denominator == 1:
            return output_frame_count(plan, Fraction(output_rate)) * ratio.numerator
    return output_frame_count(plan, rate)


def record_boundaries(plan: SpeedPlan, fps: Fraction, frames: int | None = None) -> list[int]:
    """K+1 strictly increasing record frames for the plan's K segments, 0 first and
    ``frames`` (default: the output's frame count at ``fps``) last, or K when the plan has
    more segments than that."""
    fps = Fraction(fps)
    k = len(plan)
    total = max(output_frame_count(plan, fps) if frames is None else frames, k)
    out_edges = np.asarray(plan.src_to_out(plan.edges), dtype=np.float64)
    rounded = np.floor(out_edges * float(fps) + 0.5).astype(np.int64)
    bounds = [int(b) for b in rounded]
    bounds[0], bounds[-1] = 0, total
    # Every segment gets at least one frame: push up where a boundary caught up with the one
    # before it, then pull down where that ran into the end.
    for i in range(1, k):
        bounds[i] = max(bounds[i], bounds[i - 1] + 1)
    for i in range(k - 1, 0, -1):
        bounds[i] = min(bounds[i], bounds[i + 1] - 1)
    return bounds


def timeline_events(plan: SpeedPlan, fps: Fraction, frames: int | None = None) -> list[TimelineEvent]:
    """One event per plan segment, tiling the record frames ``[0, frames)`` (default: the
    output's frame count at ``fps``) exactly and the source ``[0, input_duration)`` exactly."""
    bounds = record_boundaries(plan, fps, frames)
    edges = [exact_seconds(t) for t in plan.edges.tolist()]
    return [
        TimelineEvent(edges[i], edges[i + 1], float(speed), bounds[i], bounds[i + 1])
        for i, speed in enumerate(plan.speeds)
    ]


def speed_fraction(speed: float) -> Fraction:
    """The speed as a small exact fraction (the ladder's 1.25**i are exact in binary)."""
    return Fraction(speed).limit_denominator(100_000)
