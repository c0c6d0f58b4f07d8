"""Render resources/icons/speednet-player.svg to the PNG sizes desktops ask for.

Run once after editing the SVG: ``python packaging/make_icons.py``. Uses Qt's SVG renderer,
which the app already depends on, so no extra tool is needed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"


def main() -> int:
    app = QGuiApplication(sys.argv)  # noqa: F841 - QImage painting needs an application
    renderer = QSvgRenderer(str(ICONS / "speednet-player.svg"))
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        out = ICONS / f"speednet-player-{size}.png"
        tmp = out.with_suffix(".png.tmp")
        image.save(str(tmp), "PNG")
        os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
