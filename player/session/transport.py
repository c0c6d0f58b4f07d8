"""Transport: the clock and the playback state of the open file.

Play, pause, seek, frame step, which frame is due at a render tick, starting the clock
together with the sound, jumping the decoder ahead of a fast clock, and pausing at the end.
``PlaybackSession`` owns one and delegates to it; the transport knows nothing of scores or
plans (the clock's time map is set by the session), so it can be tested on a fake clock
and hand-filled queues (tests/session/test_transport.py). See docs/architecture.md, "Time".

The sink and the monotonic time are injected: ``sink`` is anything with the ``SoundOutput``
methods (None: no sound, the system clock drives), ``monotonic`` the time source of the
deadlines (the sound wait, the frame-step wait).

All methods run on the GUI thread, except that ``is_playing`` and ``position`` are plain
reads any thread may make.
"""

from __future__ import annotations

import enum
import time
from typing import Callable, Protocol

from player.core.clock import PlaybackClock
from player.core.frames import EndOfStream, VideoFrame
from player.core.seek_queue import SeekQueue
from player.session.events import SessionEvents
from player.session.open_file import OpenFile

#: Catch-up: at this effective rate or above, once the newest decoded frame is this many
#: wall seconds behind the clock, the decoder jumps ahead instead of decoding every frame
#: in between (it cannot keep up: 1080p at 8x is 240 frames/s). It lands CATCHUP_LEAD_S
#: of wall time ahead of the clock, time to seek to a keyframe and decode up to there.
CATCHUP_MIN_RATE = 2.0
CATCHUP_LAG_S = 0.25
CATCHUP_LEAD_S = 0.4
#: Play and seek wait at most this long for the first sound of the new position (the
#: decoder's seek plus one chunk through the stretcher; usually a few ms).
AUDIO_START_WAIT_S = 0.3
#: Sound queued before the clock starts (a few device blocks).
AUDIO_START_MIN_S = 0.03
#: Frame step forward waits at most this long for the decoder to deliver the next frame.
STEP_WAIT_S = 0.3
#: Step back seeks this far before the shown frame: the decoder then delivers the frame
#: covering that time, the previous one (whatever the frame rate, VFR included).
STEP_BACK_S = 1e-3
#: Frame step forward: a frame starting within this of the clock is the current one.
STEP_EPS_S = 1e-6
#: User seeks in a burst (a drag on the seek bar or the curve) are made at most this often
#: (player.core.seek_queue).
SEEK_COALESCE_S = 0.05


class PlaybackState(enum.Enum):
    """What the transport is doing (mpv's playloop and ffplay's VideoState keep the same)."""

    CLOSED = "closed"  # no file open
    PAUSED = "paused"
    STARTING = "starting"  # asked to play, the clock waits for the first sound
    PLAYING = "playing"
    ENDED = "ended"  # reached the end and paused there


class SoundOutput(Protocol):
    """The parts of ``AudioSink`` the transport uses."""

    @property
    def has_device(self) -> bool: ...

    @property
    def buffered_seconds(self) -> float: ...

    @property
    def output_latency(self) -> float: ...

    def flush(self) -> None: ...


class Transport:
    """Play/pause/seek/step and the render tick's frame for the open file (``file``)."""

    def __init__(
        self,
        clock: PlaybackClock,
        events: SessionEvents,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        self.events = events
        self._file: OpenFile | None = None
        self.sink: SoundOutput | None = None
        self._monotonic = monotonic
        self._seeks = SeekQueue(SEEK_COALESCE_S)
        #: Called with the new position after every user seek (the session restarts
        #: scoring there).
        self.on_seek: Callable[[float], None] = lambda _t: None

    @property
    def file(self) -> OpenFile | None:
        return self._file

    @file.setter
    def file(self, f: OpenFile | None) -> None:
        """A new file (or none): a seek still pending was meant for the old one."""
        self._file = f
        self._seeks.clear()

    # == state =====================================================================================
    @property
    def state(self) -> PlaybackState:
        f = self.file
        if f is None:
            return PlaybackState.CLOSED
        if f.start_deadline is not None:
            return PlaybackState.STARTING
        if not self.clock.paused:
            return PlaybackState.PLAYING
        return PlaybackState.ENDED if f.ended else PlaybackState.PAUSED

    def is_playing(self) -> bool:
        """Playing, or asked to play and waiting for the first sound (see ``_start_clock``)."""
        f = self.file
        return not self.clock.paused or (f is not None and f.start_deadline is not None)

    def position(self) -> float:
        """The source time to show, in [0, duration]; no side effects.

        While the clock pre-rolls (started one device latency early, see ``_poll_start``)
        the readout holds at the position play was pressed at instead of dipping back.
        """
        f = self.file
        if f is None:
            return 0.0
        now = self.clock.now()
        floor = f.position_floor
        if floor is not None and now < floor and not self.clock.paused:
            now = floor
        return min(max(now, 0.0), f.info.duration_s)

    # == commands ==================================================================================
    def play(self) -> None:
        f = self.file
        if f is None:
            return
        if f.ended:
            self.seek(0.0)  # play at the end starts over, as most players do
        self._start_clock(f)

    def pause(self) -> None:
        f = self.file
        if f is not None:
            f.start_deadline = None
            f.position_floor = None
        self.clock.pause()

    def toggle_pause(self) -> None:
        if self.is_playing():
            self.pause()
        else:
            self.play()

    def request_seek(self, src_t: float) -> None:
        """A user seek, coalesced with the others of its burst (player.core.seek_queue):
        made now, or by ``frame_due`` once SEEK_COALESCE_S has passed since the last one."""
        if self.file is None:
            return
        target = self._seeks.request(float(src_t), self._monotonic())
        if target is not None:
            self.seek(target)

    def seek_target(self) -> float:
        """Where the user is going: the pending seek if any, else ``position()`` (relative
        seeks in a burst add up from there, not from a position that has not moved yet)."""
        pending = self._seeks.pending
        return self.position() if pending is None else min(max(pending, 0.0), self.duration())

    def duration(self) -> float:
        f = self.file
        return 0.0 if f is None else f.info.duration_s

    def seek(self, src_t: float) -> None:
        """Jump to ``src_t`` (clamped to the file) now; a new generation everywhere."""
        f = self.file
        if f is None:
            return
        t = min(max(float(src_t), 0.0), f.info.duration_s)
        playing = self.is_playing()
        if playing:
            self.clock.pause()  # restarted below, once the new sound is ready
        generation = self.clock.seek(t)
        f.schedule.reset(t)
        f.video_eos = False
        f.ended = False
        f.snap_clock_to_frame = False
        f.position_floor = None
        f.decoder.seek(t, generation)
        if self.sink is not None:
            self.sink.flush()
        if playing:
            self._start_clock(f)
        self.on_seek(t)

    def step_frame(self, direction: int) -> None:
        """Pause, then show the next (+1) or previous (-1) frame."""
        f = self.file
        if f is None or direction == 0:
            return
        self.pause()
        if direction > 0:
            self._step_forward(f)
            return
        shown = f.schedule.shown
        if shown is None or shown.src_t <= 0.0:
            return
        self.seek(max(0.0, shown.src_t - STEP_BACK_S))
        f.snap_clock_to_frame = True

    def _step_forward(self, f: OpenFile) -> None:
        generation = self.clock.generation
        deadline = self._monotonic() + STEP_WAIT_S
        now = self.clock.now()
        while True:
            nxt = f.schedule.peek(lambda: self._pull_frame_waiting(f, generation, deadline))
            if nxt is None:
                return
            if nxt.src_t > now + STEP_EPS_S:
                break
            # This frame covers the position already: right after a seek it is the
            # target's own frame, not on screen yet, and stepping "to" it would not
            # move. It counts as the current frame; the step goes to the one after.
            f.schedule.take_pending()
        # The clock on its start makes it due: the next frame_due() shows it.
        self.clock.set(nxt.src_t)
        f.ended = False

    # == render tick ===============================================================================
    def frame_due(self) -> VideoFrame | None:
        """The frame to show now (the newest whose time has come), None to keep the picture.

        The one place the passing of time changes state: a coalesced seek is made once its
        turn has come, a waiting clock starts once the
        sound is queued, the pre-roll readout floor is dropped once passed, late frames are
        dropped (counted), a decoder that fell behind a fast clock is jumped ahead, and at
        the end the transport pauses and emits ``on_end_of_stream`` once.
        """
        f = self.file
        if f is None:
            return None
        due = self._seeks.due(self._monotonic())
        if due is not None:
            self.seek(due)
        clock = self.clock
        if f.start_deadline is not None:
            self._poll_start(f)
        if f.position_floor is not None and (clock.paused or clock.now() >= f.position_floor):
            f.position_floor = None
        generation = clock.generation
        paused = clock.paused
        frame = f.schedule.pick(clock.now(), lambda: self._pull_frame(f, generation), paused=paused)
        if frame is not None and f.snap_clock_to_frame and paused:
            f.snap_clock_to_frame = False
            clock.set(frame.src_t)
        if frame is None and not paused and f.video_eos and f.schedule.pending is None:
            self._maybe_end(f)
        elif not paused:
            self._maybe_catch_up(f)
        return frame

    # == internals: video ==========================================================================
    @staticmethod
    def _pull_frame(f: OpenFile, generation: int) -> VideoFrame | None:
        """Next frame of ``generation`` off the queue without waiting; notes end of stream."""
        while True:
            item = f.video_queue.get_nowait()
            if item is None:
                return None
            if item.generation != generation:
                continue  # from before a seek
            if isinstance(item, EndOfStream):
                f.video_eos = True
                return None
            return item

    def _pull_frame_waiting(self, f: OpenFile, generation: int, deadline: float) -> VideoFrame | None:
        """Like ``_pull_frame`` but waits for the decoder until ``deadline`` (frame step)."""
        while True:
            remaining = deadline - self._monotonic()
            if remaining <= 0 or f.video_eos:
                return None
            item = f.video_queue.get(timeout=remaining)
            if item is None:
                return None
            if item.generation != generation:
                continue
            if isinstance(item, EndOfStream):
                f.video_eos = True
                return None
            return item

    def _maybe_catch_up(self, f: OpenFile) -> None:
        """Jump the decoder ahead when it has fallen too far behind a fast clock.

        ffplay only drops late frames, which keeps the picture in step while decoding keeps
        up; at 8x and more it does not, and the picture would lag further every second.
        Only once a frame of the current generation is up (a fresh seek is not "behind"),
        and never while the next frame is already decoded and waiting.
        """
        sched, clock = f.schedule, self.clock
        rate = clock.effective_rate()
        if rate < CATCHUP_MIN_RATE or not sched.shown_since_reset or sched.pending is not None:
            return
        shown = sched.shown
        now = clock.now()
        if shown is None or (now - shown.end_t) / rate < CATCHUP_LAG_S or f.video_eos:
            return
        time_map = clock.time_map
        lead = CATCHUP_LEAD_S * clock.rate
        if time_map is not None:
            target = float(time_map.out_to_src(time_map.src_to_out(now) + lead))
        else:
            target = now + lead
        target = min(target, f.info.duration_s)
        # A new generation without moving the clock: the queued (late) frames and audio
        # are dropped, and the picture waits for the clock to reach the target.
        generation = clock.bump_generation()
        sched.reset(target)
        f.decoder.seek(target, generation)
        if self.sink is not None:
            self.sink.flush()

    def _maybe_end(self, f: OpenFile) -> None:
        """All frames shown: once the last one has had its time, pause at the end."""
        if f.ended:
            return
        shown = f.schedule.shown
        end_t = min(shown.end_t, f.info.duration_s) if shown is not None else 0.0
        if self.clock.now() < end_t:
            return
        f.ended = True
        self.clock.pause()
        self.clock.set(end_t)
        self.events.on_end_of_stream()

    # == internals: starting the clock with the sound ==============================================
    def _audio_leads(self, f: OpenFile) -> bool:
        """True when the sound card will drive the clock once sound plays (muted above
        the limit too: the faded-out stream still carries its source times)."""
        sink = self.sink
        return f.audio_feeder is not None and sink is not None and sink.has_device

    def _start_clock(self, f: OpenFile) -> None:
        """Start the clock so that picture and sound start together.

        The card plays a sample ``output_latency`` after the callback takes it. Started at
        once, the clock would run that long on the system clock and then snap back when the
        sound arrives (the picture jumps back 50-200 ms at every play and seek). Instead the
        clock waits (at most AUDIO_START_WAIT_S) until this generation's sound is queued,
        then starts ``output_latency`` early: the first frame and the first sample come out
        together, as mpv starts video only once audio plays.
        """
        f.start_deadline = None
        if not self._audio_leads(f):
            self.clock.play()
            return
        f.start_deadline = self._monotonic() + AUDIO_START_WAIT_S
        self._poll_start(f)

    def _poll_start(self, f: OpenFile) -> None:
        """Start a waiting clock once the sound is queued (or the wait ran out)."""
        deadline, sink = f.start_deadline, self.sink
        if deadline is None:
            return
        ready = sink is not None and sink.buffered_seconds >= AUDIO_START_MIN_S
        if not ready and self._monotonic() < deadline:
            return
        f.start_deadline = None
        clock = self.clock
        if ready and sink is not None:
            lead = sink.output_latency * clock.rate
            t = clock.now()
            f.position_floor = t  # the readout need not dip back by the lead
            time_map = clock.time_map
            if time_map is not None:
                t = float(time_map.out_to_src(time_map.src_to_out(t) - lead))
            else:
                t -= lead
            clock.set(t)
        clock.play()
