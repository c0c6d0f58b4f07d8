"""The words the player shows: status-bar and title strings, and the summary lines of the
command line. Pure functions of plain values (no Qt), so each wording has one home and a
unit test (tests/core/test_status_text.py).

The window calls ``present_status`` with the session's status snapshot and shows the
result; the commands call ``segments_phrase``, ``plan_phrase`` and ``output_phrase``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

APP_TITLE = "SpeedNet Player"
#: Status bar text when the SpeedNet model could not be loaded (no scores will come).
NO_MODEL_TEXT = "Smart FF unavailable (no model)"
#: A target speed-up is met when the plan's speed-up is within this share of it (the
#: planner's TARGET_TOLERANCE, repeated here so the words need no planner import).
TARGET_TOLERANCE = 0.01
SCORED = 0.999  # a scored share at or above this counts as all scored


def format_time(seconds: float) -> str:
    """0:07, 1:05, 1:02:03 (no fractional part, like mpv's OSC)."""
    if not math.isfinite(seconds) or seconds < 0:
        seconds = 0.0
    total = int(seconds)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_clock(seconds: float) -> str:
    """h:mm:ss.s, as the analyze and export summaries print input and output durations."""
    h, rem = divmod(max(0.0, seconds), 3600)
    m, s = divmod(rem, 60)
    return f"{int(h)}:{int(m):02d}:{s:04.1f}"


def format_rate(rate: float) -> str:
    """1.00×, 2.44×."""
    return f"{rate:.2f}\u00d7"


def segments_phrase(count: int) -> str:
    """'1 segment', '12 segments'."""
    return f"{count} segment" if count == 1 else f"{count} segments"


def plan_phrase(segments: int, *, rho: float | None, target: float | None) -> str:
    """What the speed-up line says about how the plan was made, inside its parentheses.

    A target plan names its target first and the threshold the search landed on second;
    rho 0 there means "as fast as the ladder allows", so it is said in words.
    """
    if target is not None:
        if rho is not None and rho <= 0.0:
            return f"{segments_phrase(segments)}, target x{target:.2f}: the fastest plan, rho 0"
        found = f" at rho {rho:.3f}" if rho is not None else ""
        return f"{segments_phrase(segments)}, target x{target:.2f}{found}"
    if rho is not None:
        return f"{segments_phrase(segments)}, rho {rho:.3f}"
    return f"{segments_phrase(segments)}, from the plan file"


def output_phrase(frames: int, fps: Fraction) -> str:
    """'4.00 s, 120 frames at 29.97 fps': the output duration as the cut and the timelines
    have it (the frame count is the exact figure; the seconds are rounded for reading)."""
    seconds = frames / Fraction(fps)
    rate = f"{float(fps):.3f}".rstrip("0").rstrip(".")
    return f"{float(seconds):.2f} s, {frames} frames at {rate} fps"


def target_shortfall(target: float | None, input_s: float, output_s: float, scored: float) -> str:
    """'' when there is no target or it is met; else the sentence that says it is not.

    Judged only once everything is scored: before that, unscored video plays at 1x and the
    speed-up is still rising.
    """
    if target is None or scored < SCORED or output_s <= 0:
        return ""
    achieved = input_s / output_s
    if abs(achieved / target - 1.0) <= TARGET_TOLERANCE:
        return ""
    return f"Target {target:g}\u00d7 shorter not reachable within 1%: closest plan is {achieved:.2f}\u00d7"


def manual_rate_message(manual: float) -> str:
    """The transient message after [ ] or Backspace: the manual factor, named as such, so it
    is never read as the speed (which the status bar shows: plan x manual)."""
    return f"Manual speed factor {format_rate(manual)}"


def window_title(file_name: str | None) -> str:
    return f"{file_name} \u2014 {APP_TITLE}" if file_name else APP_TITLE


class StatusLike(Protocol):
    """The fields of session.status.SessionStatus the status bar reads."""

    duration: float
    out_duration: float
    effective_rate: float
    manual_rate: float
    smart: bool
    waiting_for_scores: bool
    scored_fraction: float
    scoring_available: bool
    time_saved_s: float
    audio: str
    target_speedup: float | None


@dataclass(frozen=True, slots=True)
class StatusTexts:
    """Every status-bar string; '' hides a label."""

    speed: str
    saved: str
    scoring: str
    audio: str
    target: str
    waiting: bool


def present_status(st: StatusLike, *, has_audio: bool) -> StatusTexts:
    """The status bar for one status snapshot of a file (``has_audio``: the file has an
    audio track)."""
    speed = f"Speed {format_rate(st.effective_rate)}"
    if abs(st.manual_rate - 1.0) > 1e-6 and st.smart:
        speed += f" (plan \u00d7 {format_rate(st.manual_rate)})"
    if st.scored_fraction >= SCORED:
        scoring = "Scored"
    elif not st.scoring_available:
        scoring = NO_MODEL_TEXT  # no model: the fraction would sit at its value forever
    else:
        scoring = f"Scoring {st.scored_fraction * 100:.0f}%"
    if not has_audio:
        audio = "No audio track"
    else:
        audio = {"on": "", "no device": "No audio device"}.get(st.audio, f"Audio {st.audio}")
    target = target_shortfall(st.target_speedup if st.smart else None, st.duration, st.out_duration, st.scored_fraction)
    return StatusTexts(
        speed=speed,
        saved=f"Saved {format_time(st.time_saved_s)}" if st.smart else "",
        scoring=scoring,
        audio=audio,
        target=target,
        waiting=st.waiting_for_scores,
    )


def truncation_notice(duration_s: float, claimed_s: float | None) -> str | None:
    """What to tell the user about a file whose video ends before its header says, or None."""
    if claimed_s is None:
        return None
    return (
        f"This file is incomplete: the video stops at {format_time(duration_s)} of the "
        f"{format_time(claimed_s)} its header claims. Only that part can be played, scored and exported."
    )


def export_scoring_question(scored: float) -> str:
    """The question asked when exporting before scoring has finished."""
    return (
        f"Scoring is {scored * 100:.0f}% done. Parts not scored yet would be exported at 1\u00d7, "
        "so the cut would be longer than the plan you see when scoring ends."
    )
