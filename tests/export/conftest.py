"""Fixtures for the export tests: clips that tests/conftest.py's factory cannot make.

Clips come from the media engineer's factory (``make_clip`` in tests/conftest.py); here only
an odd-sized, non-YUV source (PNG frames in a MOV). Helpers live in export_facts.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import av
import numpy as np
import pytest

from export_facts import BURST_ONSETS, BURST_S
from media_helpers import mux_frames, rgb_frame


@pytest.fixture(scope="session")
def odd_png_clip(media_dir: Path) -> Path:
    """1 s of 161x121 RGB PNG frames at 25 fps in a MOV, no audio: odd size, not YUV."""
    path = media_dir / "odd_png.mov"

    def frames() -> Iterator[av.VideoFrame]:
        for i in range(25):
            img = np.zeros((121, 161, 3), np.uint8)
            img[:, : 6 * i + 6] = (200, 40, 40)
            yield rgb_frame(img, pts=i)

    if not path.exists():
        with av.open(str(path), "w") as out:
            vs = out.add_stream("png", rate=25)
            vs.width, vs.height, vs.pix_fmt = 161, 121, "rgb24"
            mux_frames(out, vs, frames())
    return path


@pytest.fixture(scope="session")
def tiny_checkpoint(make_tiny_checkpoint: Callable[..., Path]) -> Path:
    """A randomly initialised tiny SpeedNet as a real checkpoint file: the real scoring path
    (model, worker, cache, planner) without needing the trained model."""
    return make_tiny_checkpoint({"purpose": "export tests"})


@pytest.fixture(autouse=True)
def private_cache(private_cache: Path) -> Path:
    """tests/conftest.py's private score cache, for every export test."""
    return private_cache


@pytest.fixture(scope="session")
def burst_clip(media_dir: Path) -> Path:
    """12 s, 30 fps, mono 48 kHz audio: 0.2 s bursts of 1 kHz starting at ``BURST_ONSETS``
    (off the 0.5 s plan grid), silence between. Their onsets locate the audio in time."""
    path = media_dir / "bursts.mp4"
    if path.exists():
        return path
    rate, fps, seconds = 48000, 30, 12.0

    def sound(x: np.ndarray) -> Iterator[av.AudioFrame]:
        for k in range(0, len(x), 1024):
            frame = av.AudioFrame.from_ndarray(x[None, k : k + 1024].copy(), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = rate, k
            yield frame

    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
        aus = out.add_stream("aac", rate=rate, layout="mono")
        pictures = (rgb_frame(np.full((48, 64, 3), i * 7 % 256, np.uint8), pts=i) for i in range(int(seconds * fps)))
        mux_frames(out, vs, pictures)
        x = np.zeros(int(seconds * rate), np.float32)
        n = int(BURST_S * rate)
        for onset in BURST_ONSETS:
            k = int(onset * rate)
            x[k : k + n] = 0.5 * np.sin(2 * np.pi * 1000 * np.arange(n) / rate)
        mux_frames(out, aus, sound(x))
    return path


@pytest.fixture(scope="session")
def tagged_clips(media_dir: Path) -> dict[str, Path]:
    """1 s 320x240 clips of a colour pattern: 'bt709' (yuv420p tagged BT.709, limited) and
    'full_range' (yuvj420p, as phones and MJPEG give), made with PyAV."""
    ys, xs = np.mgrid[0:240, 0:320]
    img = np.stack([(xs * 255 // 319), (ys * 255 // 239), ((xs + ys) % 256)], axis=-1).astype(np.uint8)
    img[100:140, 140:180] = (250, 30, 30)
    clips = {}
    for name, pix_fmt in (("bt709", "yuv420p"), ("full_range", "yuvj420p")):
        path = media_dir / f"color_{name}.mp4"
        clips[name] = path
        if path.exists():
            continue
        with av.open(str(path), "w") as out:
            vs = out.add_stream("libx264", rate=30, options={"preset": "ultrafast", "crf": "10"})
            vs.width, vs.height, vs.pix_fmt = 320, 240, pix_fmt
            if name == "bt709":
                vs.codec_context.colorspace = vs.codec_context.color_primaries = vs.codec_context.color_trc = 1
                vs.codec_context.color_range = 1
            mux_frames(out, vs, _tagged_frames(img, name))
    return clips


def _tagged_frames(img: np.ndarray, name: str) -> Iterator[av.VideoFrame]:
    """30 frames of ``img`` converted as ``tagged_clips``' clip ``name`` stores them."""
    for i in range(30):
        frame = rgb_frame(img)
        if name == "bt709":
            frame = frame.reformat(format="yuv420p", dst_colorspace="ITU709", dst_color_range="MPEG")
        else:
            frame = frame.reformat(format="yuvj420p", dst_color_range="JPEG")
        frame.pts = i
        yield frame
