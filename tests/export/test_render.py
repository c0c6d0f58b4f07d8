"""export_cut on real clips: durations, A/V sync, pitch, muting, frames, rotation, safety."""

from __future__ import annotations

import itertools
import os
import threading
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from player.core.errors import MediaError, OutputError
from player.core.speed_plan import Segment, SpeedPlan
from player.export.cancellation import ExportCancelled
from player.export.output_rate import STANDARD_RATES
from player.export.render import export_cut

from export_facts import BURST_ONSETS, decoded_audio, peak_frequency, read_output, stepped_plan


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial-" in p.name)


def test_stepped_plan_duration_and_av_sync(make_clip, tmp_path: Path) -> None:
    clip = make_clip(duration=4.0, fps=30)
    plan = stepped_plan(clip.duration)
    out = tmp_path / "cut.mp4"
    result = export_cut(clip, plan, out)
    facts = read_output(out)
    frame = 1 / 30
    assert abs(facts.video_duration - plan.output_duration) <= frame + 1e-6
    assert abs(result.duration_s - plan.output_duration) <= frame / 2 + 1e-6
    assert facts.video_frames == result.frame_count
    assert facts.video_rate == 30
    assert facts.audio_duration is not None
    assert abs(facts.audio_duration - facts.video_duration) <= 0.040
    assert result.speedup == pytest.approx(plan.speedup, rel=0.02)
    assert leftovers(tmp_path) == []


def test_output_frames_show_the_planned_source_frames(make_clip, frame_index, tmp_path: Path) -> None:
    clip = make_clip(duration=4.0, fps=30, size=(320, 240))
    plan = SpeedPlan([Segment(0.0, 1.0, 1.0), Segment(1.0, 3.0, 2.0), Segment(3.0, clip.duration, 1.25)])
    out = tmp_path / "frames.mp4"
    export_cut(clip, plan, out, crf=12)
    with av.open(str(out)) as c:
        got = [frame_index(f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]
    times = np.array(clip.frame_times)
    want = [
        int(np.searchsorted(times, plan.out_to_src(k / 30) + 1e-4, side="right") - 1) for k in range(len(got))
    ]
    assert got == want


def test_tone_keeps_its_pitch_and_is_muted_above_the_limit(make_clip, tmp_path: Path) -> None:
    clip = make_clip(duration=4.0, fps=30, tone_hz=440.0, audio_rate=48000)
    plan = stepped_plan(clip.duration)  # quarters at 1x, 2x, 1.5625x, 6x
    out = tmp_path / "tone.mp4"
    export_cut(clip, plan, out)
    audio, rate = decoded_audio(out)
    for q, speed in enumerate((1.0, 2.0, 1.5625)):
        a, b = plan.src_to_out(q * 1.0), plan.src_to_out((q + 1) * 1.0)
        mid = audio[int((a + 0.1) * rate) : int((b - 0.1) * rate)]
        assert len(mid) > rate // 10
        assert peak_frequency(mid, rate) == pytest.approx(440.0, rel=0.01), f"{speed}x"
        assert np.sqrt(np.mean(mid**2)) > 0.1  # the tone is there (-10 dBFS sine: 0.22 RMS)
    a, b = plan.src_to_out(3.0), plan.output_duration
    muted = audio[int((a + 0.05) * rate) : int((b - 0.02) * rate)]
    assert np.sqrt(np.mean(muted**2)) < 1e-3  # 6x: muted, as in playback


def test_audio_stays_in_sync_across_many_speed_changes(burst_clip: Path, tmp_path: Path) -> None:
    """Every tone burst starts where the plan maps its source onset, within 20 ms.

    24 segments on 0.5 s cells at ladder speeds 1x..3.8x (below the mute limit), as the
    planner makes them; WSOLA itself may place content up to +-10.7 ms off (its search).
    """
    ladder = [1.25**i for i in range(7)]
    edges = [0.5 * i for i in range(24)] + [12.0]
    plan = SpeedPlan([Segment(a, b, ladder[3 * i % 7]) for i, (a, b) in enumerate(zip(edges, edges[1:]))])
    out = tmp_path / "bursts.mp4"
    export_cut(burst_clip, plan, out)
    audio, rate = decoded_audio(out)
    envelope = np.convolve(np.abs(audio), np.ones(48) / 48, "same")
    errors_ms = []
    for onset in BURST_ONSETS:
        expected = plan.src_to_out(onset)
        lo = int((expected - 0.06) * rate)
        above = np.flatnonzero(envelope[lo : int((expected + 0.06) * rate)] > 0.15)
        assert above.size, f"burst at {onset:.2f} s missing"
        errors_ms.append(1000 * ((lo + above[0]) / rate - expected))
    assert max(abs(e) for e in errors_ms) <= 20.0, errors_ms
    facts = read_output(out)
    assert abs(facts.audio_duration - facts.video_duration) <= 0.040


def test_no_audio_source_gives_video_only_output(clip_no_audio, tmp_path: Path) -> None:
    out = tmp_path / "silent.mp4"
    result = export_cut(clip_no_audio, SpeedPlan.uniform(clip_no_audio.duration, 2.0), out)
    facts = read_output(out)
    assert facts.audio_duration is None and result.audio_duration_s is None
    assert abs(facts.video_duration - clip_no_audio.duration / 2) <= 1 / 30 + 1e-6


def test_rotation_metadata_is_kept(clip_rotated, tmp_path: Path) -> None:
    out = tmp_path / "rotated.mp4"
    result = export_cut(clip_rotated, SpeedPlan.uniform(clip_rotated.duration, 2.0), out)
    facts = read_output(out)
    assert facts.rotation == clip_rotated.rotation == 90
    assert result.rotation == 90
    # Stored unrotated, as the source is: players apply the matrix.
    assert (facts.width, facts.height) == clip_rotated.size


def test_variable_frame_rate_source_gives_constant_rate_output(clip_vfr, tmp_path: Path) -> None:
    out = tmp_path / "vfr.mp4"
    plan = SpeedPlan.uniform(clip_vfr.duration, 1.5)
    export_cut(clip_vfr, plan, out)
    facts = read_output(out)
    assert facts.video_rate in STANDARD_RATES  # a tidy constant rate near the average
    assert abs(facts.video_duration - plan.output_duration) <= 1 / facts.video_rate + 1e-6
    assert facts.audio_duration is not None
    assert abs(facts.audio_duration - facts.video_duration) <= 0.040


def test_odd_sized_rgb_source_is_converted(odd_png_clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "odd.mp4"
    export_cut(odd_png_clip, SpeedPlan.uniform(1.0, 1.0), out)
    facts = read_output(out)
    assert (facts.width, facts.height) == (160, 120)
    assert facts.video_rate == 25 and facts.video_frames == 25


def first_rgb(path: Path) -> np.ndarray:
    with av.open(str(path)) as c:
        return next(c.decode(video=0)).to_ndarray(format="rgb24").astype(np.int16)


@pytest.mark.parametrize("name", ["bt709", "full_range"])
def test_colours_are_kept_and_tagged(tagged_clips: dict[str, Path], name: str, tmp_path: Path) -> None:
    src = tagged_clips[name]
    out = tmp_path / f"{name}.mp4"
    export_cut(src, SpeedPlan.uniform(1.0, 1.0), out, crf=10)
    # Same picture after decoding both as RGB: nothing lost to a wrong matrix or range.
    assert np.abs(first_rgb(out) - first_rgb(src)).mean() < 3.0
    with av.open(str(out)) as c:
        ctx = c.streams.video[0].codec_context
        assert ctx.format.name == "yuv420p"
        if name == "bt709":
            assert (ctx.colorspace, ctx.color_primaries, ctx.color_trc, ctx.color_range) == (1, 1, 1, 1)


def test_explicit_output_rate(clip_60, tmp_path: Path) -> None:
    out = tmp_path / "rate.mp4"
    result = export_cut(clip_60, SpeedPlan.uniform(clip_60.duration, 2.0), out, fps=Fraction(24))
    facts = read_output(out)
    assert facts.video_rate == 24 and result.frame_count == 24


def test_cancel_halfway_leaves_nothing(make_clip, tmp_path: Path) -> None:
    clip = make_clip(duration=4.0, fps=30)
    out = tmp_path / "cancelled.mp4"
    seen: list[float] = []
    # The cancel check is polled once per demuxed packet: turn it on after half the video's
    # 120 packets, whatever the machine's speed (progress is throttled by wall time, so a
    # cancel set from the progress callback came too late on a fast run).
    checks = itertools.count()

    def cancel() -> bool:
        return next(checks) >= 60

    with pytest.raises(ExportCancelled):
        export_cut(clip, SpeedPlan.uniform(clip.duration, 1.0), out, seen.append, cancel)
    assert seen and max(seen) < 1.0
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_cancel_callable_and_keyboard_interrupt_leave_nothing(clip_30, tmp_path: Path) -> None:
    out = tmp_path / "interrupted.mp4"
    with pytest.raises(ExportCancelled):
        export_cut(clip_30, SpeedPlan.uniform(clip_30.duration, 1.0), out, cancel=lambda: True)

    checks = itertools.count()

    def interrupt() -> bool:  # Ctrl-C arriving a few packets into the export
        if next(checks) >= 5:
            raise KeyboardInterrupt
        return False

    with pytest.raises(KeyboardInterrupt):
        export_cut(clip_30, SpeedPlan.uniform(clip_30.duration, 1.0), out, cancel=interrupt)
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_progress_runs_from_zero_to_one(clip_30, tmp_path: Path) -> None:
    seen: list[float] = []
    export_cut(clip_30, SpeedPlan.uniform(clip_30.duration, 1.0), tmp_path / "p.mp4", seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert seen == sorted(seen)


def test_existing_output_is_kept_unless_overwrite(clip_30, tmp_path: Path) -> None:
    out = tmp_path / "exists.mp4"
    out.write_bytes(b"precious")
    plan = SpeedPlan.uniform(clip_30.duration, 2.0)
    with pytest.raises(OutputError, match="overwrite"):
        export_cut(clip_30, plan, out)
    assert out.read_bytes() == b"precious"
    export_cut(clip_30, plan, out, overwrite=True)
    assert read_output(out).video_frames == 30


def test_never_writes_over_the_input(clip_30, tmp_path: Path) -> None:
    before = Path(clip_30).read_bytes()
    plan = SpeedPlan.uniform(clip_30.duration, 2.0)
    link = tmp_path / "link.mp4"
    link.symlink_to(Path(clip_30).resolve())
    hard = tmp_path / "hard.mp4"
    os.link(Path(clip_30).resolve(), hard)
    for target in (Path(clip_30), link, hard):
        with pytest.raises(OutputError, match="input"):
            export_cut(clip_30, plan, target, overwrite=True)
    assert Path(clip_30).read_bytes() == before


def test_bad_input_raises_media_error(bad_inputs, tmp_path: Path) -> None:
    for name, path in bad_inputs.items():
        with pytest.raises(MediaError):
            export_cut(path, SpeedPlan.uniform(1.0, 1.0), tmp_path / f"{name}.mp4")
        assert not (tmp_path / f"{name}.mp4").exists(), name
    assert leftovers(tmp_path) == []


def test_bad_settings_are_refused(clip_30, tmp_path: Path) -> None:
    plan = SpeedPlan.uniform(clip_30.duration, 1.0)
    with pytest.raises(OutputError, match="preset"):
        export_cut(clip_30, plan, tmp_path / "a.mp4", preset="warp")
    with pytest.raises(OutputError, match="CRF"):
        export_cut(clip_30, plan, tmp_path / "a.mp4", crf=99)


def test_export_from_a_worker_thread(clip_30, tmp_path: Path) -> None:
    """The GUI runs it off its thread: nothing in export_cut may need the main thread."""
    box: dict[str, object] = {}

    def work() -> None:
        try:
            box["result"] = export_cut(clip_30, SpeedPlan.uniform(clip_30.duration, 2.0), tmp_path / "t.mp4")
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            box["error"] = exc

    t = threading.Thread(target=work)
    t.start()
    t.join(60)
    assert "error" not in box and "result" in box
