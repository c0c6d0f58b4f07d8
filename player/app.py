"""Composition root: builds the session, the bridge and the window, and wires them.

Nothing else constructs a PlaybackSession for the GUI. The bridge comes first because the
session is given the bridge's callbacks (SessionEvents) at construction; the window then
connects to the bridge's signals, queued onto the GUI thread.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QSettings

from player.session.playback_session import PlaybackSession
from player.ui.application import create_application, quit_after, save_screenshot
from player.ui.bridge import SessionBridge
from player.ui.main_window import PlayerWindow
from player.ui.resources import demo_clip
from player.ui.settings import PlayerSettings


def build_player(
    *,
    model_path: str | os.PathLike[str] | None = None,
    device: str = "auto",
    audio: bool = True,
    cache_dir: str | None = None,
    settings: QSettings | None = None,
) -> PlayerWindow:
    """A ready window around a fresh session (needs a QApplication: create_application)."""
    bridge = SessionBridge()
    session = PlaybackSession(
        bridge.events(), model_path=model_path, device=device, audio=audio, cache_dir=cache_dir
    )
    return PlayerWindow(session, bridge, PlayerSettings(settings))


def run_player(
    video: str | Path | None = None,
    *,
    smart: bool = False,
    rho: float | None = None,
    target_speedup: float | None = None,
    quit_after_s: float | None = None,
    screenshot: str | Path | None = None,
    model_path: str | os.PathLike[str] | None = None,
    device: str = "auto",
    audio: bool = True,
) -> int:
    """Run the desktop player until its window closes; returns the exit code (0)."""
    app = create_application()
    window = build_player(model_path=model_path, device=device, audio=audio)
    # Importing torch holds the GIL for about a second: start it now, before playback.
    window.session.preload_model()
    if target_speedup is not None:
        window.set_target(target_speedup)
    elif rho is not None:
        window.set_rho(rho)
    if smart:
        window.set_smart(True)
    # Errors also go to stderr, so scripted runs (--quit-after) leave a trace in logs.
    window.error_shown.connect(lambda text: print(f"speednet-player: {text}", file=sys.stderr))
    window.show()
    path = Path(video) if video is not None else demo_clip()
    if path is not None:
        window.open_path(path)
    if quit_after_s is not None:
        quit_after(window, quit_after_s, screenshot)
    elif screenshot is not None:
        window.closing.connect(lambda: save_screenshot(window, screenshot))
    app.exec()
    return 0
