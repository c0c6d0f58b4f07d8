"""ModelFrameReader: model-size frames with exact timestamps, ranges, rotation, stop."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from player.core.errors import MediaError
from player.media.frame_reader import ModelFrameReader


def _indexes(frames, frame_index, rotation: int = 0) -> list[int]:
    return [frame_index(np.rot90(f, -rotation // 90)) for f in frames]


@pytest.mark.parametrize("fixture", ["clip_24", "clip_60", "clip_vfr"])
def test_whole_file_times_and_pixels(request, frame_index, fixture):
    clip = request.getfixturevalue(fixture)
    with ModelFrameReader(clip, 64) as reader:
        times, frames = reader.read_range()
    assert times.dtype == np.float64 and frames.dtype == np.uint8
    assert frames.shape == (clip.frame_count, 64, 64, 3)
    assert times == pytest.approx(np.array(clip.frame_times), abs=1e-6)
    assert times[0] == 0.0
    assert _indexes(frames, frame_index) == list(range(clip.frame_count))


def test_contiguous_chunks_equal_one_read(make_clip):
    clip = make_clip(fps=30, duration=3.0, gop=45)
    with ModelFrameReader(clip, 32) as reader:
        whole_t, whole_f = reader.read_range()
    reader = ModelFrameReader(clip, 32)
    edges = [0.0, 0.4, 1.0, 1.0, 1.55, 2.0, 3.5]  # includes an empty chunk
    parts = [reader.read_range(a, b) for a, b in zip(edges, edges[1:])]
    reader.close()
    assert np.concatenate([t for t, _ in parts]) == pytest.approx(whole_t)
    assert np.array_equal(np.concatenate([f for _, f in parts]), whole_f)


def test_half_open_ranges_and_random_access(make_clip, frame_index):
    clip = make_clip(fps=30, duration=3.0, gop=45)
    times = clip.frame_times
    rng = np.random.default_rng(2)
    with ModelFrameReader(clip, 48) as reader:
        # exact frame times: start included, end excluded
        t, f = reader.read_range(times[40], times[50])
        assert _indexes(f, frame_index) == list(range(40, 50))
        # out of order, inside GOPs, backwards
        for _ in range(8):
            a = float(rng.uniform(0, clip.duration))
            b = a + float(rng.uniform(0.05, 0.6))
            t, f = reader.read_range(a, b)
            expect = [i for i, ft in enumerate(times) if a <= ft < b]
            assert _indexes(f, frame_index) == expect, (a, b)
            assert t == pytest.approx([times[i] for i in expect], abs=1e-6)


def test_past_the_end_is_empty_with_right_shapes(clip_30):
    with ModelFrameReader(clip_30, 16) as reader:
        t, f = reader.read_range(5.0, 6.0)
    assert t.shape == (0,) and f.shape == (0, 16, 16, 3)


def test_rotated_clip_is_upright(clip_rotated, frame_index):
    with ModelFrameReader(clip_rotated, 64) as reader:
        _, frames = reader.read_range(0.0, 0.5)
    # the coded index strip runs along the bottom; upright (90 CCW) it runs up the right side
    assert _indexes(frames, frame_index, rotation=90) == list(range(15))
    # the strip's black cells sit on the right edge once upright, not at the bottom
    assert np.mean(frames[:, :, -3:] < 30) > 0.3
    assert np.mean(frames[:, -3:, :] < 30) < 0.2


@pytest.mark.parametrize("size", [112, 63, 1])
def test_sizes(clip_30, size):
    with ModelFrameReader(clip_30, size) as reader:
        _, frames = reader.read_range(0.0, 0.2)
    assert frames.shape == (6, size, size, 3)


def test_rejects_bad_size(clip_30):
    with pytest.raises(ValueError):
        ModelFrameReader(clip_30, 0)


def test_stop_flag_and_abandoned_reads_leave_reader_usable(clip_30, frame_index):
    reader = ModelFrameReader(clip_30, 64)
    stop = threading.Event()
    got = []
    for t, frame in reader.iter_frames(0.0, None, stop):
        got.append(frame_index(frame))
        if len(got) == 3:
            stop.set()
    assert got == [0, 1, 2]
    # break out of a read half way, then read a range that starts inside it
    for t, frame in reader.iter_frames(0.5, 1.5):
        if t > 0.8:
            break
    _, frames = reader.read_range(0.6, 0.7)
    assert _indexes(frames, frame_index) == [18, 19, 20]
    # an old generator closed late must not disturb a newer read
    it = reader.iter_frames(0.0, 1.0)
    next(it)
    t, frames = reader.read_range(1.0, 1.1)
    it.close()
    assert _indexes(frames, frame_index) == [30, 31, 32]
    t, frames = reader.read_range(1.1, 1.2)
    assert _indexes(frames, frame_index) == [33, 34, 35]
    reader.close()


def test_bad_file_raises_media_error(text_mp4, audio_only):
    for path in (text_mp4, audio_only):
        with pytest.raises(MediaError):
            ModelFrameReader(path, 32).read_range()


def test_shared_corpus_clip(shared_data):
    videos = sorted((shared_data / "videos").rglob("*.mp4"))
    if not videos:
        pytest.skip("no mp4 in the shared corpus")
    with ModelFrameReader(videos[0], 64) as reader:
        times, frames = reader.read_range(0.5, 1.5)
    assert frames.shape[1:] == (64, 64, 3) and len(frames) >= 5
    assert np.all(np.diff(times) > 0) and 0.5 - 1e-4 <= times[0] < 1.5 and times[-1] < 1.5
    assert frames.std() > 5  # a real picture, not a blank


def test_contiguous_reads_continue_without_seeking(make_clip, monkeypatch):
    """The scorer reads chunk after chunk: that must not re-decode each GOP from its keyframe."""
    from player.media.source import MediaSource

    seeks: list[float] = []
    real_seek = MediaSource.seek_video
    monkeypatch.setattr(MediaSource, "seek_video", lambda self, t: (seeks.append(t), real_seek(self, t))[1])
    clip = make_clip(fps=30, duration=3.0, gop=45)
    with ModelFrameReader(clip, 32) as reader:
        for a in np.arange(0.0, 3.0, 0.25):
            reader.read_range(a, a + 0.25)
        assert len(seeks) == 1  # the first read only
        reader.read_range(0.5, 0.75)  # going back needs a seek
        assert len(seeks) == 2


def test_corrupt_bytes_mid_file_are_skipped(make_clip, tmp_path):
    from pathlib import Path

    data = bytearray(Path(make_clip(faststart=True, duration=2.0, tone_hz=None)).read_bytes())
    rng = np.random.default_rng(5)
    for start in (len(data) // 3, len(data) // 2):
        data[start : start + 600] = rng.integers(0, 256, 600, dtype=np.uint8).tobytes()
    path = tmp_path / "corrupt.mp4"
    path.write_bytes(bytes(data))
    with ModelFrameReader(path, 32) as reader:
        times, frames = reader.read_range()
    assert len(frames) >= 30 and np.all(np.diff(times) > 0)
