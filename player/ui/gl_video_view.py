"""The OpenGL picture path: frames are uploaded as a texture and drawn by a shader.

The GPU does the scaling and letterboxing, so the GUI thread only copies the
frame's bytes into a texture (the decode thread already converted it to RGB). Same interface
as VideoView; ``make_video_view`` picks this view only where a hardware GL driver exists,
because a software rasteriser (Mesa llvmpipe, or the offscreen platform with no GL at all)
is slower than QPainter.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QMatrix4x4, QPainter, QSurfaceFormat
from PySide6.QtOpenGL import (
    QOpenGLBuffer,
    QOpenGLPixelTransferOptions,
    QOpenGLShader,
    QOpenGLShaderProgram,
    QOpenGLTexture,
)
from PySide6.QtOpenGLWidgets import QOpenGLWidget
from PySide6.QtWidgets import QWidget

from player.core.frames import VideoFrame
from player.ui.video_view import PictureViewMixin

_GL_FLOAT = 0x1406
_GL_TRIANGLE_STRIP = 0x0005
_GL_COLOR_BUFFER_BIT = 0x00004000

_VERTEX = """
attribute vec2 position;   // picture corner, in frame pixels around the centre
attribute vec2 texcoord;
uniform mat4 transform;    // fit-to-widget scale, pixels -> clip space
varying vec2 uv;
void main() {
    uv = texcoord;
    gl_Position = transform * vec4(position, 0.0, 1.0);
}
"""
_FRAGMENT = """
#ifdef GL_ES
precision mediump float;
#endif
uniform sampler2D frame;
varying vec2 uv;
void main() {
    gl_FragColor = vec4(texture2D(frame, uv).rgb, 1.0);
}
"""


class GLVideoView(PictureViewMixin, QOpenGLWidget):
    """Draws frames with OpenGL; keeps aspect ratio."""

    double_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._init_view()
        self._pending: np.ndarray | None = None  # uploaded at the next paintGL
        self._last_image: np.ndarray | None = None
        self._size: tuple[int, int] = (0, 0)  # (w, h) of the frame in the texture
        self._program: QOpenGLShaderProgram | None = None
        self._texture: QOpenGLTexture | None = None
        self._vbo: QOpenGLBuffer | None = None
        self._upload_options = QOpenGLPixelTransferOptions()
        self._upload_options.setAlignment(1)  # RGB rows of odd widths are not 4-byte aligned

    # -- same interface as VideoView (the rest is in PictureViewMixin) -------------------------
    def set_frame(self, frame: VideoFrame) -> None:
        image = frame.image
        if not image.flags["C_CONTIGUOUS"]:
            image = np.ascontiguousarray(image)
        self._pending = image
        self._last_image = image
        self._size = (image.shape[1], image.shape[0])
        self._frame_shown(frame)

    def _drop_picture(self) -> None:
        self._pending = None
        self._last_image = None
        self._size = (0, 0)

    def has_picture(self) -> bool:
        return self._size != (0, 0)

    def display_size(self) -> tuple[int, int]:
        return self._size

    # -- GL --------------------------------------------------------------------------------
    def initializeGL(self) -> None:  # noqa: N802 - Qt API
        self._create_gl()

    def _create_gl(self) -> None:
        program = QOpenGLShaderProgram(self)
        program.addShaderFromSourceCode(QOpenGLShader.ShaderTypeBit.Vertex, _VERTEX)
        program.addShaderFromSourceCode(QOpenGLShader.ShaderTypeBit.Fragment, _FRAGMENT)
        program.bindAttributeLocation("position", 0)
        program.bindAttributeLocation("texcoord", 1)
        if not program.link():
            raise RuntimeError(f"video shader failed to link: {program.log()}")
        self._program = program
        self._vbo = QOpenGLBuffer(QOpenGLBuffer.Type.VertexBuffer)
        self._vbo.create()
        self._vbo.setUsagePattern(QOpenGLBuffer.UsagePattern.DynamicDraw)

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt API
        # GL objects must be freed while their context is current. Python has no reliable
        # hook inside QOpenGLWidget's destructor, so free them on hide (closing the window
        # hides it first) and make them again at the next paint.
        self._release_gl()
        super().hideEvent(event)

    def _release_gl(self) -> None:
        if self._program is None and self._texture is None:
            return
        if self._pending is None:
            self._pending = self._last_image  # re-upload if shown again
        self.makeCurrent()
        if self._texture is not None:
            self._texture.destroy()
            self._texture = None
        if self._vbo is not None:
            self._vbo.destroy()
            self._vbo = None
        self._program = None
        self.doneCurrent()

    def _upload(self) -> None:
        image, self._pending = self._pending, None
        if image is None:
            return
        h, w, _ = image.shape
        tex = self._texture
        if tex is None or (tex.width(), tex.height()) != (w, h):
            if tex is not None:
                tex.destroy()
            tex = QOpenGLTexture(QOpenGLTexture.Target.Target2D)
            tex.setFormat(QOpenGLTexture.TextureFormat.RGB8_UNorm)
            tex.setSize(w, h)
            tex.setMinMagFilters(QOpenGLTexture.Filter.Linear, QOpenGLTexture.Filter.Linear)
            tex.setWrapMode(QOpenGLTexture.WrapMode.ClampToEdge)
            tex.allocateStorage(QOpenGLTexture.PixelFormat.RGB, QOpenGLTexture.PixelType.UInt8)
            self._texture = tex
        # PySide passes the array's buffer as the void* (no copy); GL copies it before returning.
        tex.setData(
            QOpenGLTexture.PixelFormat.RGB,
            QOpenGLTexture.PixelType.UInt8,
            image,
            self._upload_options,
        )

    def paintGL(self) -> None:  # noqa: N802 - Qt API
        f = self.context().functions()
        f.glClearColor(0.0, 0.0, 0.0, 1.0)
        f.glClear(_GL_COLOR_BUFFER_BIT)
        if self._program is None:
            self._create_gl()
        self._upload()
        if self._texture is None or not self.has_picture() or self._program is None:
            self._paint_placeholder()
            return
        w, h = self._size
        vw, vh = max(1, self.width()), max(1, self.height())
        scale = min(vw / w, vh / h)
        transform = QMatrix4x4()
        transform.scale(2.0 * scale / vw, 2.0 * scale / vh)
        # Corners (x, y up) with texture coordinates (row 0 = top of the picture).
        quad = np.array(
            [
                [-w / 2, h / 2, 0.0, 0.0],
                [-w / 2, -h / 2, 0.0, 1.0],
                [w / 2, h / 2, 1.0, 0.0],
                [w / 2, -h / 2, 1.0, 1.0],
            ],
            dtype=np.float32,
        )
        program, vbo = self._program, self._vbo
        program.bind()
        vbo.bind()
        vbo.allocate(quad, quad.nbytes)
        program.enableAttributeArray(0)
        program.enableAttributeArray(1)
        program.setAttributeBuffer(0, _GL_FLOAT, 0, 2, 16)
        program.setAttributeBuffer(1, _GL_FLOAT, 8, 2, 16)
        program.setUniformValue("transform", transform)
        program.setUniformValue1i("frame", 0)
        self._texture.bind(0)
        f.glDrawArrays(_GL_TRIANGLE_STRIP, 0, 4)
        self._texture.release(0)
        program.disableAttributeArray(0)
        program.disableAttributeArray(1)
        vbo.release()
        program.release()

    def _paint_placeholder(self) -> None:
        if not self._placeholder:
            return
        painter = QPainter(self)
        painter.setPen(QColor(150, 154, 165))
        painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._placeholder)
        painter.end()


def gl_renderer() -> str | None:
    """The OpenGL renderer string, or None where no GL context can be made (offscreen)."""
    from PySide6.QtGui import QGuiApplication, QOffscreenSurface, QOpenGLContext

    if QGuiApplication.platformName() in ("offscreen", "minimal", "vnc", "linuxfb"):
        return None
    context = QOpenGLContext()
    context.setFormat(QSurfaceFormat.defaultFormat())
    if not context.create():
        return None
    surface = QOffscreenSurface()
    surface.setFormat(context.format())
    surface.create()
    try:
        if not surface.isValid() or not context.makeCurrent(surface):
            return None
        renderer = context.functions().glGetString(0x1F01)  # GL_RENDERER
        context.doneCurrent()
        return str(renderer) if renderer else None
    finally:
        surface.destroy()


SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swrast", "software")


def hardware_gl_available() -> bool:
    renderer = gl_renderer()
    return renderer is not None and not any(s in renderer.lower() for s in SOFTWARE_RENDERERS)
