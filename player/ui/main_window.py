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
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeyEvent
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QMenu, QMessageBox, QVBoxLayout, QWidget

from models.errors import ModelError
from player.core.errors import UserError
from player.core.media_info import MediaInfo
from player.session.manual_rate import step_rate
from player.ui import icons
from player.ui.bridge import SessionBridge, connect_queued
from player.ui.control_bar import ControlBar
from player.ui.export_dialog import ExportDialog, export_cut_job
from player.ui.settings import PlayerSettings
from player.ui.time_format import format_rate, format_time
from player.ui.video_view import make_video_view

if TYPE_CHECKING:
    from player.session.playback_session import PlaybackSession

APP_TITLE = "SpeedNet Player"
RENDER_TICK_MS = 10
STATUS_EVERY_TICKS = 3  # labels and playhead at ~33 Hz; frames at 100 Hz
CURVE_REFRESH_MS = 100  # new scores are drawn at most this often
SEEK_COALESCE_MS = 50
SEEK_SMALL_S = 5.0
SEEK_LARGE_S = 60.0
VOLUME_STEP = 0.05
CONTROLS_HIDE_MS = 2500  # fullscreen: hide the controls after this long without the mouse
VIDEO_FILTER = "Videos (*.mp4 *.m4v *.mov *.mkv *.webm *.avi *.ts *.mts *.m2ts *.wmv *.flv *.3gp *.ogv);;All files (*)"
#: Status bar text when the SpeedNet model could not be loaded (no scores will come).
NO_MODEL_TEXT = "Smart FF unavailable (no model)"


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
    ) -> None:
        super().__init__()
        self.session = session
        self.bridge = bridge
        self.settings = settings
        self.errors: list[str] = []
        self.export_dialog: ExportDialog | None = None
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
        layout.addWidget(self.video, 1)
        layout.addWidget(self.controls)
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
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        self.waiting_label = QLabel("waiting for scores (1x)")
        self.waiting_label.setObjectName("waitingLabel")
        self.waiting_label.setToolTip("Smart FF plays unscored video at 1x until the scores arrive")
        self.speed_label = QLabel(f"Speed {format_rate(1.0)}")
        self.speed_label.setObjectName("speedLabel")
        self.saved_label = QLabel("")
        self.saved_label.setToolTip("Input minus output duration of the current plan")
        self.scoring_label = QLabel("")
        self.scoring_label.setToolTip("Share of the video scored by SpeedNet")
        self.audio_label = QLabel("")
        self.hint_label = QLabel("Press S for smart fast-forward")
        self.hint_label.setObjectName("hintLabel")
        bar.addWidget(self.hint_label)
        for w in (self.waiting_label, self.speed_label, self.saved_label, self.scoring_label, self.audio_label):
            bar.addPermanentWidget(w)
        self.waiting_label.hide()

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self._add_action(file_menu, "&Open\u2026", "Ctrl+O", self.open_dialog)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._fill_recent_menu()
        file_menu.addSeparator()
        self.export_action = self._add_action(file_menu, "&Export sped-up cut\u2026", "Ctrl+E", self.export_dialog_flow)
        file_menu.addSeparator()
        self._add_action(file_menu, "&Quit", "Q", self.close)

        play_menu = menu.addMenu("&Playback")
        self._add_action(play_menu, "Play / Pause", "Space", self.toggle_play)
        self.smart_action = self._add_action(play_menu, "&Smart fast-forward", "S", self.toggle_smart)
        self.smart_action.setCheckable(True)
        play_menu.addSeparator()
        self._add_action(play_menu, "Faster", "]", lambda: self.change_manual_rate(+1))
        self._add_action(play_menu, "Slower", "[", lambda: self.change_manual_rate(-1))
        self._add_action(play_menu, "Normal speed", "Backspace", self.reset_manual_rate)
        play_menu.addSeparator()
        self._add_action(play_menu, "Next frame", ".", lambda: self.step_frame(1))
        self._add_action(play_menu, "Previous frame", ",", lambda: self.step_frame(-1))
        self._add_action(play_menu, "Forward 5 s", "Right", lambda: self.seek_relative(SEEK_SMALL_S))
        self._add_action(play_menu, "Back 5 s", "Left", lambda: self.seek_relative(-SEEK_SMALL_S))
        self._add_action(play_menu, "Forward 1 min", "Up", lambda: self.seek_relative(SEEK_LARGE_S))
        self._add_action(play_menu, "Back 1 min", "Down", lambda: self.seek_relative(-SEEK_LARGE_S))

        audio_menu = menu.addMenu("&Audio")
        self._add_action(audio_menu, "Mute", "M", self.toggle_mute)
        self._add_action(audio_menu, "Volume up", "0", lambda: self.change_volume(VOLUME_STEP))
        self._add_action(audio_menu, "Volume down", "9", lambda: self.change_volume(-VOLUME_STEP))

        view_menu = menu.addMenu("&View")
        self._add_action(view_menu, "&Fullscreen", "F", self.toggle_fullscreen)

        help_menu = menu.addMenu("&Help")
        self._add_action(help_menu, "&Keyboard shortcuts", "", self._show_keys)
        self._add_action(help_menu, "&About SpeedNet Player", "", self._show_about)

    def _add_action(self, menu: QMenu, text: str, keys: str, slot: Callable[[], object]) -> QAction:
        """A menu entry; its keys are handled by keyPressEvent (so they reach the window in
        tests and fullscreen alike), the text after the tab only shows them."""
        action = QAction(f"{text}\t{keys}" if keys else text, self)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

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

    def open_path(self, path: str | os.PathLike[str]) -> bool:
        """Open and play ``path``; on failure show the error and keep the window as it was."""
        try:
            info = self.session.open(path)
        except (UserError, ModelError, OSError) as exc:
            self.show_error(_sentence(exc))
            return False
        self._seek_timer.stop()
        self._pending_seek = None
        self.settings.add_recent(path)
        self.settings.last_dir = str(Path(path).resolve().parent)
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
        self.session.play()
        self.refresh_curve()
        self.refresh_status()
        self.file_opened.emit(info)
        return True

    def _on_opened(self, info: MediaInfo) -> None:
        if self.session.path is not None and Path(info.path) != Path(self.session.path):
            return  # a queued event from a file opened before this one
        self._info = info
        self.setWindowTitle(f"{Path(info.path).name} \u2014 {APP_TITLE}")
        self.video.clear()  # frames arrive upright: the DecodeWorker applies the rotation
        self.controls.set_duration(info.duration_s)

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
            self.show_message(f"Speed {format_rate(rate)}")

    def reset_manual_rate(self) -> None:
        if self._has_file():
            self.session.set_manual_rate(1.0)
            self.show_message(f"Speed {format_rate(1.0)}")

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
        action = self._key_action(event)
        if action is None:
            super().keyPressEvent(event)
            return
        event.accept()
        action()

    def _key_action(self, event: QKeyEvent) -> Callable[[], object] | None:
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        K = Qt.Key
        if mods == Qt.KeyboardModifier.ControlModifier:
            return {K.Key_O: self.open_dialog, K.Key_E: self.export_dialog_flow, K.Key_Q: self.close}.get(key)
        if mods not in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            return None
        table: dict[int, Callable[[], object]] = {
            K.Key_Space: self.toggle_play,
            K.Key_P: self.toggle_play,
            K.Key_Left: lambda: self.seek_relative(-SEEK_SMALL_S),
            K.Key_Right: lambda: self.seek_relative(SEEK_SMALL_S),
            K.Key_Up: lambda: self.seek_relative(SEEK_LARGE_S),
            K.Key_Down: lambda: self.seek_relative(-SEEK_LARGE_S),
            K.Key_BracketLeft: lambda: self.change_manual_rate(-1),
            K.Key_BracketRight: lambda: self.change_manual_rate(+1),
            K.Key_Backspace: self.reset_manual_rate,
            K.Key_Period: lambda: self.step_frame(1),
            K.Key_Comma: lambda: self.step_frame(-1),
            K.Key_F: self.toggle_fullscreen,
            K.Key_Escape: self.exit_fullscreen,
            K.Key_S: self.toggle_smart,
            K.Key_M: self.toggle_mute,
            K.Key_Q: self.close,
            K.Key_9: lambda: self.change_volume(-VOLUME_STEP),
            K.Key_0: lambda: self.change_volume(VOLUME_STEP),
        }
        return table.get(key)

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
        _set_text(self.speed_label, f"Speed {format_rate(st.effective_rate)}")
        _set_text(self.saved_label, f"Saved {format_time(st.time_saved_s)}" if st.smart else "")
        if st.scored_fraction >= 0.999:
            scoring = "Scored"
        elif not st.scoring_available:
            scoring = NO_MODEL_TEXT  # no model: the fraction would sit at its value forever
        else:
            scoring = f"Scoring {st.scored_fraction * 100:.0f}%"
        _set_text(self.scoring_label, scoring)
        self.waiting_label.setVisible(st.waiting_for_scores)
        audio = {"on": "", "no device": "No audio device"}.get(st.audio, f"Audio {st.audio}")
        _set_text(self.audio_label, audio)
        # Dropping late frames is normal at high speeds (more source frames than the screen
        # shows), so the count is a diagnostic in the tooltip, as mpv keeps it in its stats.
        tip = f"Effective playback speed. Late frames dropped so far: {st.dropped_frames}"
        if self.speed_label.toolTip() != tip:
            self.speed_label.setToolTip(tip)

    def refresh_curve(self) -> None:
        """Redraw the speediness curve from the session's scores and plan."""
        if self.session.info is None:
            return
        times, p_natural, v = self.session.track_snapshot()
        p1 = p_natural[0] if p_natural.ndim == 2 and p_natural.shape[0] else p_natural
        self.controls.curve.set_track(times, p1, v)
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
        """File > Export: ask where, then export with a progress dialog."""
        if self.session.path is None:
            self.show_error("Open a video before exporting.")
            return
        source = Path(self.session.path)
        suggestion = source.with_name(f"{source.stem}.speednet.mp4")
        out, _ = QFileDialog.getSaveFileName(self, "Export sped-up cut", str(suggestion), "MP4 video (*.mp4)")
        if out:
            # The save dialog already asked before replacing an existing file.
            self.start_export(Path(out), overwrite=True)

    def start_export(self, out: Path, *, overwrite: bool = False) -> ExportDialog | None:
        """Export the current plan to ``out`` on a worker thread; returns the dialog."""
        if self.session.path is None:
            self.show_error("Open a video before exporting.")
            return None
        if self.export_dialog is not None and self.export_dialog.running:
            self.show_error("An export is already running.")
            return None
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
        text = (
            "<table>"
            "<tr><td><b>Space</b></td><td>play / pause</td></tr>"
            "<tr><td><b>S</b></td><td>smart fast-forward on / off</td></tr>"
            "<tr><td><b>\u2190 \u2192</b></td><td>seek 5 s</td></tr>"
            "<tr><td><b>\u2191 \u2193</b></td><td>seek 1 min</td></tr>"
            "<tr><td><b>[ ]</b></td><td>slower / faster (manual speed)</td></tr>"
            "<tr><td><b>Backspace</b></td><td>normal speed</td></tr>"
            "<tr><td><b>, .</b></td><td>previous / next frame</td></tr>"
            "<tr><td><b>M, 9, 0</b></td><td>mute, volume down / up</td></tr>"
            "<tr><td><b>F, Esc</b></td><td>fullscreen, leave fullscreen</td></tr>"
            "<tr><td><b>Ctrl+O, Ctrl+E</b></td><td>open, export sped-up cut</td></tr>"
            "</table>"
        )
        self._info_box("Keyboard shortcuts", text)

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


def _set_text(label: QLabel, text: str) -> None:
    if label.text() != text:
        label.setText(text)


def _window_icon():  # -> QIcon
    """The packaged PNG icon when present (repo or PyInstaller bundle), else a drawn one."""
    from PySide6.QtGui import QIcon

    from player.ui.resources import resource_path

    icon_file = resource_path("icons/speednet-player-256.png")
    if icon_file is not None:
        return QIcon(str(icon_file))
    return icons.app_icon()
