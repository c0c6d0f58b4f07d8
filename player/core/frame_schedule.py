"""Which decoded frame to show at a render tick: ffplay's late-frame rule, without the queue.

A frame is due once the master clock reaches its ``src_t``. At each tick the scheduler takes
every due frame and shows only the newest: an older due frame was late (its successor is
already due), so it is dropped and counted, as ffplay's ``frame_drops_late``. A frame that is
not due yet is held back (peeked) for a later tick. Frames decoded before a seek target
(pre-roll from the keyframe) are not counted as drops: they were never meant to be seen.

Pure logic: the caller supplies ``pull``, which returns the next frame of the current
generation or None, so this module needs no queue, thread or clock.
"""

from __future__ import annotations

from typing import Callable

from player.core.frames import VideoFrame

# Clock and timestamps are floats from different sums; a frame exactly on the clock is due.
_EPS = 1e-6


class FrameSchedule:
    """Keeps the one peeked frame and the drop count between render ticks."""

    def __init__(self) -> None:
        self._pending: VideoFrame | None = None
        self._shown: VideoFrame | None = None
        self._shown_since_reset = False
        self._start_t = 0.0
        self.dropped = 0

    @property
    def shown(self) -> VideoFrame | None:
        """The frame on screen (last one returned by ``pick``)."""
        return self._shown

    @property
    def pending(self) -> VideoFrame | None:
        """The next frame, already pulled but not due yet."""
        return self._pending

    @property
    def shown_since_reset(self) -> bool:
        """True once a frame of the current generation (since ``reset``) was shown."""
        return self._shown_since_reset

    def reset(self, start_t: float) -> None:
        """A seek to ``start_t``: forget the held frame; frames ending before it are pre-roll."""
        self._pending = None
        self._shown_since_reset = False
        self._start_t = float(start_t)

    def peek(self, pull: Callable[[], VideoFrame | None]) -> VideoFrame | None:
        """The next frame to come (pulling one if none is held), without showing it."""
        if self._pending is None:
            self._pending = pull()
        return self._pending

    def take_pending(self) -> VideoFrame | None:
        """Show the held frame now whatever the clock says (frame step); None if none held."""
        frame, self._pending = self._pending, None
        if frame is not None:
            self._show(frame)
        return frame

    def pick(
        self, now: float, pull: Callable[[], VideoFrame | None], *, paused: bool = False
    ) -> VideoFrame | None:
        """The frame to show for clock time ``now``, or None to keep the current picture.

        ``pull`` returns the next frame (current generation only) or None when none is ready.
        While ``paused``, the first frame after a reset is shown even if it starts a little
        after ``now`` (a seek between two frame times must still put a picture up).
        """
        chosen: VideoFrame | None = None
        while True:
            frame = self._pending if self._pending is not None else pull()
            self._pending = None
            if frame is None:
                break
            if frame.src_t > now + _EPS:
                self._pending = frame
                break
            if chosen is not None and chosen.end_t > self._start_t + _EPS:
                self.dropped += 1
            chosen = frame
        if chosen is None and paused and not self._shown_since_reset and self._pending is not None:
            chosen, self._pending = self._pending, None
        if chosen is not None:
            self._show(chosen)
        return chosen

    def _show(self, frame: VideoFrame) -> None:
        self._shown = frame
        self._shown_since_reset = True
