"""A video cut short after its index, and one damaged AAC packet, on real files.

Truncated: ``head -c`` of a faststart MP4 opens fine and claims its whole length, but only
the first part decodes. probe, analyze and export must find where decoding really stops,
plan and export only that (no frozen last frame over the rest), and say so once in a
``warning:`` line with the time; MediaInfo tells the player (``claimed_duration_s``).

Damaged AAC: a packet FFmpeg's decoder rejects with -1 (PyAV: av.error.PermissionError)
aborted export with "[Errno 1] Operation not permitted". Export skips it, as the player and
ffmpeg do, and says how many it skipped.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import av
import av.error
import pytest

from bad_media import damaged_aac, packet_spans, truncated
from cli_runs import judge, run_in_process

from player.core.speed_plan import SpeedPlan
from player.export.render import export_cut
from player.media.probe import probe

FPS = 30


@pytest.fixture(scope="module")
def long_faststart(make_clip):  # type: ignore[no-untyped-def]
    """12 s, moov first, 320x240 (the frame-index strip reads reliably at this size)."""
    return make_clip(duration=12.0, fps=FPS, size=(320, 240), faststart=True, preset="ultrafast")


@pytest.fixture(scope="module")
def cut_short(long_faststart, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    """The first third of its bytes, as ``head -c`` leaves it."""
    return truncated(Path(long_faststart), tmp_path_factory.mktemp("cut") / "cut_short.mp4", 1 / 3)


def decodable_frames(path: Path) -> list[float]:
    """Times of every video frame FFmpeg can decode, as ``ffmpeg -i F -f null -`` would."""
    times = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        try:
            for packet in container.demux(stream):
                try:
                    frames = stream.decode(packet)
                except av.error.FFmpegError:
                    continue
                times += [float(f.pts * f.time_base) for f in frames if f.pts is not None]
        except av.error.FFmpegError:
            pass
    return sorted(times)


def test_probe_finds_where_decoding_stops(long_faststart, cut_short: Path) -> None:  # type: ignore[no-untyped-def]
    frames = decodable_frames(cut_short)
    real_end = frames[-1] + 1 / FPS
    assert 1.0 < real_end < 8.0, "the fixture must stop well inside the clip"
    info = probe(cut_short)
    assert info.is_truncated and info.claimed_duration_s == pytest.approx(12.0, abs=0.05)
    assert info.duration_s == pytest.approx(real_end, abs=2 / FPS)
    assert info.frame_count == pytest.approx(len(frames), abs=2)
    whole = probe(long_faststart)
    assert not whole.is_truncated and whole.claimed_duration_s is None and whole.duration_s == pytest.approx(12.0, abs=0.05)


def _one_warning_with_the_time(err_lines: list[str], seconds: float) -> None:
    warnings = [line for line in err_lines if line.startswith("warning:")]
    assert len(warnings) == 1, err_lines
    assert f"{seconds:.2f} s" in warnings[0] and "0:00:12.0" in warnings[0], warnings[0]


def test_analyze_scores_only_what_exists_and_says_so(cut_short: Path, tiny_checkpoint, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    info = probe(cut_short)
    run = run_in_process(["analyze", cut_short, "--model", tiny_checkpoint, "--json", tmp_path / "a.json"])
    assert run.rc == 0 and not judge(run), run.err
    _one_warning_with_the_time(run.err_lines, info.duration_s)
    data = json.loads((tmp_path / "a.json").read_text())
    assert data["input_duration_s"] == pytest.approx(info.duration_s, abs=1e-6)
    assert max(data["times"]) <= info.duration_s


@pytest.mark.parametrize("plan_for", ["claimed", "model"])
def test_export_writes_only_what_exists_no_frozen_tail(
    cut_short: Path, tiny_checkpoint, tmp_path: Path, frame_index, plan_for: str
) -> None:  # type: ignore[no-untyped-def]
    info = probe(cut_short)
    out = tmp_path / "cut.mp4"
    if plan_for == "claimed":  # a plan made for the whole 12 s, e.g. from the intact file
        plan = tmp_path / "plan.json"
        plan.write_text(json.dumps(SpeedPlan.uniform(12.0, 2.0).to_dict()))
        argv = ["export", cut_short, out, "--load-plan", plan]
    else:
        argv = ["export", cut_short, out, "--model", tiny_checkpoint]
    run = run_in_process(argv)
    assert run.rc == 0 and not judge(run), run.err
    _one_warning_with_the_time(run.err_lines, info.duration_s)

    source_frames = decodable_frames(cut_short)
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        indexes = [frame_index(f.to_ndarray(format="rgb24")) for f in container.decode(stream)]
        out_s = float(stream.duration * stream.time_base)
    if plan_for == "claimed":
        assert out_s == pytest.approx(info.duration_s / 2, abs=0.1)
    assert out_s < info.duration_s + 0.1, "never longer than the video that exists"
    # the cut ends on the last frame that exists, and holds no frame for long (at most 1 s
    # of output on one source frame, not the ~8 s the missing part would have frozen)
    assert indexes[-1] >= len(source_frames) - 3
    longest = max(sum(1 for _ in group) for _, group in itertools.groupby(indexes))
    assert longest <= FPS


@pytest.fixture(scope="module")
def aac_damaged(make_clip, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    clip = make_clip(duration=4.0, size=(160, 120), preset="ultrafast")
    return damaged_aac(Path(clip), tmp_path_factory.mktemp("aac") / "bad_aac.mp4", index=60)


def test_the_fixture_really_has_a_packet_the_decoder_rejects_with_eperm(aac_damaged: Path) -> None:
    errors = []
    with av.open(str(aac_damaged)) as container:
        stream = container.streams.audio[0]
        for packet in container.demux(stream):
            try:
                stream.decode(packet)
            except av.error.FFmpegError as exc:
                errors.append(exc)
    assert len(errors) == 1 and isinstance(errors[0], av.error.PermissionError), errors
    assert len(packet_spans(aac_damaged, "audio")) > 100


def test_export_cut_skips_the_damaged_packet_and_counts_it(aac_damaged: Path, tmp_path: Path) -> None:
    plan = SpeedPlan.uniform(probe(aac_damaged).duration_s, 1.0)
    result = export_cut(aac_damaged, plan, tmp_path / "cut.mp4")
    assert result.skipped_packets == 1
    assert result.audio_duration_s == pytest.approx(result.duration_s, abs=0.05)
    with av.open(str(result.path)) as container:
        samples = sum(f.samples for f in container.decode(audio=0))
    assert samples / 44100 == pytest.approx(result.duration_s, abs=0.05)


def test_export_command_says_how_many_it_skipped(aac_damaged: Path, tiny_checkpoint, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run = run_in_process(["export", aac_damaged, tmp_path / "cut.mp4", "--model", tiny_checkpoint])
    assert run.rc == 0 and not judge(run), run.err
    assert run.err_lines == [
        "warning: skipped 1 damaged packet of 'bad_aac.mp4' that could not be decoded "
        "(the picture holds, the sound is silent there)"
    ]
    assert "Operation not permitted" not in run.err
