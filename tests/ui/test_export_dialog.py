"""The export dialog's thread and progress plumbing (the job is injected, as export_cut is)."""

from __future__ import annotations

import threading
import time

from player.core.errors import OutputError
from player.core.speed_plan import SpeedPlan
from player.ui.export_dialog import ExportDialog


def make_dialog(qtbot, job, tmp_path) -> ExportDialog:
    dialog = ExportDialog(job, tmp_path / "out.mp4", SpeedPlan.uniform(10.0, 2.0))
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_progress_reaches_the_bar_on_the_gui_thread(qtbot, themed_app, tmp_path) -> None:
    gui_thread = threading.current_thread()
    seen_threads: list[threading.Thread] = []

    def job(progress, cancel: threading.Event) -> None:
        seen_threads.append(threading.current_thread())
        for i in range(1, 11):
            progress(i / 10)
            time.sleep(0.005)

    dialog = make_dialog(qtbot, job, tmp_path)
    with qtbot.waitSignal(dialog.finished_export, timeout=5000) as blocker:
        dialog.start()
    assert blocker.args == ["done"]
    assert dialog.progress_bar.value() == 1000
    assert seen_threads and seen_threads[0] is not gui_thread
    assert dialog.worker.join(1.0)


def test_cancel_stops_the_job(qtbot, themed_app, tmp_path) -> None:
    started = threading.Event()

    def job(progress, cancel: threading.Event) -> None:
        started.set()
        while not cancel.wait(0.01):
            progress(0.1)
        raise RuntimeError("stopped")  # what a cancelled export raises does not matter

    dialog = make_dialog(qtbot, job, tmp_path)
    dialog.start()
    assert started.wait(2.0)
    with qtbot.waitSignal(dialog.finished_export, timeout=5000) as blocker:
        dialog.cancel_button.click()
    assert blocker.args == ["cancelled"]
    assert dialog.worker.join(1.0)
    assert not dialog.running


def test_failure_is_reported_in_one_sentence(qtbot, themed_app, tmp_path) -> None:
    def job(progress, cancel) -> None:
        raise OutputError("output already exists:\n /x/out.mp4")

    dialog = make_dialog(qtbot, job, tmp_path)
    with qtbot.waitSignal(dialog.finished_export, timeout=5000) as blocker:
        dialog.start()
    assert blocker.args == ["failed"]
    assert dialog.error_text == "output already exists: /x/out.mp4"
    assert "failed" in dialog.status_label.text()
