"""Fixtures for the model tests: small real video files made with PyAV, and a tiny model."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import torch

from models.checkpoint import save_checkpoint
from models.config import tiny
from models.network import build_model

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "data"


def write_clip(
    path: Path,
    *,
    fps: int = 30,
    seconds: float = 3.0,
    size: int = 64,
    speed_px_s: float = 30.0,
    seed: int = 0,
    vfr: bool = False,
) -> Path:
    """A textured scene panning at ``speed_px_s`` with a bouncing square, as H.264.

    With ``vfr`` the frame times jitter (as phone video does) around the nominal rate.
    """
    rng = np.random.default_rng(seed)
    texture = (rng.random((size * 2, size * 8, 3)) * 255).astype(np.uint8)
    # Smooth the noise so motion is visible after downscaling.
    texture = ((texture.astype(np.float32) + np.roll(texture, 1, 0) + np.roll(texture, 1, 1)) / 3).astype(np.uint8)
    n = int(round(seconds * fps))
    container = av.open(str(path), "w")
    stream = container.add_stream("libx264", rate=fps)
    stream.width = size
    stream.height = size
    stream.pix_fmt = "yuv420p"
    stream.options = {"preset": "ultrafast", "crf": "18"}
    stream.codec_context.time_base = Fraction(1, 1000)
    t = 0.0
    for i in range(n):
        x = int(round(t * speed_px_s, 6)) % (size * 7)
        img = texture[: size, x : x + size].copy()
        sq = int((np.sin(t * 3) * 0.4 + 0.5) * (size - 10))
        img[sq : sq + 10, sq : sq + 10] = 255
        frame = av.VideoFrame.from_ndarray(img, format="rgb24")
        frame.pts = int(round(t * 1000))
        frame.time_base = Fraction(1, 1000)
        for packet in stream.encode(frame):
            container.mux(packet)
        t = t + rng.uniform(0.6, 1.4) / fps if vfr else (i + 1) / fps
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return path


@pytest.fixture(scope="session")
def video_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of four short clips (different content and speeds), no manifest."""
    root = tmp_path_factory.mktemp("videos")
    for i, speed in enumerate((20.0, 35.0, 50.0, 25.0)):
        write_clip(root / f"clip{i}.mp4", seed=i, speed_px_s=speed, seconds=3.0)
    return root


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised tiny model with non-trivial BatchNorm statistics."""
    torch.manual_seed(0)
    model = build_model(tiny())
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm3d):
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    path = tmp_path_factory.mktemp("ckpt") / "tiny.safetensors"
    save_checkpoint(path, model.state_dict(), tiny(), {"train_clips": []})
    return path


@pytest.fixture(scope="session")
def scene_clip():  # noqa: ANN201
    """The clip writer, for tests that need a particular rate or timing."""
    return write_clip
