"""FCPXML, EDL and plan JSON: well-formed, and their segment times add up to the plan."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import pytest

from player.core.errors import OutputError
from player.core.speed_plan import Segment, SpeedPlan
from player.export.edl import parse_timecode
from player.export.fcpxml import parse_rational_time
from player.export.plan_file import write_plan_json
from player.export.timeline import write_timeline
from player.media.probe import probe

from export_facts import stepped_plan

LADDER = [1.25**i for i in range(11)]


def ladder_plan(duration: float) -> SpeedPlan:
    """Many segments on 0.5 s cells with ladder speeds, as the planner makes them."""
    edges = [0.5 * i for i in range(int(duration / 0.5))] + [duration]
    speeds = [LADDER[(3 * i) % 11] for i in range(len(edges) - 1)]
    return SpeedPlan([Segment(a, b, s) for a, b, s in zip(edges, edges[1:], speeds)])


@pytest.fixture(scope="module")
def clip_info(make_clip):
    return probe(make_clip(duration=6.0, fps=30000 / 1001))


@pytest.mark.parametrize("make_plan", [stepped_plan, ladder_plan, lambda d: SpeedPlan.uniform(d, 1.0)])
def test_fcpxml_is_well_formed_and_adds_up(clip_info, make_plan, tmp_path: Path) -> None:
    plan = make_plan(clip_info.duration_s)
    out = write_timeline(tmp_path / "cut.fcpxml", plan, clip_info)
    text = out.read_text(encoding="utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>')
    root = ET.fromstring(text)
    assert root.tag == "fcpxml" and tuple(map(int, root.get("version").split("."))) >= (1, 9)
    fmt = root.find("resources/format")
    frame = parse_rational_time(fmt.get("frameDuration"))
    assert frame == Fraction(1001, 30000)
    asset = root.find("resources/asset")
    assert asset.find("media-rep").get("src") == Path(clip_info.path).absolute().as_uri()
    assert asset.get("hasAudio") == "1"

    clips = root.findall("library/event/project/sequence/spine/asset-clip")
    assert clips and all(c.get("ref") == asset.get("id") for c in clips)
    t = Fraction(0)
    source_covered = Fraction(0)
    for clip in clips:
        offset = parse_rational_time(clip.get("offset"))
        duration = parse_rational_time(clip.get("duration"))
        start = parse_rational_time(clip.get("start"))
        assert offset == t, "clips must tile the timeline with no gap or overlap"
        for value in (offset, duration, start):
            assert (value / frame).denominator == 1, "times must sit on frame boundaries"
        time_map = clip.find("timeMap")
        if time_map is None:
            src_in, src_out = start, start + duration
        else:
            points = [(parse_rational_time(p.get("time")), parse_rational_time(p.get("value"))) for p in time_map]
            assert points[0] == (0, 0) or points[0][0] == start
            (t0, v0), (t1, v1) = points[-2:]
            assert t0 == start and t1 == start + duration, "the map's last piece is the clip"
            src_in, src_out = v0, v1
        assert src_in == source_covered, "the source is consumed contiguously"
        seg = plan.segment_at(float((src_in + src_out) / 2))  # the clip's middle
        assert float(src_in) == pytest.approx(seg.start, abs=1e-9)
        # The clip's speed is the plan's, but for the rounding of its record length to frames.
        assert abs(float(duration) - seg.duration / seg.speed) <= 1.5 * float(frame)
        source_covered = src_out
        t += duration
    sequence = root.find("library/event/project/sequence")
    assert parse_rational_time(sequence.get("duration")) == t
    assert abs(float(t) - plan.output_duration) <= float(frame)
    assert float(source_covered) == pytest.approx(min(plan.input_duration, clip_info.duration_s), abs=1e-9)


EVENT = re.compile(
    r"^(\d{3})\s+(\S+)\s+(\S+)\s+C\s+(\d\d:\d\d:\d\d:\d\d) (\d\d:\d\d:\d\d:\d\d) (\d\d:\d\d:\d\d:\d\d) (\d\d:\d\d:\d\d:\d\d)$"
)
M2 = re.compile(r"^M2\s+(\S+)\s+(-?\d+\.\d)\s+(\d\d:\d\d:\d\d:\d\d)$")


def parse_edl(text: str, nominal: int) -> list[dict]:
    events: list[dict] = []
    lines = text.splitlines()
    assert lines[0].startswith("TITLE: ") and lines[0].endswith("fps)") and lines[1] == "FCM: NON-DROP FRAME"
    for line in lines[2:]:
        if not line.strip() or line.startswith("*"):
            continue
        m = EVENT.match(line)
        if m:
            si, so, ri, ro = (parse_timecode(m.group(i), nominal) for i in range(4, 8))
            events.append({"src": (si, so), "rec": (ri, ro), "speed": 1.0, "channels": m.group(3)})
            continue
        m = M2.match(line)
        assert m, f"unparsed EDL line: {line!r}"
        assert parse_timecode(m.group(3), nominal) == events[-1]["src"][0]
        events[-1]["m2"] = float(m.group(2))
    return events


@pytest.mark.parametrize("make_plan", [stepped_plan, ladder_plan])
def test_edl_parses_and_adds_up(clip_info, make_plan, tmp_path: Path) -> None:
    plan = make_plan(clip_info.duration_s)
    out = write_timeline(tmp_path / "cut.edl", plan, clip_info)
    fps = 30000 / 1001
    events = parse_edl(out.read_text(encoding="utf-8"), nominal=30)
    assert events and all(e["channels"] == "AA/V" for e in events)
    rec_t, src_t = 0, 0
    for e in events:
        ri, ro = e["rec"]
        si, so = e["src"]
        assert ri == rec_t and ro > ri and si == src_t and so > si, "contiguous on both sides"
        seg = plan.segment_at((si + so) / 2 / fps)
        assert abs(si / fps - seg.start) <= 0.5 / fps + 1e-9
        # M2 plays exactly the source range over the record range (to the field's 0.1 fps).
        if "m2" in e:
            assert e["m2"] == pytest.approx(fps * (so - si) / (ro - ri), abs=0.05 + 1e-9)
        else:
            assert so - si == ro - ri
        # ... which is the plan's speed but for rounding the record length to frames.
        assert abs((ro - ri) - seg.duration / seg.speed * fps) <= 1.5
        rec_t, src_t = ro, so
    assert abs(rec_t / fps - plan.output_duration) <= 0.5 / fps
    assert events[-1]["src"][1] / fps == pytest.approx(plan.input_duration, abs=0.5 / fps)


def test_timeline_refuses_unknown_format_and_existing_file(clip_info, tmp_path: Path) -> None:
    plan = SpeedPlan.uniform(clip_info.duration_s, 2.0)
    with pytest.raises(OutputError, match="fcpxml"):
        write_timeline(tmp_path / "cut.xml", plan, clip_info)
    out = tmp_path / "cut.edl"
    out.write_text("keep")
    with pytest.raises(OutputError, match="overwrite"):
        write_timeline(out, plan, clip_info)
    assert out.read_text() == "keep"
    write_timeline(out, plan, clip_info, overwrite=True)
    assert out.read_text().startswith("TITLE:")
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_plan_json_round_trip(clip_info, tmp_path: Path) -> None:
    plan = ladder_plan(clip_info.duration_s)
    out = write_plan_json(tmp_path / "plan.json", plan, inputs=[clip_info.path], extra={"source": "x.mp4"})
    data = json.loads(out.read_text())
    assert SpeedPlan.from_dict(data) == plan
    assert data["source"] == "x.mp4"
    assert data["output_duration_s"] == pytest.approx(plan.output_duration)
    with pytest.raises(OutputError, match="input"):
        write_plan_json(clip_info.path, plan, inputs=[clip_info.path], overwrite=True)


def test_record_boundaries_give_every_segment_a_frame_and_end_on_the_cut() -> None:
    from player.export.frame_picker import output_frame_count
    from player.export.timeline_events import record_boundaries

    # 0.25 s cells alternating 9.31x and 7.45x: 0.027 s and 0.034 s of output, each
    # shorter than a frame at 10 fps.
    edges = [0.25 * i for i in range(41)]
    plan = SpeedPlan([Segment(a, b, 1.25 ** (10 - i % 2)) for i, (a, b) in enumerate(zip(edges, edges[1:]))])
    for fps in (Fraction(10), Fraction(30000, 1001), Fraction(60)):
        n = output_frame_count(plan, fps)
        bounds = record_boundaries(plan, fps)
        assert len(bounds) == len(plan) + 1 and bounds[0] == 0
        assert all(b > a for a, b in zip(bounds, bounds[1:])), "no segment is dropped"
        assert bounds[-1] == max(n, len(plan))
    # More segments than output frames (40 segments, 12 frames at 10 fps): each keeps one
    # frame and the timeline is longer than the cut; never a dropped segment.
    assert output_frame_count(plan, Fraction(10)) < len(plan)
    assert record_boundaries(plan, Fraction(10)) == list(range(len(plan) + 1))
