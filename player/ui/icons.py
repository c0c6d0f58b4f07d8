"""Transport icons drawn with QPainter paths.

Drawn rather than loaded so they need no image files or icon theme (the offscreen and
Xvfb platforms have none), stay sharp at any size, and take the theme's colours.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

from player.ui import theme

_SIZE = 64  # drawn at 64 px in a 0..1 unit box; Qt scales down smoothly


def _polygon(*points: tuple[float, float]) -> QPainterPath:
    """The closed outline through ``points``, in order."""
    path = QPainterPath()
    path.moveTo(*points[0])
    for point in points[1:]:
        path.lineTo(*point)
    path.closeSubpath()
    return path


def _triangle(x0: float, y0: float, x1: float, y1: float) -> QPainterPath:
    return _polygon((x0, y0), (x1, (y0 + y1) / 2), (x0, y1))


def _rect(x: float, y: float, w: float, h: float) -> QPainterPath:
    path = QPainterPath()
    path.addRoundedRect(QRectF(x, y, w, h), 0.03, 0.03)
    return path


def _speaker() -> QPainterPath:
    return _polygon((0.12, 0.38), (0.28, 0.38), (0.5, 0.18), (0.5, 0.82), (0.28, 0.62), (0.12, 0.62))


def _shape(name: str) -> tuple[QPainterPath, QPainterPath | None]:
    """(filled path, stroked path or None) in the unit box."""
    if name == "play":
        return _triangle(0.28, 0.2, 0.82, 0.8), None
    if name == "pause":
        return _rect(0.26, 0.2, 0.16, 0.6).united(_rect(0.58, 0.2, 0.16, 0.6)), None
    if name == "step_forward":
        return _triangle(0.22, 0.25, 0.64, 0.75).united(_rect(0.68, 0.25, 0.1, 0.5)), None
    if name == "step_backward":
        flipped = _polygon((0.78, 0.25), (0.36, 0.5), (0.78, 0.75))
        return flipped.united(_rect(0.22, 0.25, 0.1, 0.5)), None
    if name == "smart":
        # Fast-forward: two triangles.
        return _triangle(0.12, 0.24, 0.5, 0.76).united(_triangle(0.48, 0.24, 0.88, 0.76)), None
    if name == "volume":
        waves = QPainterPath()
        waves.arcMoveTo(QRectF(0.38, 0.3, 0.26, 0.4), 60)
        waves.arcTo(QRectF(0.38, 0.3, 0.26, 0.4), 60, -120)
        waves.arcMoveTo(QRectF(0.34, 0.16, 0.48, 0.68), 60)
        waves.arcTo(QRectF(0.34, 0.16, 0.48, 0.68), 60, -120)
        return _speaker(), waves
    if name == "muted":
        cross = QPainterPath()
        cross.moveTo(0.62, 0.38)
        cross.lineTo(0.86, 0.62)
        cross.moveTo(0.86, 0.38)
        cross.lineTo(0.62, 0.62)
        return _speaker(), cross
    if name == "fullscreen":
        corners = QPainterPath()
        for (x, y, dx, dy) in ((0.2, 0.2, 1, 1), (0.8, 0.2, -1, 1), (0.2, 0.8, 1, -1), (0.8, 0.8, -1, -1)):
            corners.moveTo(x + dx * 0.2, y)
            corners.lineTo(x, y)
            corners.lineTo(x, y + dy * 0.2)
        return QPainterPath(), corners
    if name == "open":
        folder = _polygon((0.14, 0.28), (0.4, 0.28), (0.46, 0.36), (0.86, 0.36), (0.86, 0.76), (0.14, 0.76))
        return folder, None
    raise KeyError(name)


@lru_cache(maxsize=None)
def icon(name: str, colour: str = theme.TEXT) -> QIcon:
    """A QIcon for ``name`` (play, pause, step_forward, step_backward, smart, volume, muted,
    fullscreen, open) in ``colour``."""
    fill, stroke = _shape(name)
    pixmap = QPixmap(_SIZE, _SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(_SIZE, _SIZE)
    colour_q = QColor(colour)
    if not fill.isEmpty():
        painter.fillPath(fill, colour_q)
    if stroke is not None:
        pen = QPen(colour_q, 0.07)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(stroke)
    painter.end()
    return QIcon(pixmap)


def app_icon() -> QIcon:
    """The window icon: the smart fast-forward glyph on an accent disc."""
    pixmap = QPixmap(_SIZE, _SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(theme.ACCENT))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(QPointF(_SIZE / 2, _SIZE / 2), _SIZE / 2 - 1, _SIZE / 2 - 1)
    painter.scale(_SIZE, _SIZE)
    painter.translate(0.15, 0.15)
    painter.scale(0.7, 0.7)
    painter.fillPath(_shape("smart")[0], QColor("#ffffff"))
    painter.end()
    return QIcon(pixmap)
