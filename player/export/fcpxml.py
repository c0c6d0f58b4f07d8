"""FCPXML 1.10: the plan as a retimed timeline for Final Cut Pro and DaVinci Resolve.

Layout (as auto-editor writes its speed edits; see Apple's FCPXML reference, "timeMap"):
one ``format`` and one ``asset`` (the source file) in ``resources``; in the project's
``spine``, one ``asset-clip`` per plan segment. A retimed clip has a ``timeMap`` with two
``timept`` elements, mapping its local time ``t`` to media time ``t * speed`` linearly; its
``start`` and ``duration`` are in that local (retimed) time, so ``start = src_start / speed``.
``offset`` is its place on the output timeline. Every time is a rational number of seconds
("1001/30000s") on whole frames of the sequence.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from player.core.media_info import MediaInfo
from player.core.speed_plan import SpeedPlan
from player.export.timeline_events import speed_fraction, timeline_events

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
    plan: SpeedPlan, info: MediaInfo, fps: Fraction, project_name: str | None = None
) -> str:
    """The FCPXML text for ``plan`` applied to the file described by ``info``."""
    frame = 1 / Fraction(fps)
    events = timeline_events(plan, fps)
    total_frames = events[-1].rec_out if events else 0
    width, height = info.display_size
    name = Path(info.path).stem
    project = project_name or f"{name} (SpeedNet x{plan.speedup:.2f})"

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
    asset_frames = int(-(-Fraction(info.duration_s).limit_denominator(10**6) // frame))  # ceil
    asset_attrs = {
        "id": "r2",
        "name": name,
        "start": "0s",
        "duration": rational_time(asset_frames * frame),
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
    asset_len = asset_frames * frame
    for ev in events:
        speed = speed_fraction(ev.speed)
        # Local (retimed) start, on a frame boundary of the sequence.
        local_start_frames = round(Fraction(ev.src_start).limit_denominator(10**6) / speed / frame)
        clip = SubElement(
            spine,
            "asset-clip",
            {
                "ref": "r2",
                "name": name,
                "offset": rational_time(ev.rec_in * frame),
                "start": rational_time(local_start_frames * frame),
                "duration": rational_time(ev.rec_frames * frame),
                "format": "r1",
                "tcFormat": "NDF",
            },
        )
        if speed != 1:
            time_map = SubElement(clip, "timeMap")
            SubElement(time_map, "timept", time="0s", value="0s", interp="linear")
            SubElement(
                time_map,
                "timept",
                time=rational_time(asset_len / speed),
                value=rational_time(asset_len),
                interp="linear",
            )
    indent(root, space="    ")
    body = tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n{body}\n'
