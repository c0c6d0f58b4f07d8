"""PlayerWindow: the main window. Menus, keys (as mpv), status bar, render tick, open/export.

The window drives a PlaybackSession (player.session) and shows what it reports:
- a render tick (QTimer, every 10 ms) asks ``session.frame_due()`` for the frame the master
  clock wants now and hands it to the video view; the session drops late frames;
- every third tick it reads ``session.status()`` for the seek bar, labels and status bar;
- the session's events arrive through SessionBridge signals, queued onto the GUI thread.

Errors go through ``show_error``, the one place that shows a dialog. The dialog is
non-modal, so the window stays usable and tests never block on it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QEvent, QMimeData, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QKeyEvent
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox, QSplitter, QVBoxLayout, QWidget

from models.errors import ModelError
from player.core.errors import UserError
from player.core.media_info import MediaInfo
from player.core.status_text import (
    APP_TITLE,
    NO_MODEL_TEXT,
    export_scoring_question,
    manual_rate_message,
    truncation_notice,
    present_status,
    window_title,
)
from player.session.manual_rate import step_rate
from player.session.model_library import ModelLibrary
from player.ui import icons
from player.ui.actions import ActionSpec, KeyMap, build_menus, shortcuts_html
from player.ui.model_menu import ModelMenu
from player.ui.bridge import SessionBridge, connect_queued
from player.ui.control_bar import ControlBar
from player.ui.export_dialog import ExportDialog, export_cut_job
from player.ui.export_folder import suggested_export_path
from player.ui.settings import PlayerSettings
from player.ui.status_bar import StatusLabels, set_text
from player.ui.video_view import make_video_view

if TYPE_CHECKING:
    from player.session.playback_session import PlaybackSession

RENDER_TICK_MS = 10
STATUS_EVERY_TICKS = 3  # labels and playhead at ~33 Hz; frames at 100 Hz
CURVE_REFRESH_MS = 100  # new scores are drawn at most this often
SEEK_COALESCE_MS = 50
SEEK_SMALL_S = 5.0
SEEK_LARGE_S = 60.0
VOLUME_STEP = 0.05
CONTROLS_HIDE_MS = 2500  # fullscreen: hide the controls after this long without the mouse
VIDEO_FILTER = "Videos (*.mp4 *.m4v *.mov *.mkv *.webm *.avi *.ts *.mts *.m2ts *.wmv *.flv *.3gp *.ogv);;All files (*)"
__all__ = ["APP_TITLE", "NO_MODEL_TEXT", "PlayerWindow"]


class PlayerWindow(QMainWindow):
    """The player's main window around one PlaybackSession."""

    error_shown = Signal(str)  # every error dialog, for tests and logs
    file_opened = Signal(object)  # MediaInfo
    closing = Signal()  # emitted once, before the session is closed

    def __init__(
        self,
        session: "PlaybackSession",
        bridge: SessionBridge,
        settings: PlayerSettings,
        *,
        video_view: QWidget | None = None,
        library: ModelLibrary | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        # The adapted models (Model menu) and which video uses which: the user data folder.
        self.library = library if library is not None else ModelLibrary()

        self.bridge = bridge
        self.settings = settings
        self.errors: list[str] = []
        self.export_dialog: ExportDialog | None = None
        # An export waiting for scoring to finish: (out, overwrite); started by refresh_status.
        self.pending_export: tuple[Path, bool] | None = None
        self._message_box: QMessageBox | None = None
        self._ticks = 0
        self._info: MediaInfo | None = None
        self._closing = False
        self._was_maximized = False

        self.setWindowTitle(APP_TITLE)
        self.setWindowIcon(_window_icon())
        self.setAcceptDrops(True)
        self.resize(1180, 760)
        self.setMinimumSize(640, 420)

        central = QWidget()
        central.setObjectName("central")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.video = video_view if video_view is not None else make_video_view()
        self.video.set_placeholder("Open a video (Ctrl+O) or drop one here")
        self.controls = ControlBar()
        # A splitter between picture and controls: drag it up for a taller speed curve.
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(5)
        self.splitter.addWidget(self.video)
        self.splitter.addWidget(self.controls)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.video.setFocus()
        self.video.setMouseTracking(True)
        self.video.installEventFilter(self)
        self.video.double_clicked.connect(self.toggle_fullscreen)

        self._build_status_bar()
        self._build_menus()
        self._apply_settings_to_controls()

        c = self.controls
        c.play_pause_clicked.connect(self.toggle_play)
        c.step_clicked.connect(self.step_frame)
        c.seek_requested.connect(self.seek_to)
        c.volume_changed.connect(self.set_volume)
        c.mute_toggled.connect(self.set_muted)
        c.smart_toggled.connect(self.set_smart)
        c.rho_changed.connect(self.set_rho)
        c.target_changed.connect(self.set_target)
        c.fullscreen_clicked.connect(self.toggle_fullscreen)

        connect_queued(bridge.opened, self._on_opened)
        connect_queued(bridge.plan_changed, self._on_plan_changed)
        connect_queued(bridge.scores_updated, self._on_scores_updated)
        connect_queued(bridge.error, self.show_error)
        connect_queued(bridge.message, self.show_message)
        connect_queued(bridge.end_of_stream, self._on_end_of_stream)

        self._render_timer = QTimer(self)
        self._render_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._render_timer.setInterval(RENDER_TICK_MS)
        self._render_timer.timeout.connect(self._tick)
        self._render_timer.start()
        self._curve_timer = QTimer(self)
        self._curve_timer.setSingleShot(True)
        self._curve_timer.setInterval(CURVE_REFRESH_MS)
        self._curve_timer.timeout.connect(self.refresh_curve)
        self._hide_controls_timer = QTimer(self)
        self._hide_controls_timer.setSingleShot(True)
        self._hide_controls_timer.setInterval(CONTROLS_HIDE_MS)
        self._hide_controls_timer.timeout.connect(self._hide_controls_in_fullscreen)
        self._seek_timer = QTimer(self)
        self._seek_timer.setSingleShot(True)
        self._seek_timer.setInterval(SEEK_COALESCE_MS)
        self._seek_timer.timeout.connect(self._seek_pending)
        self._pending_seek: float | None = None
        self._last_seek_at = -1.0

    # == building ===========================================================================
    def _build_status_bar(self) -> None:
        self.status_labels = labels = StatusLabels(self.statusBar())
        # The labels by their old names (tests and the export flow read them).
        self.hint_label, self.target_label, self.waiting_label = labels.hint, labels.target, labels.waiting
        self.speed_label, self.saved_label = labels.speed, labels.saved
        self.scoring_label, self.audio_label = labels.scoring, labels.audio
        self.models = ModelMenu(self)
        self.adapt_runner = self.models.runner

    def _action_specs(self) -> list[ActionSpec]:
        """Every action, its menu and its keys: the one key table (see player/ui/actions.py)."""
        A = ActionSpec
        return [
            A("open", "File", "&Open\u2026", self.open_dialog, ("Ctrl+O",)),
            A("export", "File", "&Export sped-up cut\u2026", self.export_dialog_flow, ("Ctrl+E",), separator_before=True),
            A("quit", "File", "&Quit", self.close, ("Q", "Ctrl+Q"), separator_before=True),
            A("play", "Playback", "Play / Pause", self.toggle_play, ("Space", "P")),
            A("smart", "Playback", "&Smart fast-forward", self.toggle_smart, ("S",), checkable=True),
            A("faster", "Playback", "Faster", lambda: self.change_manual_rate(+1), ("]",), separator_before=True,
              help="Faster (manual speed factor)"),
            A("slower", "Playback", "Slower", lambda: self.change_manual_rate(-1), ("[",),
              help="Slower (manual speed factor)"),
            A("normal", "Playback", "Normal speed", self.reset_manual_rate, ("Backspace",)),
            A("next_frame", "Playback", "Next frame", lambda: self.step_frame(1), (".",), separator_before=True),
            A("prev_frame", "Playback", "Previous frame", lambda: self.step_frame(-1), (",",)),
            A("fwd_small", "Playback", "Forward 5 s", lambda: self.seek_relative(SEEK_SMALL_S), ("Right",)),
            A("back_small", "Playback", "Back 5 s", lambda: self.seek_relative(-SEEK_SMALL_S), ("Left",)),
            A("fwd_large", "Playback", "Forward 1 min", lambda: self.seek_relative(SEEK_LARGE_S), ("Up",)),
            A("back_large", "Playback", "Back 1 min", lambda: self.seek_relative(-SEEK_LARGE_S), ("Down",)),
            A("seek_click", "Playback", "Seek", lambda: None, mouse="click or drag the seek bar or the curve",
              in_menu=False),
            A("mute", "Audio", "Mute", self.toggle_mute, ("M",)),
            A("volume_up", "Audio", "Volume up", lambda: self.change_volume(VOLUME_STEP), ("0",)),
            A("volume_down", "Audio", "Volume down", lambda: self.change_volume(-VOLUME_STEP), ("9",)),
            A("fullscreen", "View", "&Fullscreen", self.toggle_fullscreen, ("F",), mouse="double-click the video"),
            A("leave_fullscreen", "View", "Leave fullscreen", self.exit_fullscreen, ("Esc",), in_menu=False),
            *self.models.action_specs(),
            A("keys", "Help", "&Keyboard shortcuts", self._show_keys),
            A("about", "Help", "&About SpeedNet Player", self._show_about),
        ]

    def _build_menus(self) -> None:
        self.action_specs = self._action_specs()
        self.key_map = KeyMap(self.action_specs)
        menus, self.actions_by_id = build_menus(self.menuBar(), self.action_specs, self)
        self.export_action = self.actions_by_id["export"]
        self.smart_action = self.actions_by_id["smart"]
        # File > Open Recent sits under Open.
        file_menu = menus["File"]
        self.recent_menu = QMenu("Open &Recent", file_menu)
        file_menu.insertMenu(self.export_action, self.recent_menu)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._fill_recent_menu()
        self.models.attach(menus["Model"], self.actions_by_id)

    def _apply_settings_to_controls(self) -> None:
        s = self.settings
        self.controls.set_rho(s.rho)
        self.controls.set_target(s.target_speedup)
        self.controls.set_volume(s.volume)
        self.controls.set_muted(s.muted)
        self.hint_label.setVisible(not s.hint_dismissed)

    # == files ==============================================================================
    def open_dialog(self) -> None:
        start = self.settings.last_dir or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Open video", start, VIDEO_FILTER)
        if path:
            self.open_path(path)

    def open_path(self, path: str | os.PathLike[str], *, play: bool = True) -> bool:
        """Open ``path`` and play it (``play`` False: stay paused on the first frame, as the
        demo starts, so the status bar can be read); on failure show the error and keep
        the window as it was."""
        try:
            info = self.session.open(path)
        except (UserError, ModelError, OSError) as exc:
            self.show_error(_sentence(exc))
            return False
        self._seek_timer.stop()
        self._pending_seek = None
        self.pending_export = None
        if self.export_dialog is not None and not self.export_dialog.running:
            self.export_dialog.close()  # a finished export belongs to the previous video
        self.settings.add_recent(path)
        self.settings.last_dir = str(Path(path).resolve().parent)
        # The model adapted to this video, if the user made one; else the default.
        self.session.set_model(self.library.assigned(path))
        self._on_opened(info)
        # The session starts paused; apply the remembered settings, then play.
        self.session.set_volume(self.settings.volume)
        self.session.set_muted(self.settings.muted)
        target = self.settings.target_speedup
        if target is not None:
            self.session.set_target_speedup(target)
        else:
            self.session.set_rho(self.settings.rho)
        self.session.set_smart(self.controls.smart_button.isChecked())
        if play:
            self.session.play()
        self.refresh_curve()
        self.refresh_status()
        self.file_opened.emit(info)
        return True

    def _on_opened(self, info: MediaInfo) -> None:
        if self.session.path is not None and Path(info.path) != Path(self.session.path):
            return  # a queued event from a file opened before this one
        self._info = info
        self.setWindowTitle(window_title(Path(info.path).name))
        self.video.clear()  # frames arrive upright: the DecodeWorker applies the rotation
        self.controls.set_duration(info.duration_s)
        notice = truncation_notice(info.duration_s, info.claimed_duration_s)
        if notice is not None:
            self.show_error(notice)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_files
        for path in recent:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _c=False, p=path: self.open_path(p))
        if recent:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list", self.settings.clear_recent)
        else:
            empty = self.recent_menu.addAction("No recent files")
            empty.setEnabled(False)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if _local_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt API
        files = _local_files(event.mimeData())
        if files:
            event.acceptProposedAction()
            # Opening probes the file; let the drop finish first so the source app is free.
            QTimer.singleShot(0, lambda: self.open_path(files[0]))

    # == errors and messages ================================================================
    def show_error(self, text: str) -> None:
        """The one way errors reach the user: a non-modal box; the window stays usable."""
        self.errors.append(text)
        self.error_shown.emit(text)
        if self._message_box is not None:
            self._message_box.close()
        box = QMessageBox(QMessageBox.Icon.Warning, APP_TITLE, text, QMessageBox.StandardButton.Ok, self)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _r: setattr(self, "_message_box", None))
        self._message_box = box
        box.show()

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 6000)

    # == transport ==========================================================================
    def _has_file(self) -> bool:
        return self.session.info is not None

    def toggle_play(self) -> None:
        if self._has_file():
            self.session.toggle_pause()
            self.refresh_status()

    def seek_to(self, src_t: float) -> None:
        """Seek now, or, during a burst (dragging the seek bar or the curve), at most every
        SEEK_COALESCE_MS: each seek restarts frame-accurate decoding from a keyframe, so
        seeking on every mouse move would only queue work the next move throws away."""
        if not self._has_file():
            return
        self.controls.curve.set_playhead(src_t)
        now = time.monotonic()
        if now - self._last_seek_at >= SEEK_COALESCE_MS / 1000:
            self._seek_timer.stop()
            self._pending_seek = None
            self._last_seek_at = now
            self.session.seek(src_t)
        else:
            self._pending_seek = src_t
            if not self._seek_timer.isActive():
                self._seek_timer.start()

    def _seek_pending(self) -> None:
        target, self._pending_seek = self._pending_seek, None
        if target is not None and self._has_file():
            self._last_seek_at = time.monotonic()
            self.session.seek(target)

    def seek_relative(self, delta: float) -> None:
        if self._has_file():
            st = self.session.status()
            base = self._pending_seek if self._pending_seek is not None else st.position
            self.seek_to(min(max(base + delta, 0.0), st.duration))

    def step_frame(self, direction: int) -> None:
        if self._has_file():
            self.session.step_frame(direction)
            self.refresh_status()

    def change_manual_rate(self, direction: int) -> None:
        if self._has_file():
            rate = step_rate(self.session.status().manual_rate, direction)
            self.session.set_manual_rate(rate)
            self.show_message(manual_rate_message(rate))
            self.refresh_status()

    def reset_manual_rate(self) -> None:
        if self._has_file():
            self.session.set_manual_rate(1.0)
            self.show_message(manual_rate_message(1.0))
            self.refresh_status()

    def set_volume(self, volume: float) -> None:
        volume = min(max(volume, 0.0), 1.0)
        self.settings.volume = volume
        self.controls.set_volume(volume)
        self.session.set_volume(volume)

    def change_volume(self, delta: float) -> None:
        self.set_volume(self.settings.volume + delta)
        self.show_message(f"Volume {round(self.settings.volume * 100)}%")

    def set_muted(self, muted: bool) -> None:
        self.settings.muted = muted
        self.controls.set_muted(muted)
        self.session.set_muted(muted)

    def toggle_mute(self) -> None:
        self.set_muted(not self.settings.muted)
        self.show_message("Muted" if self.settings.muted else "Unmuted")

    # == smart fast-forward =================================================================
    def set_smart(self, on: bool) -> None:
        self.controls.set_smart(on)
        self.smart_action.setChecked(on)
        if on and not self.settings.hint_dismissed:
            self.settings.hint_dismissed = True
            self.hint_label.setVisible(False)
        if self._has_file():
            self.session.set_smart(on)
            self.refresh_curve()
            self.refresh_status()
        self.show_message("Smart fast-forward on" if on else "Smart fast-forward off")

    def toggle_smart(self) -> None:
        self.set_smart(not self.controls.smart_button.isChecked())

    def is_smart(self) -> bool:
        return self.controls.smart_button.isChecked()

    def set_rho(self, rho: float) -> None:
        """Re-plan with threshold ``rho`` (slider drag: the session re-plans in ms)."""
        rho = min(max(float(rho), 0.01), 0.99)
        self.settings.rho = rho
        if abs(self.controls.rho() - rho) > 1e-9:
            self.controls.set_rho(rho)
        if self._has_file() and self.controls.target() is None:
            # The session re-plans now and emits on_plan_changed, which redraws the curve.
            self.session.set_rho(rho)

    def set_target(self, target: float | None) -> None:
        """Fit the plan to ``target`` times shorter, or back to rho mode with None."""
        self.settings.target_speedup = target
        self.controls.set_target(target)
        if self._has_file():
            self.session.set_target_speedup(target)
            if target is None:
                self.session.set_rho(self.controls.rho())
            self.refresh_status()

    # == view ===============================================================================
    def toggle_fullscreen(self) -> None:
        if self.isFullScreen():
            self.exit_fullscreen()
        else:
            self._was_maximized = self.isMaximized()
            self.menuBar().hide()
            self.statusBar().hide()
            self.showFullScreen()
            self._hide_controls_timer.start()

    def exit_fullscreen(self) -> None:
        if not self.isFullScreen():
            return
        self._hide_controls_timer.stop()
        self.menuBar().show()
        self.statusBar().show()
        self.controls.show()
        self.video.unsetCursor()
        if self._was_maximized:
            self.showMaximized()
        else:
            self.showNormal()

    def _hide_controls_in_fullscreen(self) -> None:
        if self.isFullScreen() and not self.controls.underMouse():
            self.controls.hide()
            self.video.setCursor(Qt.CursorShape.BlankCursor)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if watched is self.video and event.type() == QEvent.Type.MouseMove and self.isFullScreen():
            self.controls.show()
            self.video.unsetCursor()
            self._hide_controls_timer.start()
        return super().eventFilter(watched, event)

    # == keys (mpv's) =======================================================================
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        action = self.key_map.handler_for(event.key(), event.modifiers())
        if action is None:
            super().keyPressEvent(event)
            return
        event.accept()
        action()

    # == ticks and refreshes ================================================================
    def _tick(self) -> None:
        if self.session.info is None:
            return
        frame = self.session.frame_due()
        if frame is not None:
            self.video.set_frame(frame)
        self._ticks += 1
        if self._ticks % STATUS_EVERY_TICKS == 0:
            self.refresh_status()

    def refresh_status(self) -> None:
        """Seek bar, time labels, play icon and status bar from ``session.status()``."""
        if self.session.info is None:
            return
        st = self.session.status()
        c = self.controls
        c.show_times(st.position, st.duration, st.out_position, st.out_duration, st.smart)
        c.show_rate(st.effective_rate)
        c.set_playing(st.playing)
        if st.target_speedup is not None and abs(c.rho() - st.rho) > 0.005:
            c.set_rho(st.rho)  # target mode: show the rho the planner chose
        info = self.session.info
        texts = present_status(st, has_audio=bool(info is not None and info.has_audio))
        self.status_labels.show_texts(texts, st.dropped_frames)
        if self.pending_export is not None and (st.scored_fraction >= 0.999 or not st.scoring_available):
            self._start_pending_export()

    def refresh_curve(self) -> None:
        """Redraw the speediness curve from the session's scores and plan."""
        if self.session.info is None:
            return
        times, p_natural, v = self.session.track_snapshot()
        self.controls.curve.set_track(times, p_natural, v)
        self.controls.curve.set_rho(self.session.status().rho)

    def _on_plan_changed(self, _plan: object) -> None:
        self._curve_timer.stop()
        self.refresh_curve()

    def _on_scores_updated(self, _t0: float, _t1: float) -> None:
        if not self._curve_timer.isActive():
            self._curve_timer.start()

    def _on_end_of_stream(self) -> None:
        self.refresh_status()

    # == export =============================================================================
    def export_dialog_flow(self) -> None:
        """File > Export: ask where (and, before scoring has finished, whether to wait),
        then export with a progress dialog."""
        if self.session.path is None:
            self.show_error("Open a video before exporting.")
            return
        suggestion = suggested_export_path(Path(self.session.path))
        out, _ = QFileDialog.getSaveFileName(self, "Export sped-up cut", str(suggestion), "MP4 video (*.mp4)")
        if not out:
            return
        # The save dialog already asked before replacing an existing file.
        scored = self.session.status().scored_fraction
        if scored < 0.999 and self.session.status().scoring_available:
            choice = self.ask_export_before_scored(scored)
            if choice == "cancel":
                return
            if choice == "wait":
                self.wait_then_export(Path(out), overwrite=True)
                return
        self.start_export(Path(out), overwrite=True)

    def ask_export_before_scored(self, scored: float) -> str:
        """'wait' (the default), 'now' or 'cancel'."""
        box = QMessageBox(QMessageBox.Icon.Question, APP_TITLE, export_scoring_question(scored), parent=self)
        wait = box.addButton("Wait for scoring to finish", QMessageBox.ButtonRole.AcceptRole)
        now = box.addButton("Export now at 1\u00d7 where unscored", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(wait)
        box.exec()
        clicked = box.clickedButton()
        return "wait" if clicked is wait else "now" if clicked is now else "cancel"

    def wait_then_export(self, out: Path, *, overwrite: bool = False) -> None:
        """Export ``out`` as soon as scoring finishes (refresh_status starts it)."""
        self.pending_export = (Path(out), overwrite)
        self.show_message(f"Export of {Path(out).name} starts when scoring finishes")
        set_text(self.hint_label, f"Export waits for scoring: {Path(out).name}")
        self.hint_label.show()

    def _start_pending_export(self) -> None:
        if self.pending_export is None:
            return
        out, overwrite = self.pending_export
        self.pending_export = None
        self.hint_label.hide()
        self.start_export(out, overwrite=overwrite)

    def start_export(self, out: Path, *, overwrite: bool = False) -> ExportDialog | None:
        """Export the current plan to ``out`` on a worker thread now; returns the dialog."""
        if self.session.path is None:
            self.show_error("Open a video before exporting.")
            return None
        if self.export_dialog is not None and self.export_dialog.running:
            self.show_error("An export is already running.")
            return None
        if self.export_dialog is not None:
            self.export_dialog.close()
        plan = self.session.plan
        st = self.session.status()
        note = ""
        if st.scored_fraction < 0.999:
            note = f"Scoring is {st.scored_fraction * 100:.0f}% done: unscored parts are exported at 1\u00d7."
        job = export_cut_job(Path(self.session.path), plan, Path(out), overwrite=overwrite)
        dialog = ExportDialog(job, Path(out), plan, self, note=note)
        dialog.finished_export.connect(self._on_export_finished)
        self.export_dialog = dialog
        dialog.show()
        dialog.start()
        return dialog

    def _on_export_finished(self, outcome: str) -> None:
        dialog = self.export_dialog
        if dialog is None:
            return
        if outcome == "done":
            self.show_message(f"Exported {dialog.out}")
        elif outcome == "failed":
            self.show_error(f"Export failed: {dialog.error_text}")

    # == help ===============================================================================
    def _show_keys(self) -> None:
        self._info_box("Keyboard shortcuts", shortcuts_html(self.action_specs))

    def _show_about(self) -> None:
        from player import __version__

        self._info_box(
            f"About {APP_TITLE}",
            f"<b>{APP_TITLE}</b> {__version__}<br>Adaptive fast-forward with SpeedNet "
            "(Benaim et al., CVPR 2020): calm stretches play fast, action at natural speed.",
        )

    def _info_box(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.NoIcon, title, text, QMessageBox.StandardButton.Ok, self)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.show()

    # == closing ============================================================================
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        if not self._closing:
            self._closing = True
            self.closing.emit()
            self._render_timer.stop()
            self._curve_timer.stop()
            self._seek_timer.stop()
            if self.export_dialog is not None and self.export_dialog.running:
                self.export_dialog.worker.request_stop()
                self.export_dialog.worker.join(timeout=1.0)
            if self._message_box is not None:
                self._message_box.close()
            self.adapt_runner.shutdown()
            self.session.shutdown()
            self.settings.sync()
        event.accept()


def _local_files(mime: QMimeData) -> list[str]:
    if not mime.hasUrls():
        return []
    return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]


def _sentence(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text


def _window_icon():  # -> QIcon
    """The packaged PNG icon when present (repo or PyInstaller bundle), else a drawn one."""
    from PySide6.QtGui import QIcon

    from player.ui.resources import resource_path

    icon_file = resource_path("icons/speednet-player-256.png")
    if icon_file is not None:
        return QIcon(str(icon_file))
    return icons.app_icon()
