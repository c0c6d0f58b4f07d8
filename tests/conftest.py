"""Shared fixtures: small REAL media clips made with PyAV, bad inputs, and the shared corpus.

Clips (session-scoped, generated once per test run into a temp dir, ~20-60 ms each):

- ``make_clip(**params) -> Clip``: the factory. Parameters (all keyword, all optional):
  ``duration=2.0`` s, ``fps=30``, ``size=(160, 120)`` (w, h), ``tone_hz=440.0`` (None: no
  audio track), ``audio_rate=44100``, ``audio_channels=2``, ``vfr=False`` (irregular frame
  intervals of 0.5x/1x/1.5x the nominal one), ``rotation=0`` (display matrix, counter-
  clockwise degrees, as ``MediaInfo.rotation``), ``rotate_tag=None`` (the legacy clockwise
  ``rotate`` tag instead; kept by Matroska only), ``gop=None`` (keyframe interval in frames;
  default one per second), ``faststart=False`` (moov atom first), ``ext="mp4"``,
  ``codec="libx264"``, ``preset="superfast"`` (x264; "ultrafast" is ~1.4x quicker for long
  clips but makes no B-frames). Same parameters return the same file (cached). Encoding runs
  at roughly 300-500 frames/s at 640x360 on 2 cores, a few thousand at 160x120.
  A ``Clip`` is ``os.PathLike`` (pass it to ``probe``/``av.open``/``Path`` directly) and
  knows what was written: ``.path``, ``.frame_times`` (exact pts in seconds, first = 0),
  ``.fps``, ``.duration``, ``.size``, ``.tone_hz``, ``.audio_rate``, ``.rotation``,
  ``.has_audio``, ``.frame_count``.
- Ready-made: ``clip_24``, ``clip_30``, ``clip_60`` (2 s, 160x120, 440 Hz AAC tone),
  ``clip_vfr`` (VFR, nominal 30 fps), ``clip_rotated`` (rotation 90), ``clip_no_audio``,
  ``audio_only`` (an .m4a with an AAC tone, no video), ``audio_with_cover_art`` (an .mp4
  of AAC plus a cover picture, i.e. an ``attached_pic`` video stream: still audio only).
- Bad inputs, each a ``Path``: ``missing_file``, ``empty_file``, ``random_bytes_file``,
  ``truncated_mp4`` (moov atom cut off), ``text_mp4`` (a text file named .mp4),
  ``zero_duration_mp4`` (an MP4 with no samples), and ``bad_inputs``: dict name -> Path of
  all of them plus ``audio_only``, ``audio_with_cover_art`` and ``directory``.

Picture content: a scrolling gradient and a moving square (real motion), plus a bottom strip
of ``PATTERN_BITS`` black/white cells that encodes the frame index in binary, so a test can
tell which frame it got: ``frame_index(image)`` (also the ``frame_index`` fixture) reads it
back from a decoded upright RGB/gray picture of any size (rotate rotated clips back first).
Audio: a sine tone at ``tone_hz`` at -10 dBFS in every channel.

``shared_data``: the real-video corpus ``../shared/data`` (or $SPEEDNET_SHARED_DATA) as a
Path; skips the test when it is absent.

Model and cache: ``make_tiny_checkpoint(metadata, folder="ckpt") -> Path`` writes a randomly
initialised tiny SpeedNet (seed 0) as a real checkpoint; ``private_cache`` points
$SPEEDNET_CACHE_DIR at a folder of the test's own (folders that want it for every test
override it as an autouse fixture). The encode-and-mux steps of the clip writers are in
``media_helpers.py``.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pytest

from media_helpers import mux_frames, rgb_frame

# No display on CI machines; every Qt test runs offscreen unless told otherwise.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO_ROOT = Path(__file__).resolve().parents[1]

#: Bits of the frame-index strip: indexes 0..1023.
PATTERN_BITS = 10
_TICKS = 90000  # time base for VFR clips: exact pts for 24/25/30/60 fps multiples
_AMPLITUDE = 10 ** (-10 / 20)


# -- picture pattern ------------------------------------------------------------------------
def _strip_height(h: int) -> int:
    return max(8, h // 8)


@functools.lru_cache(maxsize=16)
def _background(width: int, height: int) -> np.ndarray:
    """Two widths of a colour gradient, periodic in x, so a frame is a slice of it."""
    ys, xs = np.mgrid[0:height, 0 : 2 * width]
    phase = xs / max(width, 1)
    tex = np.empty((height, 2 * width, 3), np.uint8)
    tex[..., 0] = (96 + 80 * np.sin(2 * np.pi * phase)).astype(np.uint8)
    tex[..., 1] = (96 + 80 * np.sin(2 * np.pi * (phase + ys / max(height, 1)))).astype(np.uint8)
    tex[..., 2] = 128
    tex.setflags(write=False)
    return tex


def pattern_image(index: int, t: float, width: int, height: int) -> np.ndarray:
    """Frame ``index`` shown at ``t`` seconds: RGB uint8 (height, width, 3)."""
    # gradient scrolling 40 px/s
    offset = int(40.0 * t) % max(width, 1)
    img = _background(width, height)[:, offset : offset + width].copy()
    # a square bouncing across the picture, one round trip per 2 s
    sq = max(4, height // 5)
    span_x, span_y = width - sq, height - _strip_height(height) - sq
    u = (t / 2.0) % 1.0
    x0 = int(span_x * (2 * u if u < 0.5 else 2 - 2 * u))
    y0 = int(span_y * (0.5 + 0.5 * np.sin(2 * np.pi * t / 1.3)))
    img[y0 : y0 + sq, x0 : x0 + sq] = (250, 250, 40)
    # index strip: PATTERN_BITS cells, MSB first, black = 0, white = 1
    sh = _strip_height(height)
    img[height - sh :] = 0
    for bit in range(PATTERN_BITS):
        if index >> (PATTERN_BITS - 1 - bit) & 1:
            x_lo, x_hi = bit * width // PATTERN_BITS, (bit + 1) * width // PATTERN_BITS
            img[height - sh :, x_lo:x_hi] = 255
    return img


def frame_index(image: np.ndarray) -> int:
    """The frame index encoded in an upright picture (H, W, 3) or (H, W), any scale."""
    gray = image.mean(axis=2) if image.ndim == 3 else image.astype(np.float64)
    h, w = gray.shape
    sh = _strip_height(h) if h >= 64 else max(1, round(h / 8))
    # sample the middle of each cell, away from edges blurred by scaling and compression
    y_lo, y_hi = h - sh + sh // 4, h - sh // 4
    value = 0
    for bit in range(PATTERN_BITS):
        x_lo, x_hi = bit * w / PATTERN_BITS, (bit + 1) * w / PATTERN_BITS
        margin = (x_hi - x_lo) / 4
        cell = gray[y_lo : max(y_hi, y_lo + 1), int(x_lo + margin) : max(int(x_hi - margin), int(x_lo + margin) + 1)]
        value = (value << 1) | int(cell.mean() > 128)
    return value


# -- clips ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Clip:
    """A clip written by ``make_clip`` and what was put in it."""

    path: Path
    fps: float
    duration: float
    size: tuple[int, int]
    frame_times: tuple[float, ...]
    tone_hz: float | None
    audio_rate: int
    audio_channels: int
    rotation: int  # counter-clockwise degrees to turn it upright, as MediaInfo.rotation
    vfr: bool
    gop: int
    params: dict = field(default_factory=dict, compare=False, repr=False)

    def __fspath__(self) -> str:
        return str(self.path)

    def __str__(self) -> str:
        return str(self.path)

    @property
    def has_audio(self) -> bool:
        return self.tone_hz is not None

    @property
    def frame_count(self) -> int:
        return len(self.frame_times)


def _frame_ticks(duration: float, fps: float, vfr: bool) -> list[int]:
    """Presentation times of every frame, in 1/_TICKS s."""
    step = round(_TICKS / fps)
    if not vfr:
        n = max(1, round(duration * fps))
        return [i * step for i in range(n)]
    # irregular but reproducible: half, one and one-and-a-half nominal intervals
    rng = np.random.default_rng(1234)
    ticks, t = [], 0
    while t < duration * _TICKS - 1:
        ticks.append(t)
        t += int(step * rng.choice([0.5, 1.0, 1.5]))
    return ticks


def write_clip(
    path: Path,
    *,
    duration: float = 2.0,
    fps: float = 30,
    size: tuple[int, int] = (160, 120),
    tone_hz: float | None = 440.0,
    audio_rate: int = 44100,
    audio_channels: int = 2,
    vfr: bool = False,
    rotation: int = 0,
    rotate_tag: int | None = None,
    gop: int | None = None,
    faststart: bool = False,
    codec: str = "libx264",
    preset: str = "superfast",
) -> Clip:
    """Encode a pattern clip to ``path`` with PyAV (see the module docstring)."""
    import av

    width, height = size
    gop = gop or max(1, round(fps))
    ticks = _frame_ticks(duration, fps, vfr)
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as out:
        vopts = {"g": str(gop), "keyint_min": str(gop), "sc_threshold": "0"}
        if codec == "libx264":
            # superfast still makes B-frames (reordered pts), which seeking must handle
            vopts.update(preset=preset, crf="18")
        vs = out.add_stream(codec, rate=Fraction(fps).limit_denominator(1001), options=vopts)
        vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
        vs.codec_context.time_base = Fraction(1, _TICKS)
        if rotation:
            vs.set_display_rotation(rotation)
        if rotate_tag is not None:
            vs.metadata["rotate"] = str(rotate_tag)
        aus = None
        if tone_hz is not None:
            aus = out.add_stream("aac", rate=audio_rate, layout="stereo" if audio_channels == 2 else "mono")
        mux_frames(out, vs, _pattern_frames(ticks, width, height))
        if aus is not None:
            _write_tone(out, aus, tone_hz, audio_rate, audio_channels, duration)
    return Clip(
        path=path,
        fps=float(fps),
        duration=float(duration),
        size=(width, height),
        frame_times=tuple(t / _TICKS for t in ticks),
        tone_hz=tone_hz,
        audio_rate=audio_rate,
        audio_channels=audio_channels,
        rotation=(rotation if rotate_tag is None else -rotate_tag) % 360,
        vfr=vfr,
        gop=gop,
    )


def _pattern_frames(ticks: list[int], width: int, height: int) -> Iterator[Any]:
    """The pattern picture of every frame, at its tick (in 1/_TICKS s)."""
    for i, tick in enumerate(ticks):
        frame = rgb_frame(pattern_image(i, tick / _TICKS, width, height))
        frame.pts, frame.time_base = tick, Fraction(1, _TICKS)
        yield frame


def _write_tone(out, stream, tone_hz: float, rate: int, channels: int, duration: float) -> None:
    mux_frames(out, stream, _tone_frames(tone_hz, rate, channels, duration))


def _tone_frames(tone_hz: float, rate: int, channels: int, duration: float) -> Iterator[Any]:
    """The tone in frames of 1024 samples (the last one shorter), every channel alike."""
    import av

    total, k = int(round(rate * duration)), 0
    layout = "stereo" if channels == 2 else "mono"
    while k < total:
        n = min(1024, total - k)
        tone = (_AMPLITUDE * np.sin(2 * np.pi * tone_hz * np.arange(k, k + n) / rate)).astype(np.float32)
        frame = av.AudioFrame.from_ndarray(np.tile(tone, (channels, 1)), format="fltp", layout=layout)
        frame.sample_rate, frame.pts = rate, k
        yield frame
        k += n


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def make_clip(media_dir: Path) -> Callable[..., Clip]:
    """Factory: ``make_clip(duration=, fps=, size=, tone_hz=, vfr=, rotation=, ...) -> Clip``."""
    cache: dict[tuple, Clip] = {}

    def make(**params) -> Clip:
        ext = params.pop("ext", "mp4")
        key = (ext, tuple(sorted(params.items())))
        if key not in cache:
            path = media_dir / f"clip{len(cache):03d}.{ext}"
            cache[key] = write_clip(path, **params)
        return cache[key]

    return make


@pytest.fixture(scope="session")
def clip_24(make_clip) -> Clip:
    return make_clip(fps=24)


@pytest.fixture(scope="session")
def clip_30(make_clip) -> Clip:
    return make_clip(fps=30)


@pytest.fixture(scope="session")
def clip_60(make_clip) -> Clip:
    return make_clip(fps=60)


@pytest.fixture(scope="session")
def clip_vfr(make_clip) -> Clip:
    return make_clip(fps=30, vfr=True)


@pytest.fixture(scope="session")
def clip_rotated(make_clip) -> Clip:
    return make_clip(fps=30, rotation=90)


@pytest.fixture(scope="session")
def clip_no_audio(make_clip) -> Clip:
    return make_clip(fps=30, tone_hz=None)


@pytest.fixture(scope="session")
def audio_only(media_dir: Path) -> Path:
    """An .m4a holding 1 s of AAC tone and no video stream."""
    import av

    path = media_dir / "audio_only.m4a"
    if not path.exists():
        with av.open(str(path), "w") as out:
            stream = out.add_stream("aac", rate=44100, layout="stereo")
            _write_tone(out, stream, 440.0, 44100, 2, 1.0)
    return path


@pytest.fixture(scope="session")
def audio_with_cover_art(media_dir: Path) -> Path:
    """An .mp4 holding an AAC tone and a cover picture (an ``attached_pic`` video stream),
    like a music file: it must count as audio only."""
    import av

    path = media_dir / "song_with_cover.mp4"
    if not path.exists():
        with av.open(str(path), "w") as out:
            audio = out.add_stream("aac", rate=44100, layout="stereo")
            cover = out.add_stream("mjpeg", rate=1)
            cover.width, cover.height, cover.pix_fmt = 64, 64, "yuvj420p"
            cover.disposition = av.stream.Disposition.attached_pic
            picture = av.VideoFrame.from_ndarray(pattern_image(0, 0.0, 64, 64), format="rgb24")
            picture = picture.reformat(format="yuvj420p")
            picture.pts = 0
            for packet in [*cover.encode(picture), *cover.encode()]:
                out.mux(packet)
            _write_tone(out, audio, 440.0, 44100, 2, 1.0)
    return path


# -- bad inputs -----------------------------------------------------------------------------
@pytest.fixture(scope="session")
def missing_file(media_dir: Path) -> Path:
    return media_dir / "does_not_exist.mp4"


@pytest.fixture(scope="session")
def empty_file(media_dir: Path) -> Path:
    path = media_dir / "empty.mp4"
    path.write_bytes(b"")
    return path


@pytest.fixture(scope="session")
def random_bytes_file(media_dir: Path) -> Path:
    path = media_dir / "random.mp4"
    path.write_bytes(np.random.default_rng(7).integers(0, 256, 256 * 1024, dtype=np.uint8).tobytes())
    return path


@pytest.fixture(scope="session")
def truncated_mp4(make_clip, media_dir: Path) -> Path:
    """The first half of a normal MP4 (moov atom at the end), as an interrupted copy leaves it."""
    data = Path(make_clip(fps=30)).read_bytes()
    path = media_dir / "truncated.mp4"
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.fixture(scope="session")
def text_mp4(media_dir: Path) -> Path:
    path = media_dir / "notes.mp4"
    path.write_text("These are meeting notes, not a video.\n" * 40, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def zero_duration_mp4(media_dir: Path) -> Path:
    """A well-formed MP4 header with a video track that never got a single frame."""
    import av

    path = media_dir / "zero.mp4"
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=30)
        vs.width, vs.height = 160, 120
        out.start_encoding()
    return path


@pytest.fixture(scope="session")
def bad_inputs(
    missing_file,
    empty_file,
    random_bytes_file,
    truncated_mp4,
    text_mp4,
    zero_duration_mp4,
    audio_only,
    audio_with_cover_art,
    media_dir,
) -> dict[str, Path]:
    """Every bad input by name: each must give one clear MediaError, never a hang."""
    return {
        "missing": missing_file,
        "directory": media_dir,
        "empty": empty_file,
        "random_bytes": random_bytes_file,
        "truncated": truncated_mp4,
        "text": text_mp4,
        "zero_duration": zero_duration_mp4,
        "audio_only": audio_only,
        "audio_with_cover_art": audio_with_cover_art,
    }


@pytest.fixture(name="frame_index", scope="session")
def frame_index_fixture() -> Callable[[np.ndarray], int]:
    """``frame_index(image) -> int``: the index encoded in a pattern clip's picture."""
    return frame_index


# -- model and score cache ------------------------------------------------------------------
@pytest.fixture(scope="session")
def make_tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Factory: ``make_tiny_checkpoint(metadata, folder="ckpt") -> Path``.

    A randomly initialised tiny SpeedNet (torch seeded with 0, so the same weights every
    time) saved as a real checkpoint in a new temp folder, ``metadata`` stored with it: the
    real scoring path (model, worker, cache, planner) without the trained model.
    """

    def make(metadata: dict[str, object], folder: str = "ckpt") -> Path:
        import torch

        from models.checkpoint import save_checkpoint
        from models.config import tiny
        from models.network import build_model

        torch.manual_seed(0)
        model = build_model(tiny())
        path = tmp_path_factory.mktemp(folder) / "tiny.safetensors"
        save_checkpoint(path, model.state_dict(), tiny(), metadata)
        return path

    return make


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own score cache folder ($SPEEDNET_CACHE_DIR), never the user's."""
    folder = tmp_path / "score-cache"
    monkeypatch.setenv("SPEEDNET_CACHE_DIR", str(folder))
    return folder


# -- shared corpus --------------------------------------------------------------------------
@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real-video corpus (``MANIFEST.tsv`` + ``videos/``); skips when it is absent."""
    root = Path(os.environ.get("SPEEDNET_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
    if not (root / "MANIFEST.tsv").is_file():
        pytest.skip(f"shared video corpus not found at {root}")
    return root
