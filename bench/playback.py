"""Playback benchmark: dropped frames and A/V offset of the PlaybackSession, headless.

    .venv/bin/python bench/playback.py [--seconds 20] [--audio auto|none] [--scoring]

Three runs, side by side in one process, each calling ``session.frame_due()`` from a
~100 Hz tick loop the way the GUI's render timer does (nothing is converted or painted, so
this measures the engine, not Qt):

1. a 1080p30 clip at 1x for ``--seconds``;
2. a 720p30 clip at 4x;
3. the 720p30 clip with the rate changed every 1.5 s along 1, 1.5, 2, 3, 4, 2, 1x.

The clips (texture + motion + a 440 Hz tone, H.264/AAC) are made with PyAV once and kept in
the temp dir. Printed per run: frames shown, frames dropped (late frames the schedule
skipped), the worst and the 99th-percentile A/V offset, and the tick loop's worst gap.

A/V offset: at each tick that puts a new frame up, how far the frame's start time is from
the master clock (``clock.now()``, which the audio device drives while audio plays), in
wall-clock milliseconds (source offset / current rate), ffplay's "A-V" at display time.
A frame is shown at the first tick after its time comes, so ticks alone cost up to 10 ms.

Audio: ``real`` plays on the default output device (with none, the system clock drives).
``simulated`` (the default when no real device opens) replaces the sound card, and only
it, with a paced stand-in: a thread that calls the sink's PortAudio-style callback every
512 frames at exactly 48 kHz of wall time and reports a fixed output latency, so the whole
audio path runs (decode, feeder, time stretch, ring, callback, clock sync) and the device
drives the clock as a real card would. ``none`` plays muted on the system clock. Targets (issue 6): 0 dropped frames at 1x 1080p30; A/V
offset < 40 ms at 1x and across rate changes up to 4x.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from player.session.events import SessionEvents  # noqa: E402
from player.session.playback_session import PlaybackSession  # noqa: E402

TICK_S = 0.01
CLIP_DIR = Path(tempfile.gettempdir()) / "speednet-bench"


class _PacedStream:
    """A stand-in for ``sounddevice.OutputStream`` on a machine without a sound card.

    Pulls ``blocksize`` frames through the callback every ``blocksize / samplerate`` seconds
    of wall time (a schedule, not a sleep per block, so it does not drift), with
    ``outputBufferDacTime`` = now + ``latency``, as a real device would.
    """

    def __init__(self, *, samplerate, channels, dtype, device, latency, callback, finished_callback=None, blocksize=512, **_kw):  # noqa: ANN001
        import threading

        self.samplerate = int(samplerate)
        self.channels = int(channels)
        self.blocksize = int(blocksize)
        self.latency = 0.05  # s: typical of a desktop card at PortAudio's "high" setting
        self._callback = callback
        self._finished = finished_callback
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="PacedFakeAudioDevice", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.ident is not None:
            self._thread.join()

    def close(self) -> None:
        self.stop()

    def _run(self) -> None:
        from types import SimpleNamespace

        out = np.zeros((self.blocksize, self.channels), np.float32)
        period = self.blocksize / self.samplerate
        t0 = time.monotonic()
        k = 0
        while not self._stop.is_set():
            due = t0 + k * period
            wait = due - time.monotonic()
            if wait > 0 and self._stop.wait(wait):
                break
            now = time.monotonic()
            info = SimpleNamespace(currentTime=now, outputBufferDacTime=now + self.latency)
            self._callback(out, self.blocksize, info, None)
            k += 1
        if self._finished is not None:
            self._finished()


def use_simulated_sound_card() -> None:
    """Make ``import sounddevice`` (done lazily by the sink) give the paced stand-in."""
    from types import ModuleType

    module = ModuleType("sounddevice")
    module.OutputStream = _PacedStream  # type: ignore[attr-defined]
    module.query_devices = lambda: [{"name": "simulated", "max_output_channels": 2}]  # type: ignore[attr-defined]
    sys.modules["sounddevice"] = module


def real_device_opens() -> bool:
    try:
        import sounddevice as sd

        with sd.OutputStream(samplerate=48000, channels=2, dtype="float32"):
            return True
    except Exception:  # noqa: BLE001 - no PortAudio or no device
        return False


def make_clip(width: int, height: int, seconds: float, fps: int = 30) -> Path:
    """A textured, moving H.264 clip with an AAC tone (made once, then reused)."""
    import av

    path = CLIP_DIR / f"playback_{width}x{height}_{fps}fps_{seconds:g}s.mp4"
    if path.exists():
        return path
    CLIP_DIR.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.mp4")
    rng = np.random.default_rng(0)
    # A wide random texture scrolled sideways: detail everywhere, as in real footage, so
    # the decoder does real work (a flat test pattern decodes unrealistically fast).
    base = rng.integers(0, 256, (height // 8 + 1, 3 * width // 8 + 1, 3), np.uint8)
    texture = np.repeat(np.repeat(base, 8, axis=0), 8, axis=1)[:height]
    n = int(seconds * fps)
    rate = 48000
    with av.open(str(tmp), "w") as out:
        vs = out.add_stream("libx264", rate=fps, options={"preset": "veryfast", "crf": "23", "g": str(fps)})
        vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
        aus = out.add_stream("aac", rate=rate, layout="stereo")
        sq = height // 5
        for i in range(n):
            x = (i * 8) % (texture.shape[1] - width)
            img = np.ascontiguousarray(texture[:, x : x + width])
            u = (i / fps / 2.0) % 1.0
            x0 = int((width - sq) * (2 * u if u < 0.5 else 2 - 2 * u))
            y0 = int((height - sq) * (0.5 + 0.5 * np.sin(2 * np.pi * i / fps / 1.3)))
            img[y0 : y0 + sq, x0 : x0 + sq] = (250, 250, 40)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            for packet in vs.encode(frame):
                out.mux(packet)
        for packet in vs.encode():
            out.mux(packet)
        total, k = int(seconds * rate), 0
        while k < total:
            m = min(1024, total - k)
            tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(k, k + m) / rate)).astype(np.float32)
            af = av.AudioFrame.from_ndarray(np.tile(tone, (2, 1)), format="fltp", layout="stereo")
            af.sample_rate, af.pts = rate, k
            for packet in aus.encode(af):
                out.mux(packet)
            k += m
        for packet in aus.encode():
            out.mux(packet)
    tmp.rename(path)
    return path


@dataclass
class RunResult:
    name: str
    shown: int
    dropped: int
    worst_offset_ms: float
    p99_offset_ms: float
    worst_gap_ms: float
    audio: str
    played_s: float


def run(
    session: PlaybackSession,
    path: Path,
    name: str,
    seconds: float,
    schedule: list[tuple[float, float]],
) -> RunResult:
    """Play ``path`` for ``seconds`` of wall time; ``schedule``: [(at wall s, manual rate)]."""
    session.open(path)
    session.set_manual_rate(schedule[0][1])
    # Wait for the first frame, as the window does before it starts the clock.
    end = time.monotonic() + 5
    while session.frame_due() is None and time.monotonic() < end:
        time.sleep(TICK_S)
    session.play()
    t0 = time.monotonic()
    next_change = 1
    offsets: list[float] = []
    shown = 0
    last_tick = t0
    worst_gap = 0.0
    while True:
        now_wall = time.monotonic()
        elapsed = now_wall - t0
        if elapsed >= seconds or not session.status().playing:
            break
        if next_change < len(schedule) and elapsed >= schedule[next_change][0]:
            session.set_manual_rate(schedule[next_change][1])
            next_change += 1
        frame = session.frame_due()
        if frame is not None:
            shown += 1
            clock_now = session.clock.now()
            rate = max(session.clock.effective_rate(), 1e-9)
            # Positive: the picture is behind the sound.
            offsets.append((clock_now - frame.src_t) / rate)
        worst_gap = max(worst_gap, now_wall - last_tick)
        last_tick = now_wall
        time.sleep(max(0.0, TICK_S - (time.monotonic() - now_wall)))
    st = session.status()
    played = time.monotonic() - t0
    session.close()
    # The first frame after play() is the paused picture's successor: skip warm-up offsets.
    off = np.abs(np.array(offsets[1:] or [0.0])) * 1000
    return RunResult(
        name=name,
        shown=shown,
        dropped=st.dropped_frames,
        worst_offset_ms=float(off.max()),
        p99_offset_ms=float(np.percentile(off, 99)),
        worst_gap_ms=worst_gap * 1000,
        audio=st.audio,
        played_s=played,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="wall seconds per run")
    parser.add_argument("--audio", choices=("auto", "real", "simulated", "none"), default="auto",
                        help="auto: the real device if one opens, else the simulated one")
    parser.add_argument("--scoring", action="store_true", help="also run the model while playing (as the player does)")
    parser.add_argument("--model", default=None, help="checkpoint for --scoring (default: the bundled one)")
    args = parser.parse_args()

    print("making clips (once, cached in %s) ..." % CLIP_DIR, flush=True)
    clip_1080 = make_clip(1920, 1080, max(args.seconds + 1, 5))
    # 4x for the run length needs 4x as much clip.
    clip_720 = make_clip(1280, 720, max(4 * args.seconds + 2, 10))

    audio = args.audio
    if audio == "auto":
        audio = "real" if real_device_opens() else "simulated"
    if audio == "simulated":
        use_simulated_sound_card()
    print(f"audio output: {audio}" + (" (paced stand-in for a sound card, 50 ms latency)" if audio == "simulated" else ""))
    messages: list[str] = []
    events = SessionEvents(on_message=messages.append, on_error=messages.append)
    cache = tempfile.mkdtemp(prefix="speednet-bench-cache-")  # no cached scores: the model really runs
    session = PlaybackSession(
        events, audio=audio != "none", scoring=args.scoring, model_path=args.model, cache_dir=cache
    )
    if args.scoring:
        # As the app does at start-up: importing torch holds the GIL for about a second.
        session.preload_model()
        loaded = time.monotonic() + 60
        while session.model_state == "not loaded" and time.monotonic() < loaded:
            time.sleep(0.05)
        print(f"model: {session.model_state}")
    changes = [1.0, 1.5, 2.0, 3.0, 4.0, 2.0, 1.0]
    results = [
        run(session, clip_1080, "1080p30 at 1x", args.seconds, [(0.0, 1.0)]),
        run(session, clip_720, "720p30 at 4x", args.seconds, [(0.0, 4.0)]),
        run(
            session,
            clip_720,
            "720p30, 1x..4x changes",
            min(args.seconds, 1.5 * len(changes)),
            [(1.5 * i, r) for i, r in enumerate(changes)],
        ),
    ]
    for m in dict.fromkeys(messages):
        print(f"session: {m}")
    print()
    print(f"{'run':26s} {'played':>7s} {'shown':>6s} {'dropped':>8s} {'A/V worst':>10s} {'A/V p99':>8s} {'tick gap':>9s}  audio")
    for r in results:
        print(
            f"{r.name:26s} {r.played_s:6.1f}s {r.shown:6d} {r.dropped:8d} "
            f"{r.worst_offset_ms:8.1f}ms {r.p99_offset_ms:6.1f}ms {r.worst_gap_ms:7.1f}ms  {r.audio}"
        )
    ok_drop = results[0].dropped == 0
    ok_av = all(r.worst_offset_ms < 40 for r in results)
    print()
    print(f"target 0 dropped at 1x 1080p30: {'met' if ok_drop else 'NOT met'}")
    print(f"target A/V offset < 40 ms (all runs): {'met' if ok_av else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
