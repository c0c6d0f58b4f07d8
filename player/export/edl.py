"""CMX 3600 EDL: the plan as a list of cuts with M2 speed changes (Premiere, Resolve, Avid).

Each plan segment is one event. Its source in/out are the source timecodes it consumes,
its record in/out its place in the output, and an ``M2`` line under it gives the playback
rate in frames per second (nominal rate x speed), as OpenTimelineIO's cmx_3600 adapter
reads and writes it: a record duration that differs from the source duration is explained
by the M2 line. Timecode is non-drop-frame at the nominal (whole) rate of the output; the
record side starts at 00:00:00:00. Source timecodes count source frames at the output rate
from the start of the file (files without a timecode track start at 00:00:00:00). Reel names are "AX" (an auxiliary source) with the file
named in a ``* FROM CLIP NAME:`` comment.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

from player.core.media_info import MediaInfo
from player.core.speed_plan import SpeedPlan
from player.export.timeline_events import timeline_events

REEL = "AX"


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


def edl_document(plan: SpeedPlan, info: MediaInfo, fps: Fraction, title: str | None = None) -> str:
    """The EDL text for ``plan`` applied to the file described by ``info``."""
    rate = float(fps)
    nominal = max(1, round(rate))
    name = Path(info.path).name
    channels = ("AA/V" if info.audio_channels >= 2 else "B") if info.has_audio else "V"
    lines = [f"TITLE: {title or Path(info.path).stem + ' SpeedNet cut'}", "FCM: NON-DROP FRAME", ""]
    for number, ev in enumerate(timeline_events(plan, fps), start=1):
        # Source frames counted at the real rate; NDF timecode just labels frame numbers.
        src_in = math.floor(ev.src_start * rate + 0.5)
        src_out = max(src_in + 1, math.floor(ev.src_end * rate + 0.5))
        lines.append(
            f"{number:03d}  {REEL:<8} {channels:<5} C        "
            f"{timecode(src_in, nominal)} {timecode(src_out, nominal)} "
            f"{timecode(ev.rec_in, nominal)} {timecode(ev.rec_out, nominal)}"
        )
        if ev.speed != 1.0:
            lines.append(f"M2   {REEL:<8} {nominal * ev.speed:05.1f}{'':16}{timecode(src_in, nominal)}")
        lines.append(f"* FROM CLIP NAME: {name}")
        lines.append("")
    return "\n".join(lines)
