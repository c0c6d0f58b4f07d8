"""SessionBridge: the only way worker threads reach the GUI.

The PlaybackSession calls its SessionEvents callbacks from whatever thread noticed the event
(decode, scoring, planning, or the GUI thread itself). The bridge's callbacks only *emit*
Qt signals; receivers connect with ``Qt.QueuedConnection`` (see ``connect_queued``), so the
slots always run later on the GUI thread, never inside a worker.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, Qt, Signal, SignalInstance

from player.core.media_info import MediaInfo
from player.core.speed_plan import SpeedPlan
from player.session.events import SessionEvents


class SessionBridge(QObject):
    """Qt signals mirroring SessionEvents one to one."""

    opened = Signal(object)  # MediaInfo
    plan_changed = Signal(object)  # SpeedPlan
    scores_updated = Signal(float, float)  # newly scored source range (t0, t1)
    error = Signal(str)
    message = Signal(str)
    end_of_stream = Signal()

    def events(self) -> SessionEvents:
        """Callbacks for PlaybackSession(events=...); safe to call from any thread."""

        def on_opened(info: MediaInfo) -> None:
            self.opened.emit(info)

        def on_plan_changed(plan: SpeedPlan) -> None:
            self.plan_changed.emit(plan)

        def on_scores_updated(t0: float, t1: float) -> None:
            self.scores_updated.emit(float(t0), float(t1))

        def on_error(text: str) -> None:
            self.error.emit(str(text))

        def on_message(text: str) -> None:
            self.message.emit(str(text))

        def on_end_of_stream() -> None:
            self.end_of_stream.emit()

        return SessionEvents(
            on_opened=on_opened,
            on_plan_changed=on_plan_changed,
            on_scores_updated=on_scores_updated,
            on_error=on_error,
            on_message=on_message,
            on_end_of_stream=on_end_of_stream,
        )


def connect_queued(signal: SignalInstance, slot: Callable[..., object]) -> None:
    """Connect so ``slot`` runs on the receiver's (GUI) thread via the event loop.

    Queued explicitly rather than AutoConnection: PySide decides "auto" from the thread that
    emits, and for a plain Python callable it has no receiver thread to compare with, so a
    worker's emit could otherwise run the slot on the worker.
    """
    signal.connect(slot, Qt.ConnectionType.QueuedConnection)
