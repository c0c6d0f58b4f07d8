"""Real test signals and measurements for the audio tests (imported by tests/audio/*).

Signals are float32 (n, channels) at 48 kHz unless said otherwise.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from player.audio.gain import MuteFade
from player.audio.stretch import StretchedAudio, TimeStretcher
from player.core.audio_cut import plan_pieces

SR = 48000


def tone(seconds: float, freq: float = 440.0, amp: float = 0.5, channels: int = 2) -> np.ndarray:
    t = np.arange(int(round(seconds * SR))) / SR
    x = (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.repeat(x[:, None], channels, axis=1)


def stepped_tone(seconds: float, step_s: float, freqs: Sequence[float], amp: float = 0.5) -> np.ndarray:
    """Stereo tone whose frequency changes every ``step_s`` (continuous phase)."""
    n = int(round(seconds * SR))
    per = int(round(step_s * SR))
    f = np.array([freqs[(i // per) % len(freqs)] for i in range(0, n, per)], np.float64)
    f = np.repeat(f, per)[:n]
    x = (amp * np.sin(2 * np.pi * np.cumsum(f) / SR)).astype(np.float32)
    return np.stack([x, x], axis=1)


def load_audio(path: Path) -> np.ndarray:
    """Decode and resample any audio file to 48 kHz stereo float32 with PyAV."""
    import av

    out = []
    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="flt", layout="stereo", rate=SR)
        for frame in container.decode(audio=0):
            out += [f.to_ndarray().reshape(-1, 2) for f in resampler.resample(frame)]
        out += [f.to_ndarray().reshape(-1, 2) for f in resampler.resample(None)]
    return np.concatenate(out).astype(np.float32)


def make_speech(path: Path) -> np.ndarray:
    """Speech from espeak-ng (Debian), 48 kHz stereo. Raises FileNotFoundError without it."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise FileNotFoundError("espeak-ng")
    text = (
        "The quick brown fox jumps over the lazy dog. Smart fast forward plays the calm parts "
        "quickly and the action at natural speed, and keeps the pitch of every voice."
    )
    subprocess.run([exe, "-w", str(path), text], check=True, capture_output=True, timeout=60)
    return load_audio(path)


# -- a rate schedule and a plan ------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    """Piecewise-constant rates: ``starts[i]`` (source s) begins a segment at ``rates[i]``.

    Implements the clock's TimeMap protocol (src_to_out / out_to_src / rate_at).
    """

    starts: tuple[float, ...]
    rates: tuple[float, ...]

    @staticmethod
    def every(step_s: float, rates: Sequence[float], seconds: float) -> Plan:
        n = int(np.ceil(seconds / step_s))
        return Plan(tuple(i * step_s for i in range(n)), tuple(rates[i % len(rates)] for i in range(n)))

    def _seg(self, src_t: float) -> int:
        i = int(np.searchsorted(self.starts, src_t, side="right")) - 1
        return max(0, i)

    def rate_at(self, src_t: float) -> float:
        return self.rates[self._seg(src_t)]

    def _out_starts(self) -> list[float]:
        out = [0.0]
        for i in range(1, len(self.starts)):
            out.append(out[-1] + (self.starts[i] - self.starts[i - 1]) / self.rates[i - 1])
        return out

    def src_to_out(self, src_t: float) -> float:
        i = self._seg(src_t)
        return self._out_starts()[i] + (src_t - self.starts[i]) / self.rates[i]

    def out_to_src(self, out_t: float) -> float:
        outs = self._out_starts()
        i = max(0, int(np.searchsorted(outs, out_t, side="right")) - 1)
        return self.starts[i] + (out_t - outs[i]) * self.rates[i]

    def boundaries(self, t0: float, t1: float) -> list[float]:
        return [s for s in self.starts if t0 < s < t1]

    def segments(self, end: float) -> list[tuple[float, float, float]]:
        bounds = list(self.starts) + [end]
        return [(bounds[i], min(bounds[i + 1], end), r) for i, r in enumerate(self.rates) if bounds[i] < end]


def stretch_all(
    x: np.ndarray,
    plan: Plan,
    *,
    chunk: int = 1024,
    mute_above: float = 4.0,
    src0: float = 0.0,
) -> StretchedAudio:
    """Stretch ``x`` chunk by chunk, cutting chunks at the plan's boundaries, then flush,
    through the mute stage as playback does (``TimeStretcher`` then ``MuteFade``)."""
    gain = MuteFade(SR, mute_above)
    st = TimeStretcher(SR, x.shape[1], silence=gain)
    blocks = []
    for i in range(0, len(x), chunk):
        t0 = i / SR
        t1 = min(len(x), i + chunk) / SR
        for piece in plan_pieces(x[i : i + chunk], t0, SR, plan.boundaries(t0, t1), plan.rate_at):
            blocks.append(gain.apply(st.process(piece.samples, src0 + piece.src_t, piece.rate)))
    blocks.append(gain.apply(st.flush()))
    return StretchedAudio.concat(blocks, x.shape[1], SR)


# -- measurements ----------------------------------------------------------------------------------
def peak_frequency(y: np.ndarray) -> float:
    """Frequency of the strongest spectral peak (Hann window, parabolic on log magnitude)."""
    m = y.mean(axis=1) if y.ndim == 2 else y
    m = m.astype(np.float64)
    nfft = 1 << int(np.ceil(np.log2(len(m) * 4)))
    spec = np.abs(np.fft.rfft(m * np.hanning(len(m)), nfft)) + 1e-30
    k = int(np.argmax(spec))
    a, b, c = np.log(spec[k - 1 : k + 2])
    frac = 0.5 * (a - c) / (a - 2 * b + c)
    return (k + frac) * SR / nfft


def tone_purity_db(y: np.ndarray, freq: float) -> float:
    """Energy within a few bins of ``freq`` against all the rest (Blackman-Harris window)."""
    m = (y.mean(axis=1) if y.ndim == 2 else y).astype(np.float64)
    n = len(m)
    k = np.arange(n) * 2 * np.pi / n
    w = 0.35875 - 0.48829 * np.cos(k) + 0.14128 * np.cos(2 * k) - 0.01168 * np.cos(3 * k)
    power = np.abs(np.fft.rfft(m * w)) ** 2
    f = np.fft.rfftfreq(n, 1 / SR)
    band = np.abs(f - freq) <= max(3.0, 5 * SR / n)  # the window's main lobe is +-4 bins
    return float(10 * np.log10(power[band].sum() / power[~band].sum()))


def f0_at(m: np.ndarray, centre: float, win: int = 2048) -> float | None:
    """Voice pitch (60-400 Hz) of mono ``m`` around sample ``centre`` by autocorrelation;
    None when that stretch is unvoiced or silent."""
    i = int(centre) - win // 2
    if i < 0 or i + win > len(m):
        return None
    s = m[i : i + win].astype(np.float64)
    s = s - s.mean()
    ac = np.fft.irfft(np.abs(np.fft.rfft(s, 2 * win)) ** 2)[:win]
    if ac[0] < 1e-6 * win:
        return None
    ac /= ac[0]
    lo, hi = SR // 400, SR // 60
    j = lo + int(np.argmax(ac[lo:hi]))
    if ac[j] < 0.5:
        return None
    a, b, c = ac[j - 1], ac[j], ac[j + 1]
    d = a - 2 * b + c
    return SR / (j + (0.5 * (a - c) / d if d < 0 else 0.0))


def dominant_track(y: np.ndarray, candidates: Sequence[float], hop: int = 48, win: int = 1024):
    """(centre times in s, index of the nearest candidate frequency) over ``y``."""
    m = (y.mean(axis=1) if y.ndim == 2 else y).astype(np.float64)
    w = np.hanning(win)
    cand = np.asarray(candidates, np.float64)
    times, idx = [], []
    for i in range(0, len(m) - win, hop):
        spec = np.abs(np.fft.rfft(m[i : i + win] * w, 8192))
        f = np.argmax(spec) * SR / 8192
        idx.append(int(np.argmin(np.abs(cand - f))))
        times.append((i + win / 2) / SR)
    return np.array(times), np.array(idx)
