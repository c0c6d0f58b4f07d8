"""How times and speeds are written in the UI (one home: player.core.status_text)."""

from __future__ import annotations

from player.core.status_text import format_rate, format_time

__all__ = ["format_rate", "format_time"]
