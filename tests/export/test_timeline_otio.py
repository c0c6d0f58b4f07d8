"""Every timeline we write, read back by OpenTimelineIO and by our own parsers.

For sources at 10, 24, 25, 29.97, 30 and 60 fps, and plans whose 9.31x segments are shorter
than a frame of output, each timeline must hold one clip per plan segment, last the plan's
output duration to within one output frame (exactly the rendered cut's frame count when the
cut's rate is a SMPTE rate), and consume the source contiguously and in order.

What each reader sees:
- EDL, OpenTimelineIO cmx_3600 (read at the rate named in the TITLE line): record ranges
  exactly; source in-points exactly; the speed from M2 to 0.05 fps (the field's precision).
- FCPXML, OpenTimelineIO fcpx_xml: record places and lengths exactly at whole rates; it
  ignores ``timeMap`` (source ranges are the clips' local, retimed ranges) and truncates
  29.97 to 29 fps, so at 29.97 only our parser is meaningful. Our parser applies the
  ``timeMap`` as Final Cut Pro and Resolve do and checks the source ranges exactly.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import pytest

otio = pytest.importorskip("opentimelineio", reason="dev extra: pip install -e '.[dev]'")

from player.core.speed_plan import Segment, SpeedPlan  # noqa: E402
from player.export.edl import parse_timecode, timeline_rate  # noqa: E402
from player.export.fcpxml import parse_rational_time  # noqa: E402
from player.export.frame_picker import output_frame_count  # noqa: E402
from player.export.output_rate import output_frame_rate  # noqa: E402
from player.export.timeline import write_timeline  # noqa: E402
from player.media.probe import probe  # noqa: E402

TOP = 1.25**10  # 9.31x, the ladder's top
RATES = [10, 24, 25, Fraction(30000, 1001), 30, 60]


def short_fast_plan(duration: float) -> SpeedPlan:
    """Per second: 0.25 s at 9.31x and 0.25 s at 7.45x (each shorter than a 30 fps output
    frame), then 0.5 s at 1x; the last cell takes what is left."""
    cells: list[Segment] = []
    t = 0.0
    pattern = [(0.25, TOP), (0.25, 1.25**9), (0.5, 1.0)]
    i = 0
    while t < duration - 1e-9:
        length, speed = pattern[i % 3]
        end = min(duration, t + length)
        cells.append(Segment(t, end, speed))
        t, i = end, i + 1
    return SpeedPlan(cells)


def ladder_plan(duration: float) -> SpeedPlan:
    """0.5 s cells at ladder speeds as the planner makes them (9.31x cells: 0.054 s out)."""
    ladder = [1.25**i for i in range(11)]
    edges = [0.5 * i for i in range(int(duration / 0.5))] + [duration]
    return SpeedPlan([Segment(a, b, ladder[(3 * i + 10) % 11]) for i, (a, b) in enumerate(zip(edges, edges[1:]))])


PLANS = {"short_fast": short_fast_plan, "ladder": ladder_plan}


@pytest.fixture(scope="module", params=RATES, ids=lambda r: f"{float(r):g}fps")
def source(request, make_clip):
    return probe(make_clip(duration=6.0, fps=request.param))


def _rates(info) -> tuple[Fraction, Fraction]:
    out_rate = output_frame_rate(info.fps_avg)
    return out_rate, timeline_rate(out_rate)


def _check_duration(record_s: Fraction | float, plan: SpeedPlan, out_rate: Fraction, rate: Fraction) -> float:
    """Record duration vs the plan's output duration: within one output frame, and exactly
    the rendered cut's duration (its frames at its rate) when the timeline rate is the cut's
    or a whole multiple of it (10 fps written at 30)."""
    error = abs(float(record_s) - plan.output_duration)
    assert error <= 1 / float(out_rate), f"{float(record_s)} s vs the plan's {plan.output_duration} s"
    if (rate / out_rate).denominator == 1:
        cut_s = Fraction(output_frame_count(plan, out_rate)) / out_rate
        assert Fraction(record_s).limit_denominator(10**6) == cut_s
    return error


# -- EDL -----------------------------------------------------------------------------------
def _edl_events(text: str, nominal: int) -> list[tuple[int, int, int, int]]:
    """(src_in, src_out, rec_in, rec_out) frames of each event, by our own reading."""
    events = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 8 and parts[0].isdigit():
            events.append(tuple(parse_timecode(p, nominal) for p in parts[4:8]))
    return events


@pytest.mark.parametrize("plan_name", PLANS)
def test_edl_read_by_otio_follows_the_plan(source, plan_name, tmp_path: Path) -> None:
    plan = PLANS[plan_name](source.duration_s)
    out_rate, rate = _rates(source)
    text = write_timeline(tmp_path / "cut.edl", plan, source).read_text()
    assert f"({float(rate):.3f}".rstrip("0").rstrip(".") in text.splitlines()[0]

    timeline = otio.adapters.read_from_string(text, "cmx_3600", rate=float(rate))
    video = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video]
    assert len(video) == 1 and len(timeline.tracks) == 3  # V, A1, A2
    for track in timeline.tracks:
        clips = list(track)
        assert all(isinstance(c, otio.schema.Clip) for c in clips), "no gaps"
        assert len(clips) == len(plan), "one clip per plan segment"
        _check_duration(track.duration().to_seconds(), plan, out_rate, rate)

    # Source ranges, by OpenTimelineIO: each clip starts where the previous one's source
    # (record length x M2 speed) ends, to the precision of the M2 field.
    clips = list(video[0])
    src_end = 0.0
    for clip in clips:
        start = clip.source_range.start_time.value
        rec = clip.source_range.duration.value
        scalar = clip.effects[0].time_scalar if clip.effects else 1.0
        assert abs(start - src_end) <= 1e-6 + rec * 0.05 / float(rate) + 0.5
        src_end = start + rec * scalar
    assert abs(src_end / float(rate) - plan.input_duration) <= 1.5 / float(rate)

    # Our own reading: exact frame contiguity on both sides.
    nominal = round(rate)
    events = _edl_events(text, nominal)
    assert len(events) == len(plan)
    assert events[0][0] == 0 and events[0][2] == 0
    for (_, so, _, ro), (si, _, ri, _) in zip(events, events[1:]):
        assert si == so and ri == ro
    for (si, so, ri, ro), seg in zip(events, plan.segments):
        assert so > si and ro > ri
        assert abs(si / float(rate) - seg.start) <= 0.5 / float(rate) + 1e-9


def test_edl_at_29_97_uses_30000_over_1001(make_clip, tmp_path: Path) -> None:
    """Timecodes label frames at nominal 30, but every rate, M2 included, is 30000/1001."""
    info = probe(make_clip(duration=6.0, fps=Fraction(30000, 1001)))
    plan = SpeedPlan([Segment(0, 3, 1.0), Segment(3, info.duration_s, 2.0)])
    text = write_timeline(tmp_path / "cut.edl", plan, info).read_text()
    assert "(29.97 fps)" in text.splitlines()[0]
    m2 = [line for line in text.splitlines() if line.startswith("M2")]
    events = _edl_events(text, 30)
    # Source 3 s = 89.91 -> frame 90; the 2x event's M2 is 29.97 x (source/record frames).
    (si, so, ri, ro) = events[1]
    assert si == 90 and float(m2[0].split()[2]) == pytest.approx(29.97 * (so - si) / (ro - ri), abs=0.05)
    assert float(m2[0].split()[2]) == pytest.approx(59.9, abs=0.15)


def test_edl_at_a_non_smpte_rate_is_written_at_a_multiple(make_clip, tmp_path: Path) -> None:
    """10 fps is not a SMPTE rate: the EDL is written at 30 fps (3 timecode frames a frame)."""
    info = probe(make_clip(duration=6.0, fps=10))
    assert output_frame_rate(info.fps_avg) == 10 and timeline_rate(Fraction(10)) == 30
    plan = SpeedPlan([Segment(0, 2, 1.0), Segment(2, info.duration_s, 4.0)])
    text = write_timeline(tmp_path / "cut.edl", plan, info).read_text()
    assert "(30 fps)" in text.splitlines()[0]
    timeline = otio.adapters.read_from_string(text, "cmx_3600", rate=30)
    # 2 s at 1x + 4 s at 4x = 3 s: 30 frames of the 10 fps cut, 90 timecode frames at 30.
    assert output_frame_count(plan, Fraction(10)) == 30
    assert timeline.tracks[0].duration().to_seconds() == pytest.approx(3.0, abs=1e-9)
    assert _edl_events(text, 30)[1][0] == 60  # source 2 s at 30 fps timecode


# -- FCPXML --------------------------------------------------------------------------------
def _media_time(points: list[tuple[Fraction, Fraction]], t: Fraction) -> Fraction:
    """The timeMap's linear interpolation at local time t."""
    for (t0, v0), (t1, v1) in zip(points, points[1:]):
        if t0 <= t <= t1:
            return v0 + (v1 - v0) * (t - t0) / (t1 - t0)
    raise AssertionError(f"{t} outside the time map {points}")


def _fcpxml_clips(text: str) -> tuple[Fraction, Fraction, Fraction, list[dict]]:
    """(frame, sequence duration, asset duration, clips) with each clip's exact source range."""
    root = ET.fromstring(text)
    frame = parse_rational_time(root.find("resources/format").get("frameDuration"))
    asset_len = parse_rational_time(root.find("resources/asset").get("duration"))
    sequence = root.find("library/event/project/sequence")
    clips = []
    for el in sequence.findall("spine/asset-clip"):
        offset, start, duration = (parse_rational_time(el.get(k)) for k in ("offset", "start", "duration"))
        time_map = el.find("timeMap")
        if time_map is None:
            src_in, src_out = start, start + duration
        else:
            points = [(parse_rational_time(p.get("time")), parse_rational_time(p.get("value"))) for p in time_map]
            assert all(b[0] > a[0] and b[1] >= a[1] for a, b in zip(points, points[1:])), "monotone map"
            src_in, src_out = _media_time(points, start), _media_time(points, start + duration)
        clips.append({"offset": offset, "start": start, "duration": duration, "src": (src_in, src_out)})
    return frame, parse_rational_time(sequence.get("duration")), asset_len, clips


@pytest.mark.parametrize("plan_name", PLANS)
def test_fcpxml_follows_the_plan_exactly(source, plan_name, tmp_path: Path) -> None:
    plan = PLANS[plan_name](source.duration_s)
    out_rate, rate = _rates(source)
    text = write_timeline(tmp_path / "cut.fcpxml", plan, source).read_text()
    frame, seq_len, asset_len, clips = _fcpxml_clips(text)
    assert frame == 1 / rate
    assert len(clips) == len(plan), "one clip per plan segment"
    assert asset_len == Fraction(source.duration_s).limit_denominator(10**6)

    t = Fraction(0)
    src = Fraction(0)
    for clip, seg in zip(clips, plan.segments):
        assert clip["offset"] == t, "clips tile the timeline"
        for key in ("offset", "start", "duration"):
            assert (clip[key] / frame).denominator == 1, f"{key} on a frame boundary"
        assert clip["src"][0] == src, "source contiguous, in order, exact"
        assert float(clip["src"][0]) == pytest.approx(seg.start, abs=1e-9)
        assert float(clip["src"][1]) == pytest.approx(min(seg.end, float(asset_len)), abs=1e-9)
        # The in-point on the record side is where the plan shows it, to within a frame
        # or two (a clip shorter than a frame was given one by its neighbours).
        assert abs(float(clip["offset"]) - plan.src_to_out(seg.start)) <= 2 * float(frame)
        t += clip["duration"]
        src = clip["src"][1]
    assert seq_len == t
    assert src <= asset_len, "no clip reads past the end of the media"
    _check_duration(seq_len, plan, out_rate, rate)

    if rate.denominator != 1:
        return  # the fcpx_xml adapter truncates 29.97 to 29 fps: nothing more to compare
    collection = otio.adapters.read_from_string(text, "fcpx_xml")
    (timeline,) = list(collection)
    (track,) = list(timeline.tracks)
    otio_clips = [c for c in track if isinstance(c, otio.schema.Clip)]
    assert len(otio_clips) == len(plan)
    assert track.duration().to_seconds() == pytest.approx(float(seq_len), abs=1e-9)
    for oc, clip in zip(otio_clips, clips):
        assert oc.source_range.duration.to_seconds() == pytest.approx(float(clip["duration"]), abs=1e-9)


def test_one_output_duration_everywhere(make_clip, tmp_path: Path) -> None:
    """Both timelines last exactly the rendered cut's frame count at the cut's rate."""
    info = probe(make_clip(duration=4.0, fps=Fraction(30000, 1001)))
    plan = short_fast_plan(info.duration_s)
    out_rate = output_frame_rate(info.fps_avg)
    frames = output_frame_count(plan, out_rate)
    _, seq_len, _, _ = _fcpxml_clips(write_timeline(tmp_path / "a.fcpxml", plan, info).read_text())
    assert seq_len == frames / out_rate
    edl = write_timeline(tmp_path / "a.edl", plan, info).read_text()
    assert _edl_events(edl, 30)[-1][3] == frames
