"""AudioSink: the real callback code, driven by a fake device that pulls at a fixed pace, and
real PortAudio (in subprocesses) for the device / no-device behaviour."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from audio_signals import SR, Plan, tone

from player.audio.audio_pipeline import AudioPipeline
from player.audio.sink import NO_DEVICE_MESSAGE, AudioSink
from player.audio.stretch import StretchedAudio, StretchMarker
from player.core.clock import PlaybackClock
from player.core.frames import AudioChunk

REPO = Path(__file__).resolve().parents[2]


class FakeDevice:
    """Stands in for PortAudio: calls the sink's callback every ``block`` frames of fake time,
    with a fixed output latency, as a real device thread would."""

    def __init__(self, sink: AudioSink, now: list[float], block: int = 512, latency: float = 0.05):
        self.sink, self.now, self.block, self.latency = sink, now, block, latency
        self.out = np.zeros((block, sink.channels), np.float32)
        self.played: list[np.ndarray] = []

    def pull(self, late: float = 0.0) -> np.ndarray:
        """One callback, ``late`` seconds after the device asked for it (thread wake-up
        jitter); the DAC schedule itself does not move."""
        called = self.now[0] + late
        info = SimpleNamespace(currentTime=called, outputBufferDacTime=self.now[0] + self.latency)
        self.out[:] = np.nan  # the callback must write every frame
        saved, self.now[0] = self.now[0], called
        self.sink._callback(self.out, self.block, info, 0)
        self.now[0] = saved
        self.played.append(self.out.copy())
        return self.out

    def advance(self, seconds: float) -> None:
        self.now[0] += seconds


def make_sink(now: list[float], **kw) -> tuple[AudioSink, PlaybackClock]:
    clock = PlaybackClock(time_fn=lambda: now[0])
    sink = AudioSink(clock, time_fn=lambda: now[0], **kw)
    return sink, clock


def chunks(x: np.ndarray, generation: int = 0, size: int = 1024, src0: float = 0.0):
    for i in range(0, len(x), size):
        yield AudioChunk(src0 + i / SR, generation, x[i : i + size], SR)


# -- the master clock ----------------------------------------------------------------------------
def test_clock_reports_the_heard_source_time_within_20ms_across_rate_changes():
    """Smart fast-forward through a plan changing rate every 0.5 s (a muted 6x stretch
    included): between device callbacks the clock must say which source time is audible."""
    now = [100.0]
    sink, clock = make_sink(now, buffer_seconds=0.5)
    plan = Plan.every(0.5, [1.0, 2.0, 1.5, 3.0, 1.25, 6.0, 2.5, 1.0, 4.0], 8.0)
    clock.set_time_map(plan)
    pipe = AudioPipeline(sink, plan.rate_at, plan.boundaries)
    device = FakeDevice(sink, now, block=512, latency=0.05)
    feed = chunks(tone(8.0))

    def top_up() -> None:  # the decode thread keeps about 0.3 s queued
        while sink.buffered_seconds < 0.3:
            chunk = next(feed, None)
            if chunk is None:
                return
            pipe.feed(chunk)

    top_up()  # prefill, as the player does before it starts the device
    clock.play()
    t_play = now[0]
    errors = []
    rng = np.random.default_rng(5)
    while now[0] - t_play < 3.5:
        top_up()
        device.pull(late=float(rng.uniform(0.0, 0.004)))
        for frac in (0.0, 0.33, 0.66):  # the GUI asks at arbitrary moments
            t = now[0] + frac * device.block / SR
            heard_out_t = t - t_play - device.latency
            if heard_out_t > 0.02:
                truth = plan.out_to_src(heard_out_t)
                saved = now[0]
                now[0] = t
                errors.append(clock.now() - truth)
                now[0] = saved
        device.advance(device.block / SR)
    errors = np.abs(np.array(errors))
    assert plan.src_to_out(clock.now()) > 3.0  # we really went through many rate changes
    assert errors.max() < 0.020, f"clock off by up to {errors.max() * 1000:.1f} ms"
    assert sink.underruns == 0


def test_clock_is_left_alone_while_paused_and_when_nothing_is_heard():
    now = [0.0]
    sink, clock = make_sink(now)
    device = FakeDevice(sink, now)
    device.pull()  # nothing queued: silence at the DAC, the system clock runs
    assert np.all(device.out == 0.0)
    clock.play()
    device.advance(0.2)
    device.pull()
    assert clock.now() == pytest.approx(0.2)
    clock.pause()
    before = clock.now()
    sink.push(_block(tone(0.2), 0.2), clock.generation)
    device.pull()
    assert clock.now() == before
    assert np.all(device.out == 0.0)
    assert sink.buffered_seconds == pytest.approx(0.2)  # not consumed while paused


def _block(x: np.ndarray, src_t: float, rate: float = 1.0) -> StretchedAudio:
    return StretchedAudio(x, (StretchMarker(0, src_t, rate),), SR)


# -- what comes out ------------------------------------------------------------------------------
def test_volume_and_mute_ramp_without_steps_and_mute_keeps_the_clock():
    now = [0.0]
    sink, clock = make_sink(now, volume=1.0)
    clock.play()
    x = tone(0.4, amp=0.5)
    sink.push(_block(x, 0.0), clock.generation)
    device = FakeDevice(sink, now, block=480, latency=0.0)
    for _ in range(5):
        device.pull()
        device.advance(0.01)
    sink.set_volume(0.5)
    for _ in range(5):
        device.pull()
        device.advance(0.01)
    sink.set_muted(True)
    for _ in range(5):
        device.pull()
        device.advance(0.01)
    y = np.concatenate(device.played)[:, 0]
    step_in = np.abs(np.diff(x[:, 0])).max()
    assert np.abs(np.diff(y)).max() <= step_in * 1.05
    assert np.abs(y[2400 + 1200 : 2400 + 2400]).max() == pytest.approx(0.25, abs=0.01)
    assert np.all(y[4800 + 960 :] == 0.0)
    # Still driven while muted: the last callback (at 0.14 s, no latency) heard source 0.14 s.
    assert clock.now() == pytest.approx(0.15, abs=1e-6)


def test_underrun_decays_instead_of_stepping_to_silence():
    now = [0.0]
    sink, clock = make_sink(now)
    clock.play()
    dc = np.full((1000, 2), 0.8, np.float32)
    sink.push(_block(dc, 0.0), clock.generation)
    device = FakeDevice(sink, now, block=512)
    for _ in range(4):
        device.pull()
    y = np.concatenate(device.played)[:, 0]
    assert y[-1] == 0.0
    assert np.abs(np.diff(y)).max() < 0.8 / 200  # fade in and 5 ms decay: no step
    assert sink.underruns >= 1


def test_stale_generations_are_dropped_and_flush_empties():
    now = [0.0]
    sink, clock = make_sink(now)
    clock.play()
    old = clock.generation
    assert sink.push(_block(tone(0.1), 0.0), old)
    clock.seek(5.0)
    assert not sink.push(_block(tone(0.1), 0.1), old)  # stale: refused at the door
    device = FakeDevice(sink, now)
    device.pull()
    assert np.all(device.out == 0.0)  # what was queued before the seek is never played
    assert sink.buffered_seconds == 0.0
    assert sink.push(_block(tone(0.1), 5.0), clock.generation)
    sink.flush()
    assert sink.buffered_seconds == 0.0


def test_push_waits_for_room_and_gives_up_on_request():
    now = [0.0]
    sink, clock = make_sink(now, buffer_seconds=0.1)
    assert sink.push(_block(tone(0.08), 0.0), 0)
    assert not sink.push(_block(tone(0.08), 0.08), 0, timeout=0.02)
    assert not sink.push(_block(tone(0.08), 0.08), 0, should_stop=lambda: True)
    # A block bigger than the whole ring goes in pieces as the device drains it.
    sink2, clock2 = make_sink(now, buffer_seconds=0.1)
    clock2.play()
    device = FakeDevice(sink2, now, block=2400)
    import threading

    t = threading.Thread(target=sink2.push, args=(_block(tone(0.5), 0.0), 0))
    t.start()
    for _ in range(200):
        if not t.is_alive():
            break
        device.pull()
        t.join(0.005)
    assert not t.is_alive()


# -- real PortAudio, in subprocesses (PortAudio reads the ALSA config once per process) ----------
_PROBE = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np
    from player.core.clock import PlaybackClock
    from player.audio.sink import AudioSink
    from player.audio.stretch import StretchedAudio, StretchMarker
    assert "sounddevice" not in sys.modules, "sounddevice must be imported lazily"
    messages = []
    clock = PlaybackClock()
    device = sys.argv[sys.argv.index("--device") + 1] if "--device" in sys.argv else None
    sink = AudioSink(clock, on_message=messages.append, device=device)
    sink.start()
    sink.start()
    result = {"has_device": sink.has_device, "imported": "sounddevice" in sys.modules}
    x = np.zeros((4800, 2), np.float32)
    clock.play()
    result["pushed"] = sink.push(StretchedAudio(x, (StretchMarker(0, 7.0, 1.0),), 48000), clock.generation, timeout=2)
    deadline = time.monotonic() + 5
    while sink.buffered_seconds > 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    result["drained"] = sink.buffered_seconds == 0
    result["clock"] = clock.now()
    if "--lose" in sys.argv and sink.has_device:
        sink._stream.abort()  # PortAudio ends the stream as when a USB device is pulled out
        time.sleep(0.2)
        result["after_loss"] = sink.has_device
        result["push_after_loss"] = sink.push(StretchedAudio(x, (StretchMarker(0, 8.0, 1.0),), 48000), clock.generation, timeout=0.5)
    sink.stop()
    result["messages"] = messages
    print("RESULT" + json.dumps(result))
    """
)


def _run_probe(tmp_path: Path, alsa_config: str, *args: str) -> dict:
    env = dict(os.environ)
    conf = tmp_path / "asound.conf"
    conf.write_text(alsa_config)
    env["ALSA_CONFIG_PATH"] = str(conf)
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=REPO,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")]
    assert proc.returncode == 0 and lines, proc.stderr[-2000:]
    return json.loads(lines[-1][len("RESULT") :])


def _portaudio_present() -> bool:
    import ctypes.util

    return ctypes.util.find_library("portaudio") is not None


needs_portaudio = pytest.mark.skipif(not _portaudio_present(), reason="libportaudio2 is not installed")


_SYSTEM_ALSA = "</usr/share/alsa/alsa.conf>\n"
NO_DEVICE_CONF = _SYSTEM_ALSA + "pcm.!default { type hw card 99 }\n"  # a card that is not there
NULL_DEVICE_CONF = _SYSTEM_ALSA + "pcm.!default { type null }\n"  # a working, unpaced device


@needs_portaudio
@pytest.mark.parametrize(
    "conf, args",
    [(NO_DEVICE_CONF, ()), (NULL_DEVICE_CONF, ("--device", "no such sound card"))],
    ids=["no-default-device", "unknown-device-name"],
)
def test_no_output_device_falls_back_to_the_system_clock_and_says_so_once(tmp_path, conf, args):
    r = _run_probe(tmp_path, conf, *args)
    assert r["has_device"] is False
    assert r["messages"] == [NO_DEVICE_MESSAGE]
    assert r["pushed"] is False  # nothing is queued for a device that is not there
    assert r["clock"] < 1.0  # the system clock drives: barely any time has passed


@needs_portaudio
def test_null_device_plays_drives_the_clock_and_a_lost_device_falls_back_once(tmp_path):
    r = _run_probe(tmp_path, NULL_DEVICE_CONF, "--lose")
    assert r["has_device"] is True and r["pushed"] and r["drained"]
    # The unpaced null device consumed 0.1 s of audio from 7.0 s: the clock followed it.
    assert 7.0 <= r["clock"] <= 7.2
    assert r["after_loss"] is False
    assert r["push_after_loss"] is False
    assert r["messages"] == [NO_DEVICE_MESSAGE]


def test_app_starts_without_sounddevice(tmp_path):
    """With sounddevice unimportable the sink still works, timed by the system clock."""
    blocker = tmp_path / "sounddevice.py"
    blocker.write_text("raise OSError('PortAudio library not found')\n")
    code = textwrap.dedent(
        """
        import json
        from player.core.clock import PlaybackClock
        from player.audio.sink import AudioSink, list_output_devices
        messages = []
        sink = AudioSink(PlaybackClock(), on_message=messages.append)
        sink.start()
        print("RESULT" + json.dumps([sink.has_device, messages, list_output_devices()]))
        """
    )
    env = dict(os.environ, PYTHONPATH=f"{tmp_path}{os.pathsep}{REPO}")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")]
    assert proc.returncode == 0 and line, proc.stderr[-2000:]
    assert json.loads(line[0][6:]) == [False, [NO_DEVICE_MESSAGE], []]
