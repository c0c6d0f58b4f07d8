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
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QKeyEvent
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QSplitter, QVBoxLayout, QWidget

from models.errors import ModelError
from player.core.errors import UserError
from player.core.media_info import MediaInfo
from player.core.plan_settings import clamp_rho
from player.core.status_text import (
    APP_TITLE,
    NO_MODEL_TEXT,
    manual_rate_message,
    truncation_notice,
    present_status,
    window_title,
)
from player.session.manual_rate import step_rate
from player.session.model_library import ModelLibrary
from player.ui import icons
from player.ui.actions import KeyMap, build_menus
from player.ui.model_menu import ModelMenu
from player.ui.bridge import SessionBridge, connect_queued
from player.ui.control_bar import ControlBar
from player.ui.export_flow import ExportFlow
from player.ui.fullscreen import Fullscreen
from player.ui.recent_menu import RecentMenu
from player.ui.settings import PlayerSettings
from player.ui.status_bar import StatusLabels
from player.ui.video_view import make_video_view
from player.ui.window_actions import window_actions

if TYPE_CHECKING:
    from player.session.playback_session import PlaybackSession

RENDER_TICK_MS = 10
STATUS_EVERY_TICKS = 3  # labels and playhead at ~33 Hz; frames at 100 Hz
CURVE_REFRESH_MS = 100  # new scores are drawn at most this often
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
        self.exports = ExportFlow(self)
        self._message_box: QMessageBox | None = None
        self._ticks = 0
        self._info: MediaInfo | None = None
        self._closing = False

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
        self.fullscreen = Fullscreen(self, self.video, self.controls)
        self.video.double_clicked.connect(self.fullscreen.toggle)

        self._build_status_bar()
        self._build_menus()
        self._apply_settings()

        c = self.controls
        c.play_pause_clicked.connect(self.toggle_play)
        c.step_clicked.connect(self.step_frame)
        c.seek_requested.connect(self.seek_to)
        c.volume_changed.connect(self.set_volume)
        c.mute_toggled.connect(self.set_muted)
        c.smart_toggled.connect(self.set_smart)
        c.rho_changed.connect(self.set_rho)
        c.target_changed.connect(self.set_target)
        c.fullscreen_clicked.connect(self.fullscreen.toggle)

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

    # == building ===========================================================================
    def _build_status_bar(self) -> None:
        self.status_labels = labels = StatusLabels(self.statusBar())
        # The labels by their old names (tests and the export flow read them).
        self.hint_label, self.target_label, self.waiting_label = labels.hint, labels.target, labels.waiting
        self.speed_label, self.saved_label = labels.speed, labels.saved
        self.scoring_label, self.audio_label = labels.scoring, labels.audio
        self.models = ModelMenu(self)
        self.adapt_runner = self.models.runner

    def _build_menus(self) -> None:
        self.action_specs = window_actions(self)
        self.key_map = KeyMap(self.action_specs)
        menus, self.actions_by_id = build_menus(self.menuBar(), self.action_specs, self)
        self.export_action = self.actions_by_id["export"]
        self.smart_action = self.actions_by_id["smart"]
        # File > Open Recent sits under Open.
        file_menu = menus["File"]
        self.recent_menu = RecentMenu(file_menu, self.settings, self.open_path)
        file_menu.insertMenu(self.export_action, self.recent_menu)
        self.models.attach(menus["Model"], self.actions_by_id)

    def _apply_settings(self) -> None:
        """The remembered settings, into the session and the controls."""
        s = self.settings
        self.set_rho(s.rho)
        self.set_target(s.target_speedup)
        self.set_volume(s.volume)
        self.set_muted(s.muted)
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
        self.exports.file_changed()
        self.settings.add_recent(path)
        self.settings.last_dir = str(Path(path).resolve().parent)
        # The model adapted to this video, if the user made one; else the default.
        self.session.set_model(self.library.assigned(path))
        self._on_opened(info)
        # The session keeps its plan settings and sound level from file to file.
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
        """A user seek: the playhead moves at once; the session coalesces a burst (a drag)."""
        if self._has_file():
            self.controls.curve.set_playhead(src_t)
            self.session.request_seek(src_t)

    def seek_relative(self, delta: float) -> None:
        if self._has_file():
            # From the pending target: arrow keys pressed in a burst add up.
            self.seek_to(min(max(self.session.seek_target() + delta, 0.0), self.session.status().duration))

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

    # == smart fast-forward: the state is the session's PlanSettings; the controls mirror it ==
    def set_smart(self, on: bool) -> None:
        self.session.set_smart(on)
        self.controls.set_smart(on)
        self.smart_action.setChecked(on)
        if on and not self.settings.hint_dismissed:
            self.settings.hint_dismissed = True
            self.hint_label.setVisible(False)
        if self._has_file():
            self.refresh_curve()
            self.refresh_status()
        self.show_message("Smart fast-forward on" if on else "Smart fast-forward off")

    def toggle_smart(self) -> None:
        self.set_smart(not self.is_smart())

    def is_smart(self) -> bool:
        return self.session.plan_settings.smart

    def set_rho(self, rho: float) -> None:
        """Re-plan with threshold ``rho`` (slider drag: the session re-plans in ms). In
        target mode the planner chooses rho; the value is only remembered."""
        rho = clamp_rho(rho)
        if self.session.plan_settings.target is None:
            # The session re-plans now and emits on_plan_changed, which redraws the curve.
            self.session.set_rho(rho)
        self.settings.rho = rho
        if abs(self.controls.rho() - rho) > 1e-9:
            self.controls.set_rho(rho)

    def set_target(self, target: float | None) -> None:
        """Fit the plan to ``target`` times shorter, or back to rho mode with None, at the
        rho the slider shows (in target mode: the one the planner chose, in hundredths)."""
        self.session.set_target_speedup(target)
        if target is None:
            self.session.set_rho(self.controls.rho())
        self.settings.target_speedup = target
        self.controls.set_target(target)
        if self._has_file():
            self.refresh_status()

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
        self.exports.on_status(st)

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

    # == closing ============================================================================
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        if not self._closing:
            self._closing = True
            self.closing.emit()
            self._render_timer.stop()
            self._curve_timer.stop()
            self.exports.stop()
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
