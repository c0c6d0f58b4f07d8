"""FCPXML 1.10: the plan as a retimed timeline for Final Cut Pro and DaVinci Resolve.

Layout (see Apple's FCPXML reference, "timeMap"): one ``format`` and one ``asset`` (the
source file, with its exact duration) in ``resources``; in the project's ``spine``, one
``asset-clip`` per plan segment, none dropped (``timeline_events``). A clip's ``offset``
(its place on the output timeline), ``duration`` and ``start`` are on whole frames of the
sequence; ``start`` and ``duration`` are in the clip's local (retimed) time.

The exact source range is carried by the ``timeMap``: its ``timept`` elements map local time
to media time linearly, ``0 -> 0``, ``start -> src_start`` and ``start + duration ->
src_end``, with rational times ("1001/30000s", "118s"). So consecutive clips meet exactly in
the source, however much a 9.31x clip would have amplified rounding ``start`` to a frame. A
clip whose source range is exactly its local range (1x, on frames) has no ``timeMap``.

What editors see: Final Cut Pro and Resolve apply the ``timeMap`` (retimed clips whose speed
is the plan's, to within the record rounding of about a frame per clip). OpenTimelineIO's
fcpx_xml adapter ignores ``timeMap``: it reads each clip's record place and length exactly
but its source range as the local ``start``/``duration`` (tests/export/test_timeline_otio.py
checks the ``timeMap`` with its own parser).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from player.core.media_info import MediaInfo
from player.core.speed_plan import SpeedPlan
from player.export.timeline_events import exact_seconds, timeline_events

FCPXML_VERSION = "1.10"
_FORMAT_RATE_NAMES = {
    Fraction(24000, 1001): "2398",
    Fraction(24): "24",
    Fraction(25): "25",
    Fraction(30000, 1001): "2997",
    Fraction(30): "30",
    Fraction(50): "50",
    Fraction(60000, 1001): "5994",
    Fraction(60): "60",
}


def rational_time(seconds: Fraction) -> str:
    """FCPXML time: '0s', '3s' or 'num/dens'."""
    seconds = Fraction(seconds)
    if seconds == 0:
        return "0s"
    if seconds.denominator == 1:
        return f"{seconds.numerator}s"
    return f"{seconds.numerator}/{seconds.denominator}s"


def parse_rational_time(text: str) -> Fraction:
    """Inverse of ``rational_time`` (for tests and round trips)."""
    if not text.endswith("s"):
        raise ValueError(f"not an FCPXML time: {text!r}")
    return Fraction(text[:-1])


def _format_name(width: int, height: int, fps: Fraction) -> str | None:
    rate = _FORMAT_RATE_NAMES.get(fps)
    if rate is None or (width, height) not in ((1280, 720), (1920, 1080), (3840, 2160)):
        return None
    return f"FFVideoFormat{height}p{rate}"


def fcpxml_document(
    plan: SpeedPlan, info: MediaInfo, fps: Fraction, project_name: str | None = None, frames: int | None = None
) -> str:
    """The FCPXML text for ``plan`` applied to the file described by ``info``, with a
    sequence at ``fps`` (see ``edl.timeline_rate``) of ``frames`` frames (default: the
    plan's output duration in frames)."""
    frame = 1 / Fraction(fps)
    events = timeline_events(plan, fps, frames)
    total_frames = events[-1].rec_out
    width, height = info.display_size
    name = Path(info.path).stem
    project = project_name or f"{name} (SpeedNet x{plan.speedup:.2f})"
    # The media's exact length: no clip reads past it (a plan a few ms longer than the
    # probed duration is clamped here).
    media_len = exact_seconds(info.duration_s)

    root = Element("fcpxml", version=FCPXML_VERSION)
    resources = SubElement(root, "resources")
    fmt = {
        "id": "r1",
        "frameDuration": rational_time(frame),
        "width": str(width),
        "height": str(height),
        "colorSpace": "1-1-1 (Rec. 709)",
    }
    fmt_name = _format_name(width, height, Fraction(fps))
    if fmt_name:
        fmt["name"] = fmt_name
    SubElement(resources, "format", fmt)
    asset_attrs = {
        "id": "r2",
        "name": name,
        "start": "0s",
        "duration": rational_time(media_len),
        "hasVideo": "1",
        "format": "r1",
        "hasAudio": "1" if info.has_audio else "0",
    }
    if info.has_audio:
        asset_attrs.update(
            audioSources="1",
            audioChannels=str(info.audio_channels or 2),
            audioRate=str(info.audio_rate or 48000),
        )
    asset = SubElement(resources, "asset", asset_attrs)
    SubElement(asset, "media-rep", kind="original-media", src=Path(info.path).absolute().as_uri())

    library = SubElement(root, "library")
    event = SubElement(library, "event", name="SpeedNet Player")
    proj = SubElement(event, "project", name=project)
    sequence = SubElement(
        proj,
        "sequence",
        {
            "format": "r1",
            "duration": rational_time(total_frames * frame),
            "tcStart": "0s",
            "tcFormat": "NDF",
            "audioLayout": "stereo" if (info.audio_channels or 2) >= 2 else "mono",
            "audioRate": "44.1k" if info.audio_rate == 44100 else "48k",
        },
    )
    spine = SubElement(sequence, "spine")
    for ev in events:
        src_start, src_end = min(ev.src_start, media_len), min(ev.src_end, media_len)
        duration = ev.rec_frames * frame
        # The local in-point: the source in-point at the clip's speed, on a frame boundary
        # (and after 0 when the source in-point is, so the time map keeps increasing).
        speed = ev.effective_speed(fps)
        start_frames = round(src_start / speed / frame)
        if src_start > 0:
            start_frames = max(1, start_frames)
        start = start_frames * frame
        clip = SubElement(
            spine,
            "asset-clip",
            {
                "ref": "r2",
                "name": name,
                "offset": rational_time(ev.rec_in * frame),
                "start": rational_time(start),
                "duration": rational_time(duration),
                "format": "r1",
                "tcFormat": "NDF",
            },
        )
        if start != src_start or duration != src_end - src_start:
            time_map = SubElement(clip, "timeMap")
            points = [(start, src_start), (start + duration, src_end)]
            if start > 0:
                points.insert(0, (Fraction(0), Fraction(0)))
            for local, media in points:
                SubElement(time_map, "timept", time=rational_time(local), value=rational_time(media), interp="linear")
    indent(root, space="    ")
    body = tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n{body}\n'
