"""Fullscreen for the main window: menus and status bar hidden, the controls and the mouse
pointer hidden after CONTROLS_HIDE_MS without a mouse move over the video (as mpv's OSC)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QMainWindow, QWidget

CONTROLS_HIDE_MS = 2500


class Fullscreen(QObject):
    """Enters and leaves fullscreen for ``window``; watches ``video`` for mouse moves."""

    def __init__(self, window: QMainWindow, video: QWidget, controls: QWidget) -> None:
        super().__init__(window)
        self.window, self.video, self.controls = window, video, controls
        self._was_maximized = False
        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.setInterval(CONTROLS_HIDE_MS)
        self._hide_timer.timeout.connect(self._hide_controls)
        video.setMouseTracking(True)
        video.installEventFilter(self)

    def toggle(self) -> None:
        if self.window.isFullScreen():
            self.leave()
            return
        w = self.window
        self._was_maximized = w.isMaximized()
        w.menuBar().hide()
        w.statusBar().hide()
        w.showFullScreen()
        self._hide_timer.start()

    def leave(self) -> None:
        w = self.window
        if not w.isFullScreen():
            return
        self._hide_timer.stop()
        w.menuBar().show()
        w.statusBar().show()
        self.controls.show()
        self.video.unsetCursor()
        if self._was_maximized:
            w.showMaximized()
        else:
            w.showNormal()

    def _hide_controls(self) -> None:
        if self.window.isFullScreen() and not self.controls.underMouse():
            self.controls.hide()
            self.video.setCursor(Qt.CursorShape.BlankCursor)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if watched is self.video and event.type() == QEvent.Type.MouseMove and self.window.isFullScreen():
            self.controls.show()
            self.video.unsetCursor()
            self._hide_timer.start()
        return super().eventFilter(watched, event)
