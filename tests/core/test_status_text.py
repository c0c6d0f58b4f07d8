"""The player's words (player/core/status_text.py): pure functions, no Qt."""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

import pytest

from player.core.status_text import (
    NO_MODEL_TEXT,
    manual_rate_message,
    output_phrase,
    plan_phrase,
    present_status,
    segments_phrase,
    target_shortfall,
    window_title,
)


@dataclass(frozen=True)
class Status:
    """The fields of SessionStatus the presenter reads (a plain stand-in)."""

    duration: float = 60.0
    out_duration: float = 30.0
    effective_rate: float = 2.0
    manual_rate: float = 1.0
    smart: bool = True
    waiting_for_scores: bool = False
    scored_fraction: float = 1.0
    scoring_available: bool = True
    time_saved_s: float = 30.0
    audio: str = "on"
    target_speedup: float | None = None


def test_segments_are_counted_in_english() -> None:
    assert segments_phrase(1) == "1 segment"
    assert segments_phrase(0) == "0 segments" and segments_phrase(12) == "12 segments"


def test_plan_phrase_names_rho_or_the_target() -> None:
    assert plan_phrase(3, rho=0.5, target=None) == "3 segments, rho 0.500"
    assert plan_phrase(1, rho=None, target=None) == "1 segment, from the plan file"
    assert plan_phrase(4, rho=0.412, target=1.5) == "4 segments, target x1.50 at rho 0.412"
    # rho 0 in target mode is the fastest plan, said in words rather than "rho 0.000".
    fastest = plan_phrase(1, rho=0.0, target=3.0)
    assert "fastest plan" in fastest and "0.000" not in fastest


def test_output_phrase_is_the_cuts_frames() -> None:
    assert output_phrase(120, Fraction(30000, 1001)) == "4.00 s, 120 frames at 29.97 fps"
    assert output_phrase(45, Fraction(30)) == "1.50 s, 45 frames at 30 fps"
    assert output_phrase(7, Fraction(10)) == "0.70 s, 7 frames at 10 fps"


def test_target_shortfall_only_when_judged_and_missed() -> None:
    # 5.6 s at a uniform 3.05x for a 3x target: 1.7% off, more than the 1% tolerance.
    missed = target_shortfall(3.0, 5.6, 5.6 / 3.05, 1.0)
    assert "not reachable within 1%" in missed and "3.05" in missed
    assert target_shortfall(3.0, 6.0, 2.01, 1.0) == ""  # within 1%
    assert target_shortfall(None, 6.0, 6.0, 1.0) == ""
    assert target_shortfall(3.0, 6.0, 6.0, 0.5) == ""  # still scoring: not judged yet


def test_status_bar_texts() -> None:
    texts = present_status(Status(), has_audio=True)
    assert (texts.speed, texts.saved, texts.scoring, texts.audio, texts.target) == (
        "Speed 2.00\u00d7", "Saved 0:30", "Scored", "", "",
    )  # fmt: skip
    off = present_status(replace(Status(), smart=False, target_speedup=3.0, out_duration=60.0), has_audio=True)
    assert off.saved == "" and off.target == ""
    scoring = present_status(replace(Status(), scored_fraction=0.42), has_audio=True)
    assert scoring.scoring == "Scoring 42%"
    no_model = present_status(replace(Status(), scored_fraction=0.0, scoring_available=False), has_audio=True)
    assert no_model.scoring == NO_MODEL_TEXT


@pytest.mark.parametrize("audio", ["on", "muted above 4x", "no device"])
def test_a_file_without_audio_never_claims_audio_is_muted(audio: str) -> None:
    assert present_status(replace(Status(), audio=audio), has_audio=False).audio == "No audio track"
    with_track = present_status(replace(Status(), audio=audio), has_audio=True).audio
    assert with_track == {"on": "", "muted above 4x": "Audio muted above 4x", "no device": "No audio device"}[audio]


def test_manual_rate_is_never_called_the_speed() -> None:
    """After [ in smart mode the status bar showed "Speed 0.91x" and "Speed 8.47x" at once."""
    st = replace(Status(), manual_rate=0.91, effective_rate=8.47)
    texts = present_status(st, has_audio=True)
    message = manual_rate_message(0.91)
    assert texts.speed == "Speed 8.47\u00d7 (plan \u00d7 0.91\u00d7)"
    assert not message.startswith("Speed") and "0.91" in message
    assert present_status(replace(st, smart=False, effective_rate=0.91), has_audio=True).speed == "Speed 0.91\u00d7"


def test_unreachable_target_is_said() -> None:
    st = replace(Status(), duration=5.6, out_duration=5.6 / 3.05, target_speedup=3.0)
    assert "not reachable" in present_status(st, has_audio=True).target


def test_window_title() -> None:
    assert window_title(None) == "SpeedNet Player"
    assert window_title("a.mp4") == "a.mp4 \u2014 SpeedNet Player"


def test_truncation_notice_only_for_a_file_that_ends_early() -> None:
    from player.core.status_text import truncation_notice

    assert truncation_notice(139.0, None) is None
    text = truncation_notice(7.4, 139.0)
    assert text is not None and "stops at 0:07 of the 2:19" in text
