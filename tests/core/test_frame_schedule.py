"""FrameSchedule: newest due frame wins, late ones are counted, pre-roll is not."""

from __future__ import annotations

from collections import deque

import numpy as np

from player.core.frame_schedule import FrameSchedule
from player.core.frames import VideoFrame

_IMG = np.zeros((2, 2, 3), np.uint8)


def frames(times: list[float], dur: float = 1 / 30) -> deque[VideoFrame]:
    return deque(VideoFrame(t, dur, 0, _IMG) for t in times)


def puller(q: deque[VideoFrame]):
    return lambda: q.popleft() if q else None


def test_every_frame_shown_when_ticks_outpace_frames() -> None:
    """30 fps frames, 100 Hz ticks at 1x: every frame is shown once, none dropped."""
    q = frames([i / 30 for i in range(60)])
    sched, shown = FrameSchedule(), []
    for tick in range(200):
        f = sched.pick(tick * 0.01, puller(q))
        if f is not None:
            shown.append(f.src_t)
    assert shown == [i / 30 for i in range(60)]
    assert sched.dropped == 0


def test_not_due_frame_is_held_back() -> None:
    q = frames([0.0, 0.5])
    sched = FrameSchedule()
    assert sched.pick(0.1, puller(q)).src_t == 0.0
    assert sched.pick(0.2, puller(q)) is None
    assert sched.pending is not None and sched.pending.src_t == 0.5
    assert sched.pick(0.5, puller(q)).src_t == 0.5
    assert sched.dropped == 0


def test_late_frames_dropped_and_counted() -> None:
    """Ticks at 4x a 30 fps clip (8.3 ms of frames per 10 ms tick x4): newest due frame shown."""
    q = frames([i / 30 for i in range(10)])
    sched = FrameSchedule()
    f = sched.pick(0.2, puller(q))  # frames 0..6 are due (6/30 = 0.2)
    assert f is not None and abs(f.src_t - 0.2) < 1e-9
    assert sched.dropped == 6


def test_preroll_before_seek_target_not_counted() -> None:
    """After a seek to 1.0 the decoder may hand over frames from the keyframe on."""
    q = frames([0.5 + i / 30 for i in range(30)])
    sched = FrameSchedule()
    sched.reset(1.0)
    f = sched.pick(1.0, puller(q))
    assert f is not None and f.src_t <= 1.0 < f.end_t
    assert sched.dropped == 0


def test_paused_seek_between_frames_still_shows_a_picture() -> None:
    q = frames([1.01, 1.04])
    sched = FrameSchedule()
    sched.reset(1.0)
    assert sched.pick(1.0, puller(q)) is None  # playing: not due yet
    assert sched.pick(1.0, puller(q), paused=True).src_t == 1.01
    assert sched.pick(1.0, puller(q), paused=True) is None  # only the first one


def test_take_pending_for_frame_step() -> None:
    q = frames([0.0, 1 / 30])
    sched = FrameSchedule()
    sched.pick(0.0, puller(q))
    sched.pick(0.0, puller(q))
    step = sched.take_pending()
    assert step is not None and step.src_t == 1 / 30 and sched.shown is step


def test_peek_holds_the_next_frame_until_due() -> None:
    q = frames([0.0, 1 / 30])
    sched = FrameSchedule()
    sched.pick(0.0, puller(q))
    nxt = sched.peek(puller(q))
    assert nxt is not None and nxt.src_t == 1 / 30
    assert sched.peek(puller(q)) is nxt and not q
    assert sched.pick(1 / 30, puller(q)) is nxt
