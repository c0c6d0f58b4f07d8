"""A SpeedPlan as a list of timeline events on whole frames, for editors' formats.

Editors place clips on frame boundaries. Each plan segment becomes one event: source
``[src_start, src_end)`` played at ``speed``, placed on the output timeline at frames
``[rec_in, rec_out)``. Record frames are rounded from the plan's cumulative output time
(not per segment), so rounding never accumulates: the events tile ``[0, N)`` where ``N`` is
the same frame count the rendered cut has. Segments shorter than half an output frame
vanish (their neighbours absorb the time).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from player.core.speed_plan import SpeedPlan


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """One retimed clip on the output timeline."""

    src_start: float  # source seconds
    src_end: float
    speed: float
    rec_in: int  # output frames, [rec_in, rec_out)
    rec_out: int

    @property
    def rec_frames(self) -> int:
        return self.rec_out - self.rec_in


def _frames(seconds: float, fps: Fraction) -> int:
    return int(math.floor(seconds * float(fps) + 0.5))


def timeline_events(plan: SpeedPlan, fps: Fraction) -> list[TimelineEvent]:
    """The plan's segments as frame-aligned events that tile the output exactly."""
    events: list[TimelineEvent] = []
    for seg in plan.segments:
        rec_in = _frames(plan.src_to_out(seg.start), fps)
        rec_out = _frames(plan.src_to_out(seg.end), fps)
        if rec_out > rec_in:
            events.append(TimelineEvent(seg.start, seg.end, seg.speed, rec_in, rec_out))
    return events


def speed_fraction(speed: float) -> Fraction:
    """The speed as a small exact fraction (the ladder's 1.25**i are exact in binary)."""
    return Fraction(speed).limit_denominator(100_000)
