"""Callbacks a PlaybackSession makes to whoever shows it (the UI's bridge, a test, a bench).

Callbacks may run on worker threads (decode, scoring, planning); the receiver must not touch
widgets from them. ``player/ui/bridge.py`` re-emits each one as a Qt signal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from player.core.media_info import MediaInfo
from player.core.speed_plan import SpeedPlan


def _ignore(*_args: object) -> None:
    """Default for every callback: nobody is listening."""


@dataclass
class SessionEvents:
    """Every field is optional; the default does nothing."""

    on_opened: Callable[[MediaInfo], None] = field(default=_ignore)
    # A new plan: rho/target change, smart mode toggled, or new scores arrived.
    on_plan_changed: Callable[[SpeedPlan], None] = field(default=_ignore)
    # A newly scored source range (t0, t1), in source seconds.
    on_scores_updated: Callable[[float, float], None] = field(default=_ignore)
    # One clear sentence, for a dialog.
    on_error: Callable[[str], None] = field(default=_ignore)
    # A status-bar message, e.g. "No audio device: playing muted".
    on_message: Callable[[str], None] = field(default=_ignore)
    on_end_of_stream: Callable[[], None] = field(default=_ignore)
