"""Composition root: builds the session, the bridge and the window, and wires them.

Nothing else constructs a PlaybackSession for the GUI. The bridge comes first because the
session is given the bridge's callbacks (SessionEvents) at construction; the window then
connects to the bridge's signals, queued onto the GUI thread.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from pathlib import Path

from PySide6.QtCore import QSettings

from player.session.playback_session import PlaybackSession
from player.ui.application import create_application, quit_after, save_screenshot
from player.ui.bridge import SessionBridge
from player.ui.main_window import PlayerWindow
from player.ui.resources import demo_clip
from player.ui.settings import PlayerSettings

log = logging.getLogger(__name__)
# After the window closes, how long background threads get to finish before the process
# ends anyway (see _exit_when_threads_done).
EXIT_JOIN_S = 5.0


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
        # The demo (no file named) waits paused on its first frame, with the hint showing,
        # so a newcomer can read the window before it plays; a scripted run plays at once.
        demo = video is None and quit_after_s is None
        window.open_path(path, play=not demo)
    if quit_after_s is not None:
        quit_after(window, quit_after_s, screenshot)
    elif screenshot is not None:
        window.closing.connect(lambda: save_screenshot(window, screenshot))
    app.exec()
    window.session.shutdown()  # also when the loop ended without a close event
    _exit_when_threads_done(EXIT_JOIN_S)
    return 0


def _exit_when_threads_done(budget_s: float) -> None:
    """Join the threads still running, and leave at once if some never finish.

    Every worker is a daemon thread and is joined by the session; this is the net under
    that. A daemon thread still inside torch or another C++ extension when Python
    finalizes is killed by pthread_exit as it re-takes the GIL, and the forced unwind
    through C++ frames aborts the process (SIGABRT, "terminate called without an active
    exception"). So: wait for them, and if one is stuck, end with os._exit, which skips
    the finalization the abort happens in. Settings and caches are already on disk.
    """
    deadline = time.monotonic() + budget_s
    stuck = []
    for t in threading.enumerate():
        # Dummy threads are foreign (e.g. PortAudio's callback thread): not joinable.
        if t is threading.main_thread() or isinstance(t, threading._DummyThread):  # noqa: SLF001
            continue
        t.join(max(0.0, deadline - time.monotonic()))
        if t.is_alive():
            stuck.append(t.name)
    if stuck:
        log.warning("exiting with threads still running: %s", ", ".join(stuck))
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
