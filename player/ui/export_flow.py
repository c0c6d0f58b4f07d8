"""The window's export flow: File > Export asks where and, before scoring has finished,
whether to wait; then exports the current plan with a progress dialog (ExportDialog).

One export at a time. "Wait for scoring" keeps the request (``pending``) and the window's
status refresh calls ``on_status`` until scoring is done (or can no longer progress).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMessageBox

from player.core.status_text import APP_TITLE, SCORED, export_scoring_question
from player.session.status import SessionStatus
from player.ui.export_dialog import ExportDialog, export_cut_job
from player.ui.export_folder import suggested_export_path
from player.ui.status_bar import set_text

if TYPE_CHECKING:
    from player.ui.main_window import PlayerWindow


class ExportFlow:
    """Export for one window: the dialog of the last export and an export waiting for scores."""

    def __init__(self, window: PlayerWindow) -> None:
        self.window = window
        self.dialog: ExportDialog | None = None
        #: An export waiting for scoring to finish: (out, overwrite).
        self.pending: tuple[Path, bool] | None = None

    def run(self) -> None:
        """File > Export: ask where (and whether to wait for scoring), then export."""
        w = self.window
        if w.session.path is None:
            w.show_error("Open a video before exporting.")
            return
        suggestion = suggested_export_path(Path(w.session.path))
        out, _ = QFileDialog.getSaveFileName(w, "Export sped-up cut", str(suggestion), "MP4 video (*.mp4)")
        if not out:
            return
        # The save dialog already asked before replacing an existing file.
        st = w.session.status()
        if st.scored_fraction < SCORED and st.scoring_available:
            choice = self.ask_before_scored(st.scored_fraction)
            if choice == "cancel":
                return
            if choice == "wait":
                self.wait_then_export(Path(out), overwrite=True)
                return
        self.start(Path(out), overwrite=True)

    def ask_before_scored(self, scored: float) -> str:
        """'wait' (the default), 'now' or 'cancel'."""
        box = QMessageBox(QMessageBox.Icon.Question, APP_TITLE, export_scoring_question(scored), parent=self.window)
        wait = box.addButton("Wait for scoring to finish", QMessageBox.ButtonRole.AcceptRole)
        now = box.addButton("Export now at 1\u00d7 where unscored", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(wait)
        box.exec()
        clicked = box.clickedButton()
        return "wait" if clicked is wait else "now" if clicked is now else "cancel"

    def wait_then_export(self, out: Path, *, overwrite: bool = False) -> None:
        """Export ``out`` as soon as scoring finishes (``on_status`` starts it)."""
        self.pending = (Path(out), overwrite)
        hint = self.window.hint_label
        self.window.show_message(f"Export of {Path(out).name} starts when scoring finishes")
        set_text(hint, f"Export waits for scoring: {Path(out).name}")
        hint.show()

    def on_status(self, st: SessionStatus) -> None:
        """Every status refresh: start the waiting export once scoring is done or stuck."""
        if self.pending is None or (st.scored_fraction < SCORED and st.scoring_available):
            return
        out, overwrite = self.pending
        self.pending = None
        self.window.hint_label.hide()
        self.start(out, overwrite=overwrite)

    def start(self, out: Path, *, overwrite: bool = False) -> ExportDialog | None:
        """Export the current plan to ``out`` on a worker thread now; returns the dialog."""
        w = self.window
        if w.session.path is None:
            w.show_error("Open a video before exporting.")
            return None
        if self.dialog is not None and self.dialog.running:
            w.show_error("An export is already running.")
            return None
        if self.dialog is not None:
            self.dialog.close()
        plan = w.session.plan
        scored = w.session.status().scored_fraction
        note = ""
        if scored < SCORED:
            note = f"Scoring is {scored * 100:.0f}% done: unscored parts are exported at 1\u00d7."
        job = export_cut_job(Path(w.session.path), plan, Path(out), overwrite=overwrite)
        dialog = ExportDialog(job, Path(out), plan, w, note=note)
        dialog.finished_export.connect(self._on_finished)
        self.dialog = dialog
        dialog.show()
        dialog.start()
        return dialog

    def file_changed(self) -> None:
        """Another video was opened: a waiting export and a finished dialog belong to the old one."""
        self.pending = None
        if self.dialog is not None and not self.dialog.running:
            self.dialog.close()

    def stop(self) -> None:
        """The window closes: stop a running export (its worker removes the partial file)."""
        if self.dialog is not None and self.dialog.running:
            self.dialog.worker.request_stop()
            self.dialog.worker.join(timeout=1.0)

    def _on_finished(self, outcome: str) -> None:
        dialog, w = self.dialog, self.window
        if dialog is None:
            return
        if outcome == "done":
            w.show_message(f"Exported {dialog.out}")
        elif outcome == "failed":
            w.show_error(f"Export failed: {dialog.error_text}")
