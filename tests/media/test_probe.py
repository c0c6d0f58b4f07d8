"""probe(): MediaInfo fields on real clips made with PyAV, and on the shared corpus."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from player.core.media_info import MediaInfo
from player.media.probe import probe


@pytest.mark.parametrize("fixture, fps", [("clip_24", 24), ("clip_30", 30), ("clip_60", 60)])
def test_constant_rate_clips(request, fixture, fps):
    clip = request.getfixturevalue(fixture)
    info = probe(clip)
    assert isinstance(info, MediaInfo)
    assert info.path == clip.path
    assert info.fps_avg == pytest.approx(fps, rel=1e-3)
    assert info.fps_real == pytest.approx(fps, rel=1e-3)
    assert info.duration_s == pytest.approx(clip.duration, abs=1.0 / fps)
    assert info.frame_count == clip.frame_count
    assert (info.width, info.height) == clip.size == info.display_size
    assert info.rotation == 0
    assert 0 < info.time_base < 1e-2
    assert info.video_codec == "h264"
    assert info.has_audio and info.audio_codec == "aac"
    assert (info.audio_rate, info.audio_channels) == (44100, 2)
    assert info.frame_duration == pytest.approx(1.0 / fps, rel=1e-3)


def test_variable_frame_rate(clip_vfr):
    info = probe(clip_vfr)
    times = clip_vfr.frame_times
    assert info.frame_count == len(times)
    # average rate is frames over duration; the real (base) rate is the finest tick seen
    assert info.fps_avg == pytest.approx(len(times) / info.duration_s, rel=0.04)
    assert info.fps_real > info.fps_avg * 1.2
    assert info.duration_s == pytest.approx(times[-1] + (times[-1] - times[-2]), abs=0.05)


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotation_from_display_matrix(make_clip, rotation):
    info = probe(make_clip(rotation=rotation, tone_hz=None, duration=0.5))
    assert info.rotation == rotation
    assert (info.width, info.height) == (160, 120)  # coded size is unchanged
    expected_display = (120, 160) if rotation % 180 else (160, 120)
    assert info.display_size == expected_display


def test_rotation_in_matroska(make_clip):
    assert probe(make_clip(ext="mkv", rotation=270, tone_hz=None, duration=0.5)).rotation == 270


def test_rotation_from_legacy_rotate_tag(make_clip):
    """Old phone files carry a clockwise ``rotate`` tag instead of a display matrix."""
    clip = make_clip(ext="mkv", rotate_tag=90, tone_hz=None, duration=0.3)
    assert clip.rotation == 270
    assert probe(clip).rotation == 270  # 90 clockwise is 270 counter-clockwise


def test_rotated_fixture(clip_rotated):
    assert probe(clip_rotated).rotation == 90


def test_no_audio(clip_no_audio):
    info = probe(clip_no_audio)
    assert not info.has_audio
    assert (info.audio_rate, info.audio_channels, info.audio_codec) == (0, 0, "")


def test_mono_audio_rate(make_clip):
    info = probe(make_clip(duration=0.5, audio_rate=22050, audio_channels=1))
    assert info.has_audio and (info.audio_rate, info.audio_channels) == (22050, 1)


def test_relative_name_with_colon_is_a_file_not_a_protocol(clip_30, tmp_path, monkeypatch):
    (tmp_path / "take:2.mp4").write_bytes(Path(clip_30).read_bytes())
    monkeypatch.chdir(tmp_path)
    assert probe("take:2.mp4").frame_count == clip_30.frame_count


def test_accepts_str_path_and_pathlike(clip_30):
    assert probe(str(clip_30)) == probe(Path(clip_30)) == probe(clip_30)


@pytest.mark.parametrize(
    "ext, codec, tone_hz",
    [("mkv", "libx264", 440.0), ("mov", "libx264", 440.0), ("webm", "libvpx-vp9", None)],
)
def test_other_containers(make_clip, ext, codec, tone_hz):
    """Matroska/WebM have no per-stream duration; it must not include the longer audio."""
    clip = make_clip(ext=ext, codec=codec, tone_hz=tone_hz, duration=1.0)
    info = probe(clip)
    assert info.duration_s == pytest.approx(1.0, abs=0.04)
    assert info.fps_avg == pytest.approx(30, rel=1e-3)
    assert info.frame_count == clip.frame_count
    assert info.video_codec == ("vp9" if codec == "libvpx-vp9" else "h264")


def test_odd_size(make_clip):
    """Odd sizes are legal for some codecs; libx264 in 4:2:0 needs even, so use 162x98."""
    info = probe(make_clip(size=(162, 98), duration=0.5, tone_hz=None))
    assert (info.width, info.height) == (162, 98)


def test_shared_corpus_sample_matches_manifest(shared_data):
    """Every 6th clip of the real corpus: probe agrees with the manifest's size/fps/duration."""
    with open(shared_data / "MANIFEST.tsv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))[::6]
    assert rows
    for row in rows:
        info = probe(shared_data / row["path"])
        assert info.duration_s == pytest.approx(float(row["duration_s"]), abs=0.15), row["path"]
        assert info.fps_avg == pytest.approx(float(row["fps"]), abs=0.5), row["path"]
        size = (int(row["width"]), int(row["height"]))
        assert size in ((info.width, info.height), info.display_size), row["path"]


def test_video_frame_time_follows_ffmpeg_guess_correct_pts(clip_30):
    """pts is trusted until it runs backwards more often than dts (then dts is used)."""
    from fractions import Fraction
    from types import SimpleNamespace

    from player.media.source import MediaSource

    tb = Fraction(1, 30)
    with MediaSource(clip_30, audio=False) as src:
        assert not src.use_dts  # MP4 has real presentation times
        pairs = [(0, 0), (2, 1), (1, 2), (4, 3), (3, 4), (5, 5)]  # pts glitch twice, dts fine
        got = [src.video_frame_time(SimpleNamespace(pts=p, dts=d, time_base=tb)) for p, d in pairs]
        assert got[:3] == pytest.approx([0, 2 / 30, 2 / 30])  # switched to dts at the first glitch
        assert got[3:] == pytest.approx([3 / 30, 4 / 30, 5 / 30])
        src.seek_video(0.5)  # a seek starts trusting pts again
        assert src.video_frame_time(SimpleNamespace(pts=40, dts=38, time_base=tb)) == pytest.approx(40 / 30)
        assert src.video_frame_time(SimpleNamespace(pts=None, dts=None, time_base=tb)) is None
