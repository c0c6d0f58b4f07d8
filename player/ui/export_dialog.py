"""File > Export sped-up cut: a progress dialog with Cancel, the export on its own thread.

ExportWorker runs a job (normally ``player.export.render.export_cut``) on a plain thread and
reports through injected callbacks; ExportBridge turns those into queued Qt signals, so the
dialog's widgets are only touched on the GUI thread.
"""

from __future__ import annotations

import threading
import traceback
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from player.core.errors import UserError
from player.core.speed_plan import SpeedPlan
from player.core.worker import Worker
from player.export.cancellation import ExportCancelled
from player.ui.time_format import format_time

# job(progress, cancel) -> None; progress(fraction 0..1); raises on failure.
ExportJob = Callable[[Callable[[float], None], threading.Event], None]


class ExportWorker(Worker):
    """Runs one export job on a thread: start / request_stop / join, never touches widgets."""

    def __init__(
        self,
        job: ExportJob,
        *,
        on_progress: Callable[[float], None],
        on_done: Callable[[], None],
        on_failed: Callable[[str], None],
        on_cancelled: Callable[[], None],
    ) -> None:
        self._job = job
        self._on_progress = on_progress
        self._on_done = on_done
        self._on_failed = on_failed
        self._on_cancelled = on_cancelled
        super().__init__("ExportWorker")

    def _run(self) -> None:
        try:
            self._job(self._on_progress, self._stop)
        except Exception as exc:  # noqa: BLE001 - every failure becomes one sentence in the dialog
            if self._stop.is_set() or isinstance(exc, ExportCancelled):
                self._on_cancelled()
                return
            if not isinstance(exc, UserError):
                traceback.print_exc()
            self._on_failed(" ".join(str(exc).split()) or type(exc).__name__)
            return
        if self._stop.is_set():
            self._on_cancelled()
        else:
            self._on_done()


class ExportBridge(QObject):
    """Queued signals for one ExportWorker's callbacks."""

    progress = Signal(float)
    done = Signal()
    failed = Signal(str)
    cancelled = Signal()


def export_cut_job(source: Path, plan: SpeedPlan, out: Path, *, overwrite: bool = False) -> ExportJob:
    """The real job: ``export_cut`` from the export layer, imported when it runs.

    ``overwrite`` only after the user confirmed replacing ``out`` (the save dialog asks).
    """

    def job(progress: Callable[[float], None], cancel: threading.Event) -> None:
        from player.export.render import export_cut

        export_cut(source, plan, out, progress, cancel, overwrite=overwrite)

    return job


class ExportDialog(QDialog):
    """Shows one export's progress; Cancel stops it and removes nothing but the partial file."""

    finished_export = Signal(str)  # "done" | "failed" | "cancelled"

    def __init__(self, job: ExportJob, out: Path, plan: SpeedPlan, parent: QWidget | None = None, note: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Export sped-up cut")
        self.setMinimumWidth(420)
        self.out = Path(out)
        self.outcome: str | None = None
        self.error_text = ""
        layout = QVBoxLayout(self)
        title = QLabel(f"<b>{self.out.name}</b>")
        summary = QLabel(
            f"{format_time(plan.input_duration)} \u2192 {format_time(plan.output_duration)}"
            f"  ({plan.input_duration / max(plan.output_duration, 1e-9):.2f}\u00d7 shorter)"
        )
        layout.addWidget(title)
        layout.addWidget(summary)
        if note:
            note_label = QLabel(note)
            note_label.setWordWrap(True)
            layout.addWidget(note_label)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setFormat("%p%")
        layout.addWidget(self.progress_bar)
        self.status_label = QLabel("Exporting\u2026")
        layout.addWidget(self.status_label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.close_button = QPushButton("Close")
        self.close_button.setVisible(False)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)

        self._bridge = ExportBridge(self)
        queued = Qt.ConnectionType.QueuedConnection
        self._bridge.progress.connect(self._on_progress, queued)
        self._bridge.done.connect(self._on_done, queued)
        self._bridge.failed.connect(self._on_failed, queued)
        self._bridge.cancelled.connect(self._on_cancelled, queued)
        self.worker = ExportWorker(
            job,
            on_progress=self._bridge.progress.emit,
            on_done=self._bridge.done.emit,
            on_failed=self._bridge.failed.emit,
            on_cancelled=self._bridge.cancelled.emit,
        )
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.accept)

    def start(self) -> None:
        self.worker.start()

    def cancel(self) -> None:
        if self.outcome is None:
            self.status_label.setText("Cancelling\u2026")
            self.cancel_button.setEnabled(False)
            self.worker.request_stop()

    @property
    def running(self) -> bool:
        return self.outcome is None

    def reject(self) -> None:
        """Esc or the close box cancels a running export instead of orphaning it."""
        if self.outcome is None:
            self.cancel()
            return
        super().reject()

    def _finish(self, outcome: str, text: str) -> None:
        self.outcome = outcome
        self.status_label.setText(text)
        self.cancel_button.setVisible(False)
        self.close_button.setVisible(True)
        self.close_button.setFocus()
        self.finished_export.emit(outcome)

    def _on_progress(self, fraction: float) -> None:
        self.progress_bar.setValue(int(round(min(max(fraction, 0.0), 1.0) * 1000)))

    def _on_done(self) -> None:
        self.progress_bar.setValue(1000)
        self._finish("done", f"Saved {self.out}")

    def _on_failed(self, text: str) -> None:
        self.error_text = text
        self._finish("failed", f"Export failed: {text}")

    def _on_cancelled(self) -> None:
        self._finish("cancelled", "Cancelled; nothing was written.")
