"""How times and speeds are written in the UI."""

from __future__ import annotations

import math


def format_time(seconds: float) -> str:
    """0:07, 1:05, 1:02:03 (no fractional part, like mpv's OSC)."""
    if not math.isfinite(seconds) or seconds < 0:
        seconds = 0.0
    total = int(seconds)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_rate(rate: float) -> str:
    """1.00×, 2.44×."""
    return f"{rate:.2f}\u00d7"
