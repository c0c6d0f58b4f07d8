"""Write the plan for video editors: ``--timeline OUT.fcpxml`` or ``OUT.edl``.

The format follows the extension. Both are written atomically (temporary file, then
rename) and refuse to replace an existing file unless ``overwrite``. Both hold one clip per
plan segment and last exactly as long as the rendered cut, at a SMPTE rate
(``edl.timeline_rate``: the cut's own rate, or a whole multiple of it for 10 or 15 fps).
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

from player.core.errors import OutputError
from player.core.media_info import MediaInfo
from player.core.speed_plan import SpeedPlan
from player.export.edl import edl_document, timeline_rate
from player.export.fcpxml import fcpxml_document
from player.export.output_path import check_output_path, write_text_atomic
from player.export.output_rate import output_frame_rate
from player.export.timeline_events import timeline_frames

TIMELINE_FORMATS = {".fcpxml": fcpxml_document, ".edl": edl_document}


def timeline_format_of(path: str | os.PathLike[str]) -> str:
    """'.fcpxml' or '.edl' from the file name; OutputError for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix not in TIMELINE_FORMATS:
        raise OutputError(
            f"unknown timeline format {suffix or '(no extension)'!r} for {Path(path).name}; "
            "use .fcpxml (Final Cut Pro, DaVinci Resolve) or .edl (Premiere, Resolve, Avid)"
        )
    return suffix


def write_timeline(
    out: str | os.PathLike[str],
    plan: SpeedPlan,
    info: MediaInfo,
    *,
    fps: Fraction | None = None,
    overwrite: bool = False,
) -> Path:
    """Write ``plan`` over the source ``info`` as an FCPXML or EDL timeline; returns the path.

    ``fps`` is the rendered cut's rate (default: the source's average rate, tidied as the
    rendered cut's is, so the timeline and the cut have the same frame count); the timeline
    is written at ``timeline_rate(fps)``.
    """
    render = TIMELINE_FORMATS[timeline_format_of(out)]
    path = check_output_path(out, inputs=[info.path], overwrite=overwrite)
    cut_rate = Fraction(fps) if fps is not None else output_frame_rate(info.fps_avg)
    rate = timeline_rate(cut_rate)
    frames = timeline_frames(plan, rate, cut_rate)
    return write_text_atomic(path, render(plan, info, rate, frames=frames), overwrite=overwrite)
