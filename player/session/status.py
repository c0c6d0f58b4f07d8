"""A snapshot of what the playback session is doing, for the status bar and tests."""

from __future__ import annotations

from dataclasses import dataclass

AUDIO_ON = "on"
AUDIO_NO_DEVICE = "no device"


@dataclass(frozen=True)
class SessionStatus:
    """Immutable; all times in source seconds unless prefixed ``out_``.

    ``effective_rate`` is source seconds per wall second now (plan x manual rate).
    ``waiting_for_scores`` is True when smart mode is on and the playhead is in video not yet
    scored, so it plays at 1x there. ``scoring_available`` is True while the SpeedNet model
    can score this file (loading or loaded); False when it failed to load, when the session
    runs no model, or when the scores were given by ``use_scores``: unscored video then
    stays unscored. ``time_saved_s`` is input minus output duration of the
    current plan (0 with smart mode off). ``audio`` is "on", "muted above 4x" (the mute limit
    is configurable; the text names the one in force) or "no device".
    """

    position: float
    duration: float
    out_position: float
    out_duration: float
    effective_rate: float
    manual_rate: float
    playing: bool
    smart: bool
    waiting_for_scores: bool
    scored_fraction: float
    scoring_available: bool
    time_saved_s: float
    dropped_frames: int
    audio: str
    rho: float
    target_speedup: float | None
