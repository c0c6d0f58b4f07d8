"""Reading exported files back for the export tests (imported as a plain module)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import os

import av
import numpy as np
import pytest

from player.core.speed_plan import Segment, SpeedPlan

# The burst_clip fixture (conftest.py): 0.2 s tone bursts starting at these source times.
BURST_ONSETS = tuple(0.3 + 0.53 * i for i in range(22))
BURST_S = 0.2


@dataclass(frozen=True)
class OutputFacts:
    """What an exported file holds, read back with PyAV."""

    video_duration: float
    video_frames: int
    video_rate: Fraction
    width: int
    height: int
    audio_duration: float | None
    audio_rate: int | None
    rotation: int


def read_output(path: Path) -> OutputFacts:
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        vdur = float(v.duration * v.time_base)
        a = c.streams.audio[0] if c.streams.audio else None
        adur = float(a.duration * a.time_base) if a is not None else None
        arate = a.codec_context.sample_rate if a is not None else None
        frame = next(c.decode(v))
        return OutputFacts(
            vdur, v.frames, v.average_rate, v.codec_context.width, v.codec_context.height,
            adur, arate, int(frame.rotation) % 360,
        )  # fmt: skip


def decoded_audio(path: Path) -> tuple[np.ndarray, int]:
    """The output's audio as mono float (n,) and its sample rate."""
    with av.open(str(path)) as c:
        stream = c.streams.audio[0]
        chunks = [f.to_ndarray().astype(np.float32) for f in c.decode(stream)]
        rate = stream.codec_context.sample_rate
    # fltp: (channels, n) per frame
    return np.concatenate([ch.mean(axis=0) for ch in chunks]), rate


def peak_frequency(x: np.ndarray, rate: int) -> float:
    """Frequency of the strongest FFT bin, refined by a parabolic fit (Hz)."""
    w = x * np.hanning(len(x))
    spec = np.abs(np.fft.rfft(w, 4 * len(w)))
    k = int(np.argmax(spec[1:-1])) + 1
    a, b, c = np.log(spec[k - 1 : k + 2] + 1e-12)
    frac = 0.5 * (a - c) / (a - 2 * b + c)
    return (k + frac) * rate / (4 * len(w))


def stepped_plan(duration: float) -> SpeedPlan:
    """Four segments at 1x, 2x, 1.5625x and 6x (muted above 4x), split at quarters."""
    q = duration / 4
    speeds = (1.0, 2.0, 1.5625, 6.0)
    return SpeedPlan([Segment(i * q, (i + 1) * q if i < 3 else duration, s) for i, s in enumerate(speeds)])


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder this process cannot create files in (root ignores mode bits: use /sys)."""
    if os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    folder = Path("/sys")
    try:
        (folder / "speednet-probe").open("w").close()
    except OSError:
        return folder
    pytest.skip("no unwritable folder available for root here")
