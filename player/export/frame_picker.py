"""Which decoded source frame each output frame shows.

The output runs at a constant frame rate. Output frame ``k`` starts at ``out_t = k / fps``;
the plan maps that to a source time, and the frame shown is the source frame that covers it
(the last one starting at or before it), as a player paused there would show. Source frames
arrive in presentation order; for each one the picker says how many output frames the
*previous* frame fills, so frames nobody will see are never converted or encoded.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from player.core.speed_plan import SpeedPlan

# Timestamps are rounded to the stream time base (often 1/15360 s or 1/90000 s) while the
# plan's arithmetic is in float: an output time that should land exactly on a frame start may
# come out a few microseconds early. This tolerance (far below any frame duration) makes it
# land on that frame instead of the one before.
TIME_TOLERANCE_S = 1e-4


def output_frame_count(plan: SpeedPlan, fps: Fraction) -> int:
    """Number of output frames: the plan's output duration in frames, rounded (at least 1)."""
    return max(1, int(math.floor(plan.output_duration * float(fps) + 0.5)))


class FramePicker:
    """Assigns output frames (constant rate ``fps``) to source frames through ``plan``.

    Feed source frame start times in order with ``advance(next_start)``: it returns how many
    output frames the frame *before* ``next_start`` covers. After the last source frame call
    ``finish()`` for the rest (the last frame holds until the output ends).
    """

    def __init__(self, plan: SpeedPlan, fps: Fraction, frame_count: int | None = None) -> None:
        self.fps = Fraction(fps)
        self.frame_count = output_frame_count(plan, self.fps) if frame_count is None else frame_count
        out_t = np.arange(self.frame_count, dtype=np.float64) / float(self.fps)
        # (N,) source time shown by each output frame.
        self.src_times: np.ndarray = np.asarray(plan.out_to_src(out_t), dtype=np.float64)
        self._next = 0  # index of the next output frame to assign

    @property
    def emitted(self) -> int:
        """Output frames assigned so far."""
        return self._next

    @property
    def done(self) -> bool:
        return self._next >= self.frame_count

    def next_src_time(self) -> float:
        """Source time the next unassigned output frame wants (inf when all are assigned)."""
        return float(self.src_times[self._next]) if self._next < self.frame_count else math.inf

    def advance(self, next_start: float) -> int:
        """Output frames shown before the source frame starting at ``next_start``."""
        # Output frames whose source time lies before the next frame's start (with tolerance)
        # belong to the current frame. src_times is non-decreasing, so searchsorted applies.
        end = int(np.searchsorted(self.src_times, next_start - TIME_TOLERANCE_S, side="left"))
        end = max(end, self._next)
        count = end - self._next
        self._next = end
        return count

    def finish(self) -> int:
        """All the remaining output frames (the last source frame holds to the end)."""
        count = self.frame_count - self._next
        self._next = self.frame_count
        return count
