"""One preprocessing: the frames the player feeds the model are the frames training and
``evaluate`` decode, for the same video and times (models.preprocess)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.preprocess import indices_at_rate
from models.video_decode import decode_at_fps, decode_frames
from player.media.frame_reader import ModelFrameReader

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "data" / "videos"
REAL_CLIPS = [
    ROOT / "resources" / "demo_baseball.mp4",
    CORPUS / "ibm-max-sports" / "baseball.mp4",
    CORPUS / "intel-sample-videos" / "learn.mkv",
]


@pytest.mark.parametrize("path", REAL_CLIPS, ids=lambda p: p.name)
def test_player_frames_equal_training_frames(path: Path) -> None:
    if not path.is_file():
        pytest.skip(f"{path} is not here")
    size, fps = 48, 15.0
    trained = decode_at_fps(path, fps, size)
    with ModelFrameReader(path, size) as reader:
        times, frames = reader.read_range()
    played = frames[indices_at_rate(times, fps)]
    assert played.shape == trained.shape
    np.testing.assert_array_equal(played, trained)


def test_rotation_is_part_of_the_shared_preprocessing(clip_rotated) -> None:
    times, frames = decode_frames(clip_rotated, 32)
    with ModelFrameReader(clip_rotated, 32) as reader:
        rtimes, rframes = reader.read_range()
    np.testing.assert_allclose(times, rtimes, atol=1e-6)
    np.testing.assert_array_equal(frames, rframes)
