"""CMX 3600 EDL: the plan as a list of cuts with M2 speed changes (Premiere, Resolve, Avid).

Each plan segment is one event (none is dropped). Its source in/out are the source
timecodes it consumes, its record in/out its place in the output, and an ``M2`` line under
it gives the playback rate in frames per second (timeline rate x speed), as OpenTimelineIO's
cmx_3600 adapter reads and writes it. The M2 speed is the one that fits the event's source
range exactly into its record range, so an editor that trusts the source in-point and the
M2 rate (Premiere, Resolve) plays the source contiguously.

The EDL is written at a SMPTE rate (``timeline_rate``): the output rate itself when it is one
(23.976, 24, 25, 29.97, 30, 48, 50, 59.94, 60), else the smallest SMPTE rate that is a whole
multiple of it (10 and 15 fps are written at 30, 12 fps at 24, 20 fps at 60), so each
source frame is a whole number of timecode frames. Timecode is non-drop-frame: at 29.97
and 59.94 it labels frame numbers at the nominal 30/60, and every rate (M2 included) is
the exact 30000/1001 or 60000/1001. The rate is named in the TITLE line; import the EDL at
that rate. The record side starts at 00:00:00:00; source timecodes count from the start
of the file (files without a timecode track start at 00:00:00:00). Reel names are "AX"
(an auxiliary source) with the file named in a ``* FROM CLIP NAME:`` comment.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

from player.core.media_info import MediaInfo
from player.core.speed_plan import SpeedPlan
from player.export.output_rate import SMPTE_RATES
from player.export.timeline_events import TimelineEvent, timeline_events

REEL = "AX"


def timeline_rate(output_rate: Fraction) -> Fraction:
    """The SMPTE rate an editor's timeline for a cut at ``output_rate`` is written at.

    The rate itself when it is a SMPTE rate; else the smallest SMPTE rate that is a whole
    multiple of it (exact frame mapping); else the nearest SMPTE rate.
    """
    rate = Fraction(output_rate)
    if rate in SMPTE_RATES:
        return rate
    multiples = [r for r in SMPTE_RATES if (r / rate).denominator == 1]
    if multiples:
        return multiples[0]
    return min(SMPTE_RATES, key=lambda r: abs(math.log(r / rate)))


def rate_label(rate: Fraction) -> str:
    """'29.97', '30', '23.976'."""
    return f"{float(rate):.3f}".rstrip("0").rstrip(".")


def timecode(frames: int, nominal_rate: int) -> str:
    """HH:MM:SS:FF, non-drop-frame."""
    frames = max(0, int(frames))
    ff = frames % nominal_rate
    total_s = frames // nominal_rate
    return f"{total_s // 3600:02d}:{total_s // 60 % 60:02d}:{total_s % 60:02d}:{ff:02d}"


def parse_timecode(text: str, nominal_rate: int) -> int:
    """Inverse of ``timecode``: frames."""
    hh, mm, ss, ff = (int(p) for p in text.replace(";", ":").split(":"))
    return ((hh * 60 + mm) * 60 + ss) * nominal_rate + ff


def source_frames(events: list[TimelineEvent], rate: Fraction) -> list[int]:
    """K+1 strictly increasing source frames at ``rate`` for the events' K source edges:
    consecutive events share an edge, so the source is consumed without gap or repeat."""
    edges = [ev.src_start for ev in events] + [events[-1].src_end]
    frames = [math.floor(t * rate + Fraction(1, 2)) for t in edges]
    for i in range(1, len(frames)):
        frames[i] = max(frames[i], frames[i - 1] + 1)  # a segment shorter than a frame keeps one
    return frames


def edl_document(
    plan: SpeedPlan, info: MediaInfo, fps: Fraction, title: str | None = None, frames: int | None = None
) -> str:
    """The EDL text for ``plan`` applied to the file described by ``info``, at ``fps``
    (a SMPTE rate; see ``timeline_rate``), ``frames`` long (default: the plan's output
    duration in frames)."""
    rate = Fraction(fps)
    if rate not in SMPTE_RATES:
        raise ValueError(f"an EDL needs a SMPTE rate, got {rate_label(rate)} fps (see timeline_rate)")
    nominal = round(rate)
    name = Path(info.path).name
    channels = ("AA/V" if info.audio_channels >= 2 else "B") if info.has_audio else "V"
    heading = title or f"{Path(info.path).stem} SpeedNet cut"
    lines = [f"TITLE: {heading} ({rate_label(rate)} fps)", "FCM: NON-DROP FRAME", ""]
    events = timeline_events(plan, rate, frames)
    src = source_frames(events, rate)
    for number, ev in enumerate(events, start=1):
        src_in, src_out = src[number - 1], src[number]
        lines.append(
            f"{number:03d}  {REEL:<8} {channels:<5} C        "
            f"{timecode(src_in, nominal)} {timecode(src_out, nominal)} "
            f"{timecode(ev.rec_in, nominal)} {timecode(ev.rec_out, nominal)}"
        )
        if src_out - src_in != ev.rec_frames:
            # The rate that plays exactly [src_in, src_out) over the record frames.
            m2 = rate * (src_out - src_in) / ev.rec_frames
            lines.append(f"M2   {REEL:<8} {float(m2):05.1f}{'':16}{timecode(src_in, nominal)}")
        lines.append(f"* FROM CLIP NAME: {name}")
        lines.append("")
    return "\n".join(lines)
