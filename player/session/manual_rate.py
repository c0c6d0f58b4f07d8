"""The user's manual speed: its limits and mpv's ``[`` / ``]`` steps."""

from __future__ import annotations

MIN_RATE = 0.25
MAX_RATE = 16.0
# mpv's default key bindings multiply or divide the speed by 1.1 per press.
STEP_FACTOR = 1.1


def clamp_rate(rate: float) -> float:
    """``rate`` limited to [MIN_RATE, MAX_RATE]; rounding noise near 1x snaps back to 1x."""
    rate = min(MAX_RATE, max(MIN_RATE, float(rate)))
    # x1.1 then /1.1 leaves 1.0000000000000002; the status bar should read exactly 1x.
    return 1.0 if abs(rate - 1.0) < 1e-6 else rate


def step_rate(rate: float, direction: int) -> float:
    """One key press: ``direction`` +1 (``]``) speeds up by 1.1x, -1 (``[``) slows down."""
    if direction == 0:
        return clamp_rate(rate)
    factor = STEP_FACTOR if direction > 0 else 1.0 / STEP_FACTOR
    return clamp_rate(rate * factor ** abs(direction))
