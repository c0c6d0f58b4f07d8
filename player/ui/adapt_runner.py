"""Model > Adapt to this video / to a folder: "Learn my videos" in the background.

``AdaptWorker`` runs ``models.adapt.adapt`` on a plain thread and reports through callbacks;
``AdaptRunner`` turns them into queued Qt signals, so only the GUI thread touches widgets.
While it runs, the status bar shows the stage and the share done, with a Cancel button;
playback goes on (the training shares the CPU with it). Cancel writes nothing. The window
decides what a finished run changes (``ModelMenu._on_adapt_finished``).
"""

from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QStatusBar

from player.core.worker import Worker

if TYPE_CHECKING:
    from models.adapt import AdaptResult

#: The time budget of an adaptation started from the window (minutes).
ADAPT_MINUTES = 5.0
_STAGES = {"decode": "reading", "measure": "measuring", "train": "training"}


@dataclass(frozen=True)
class AdaptRequest:
    """What to adapt: the videos, the model to start from, where to write, how long."""

    videos: tuple[Path, ...]
    base: Path
    out: Path
    minutes: float = ADAPT_MINUTES
    device: str = "auto"
    steps: int | None = None  # tests: a step bound besides the time budget
    lr: float | None = None  # tests: another peak learning rate (None: models.adapt.LR)


class AdaptWorker(Worker):
    """One adaptation on a thread; ``request_stop`` cancels it (nothing is written)."""

    def __init__(
        self,
        request: AdaptRequest,
        *,
        on_progress: Callable[[str, float, str], None],
        on_done: Callable[[AdaptResult], None],
        on_failed: Callable[[str], None],
    ) -> None:
        self.request = request
        self._on_progress = on_progress
        self._on_done = on_done
        self._on_failed = on_failed
        super().__init__("AdaptWorker")

    @property
    def stop_event(self) -> threading.Event:
        return self._stop

    def _run(self) -> None:
        from models.adapt import AdaptOptions, adapt
        from models.errors import ModelError

        r = self.request
        opts = AdaptOptions(
            videos=r.videos, base=r.base, out=r.out, minutes=r.minutes, device=r.device,
            keep_on_stop=False, steps=r.steps,
        )
        if r.lr is not None:
            from dataclasses import replace

            opts = replace(opts, lr=r.lr)
        try:
            result = adapt(opts, progress=self._on_progress, stop=self._stop)
        except Exception as exc:  # noqa: BLE001 - every failure is one sentence for the window
            if not isinstance(exc, ModelError):
                traceback.print_exc()
            self._on_failed(" ".join(str(exc).split()) or type(exc).__name__)
            return
        self._on_done(result)


class AdaptRunner(QObject):
    """At most one adaptation at a time, its progress in the status bar, cancellable."""

    progress = Signal(str, float, str)  # stage, fraction of the whole run, message
    finished = Signal(object, object)  # (AdaptRequest, AdaptResult)
    failed = Signal(object, str)  # (AdaptRequest, one sentence)

    def __init__(self, status_bar: QStatusBar, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker: AdaptWorker | None = None
        self.label = QLabel("")
        self.label.setObjectName("adaptLabel")
        self.label.setToolTip("Learning this video's natural speed (Model menu)")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setFlat(True)
        self.cancel_button.setToolTip("Stop adapting; nothing is written")
        self.cancel_button.clicked.connect(self.cancel)
        # Permanent (a transient message would hide it), first in the row.
        status_bar.insertPermanentWidget(0, self.label)
        status_bar.insertPermanentWidget(1, self.cancel_button)
        self.label.hide()
        self.cancel_button.hide()
        self._progress_signal = _Relay(self)
        self._progress_signal.progress.connect(self._show_progress, Qt.ConnectionType.QueuedConnection)
        self._progress_signal.done.connect(self._done, Qt.ConnectionType.QueuedConnection)
        self._progress_signal.failed.connect(self._failed, Qt.ConnectionType.QueuedConnection)

    @property
    def running(self) -> bool:
        return self.worker is not None and self.worker.is_alive()

    def start(self, request: AdaptRequest) -> bool:
        """Start adapting (False when one is already running)."""
        if self.running:
            return False
        relay = self._progress_signal
        self.worker = AdaptWorker(
            request,
            on_progress=lambda stage, f, m: relay.progress.emit(stage, float(f), str(m)),
            on_done=lambda result: relay.done.emit(request, result),
            on_failed=lambda text: relay.failed.emit(request, text),
        )
        names = request.videos[0].name if len(request.videos) == 1 else f"{len(request.videos)} videos"
        self._what = names
        self.label.setText(f"Adapting to {names}: starting")
        self.label.show()
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        self.worker.start()
        return True

    def cancel(self) -> None:
        """Stop the running adaptation; it ends within a training step and writes nothing."""
        if self.running and self.worker is not None:
            self.worker.request_stop()
            self.label.setText(f"Adapting to {self._what}: cancelling")
            self.cancel_button.setEnabled(False)

    def shutdown(self, timeout: float = 2.0) -> None:
        """Cancel and wait a little (the window is closing)."""
        if self.worker is not None:
            self.worker.request_stop()
            self.worker.join(timeout)

    def _show_progress(self, stage: str, fraction: float, message: str) -> None:
        if not self.running or (self.worker is not None and self.worker.stop_event.is_set()):
            return
        share = {"decode": 0.1 * fraction, "train": 0.1 + 0.85 * fraction}.get(stage)
        text = f"Adapting to {self._what}: {_STAGES.get(stage, stage)}"
        if share is not None:
            text += f" {share * 100:.0f}%"
        self.label.setText(text)
        self.label.setToolTip(message)
        self.progress.emit(stage, share if share is not None else 0.95, message)

    def _end(self) -> None:
        self.label.hide()
        self.cancel_button.hide()

    def _done(self, request: AdaptRequest, result: AdaptResult) -> None:
        self._end()
        self.finished.emit(request, result)

    def _failed(self, request: AdaptRequest, text: str) -> None:
        self._end()
        self.failed.emit(request, text)


class _Relay(QObject):
    """Signals the worker thread emits; connected queued, so the slots run on the GUI thread."""

    progress = Signal(str, float, str)
    done = Signal(object, object)
    failed = Signal(object, str)
