"""The QApplication (names, theme) and the scripted run used for docs and automated checks:
``--quit-after SECONDS --screenshot PNG``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable

import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from player.ui.settings import APPLICATION, ORGANISATION
from player.ui.theme import apply_dark_theme


def create_application(argv: list[str] | None = None) -> QApplication:
    """The one QApplication (reused if a test harness already made it), named and themed."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else [sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    app.setDesktopFileName("io.github.speednet.Player")
    pg.setConfigOptions(antialias=True)
    apply_dark_theme(app)
    return app


def save_screenshot(widget: QWidget, path: str | os.PathLike[str]) -> Path:
    """Grab ``widget`` as it looks now and write a PNG atomically (temp file, then rename)."""
    out = Path(path)
    tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
    pixmap = widget.grab()
    if not pixmap.save(str(tmp), "PNG"):
        tmp.unlink(missing_ok=True)
        raise OSError(f"could not write the screenshot to {out}")
    os.replace(tmp, out)
    return out


def quit_after(
    window: QWidget,
    seconds: float,
    screenshot: str | os.PathLike[str] | None = None,
    before_quit: Callable[[], None] | None = None,
) -> QTimer:
    """After ``seconds`` of event loop: screenshot the window (if asked), close it, quit."""
    timer = QTimer(window)
    timer.setSingleShot(True)

    def finish() -> None:
        if before_quit is not None:
            before_quit()
        if screenshot is not None:
            save_screenshot(window, screenshot)
        window.close()
        QApplication.quit()

    timer.timeout.connect(finish)
    timer.start(int(max(0.0, seconds) * 1000))
    return timer
