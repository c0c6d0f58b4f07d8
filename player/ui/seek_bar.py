"""The seek bar: a painted groove over source time, with hover time and drag-to-seek.

Painted rather than a QSlider so its groove spans exactly ``[H_MARGIN, width - H_MARGIN]``:
the speed curve under it (SpeedCurveView) uses the same margins, so a source time sits at the
same x in both.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from player.ui import theme
from player.ui.time_format import format_time

H_MARGIN = 40  # px left and right of the groove: the width of the speed curve's axes


class SeekBar(QWidget):
    """Shows ``position`` of ``duration`` (source seconds); press or drag to seek."""

    seek_requested = Signal(float)  # source seconds
    drag_started = Signal()
    drag_finished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(20)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._duration = 0.0
        self._position = 0.0
        self._dragging = False
        self._hover_x: float | None = None

    # -- model -----------------------------------------------------------------------------
    def set_duration(self, duration: float) -> None:
        self._duration = max(0.0, float(duration))
        self.update()

    def duration(self) -> float:
        return self._duration

    def set_position(self, position: float) -> None:
        """Move the handle (ignored while the user drags it, so it does not jump back)."""
        if self._dragging:
            return
        self._position = min(max(0.0, float(position)), self._duration)
        self.update()

    def position(self) -> float:
        return self._position

    @property
    def dragging(self) -> bool:
        return self._dragging

    # -- geometry (shared with the curve under it) -----------------------------------------
    def groove_span(self) -> tuple[float, float]:
        return float(H_MARGIN), float(max(H_MARGIN + 1, self.width() - H_MARGIN))

    def x_for_time(self, t: float) -> float:
        x0, x1 = self.groove_span()
        if self._duration <= 0:
            return x0
        return x0 + (x1 - x0) * min(max(t / self._duration, 0.0), 1.0)

    def time_for_x(self, x: float) -> float:
        x0, x1 = self.groove_span()
        frac = min(max((x - x0) / (x1 - x0), 0.0), 1.0)
        return frac * self._duration

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(600, 20)

    # -- painting --------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        x0, x1 = self.groove_span()
        cy = self.height() / 2
        thick = 6.0 if (self._hover_x is not None or self._dragging) else 4.0
        groove = QRectF(x0, cy - thick / 2, x1 - x0, thick)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(theme.BORDER))
        painter.drawRoundedRect(groove, thick / 2, thick / 2)
        if self._hover_x is not None:
            hover = QRectF(x0, groove.top(), max(0.0, self._hover_x - x0), thick)
            painter.setBrush(QColor(255, 255, 255, 40))
            painter.drawRoundedRect(hover, thick / 2, thick / 2)
        px = self.x_for_time(self._position)
        painter.setBrush(QColor(theme.ACCENT))
        painter.drawRoundedRect(QRectF(x0, groove.top(), px - x0, thick), thick / 2, thick / 2)
        painter.setBrush(QColor(theme.TEXT))
        painter.drawEllipse(QPointF(px, cy), 6.0, 6.0)
        painter.end()

    # -- mouse -----------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.button() != Qt.MouseButton.LeftButton or self._duration <= 0:
            return super().mousePressEvent(event)
        self._dragging = True
        self.drag_started.emit()
        self._seek_to_x(event.position().x())
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        x = event.position().x()
        self._hover_x = min(max(x, self.groove_span()[0]), self.groove_span()[1])
        if self._duration > 0:
            QToolTip.showText(event.globalPosition().toPoint(), format_time(self.time_for_x(x)), self)
        if self._dragging:
            self._seek_to_x(x)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if self._dragging and event.button() == Qt.MouseButton.LeftButton:
            self._seek_to_x(event.position().x())
            self._dragging = False
            self.drag_finished.emit()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._hover_x = None
        self.update()
        super().leaveEvent(event)

    def _seek_to_x(self, x: float) -> None:
        t = self.time_for_x(x)
        self._position = t
        self.update()
        self.seek_requested.emit(t)
