"""Transport on a fake clock and hand-filled queues: no threads, no sleeps, no tolerances.

Time is a number the test moves (``Rig.advance``); the decoder and the sound output are
stand-ins that record what the transport asks of them.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from player.core.clock import PlaybackClock
from player.core.frame_queue import FrameQueue
from player.core.frames import EndOfStream, VideoFrame
from player.core.scores import ScoreTrack
from player.session.events import SessionEvents
from player.session.open_file import OpenFile
from player.session.transport import (
    AUDIO_START_WAIT_S,
    CATCHUP_LAG_S,
    SEEK_COALESCE_S,
    PlaybackState,
    Transport,
)

FPS = 10.0
DURATION = 2.0


class FakeDecoder:
    def __init__(self) -> None:
        self.seeks: list[tuple[float, int]] = []

    def seek(self, t: float, generation: int) -> None:
        self.seeks.append((t, generation))


class FakeSound:
    def __init__(self, latency: float = 0.05) -> None:
        self.has_device = True
        self.buffered_seconds = 0.0
        self.output_latency = latency
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1


class Rig:
    def __init__(self, *, sound: FakeSound | None = None) -> None:
        self.now = 0.0
        self.ended = 0
        self.clock = PlaybackClock(time_fn=lambda: self.now)
        events = SessionEvents(on_end_of_stream=self._on_end)
        self.transport = Transport(self.clock, events, monotonic=lambda: self.now)
        self.decoder = FakeDecoder()
        self.file = OpenFile(
            path=None,  # type: ignore[arg-type]
            info=SimpleNamespace(duration_s=DURATION),  # type: ignore[arg-type]
            video_queue=FrameQueue(64),
            audio_queue=None,
            track=ScoreTrack.on_frame_grid(DURATION, FPS),
        )
        self.file.decoder = self.decoder
        if sound is not None:
            self.file.audio_feeder = object()  # a sound path exists
        self.transport.file = self.file
        self.transport.sink = sound
        self.seeks_seen: list[float] = []
        self.transport.on_seek = self.seeks_seen.append

    def _on_end(self) -> None:
        self.ended += 1

    def decode(self, t0: float, t1: float, *, eos: bool = False) -> None:
        """Queue the frames in [t0, t1) of the current generation (and EOS)."""
        generation = self.clock.generation
        for k in range(round(t0 * FPS), round(t1 * FPS)):
            image = np.zeros((2, 2, 3), np.uint8)
            assert self.file.video_queue.put(VideoFrame(k / FPS, 1 / FPS, generation, image))
        if eos:
            assert self.file.video_queue.put(EndOfStream(generation))

    def advance(self, seconds: float) -> VideoFrame | None:
        self.now += seconds
        return self.transport.frame_due()


def test_play_shows_the_newest_due_frame_and_counts_the_late_ones() -> None:
    rig = Rig()
    rig.decode(0.0, 1.0)
    assert rig.advance(0.0).src_t == 0.0  # paused: the first frame goes up
    rig.transport.play()
    assert rig.transport.state is PlaybackState.PLAYING
    assert rig.advance(0.35).src_t == 0.3  # 0.1 and 0.2 were late
    assert rig.file.schedule.dropped == 2
    assert rig.advance(0.01) is None  # 0.4 is not due yet: keep the picture
    assert rig.transport.position() == 0.36


def test_play_waits_for_the_sound_and_starts_one_latency_early() -> None:
    sound = FakeSound(latency=0.05)
    rig = Rig(sound=sound)
    rig.decode(0.0, 1.0)
    rig.clock.set(0.5)
    rig.transport.play()
    assert rig.transport.state is PlaybackState.STARTING and rig.clock.paused
    rig.advance(0.1)
    assert rig.clock.paused  # no sound queued yet
    sound.buffered_seconds = 0.1
    rig.advance(0.0)
    assert rig.transport.state is PlaybackState.PLAYING
    assert rig.clock.now() == 0.45  # started one output latency before the position
    # The readout holds at 0.5 while the clock pre-rolls, and reading it changes nothing.
    rig.now += 0.02
    assert rig.transport.position() == 0.5 and rig.transport.position() == 0.5
    assert rig.file.position_floor == 0.5
    rig.advance(0.04)
    assert rig.file.position_floor is None and rig.transport.position() == 0.51


def test_without_sound_in_time_the_clock_starts_anyway() -> None:
    rig = Rig(sound=FakeSound())
    rig.transport.play()
    rig.advance(AUDIO_START_WAIT_S - 0.01)
    assert rig.clock.paused
    rig.advance(0.02)
    assert not rig.clock.paused and rig.clock.now() == 0.0


def test_seek_starts_a_new_generation_everywhere() -> None:
    sound = FakeSound()
    rig = Rig(sound=sound)
    rig.decode(0.0, 0.5)
    old = rig.clock.generation
    rig.transport.seek(1.23)
    assert rig.decoder.seeks == [(1.23, old + 1)] and rig.clock.generation == old + 1
    assert sound.flushes == 1 and rig.seeks_seen == [1.23]
    assert rig.advance(0.0) is None  # the queued frames belong to the old generation
    rig.transport.seek(-5.0)
    rig.transport.seek(99.0)
    assert [t for t, _ in rig.decoder.seeks[1:]] == [0.0, DURATION]  # clamped to the file


def test_a_burst_of_user_seeks_is_coalesced_and_ends_at_the_last_target() -> None:
    rig = Rig()
    rig.transport.request_seek(0.5)  # the first of a burst: at once
    assert rig.seeks_seen == [0.5]
    rig.now += SEEK_COALESCE_S / 5
    rig.transport.request_seek(0.7)  # a drag: only remembered...
    rig.now += SEEK_COALESCE_S / 5
    rig.transport.request_seek(0.9)  # ...and replaced
    assert rig.seeks_seen == [0.5] and rig.transport.seek_target() == 0.9
    rig.advance(SEEK_COALESCE_S / 5)
    assert rig.seeks_seen == [0.5]  # its turn has not come
    rig.advance(SEEK_COALESCE_S)  # the render tick makes the pending seek
    assert rig.seeks_seen == [0.5, 0.9] and rig.clock.now() == 0.9
    assert rig.transport.seek_target() == rig.transport.position() == 0.9
    rig.advance(SEEK_COALESCE_S * 3)
    assert rig.seeks_seen == [0.5, 0.9]  # made once
    rig.transport.request_seek(1.2)  # a new burst after a pause: at once again
    assert rig.seeks_seen == [0.5, 0.9, 1.2]


def test_a_seek_pending_for_one_file_is_dropped_when_another_opens() -> None:
    rig = Rig()
    rig.transport.request_seek(0.5)
    rig.transport.request_seek(1.5)  # pending
    rig.transport.file = rig.file  # what the session does on open
    rig.advance(SEEK_COALESCE_S * 2)
    assert rig.seeks_seen == [0.5] and rig.transport.seek_target() == 0.5


def test_the_end_pauses_once_after_the_last_frame_had_its_time() -> None:
    rig = Rig()
    rig.decode(1.5, 2.0, eos=True)
    rig.clock.set(1.5)
    rig.transport.play()
    rig.advance(0.45)
    assert rig.transport.state is PlaybackState.PLAYING
    rig.advance(0.06)
    assert rig.transport.state is PlaybackState.ENDED and rig.ended == 1
    assert rig.clock.now() == DURATION
    rig.advance(1.0)
    assert rig.ended == 1
    rig.transport.play()  # play at the end starts over
    assert rig.decoder.seeks[-1][0] == 0.0


def test_a_decoder_behind_a_fast_clock_is_jumped_ahead() -> None:
    rig = Rig()
    rig.decode(0.0, 0.2)
    rig.clock.set_rate(4.0)
    rig.transport.play()
    rig.advance(0.01)
    assert not rig.decoder.seeks
    rig.advance(CATCHUP_LAG_S + 0.05)  # 4x: the clock is a second of source ahead
    assert len(rig.decoder.seeks) == 1
    target, generation = rig.decoder.seeks[0]
    assert target > rig.clock.now() and generation == rig.clock.generation


def test_frame_step_forward_and_back() -> None:
    rig = Rig()
    rig.decode(0.0, 1.0)
    rig.advance(0.0)
    rig.transport.step_frame(+1)
    assert rig.advance(0.0).src_t == 0.1 and rig.clock.paused
    rig.transport.step_frame(-1)
    assert rig.decoder.seeks[-1][0] == 0.1 - 1e-3 and rig.file.snap_clock_to_frame
