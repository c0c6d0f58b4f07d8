"""The picture: paints the current VideoFrame, letterboxed, upright.

Frames arrive as RGB uint8 numpy arrays already converted on the decode thread, so the GUI
thread only wraps the buffer in a QImage (no copy) and lets QPainter scale it while
painting. Frames are already upright: the DecodeWorker applies the rotation metadata.

This is the QImage-painting path and works on every Qt platform (offscreen included).
``player.ui.gl_video_view`` holds the OpenGL alternative; ``make_video_view`` picks one.
``PictureViewMixin`` is the interface code the two share (placeholder, counters, letterbox
rect, size hint, double-click).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from player.core.frames import VideoFrame

if TYPE_CHECKING:  # the mixin's methods use the widget's; at run time it derives from object
    _ViewBase = QWidget
else:
    _ViewBase = object


def fit_rect(frame_w: float, frame_h: float, box: QRectF) -> QRectF:
    """The largest rect with the frame's aspect ratio centred in ``box`` (letterbox)."""
    if frame_w <= 0 or frame_h <= 0 or box.width() <= 0 or box.height() <= 0:
        return QRectF(box.center(), box.center())
    scale = min(box.width() / frame_w, box.height() / frame_h)
    w, h = frame_w * scale, frame_h * scale
    return QRectF(box.center().x() - w / 2, box.center().y() - h / 2, w, h)


def rgb_to_qimage(image: np.ndarray) -> QImage:
    """Wrap an RGB uint8 (H, W, 3) array in a QImage without copying.

    The QImage borrows the array's memory, so the caller keeps the array alive as long as
    the image (VideoView holds both).
    """
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected RGB uint8 (H, W, 3), got {image.dtype} {image.shape}")
    if not image.flags["C_CONTIGUOUS"]:
        image = np.ascontiguousarray(image)
    h, w, _ = image.shape
    return QImage(image.data, w, h, image.strides[0], QImage.Format.Format_RGB888)


class PictureViewMixin(_ViewBase):
    """What the two picture widgets share, put before the Qt widget class in the bases.

    A mixin, not a QWidget subclass, because the OpenGL view must derive from
    QOpenGLWidget. The widget class declares ``double_clicked`` and implements
    ``display_size`` and ``_drop_picture``.
    """

    double_clicked: Signal

    def _init_view(self) -> None:
        """The size, focus and counters both views start with (call from ``__init__``)."""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 90)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._placeholder = ""
        self.frames_shown = 0  # counts set_frame calls (tests and the bench read it)
        self.last_frame_t: float | None = None

    def _frame_shown(self, frame: VideoFrame) -> None:
        """Count ``frame`` as shown and schedule a repaint (end of ``set_frame``)."""
        self.last_frame_t = frame.src_t
        self.frames_shown += 1
        self.update()

    def set_placeholder(self, text: str) -> None:
        """Text drawn when there is no picture (e.g. "Drop a video here")."""
        self._placeholder = text
        self.update()

    def clear(self) -> None:
        self._drop_picture()
        self.last_frame_t = None
        self.update()

    def _drop_picture(self) -> None:
        raise NotImplementedError

    def display_size(self) -> tuple[int, int]:
        raise NotImplementedError

    def picture_rect(self) -> QRectF:
        """Where the picture lands in widget coordinates (letterboxed)."""
        w, h = self.display_size()
        return fit_rect(w, h, QRectF(self.rect()))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(960, 540)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        self.double_clicked.emit()
        event.accept()


class VideoView(PictureViewMixin, QWidget):
    """Paints frames with QPainter; keeps aspect ratio."""

    double_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._init_view()
        self._array: np.ndarray | None = None  # keeps the QImage's memory alive
        self._image: QImage | None = None

    # -- what to show ----------------------------------------------------------------------
    def set_frame(self, frame: VideoFrame) -> None:
        """Show ``frame`` at the next paint (GUI thread)."""
        self._array = frame.image
        self._image = rgb_to_qimage(frame.image)
        self._frame_shown(frame)

    def _drop_picture(self) -> None:
        self._array = None
        self._image = None

    def has_picture(self) -> bool:
        return self._image is not None

    def display_size(self) -> tuple[int, int]:
        """(width, height) of the picture; (0, 0) when empty."""
        if self._image is None:
            return 0, 0
        return self._image.width(), self._image.height()

    # -- painting --------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(0, 0, 0))
        if self._image is None:
            if self._placeholder:
                painter.setPen(QColor(150, 154, 165))
                painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._placeholder)
            painter.end()
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(self.picture_rect(), self._image)
        painter.end()


VIDEO_VIEW_ENV = "SPEEDNET_VIDEO_VIEW"  # "gl", "image" or "auto" (default)


def make_video_view(kind: str | None = None, parent: QWidget | None = None) -> QWidget:
    """The picture widget: OpenGL where a hardware driver exists, else QImage painting.

    ``kind`` (or $SPEEDNET_VIDEO_VIEW): "gl" forces OpenGL (if a context can be made at all),
    "image" forces QPainter, "auto" decides by the GL renderer.
    """
    import os

    kind = (kind or os.environ.get(VIDEO_VIEW_ENV) or "auto").lower()
    if kind == "image":
        return VideoView(parent)
    from player.ui.gl_video_view import GLVideoView, gl_renderer, hardware_gl_available

    if kind == "gl" and gl_renderer() is not None:
        return GLVideoView(parent)
    if kind == "auto" and hardware_gl_available():
        return GLVideoView(parent)
    return VideoView(parent)
