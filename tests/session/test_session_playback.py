"""PlaybackSession on real clips: play, seek, frame step, rate, end of stream, bad files."""

from __future__ import annotations

import time

import pytest

from player.core.errors import MediaError
from player.session.playback_session import CATCHUP_LAG_S, PlaybackSession

FPS = 30


@pytest.fixture(scope="module")
def clip(make_clip):
    """3 s, 30 fps, 320x240 (the frame-index strip reads reliably at this size), with a tone."""
    return make_clip(duration=3.0, fps=FPS, size=(320, 240))


def test_open_starts_paused_on_the_first_frame(make_session, recorder, clip, frame_index) -> None:
    session = make_session()
    info = session.open(clip)
    assert info.duration_s == pytest.approx(3.0, abs=0.05)
    assert session.info is info and session.path is not None
    assert recorder.of("opened") == [(info,)]
    frames = []
    for _ in range(50):
        frame = session.frame_due()
        if frame is not None:
            frames.append(frame)
            break
        time.sleep(0.01)
    assert frames and frames[0].src_t == 0.0 and frame_index(frames[0].image) == 0
    st = session.status()
    assert not st.playing and st.position == 0.0 and st.duration == info.duration_s


def test_play_advances_the_position_in_real_time(make_session, clip, frame_index, tick_for) -> None:
    session = make_session()
    session.open(clip)
    t0 = time.monotonic()
    session.play()
    shown = tick_for(session, 1.0)
    # bracket the status call: a busy machine may pause this thread around it
    before = time.monotonic() - t0
    st = session.status()
    after = time.monotonic() - t0
    assert st.playing
    assert before - 0.1 <= st.position <= after + 0.1
    times = [f.src_t for f in shown]
    assert times == sorted(times) and len(times) >= 20
    # each picture is the frame its timestamp says (decoded, not made up)
    for f in shown[::7]:
        assert frame_index(f.image) == round(f.src_t * FPS)
    # What playback promises on a busy machine: a frame whose time has passed is dropped
    # and counted, never shown late, and none goes missing. So every frame up to the last
    # one shown was either shown or counted as dropped (a render tick that wakes late on a
    # loaded machine drops one: dropped_frames == 1 failed `make test` once); and most are
    # shown, even then.
    indexes = [round(f.src_t * FPS) for f in shown]
    assert len(set(indexes)) == len(indexes), "no frame shown twice"
    assert len(shown) + st.dropped_frames == indexes[-1] + 1
    assert st.dropped_frames <= len(shown) // 2


def test_manual_rate_scales_the_clock(make_session, clip, tick_for) -> None:
    session = make_session()
    session.open(clip)
    session.set_manual_rate(2.0)
    session.play()
    t0 = time.monotonic()
    tick_for(session, 0.5)
    elapsed = time.monotonic() - t0
    st = session.status()
    assert st.manual_rate == 2.0 and st.effective_rate == 2.0
    assert st.position == pytest.approx(2 * elapsed, abs=0.15)
    session.set_manual_rate(100)
    assert session.status().manual_rate == 16.0


def test_seek_delivers_the_new_generation_near_the_target(make_session, clip, frame_index, tick_for) -> None:
    session = make_session()
    session.open(clip)
    session.play()
    tick_for(session, 0.3)
    session.seek(2.0)
    generation = session.clock.generation
    shown = tick_for(session, 1.0, until=lambda: False)
    assert shown, "no frame after the seek"
    first = shown[0]
    assert first.generation == generation
    assert all(f.generation == generation for f in shown)
    assert first.src_t <= 2.0 + 1e-6 < first.end_t + 0.05
    assert frame_index(first.image) == round(first.src_t * FPS)
    assert session.status().position >= 2.0


def test_seek_while_paused_shows_the_frame_at_the_target(make_session, clip, frame_index, tick_for) -> None:
    session = make_session()
    session.open(clip)
    session.seek(1.5)
    shown = tick_for(session, 0.5)
    assert shown and shown[-1].src_t == pytest.approx(1.5, abs=1 / FPS)
    assert frame_index(shown[-1].image) == 45
    assert not session.status().playing and session.status().position == 1.5


def test_seek_is_clamped(make_session, clip) -> None:
    session = make_session()
    info = session.open(clip)
    session.seek(-5)
    assert session.status().position == 0.0
    session.seek(1e6)
    assert session.status().position == info.duration_s


def test_frame_step_forward_and_back(make_session, clip, frame_index, tick_for) -> None:
    session = make_session()
    session.open(clip)
    session.seek(1.0)
    [first] = tick_for(session, 0.5)[-1:]
    assert frame_index(first.image) == 30
    got = []
    for direction in (+1, +1, -1):
        session.step_frame(direction)
        shown = tick_for(session, 0.5)
        assert shown, f"nothing shown after a step {direction:+d}"
        got.append(frame_index(shown[-1].image))
        assert not session.status().playing
    assert got == [31, 32, 31]
    assert session.status().position == pytest.approx(31 / FPS, abs=1e-6)


@pytest.mark.parametrize("target", [1.0, 1.01])
def test_frame_step_right_after_a_seek_moves_one_frame(make_session, clip, frame_index, tick_for, target) -> None:
    """The seek's own frame (30, covering the target) is where the user is, even before a
    render tick put it on screen: the first step shows the one after it."""
    session = make_session()
    session.open(clip)
    session.seek(target)
    session.step_frame(+1)
    shown = tick_for(session, 0.5)
    assert shown and frame_index(shown[-1].image) == 31
    assert session.status().position == pytest.approx(31 / FPS, abs=1e-6)
    session.seek(target)
    session.step_frame(+1)
    session.step_frame(+1)  # twice, no tick between: two frames on
    shown = tick_for(session, 0.5)
    assert shown and frame_index(shown[-1].image) == 32
    session.step_frame(-1)
    shown = tick_for(session, 0.5)
    assert shown and frame_index(shown[-1].image) == 31


def test_end_of_stream_pauses_once_and_play_starts_over(make_session, recorder, clip, tick_for) -> None:
    session = make_session()
    info = session.open(clip)
    session.set_manual_rate(4.0)
    session.play()
    tick_for(session, 2.0, until=lambda: bool(recorder.of("end_of_stream")))
    assert len(recorder.of("end_of_stream")) == 1
    st = session.status()
    assert not st.playing
    assert st.position == pytest.approx(info.duration_s, abs=0.05)
    tick_for(session, 0.2)
    assert len(recorder.of("end_of_stream")) == 1
    session.play()
    assert session.status().position < 0.1 and session.status().playing


def test_bad_file_raises_and_the_open_file_plays_on(make_session, recorder, clip, bad_inputs, tick_for) -> None:
    session = make_session()
    session.open(clip)
    session.play()
    for name, path in bad_inputs.items():
        with pytest.raises(MediaError):
            session.open(path)
        assert session.info is not None and session.status().playing, name
    before = session.status().position
    tick_for(session, 0.2)
    assert session.status().position > before
    # and the next good file opens normally
    session.open(clip)
    assert session.status().position == 0.0
    assert not recorder.of("error")


def test_bad_first_file_leaves_the_session_usable(make_session, random_bytes_file, clip, tick_for) -> None:
    session = make_session()
    with pytest.raises(MediaError):
        session.open(random_bytes_file)
    assert session.info is None and session.frame_due() is None
    assert session.status().duration == 0.0
    session.open(clip)
    session.play()
    assert tick_for(session, 0.2)


def test_no_audio_device_is_said_once(make_session, recorder, clip, tick_for) -> None:
    session = make_session()
    session.open(clip)
    session.play()
    tick_for(session, 0.2)
    session.open(clip)
    messages = recorder.of("message")
    assert len(messages) == 1 and "No audio device" in messages[0][0]
    assert session.status().audio == "no device"
    # muted, it still plays on the system clock
    session.play()
    before = session.status().position
    tick_for(session, 0.2)
    assert session.status().position > before


def test_close_is_prompt_and_idempotent(make_session, clip, tick_for) -> None:
    session = make_session()
    session.open(clip)
    session.play()
    tick_for(session, 0.1)
    t0 = time.monotonic()
    session.close()
    assert time.monotonic() - t0 < 1.0
    assert session.info is None and session.path is None and session.frame_due() is None
    session.close()


def test_no_audio_track_plays(make_session, make_clip, tick_for) -> None:
    session = make_session()
    session.open(make_clip(duration=1.0, tone_hz=None))
    session.play()
    assert len(tick_for(session, 0.5)) >= 10
    assert session.status().audio == "on"


def test_session_without_file_is_inert() -> None:
    session = PlaybackSession(scoring=False, audio=False)
    session.play()
    session.seek(3)
    session.step_frame(1)
    assert session.frame_due() is None
    st = session.status()
    assert st.position == 0.0 and not st.playing and st.audio == "no device"
    times, p, v = session.track_snapshot()
    assert times.shape == (0,) and p.shape == (11, 0) and v.shape == (0,)
    session.close()


def test_picture_keeps_up_with_a_clock_faster_than_decoding(make_session, make_clip) -> None:
    """At 16x a 720p30 clip needs 480 decoded frames/s: the decoder jumps ahead instead of
    falling further behind every second."""
    clip = make_clip(duration=16.0, fps=FPS, size=(1280, 720), tone_hz=None, gop=15)
    session = make_session()
    session.open(clip)
    session.set_manual_rate(16.0)
    session.play()
    worst = 0.0
    end = time.monotonic() + 0.9
    t0 = time.monotonic()
    while time.monotonic() < end and session.status().playing:
        frame = session.frame_due()
        if frame is not None and time.monotonic() - t0 > 0.3:
            worst = max(worst, (session.clock.now() - frame.end_t) / 16.0)
        time.sleep(0.01)
    # Behind by at most the catch-up threshold plus a few ticks (wall seconds). Without the
    # catch-up the lag grows by a quarter of a second per second here.
    assert worst < CATCHUP_LAG_S + 0.1


def test_rotated_phone_video_comes_out_upright(make_session, clip_rotated, tick_for) -> None:
    session = make_session()
    info = session.open(clip_rotated)
    shown = tick_for(session, 0.3)
    assert shown
    width, height = info.display_size
    assert shown[-1].image.shape[:2] == (height, width)


def test_variable_frame_rate_plays_in_order(make_session, clip_vfr, frame_index, tick_for) -> None:
    session = make_session()
    session.open(clip_vfr)
    session.play()
    shown = tick_for(session, 1.2)
    times = [f.src_t for f in shown]
    assert len(times) > 15 and times == sorted(times)
    written = list(clip_vfr.frame_times)
    for f in shown[::5]:  # the picture is the frame written at that (irregular) time
        nearest = min(range(len(written)), key=lambda i: abs(written[i] - f.src_t))
        assert abs(written[nearest] - f.src_t) < 1e-3
        assert frame_index(f.image) == nearest
