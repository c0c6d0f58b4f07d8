"""The session's audio path on a paced stand-in sound card: decode -> feeder -> stretcher
-> sink -> card, and the card driving the master clock."""

from __future__ import annotations

import time

import numpy as np
import pytest

FPS = 30


@pytest.fixture(scope="module")
def clip(make_clip):
    return make_clip(duration=5.0, fps=FPS, size=(160, 120), tone_hz=440.0, audio_rate=44100)


def dominant_hz(x: np.ndarray, rate: int = 48000) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return float(np.argmax(spectrum) * rate / x.size)


def test_the_card_drives_the_clock_and_hears_the_tone(make_session, sound_card, clip, tick_for) -> None:
    # A card running 10% fast: video must follow it, not the system clock.
    card = sound_card(pace=1.1)
    session = make_session(audio_device=None)
    session.open(clip)
    assert session.status().audio == "on" and card.opened == 1
    session.play()
    # Once the first sound is at the DAC (after the device latency), the card's clock leads.
    tick_for(session, 0.5)
    t0, pos0 = time.monotonic(), session.status().position
    shown = tick_for(session, 1.5)
    t1, pos1 = time.monotonic(), session.status().position
    assert (pos1 - pos0) / (t1 - t0) == pytest.approx(1.1, abs=0.03)
    assert shown and abs(shown[-1].src_t - pos1) < 0.1  # video kept up with the card's clock
    played = card.played()
    loud = played[np.abs(played[:, 0]) > 1e-4]
    assert loud.shape[0] > 48000  # over a second of sound went out
    assert dominant_hz(loud[-16384:, 0]) == pytest.approx(440, rel=0.01)


def test_pitch_kept_at_double_speed(make_session, sound_card, clip, tick_for) -> None:
    card = sound_card()
    session = make_session(audio_device=None)
    session.open(clip)
    session.set_manual_rate(2.0)
    session.play()
    tick_for(session, 0.5)
    t0, pos0 = time.monotonic(), session.status().position
    tick_for(session, 1.0)
    t1, pos1 = time.monotonic(), session.status().position
    assert (pos1 - pos0) / (t1 - t0) == pytest.approx(2.0, abs=0.06)
    played = card.played()
    loud = played[np.abs(played[:, 0]) > 1e-4]
    assert dominant_hz(loud[-16384:, 0]) == pytest.approx(440, rel=0.01)


def test_seek_with_audio_lands_and_plays_on(make_session, sound_card, clip, tick_for, frame_index) -> None:
    sound_card()
    session = make_session(audio_device=None)
    session.open(clip)
    session.play()
    tick_for(session, 0.5)
    session.seek(3.0)
    shown = tick_for(session, 0.6)
    assert shown and shown[0].src_t == pytest.approx(3.0, abs=1 / FPS)
    pos = session.status().position
    assert 3.3 < pos < 3.9  # about 0.6 s played since the seek, on the card's clock
    assert all(f.generation == session.clock.generation for f in shown)


def test_muted_above_the_limit(make_session, sound_card, clip, tick_for) -> None:
    sound_card()
    session = make_session(audio_device=None, mute_above=3.0)
    session.open(clip)
    session.set_manual_rate(3.5)
    assert session.status().audio == "muted above 3x"
    session.play()
    tick_for(session, 0.2)
    t0, pos0 = time.monotonic(), session.status().position
    tick_for(session, 0.5)
    t1, pos1 = time.monotonic(), session.status().position
    assert (pos1 - pos0) / (t1 - t0) == pytest.approx(3.5, abs=0.15)


def test_reopen_and_close_with_audio_flowing(make_session, sound_card, clip, tick_for) -> None:
    card = sound_card()
    session = make_session(audio_device=None)
    session.open(clip)
    session.play()
    tick_for(session, 0.3)
    session.open(clip)  # the device is closed with the old file and opened again
    session.play()
    n_before = len(card.blocks)
    tick_for(session, 0.5)
    assert card.opened == 2 and len(card.blocks) > n_before
    assert session.status().position > 0.3
    t0 = time.monotonic()
    session.close()
    assert time.monotonic() - t0 < 1.0


def test_picture_and_sound_start_together(make_session, sound_card, clip, tick_for) -> None:
    """The clock waits for the first sound and starts one device latency early, so it never
    runs ahead on the system clock and snaps back when the sound arrives."""
    card = sound_card(latency=0.08)
    session = make_session(audio_device=None)
    session.open(clip)
    tick_for(session, 0.3)  # the ring fills while paused
    for action in (session.play, lambda: session.seek(3.0)):
        action()
        assert session.status().playing
        prev, worst_back = session.clock.now(), 0.0
        end = time.monotonic() + 0.4
        started = False
        while time.monotonic() < end:
            session.frame_due()
            now = session.clock.now()
            if started:
                worst_back = max(worst_back, prev - now)
            started = started or not session.clock.paused
            prev = now
            time.sleep(0.003)
        assert worst_back < 0.015  # a device block or two of sync jitter, not the 80 ms latency
        assert card.opened == 1
    pos = session.status().position
    assert 3.2 < pos < 3.5
