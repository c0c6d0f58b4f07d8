"""Fixtures for the playback session tests: real clips (tests/conftest.py), a tiny random
SpeedNet checkpoint, and sessions that are always closed.

No sound card here, and the test must not depend on one: sessions are given an audio
device name that cannot exist, so the sink falls back to the system clock the same way on
every machine (the audio path itself is tested in tests/audio).
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Callable, Iterator

import numpy as np
import pytest

from player.core.frames import VideoFrame
from player.session.events import SessionEvents
from player.session.playback_session import PlaybackSession

NO_DEVICE = "speednet-test-no-such-device"


class Recorder:
    """SessionEvents that remember every call (thread-safe), with the time it came."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float, tuple]] = []
        self._lock = threading.Lock()

    def _add(self, name: str, *args: object) -> None:
        with self._lock:
            self.calls.append((name, time.monotonic(), args))

    def events(self) -> SessionEvents:
        return SessionEvents(
            on_opened=lambda info: self._add("opened", info),
            on_plan_changed=lambda plan: self._add("plan_changed", plan),
            on_scores_updated=lambda t0, t1: self._add("scores_updated", t0, t1),
            on_error=lambda msg: self._add("error", msg),
            on_message=lambda msg: self._add("message", msg),
            on_end_of_stream=lambda: self._add("end_of_stream"),
        )

    def of(self, name: str) -> list[tuple]:
        with self._lock:
            return [args for n, _t, args in self.calls if n == name]

    def times_of(self, name: str) -> list[float]:
        with self._lock:
            return [t for n, t, _args in self.calls if n == name]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def make_session(recorder: Recorder) -> Iterator[Callable[..., PlaybackSession]]:
    """``make_session(**kwargs)``: a PlaybackSession on ``recorder``; closed after the test.

    Defaults: no model run (``scoring=False``), no audio device, cache in a temp dir.
    """
    made: list[PlaybackSession] = []

    def make(**kwargs: object) -> PlaybackSession:
        kwargs.setdefault("scoring", False)
        kwargs.setdefault("audio_device", NO_DEVICE)
        session = PlaybackSession(recorder.events(), **kwargs)  # type: ignore[arg-type]
        made.append(session)
        return session

    yield make
    for session in made:
        session.close()


@pytest.fixture(scope="session")
def tiny_model(make_tiny_checkpoint: Callable[..., Path]) -> Path:
    """A randomly initialised tiny SpeedNet (the scores mean nothing; the plumbing is real)."""
    pytest.importorskip("torch")
    return make_tiny_checkpoint({"train_clips": []}, folder="model")


def tick_for(
    session: PlaybackSession,
    seconds: float,
    *,
    tick_s: float = 0.01,
    until: Callable[[], bool] | None = None,
) -> list[VideoFrame]:
    """Call ``frame_due`` every ``tick_s`` as the GUI's render timer does; frames shown."""
    shown: list[VideoFrame] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        frame = session.frame_due()
        if frame is not None:
            shown.append(frame)
        if until is not None and until():
            break
        time.sleep(tick_s)
    return shown


def wait_for(predicate: Callable[[], bool], timeout: float, poll_s: float = 0.02) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(poll_s)
    return predicate()


@pytest.fixture(name="tick_for")
def tick_for_fixture() -> Callable[..., list[VideoFrame]]:
    return tick_for


@pytest.fixture(name="wait_for")
def wait_for_fixture() -> Callable[..., bool]:
    return wait_for


class PacedSoundCard:
    """Stands in for the sound card (the one thing outside the product): a thread that pulls
    ``blocksize`` frames through the sink's PortAudio-style callback on a fixed schedule.

    ``pace`` > 1 makes the card's crystal run fast against the system clock, as real DACs
    drift: a clock driven by the card then visibly parts from the system clock.
    Records every block it played (float32 (n, channels)).
    """

    def __init__(self, pace: float = 1.0, latency: float = 0.04, blocksize: int = 480) -> None:
        self.pace = pace
        self.latency = latency
        self.blocksize = blocksize
        self.blocks: list[np.ndarray] = []
        self.opened = 0
        card = self

        class OutputStream:
            def __init__(self, *, samplerate, channels, callback, finished_callback=None, **_kw):  # noqa: ANN001
                card.opened += 1
                self.samplerate, self.channels = int(samplerate), int(channels)
                self.latency = card.latency
                self._callback, self._finished = callback, finished_callback
                self._stop = threading.Event()
                self._thread = threading.Thread(target=self._run, name="PacedSoundCard", daemon=True)

            def start(self) -> None:
                self._thread.start()

            def stop(self) -> None:
                self._stop.set()
                if self._thread.ident is not None:
                    self._thread.join()

            def close(self) -> None:
                self.stop()

            def _run(self) -> None:
                period = card.blocksize / self.samplerate / card.pace
                out = np.zeros((card.blocksize, self.channels), np.float32)
                t0, k = time.monotonic(), 0
                while not self._stop.is_set():
                    wait = t0 + k * period - time.monotonic()
                    if wait > 0 and self._stop.wait(wait):
                        break
                    now = time.monotonic()
                    info = SimpleNamespace(currentTime=now, outputBufferDacTime=now + card.latency)
                    self._callback(out, card.blocksize, info, None)
                    card.blocks.append(out.copy())
                    k += 1
                if self._finished is not None:
                    self._finished()

        self.module = ModuleType("sounddevice")
        self.module.OutputStream = OutputStream  # type: ignore[attr-defined]
        self.module.query_devices = lambda: [{"name": "paced test card", "max_output_channels": 2}]  # type: ignore[attr-defined]

    def played(self) -> np.ndarray:
        """Everything played so far, (n, channels)."""
        blocks = list(self.blocks)
        return np.concatenate(blocks) if blocks else np.zeros((0, 2), np.float32)


@pytest.fixture
def sound_card(monkeypatch: pytest.MonkeyPatch) -> Callable[..., PacedSoundCard]:
    """``sound_card(pace=1.0)``: install a paced stand-in card for this test's sessions."""

    def install(**kwargs: float) -> PacedSoundCard:
        card = PacedSoundCard(**kwargs)
        monkeypatch.setitem(sys.modules, "sounddevice", card.module)
        return card

    return install
