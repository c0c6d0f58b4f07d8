"""Screenshots of the player window in given states, for the README and for checking the UI.

Run under a display (Xvfb is enough), with audio off:

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python packaging/screenshots/take_screenshots.py \
        VIDEO OUT_PREFIX [--scored 0.5] [--hover 0.3] [--seek 0.4] [--target 3] [--paused]

It opens VIDEO with smart fast-forward on, waits until ``--scored`` of it is scored (or 120 s),
seeks to ``--seek`` of the duration, optionally hovers the curve at ``--hover`` of the
duration, and saves OUT_PREFIX-window.png and OUT_PREFIX-curve.png (the control bar alone).
Settings live in a temporary INI file, never the user's.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtTest import QTest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from player.app import build_player  # noqa: E402
from player.ui.application import create_application, save_screenshot  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("video")
    parser.add_argument("out_prefix")
    parser.add_argument("--scored", type=float, default=0.5, help="wait until this share is scored")
    parser.add_argument("--seek", type=float, default=0.35)
    parser.add_argument("--hover", type=float, default=None)
    parser.add_argument("--target", type=float, default=None)
    parser.add_argument("--rho", type=float, default=None)
    parser.add_argument("--paused", action="store_true", help="take it paused")
    parser.add_argument("--no-smart", action="store_true")
    parser.add_argument("--size", default="1180x760")
    parser.add_argument("--first-run", action="store_true", help="as the demo starts: paused, smart off")
    parser.add_argument("--curve-taller", type=int, default=0, help="drag the splitter up this many px")
    args = parser.parse_args()

    app = create_application()
    ini = Path(tempfile.mkdtemp()) / "settings.ini"
    window = build_player(audio=False, settings=QSettings(str(ini), QSettings.Format.IniFormat))
    window.session.preload_model()
    w, h = (int(x) for x in args.size.split("x"))
    window.resize(w, h)
    window.show()
    if args.target is not None:
        window.set_target(args.target)
    elif args.rho is not None:
        window.set_rho(args.rho)
    if args.first_run:
        window.open_path(args.video, play=False)
        QTest.qWait(2500)
        save_screenshot(window, f"{args.out_prefix}-window.png")
        window.close()
        return 0
    if not window.open_path(args.video):
        return 1
    if args.curve_taller:
        sizes = window.splitter.sizes()
        window.splitter.setSizes([sizes[0] - args.curve_taller, sizes[1] + args.curve_taller])
    if not args.no_smart:
        window.set_smart(True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and window.session.status().scored_fraction < args.scored:
        QTest.qWait(200)
    duration = window.session.status().duration
    window.seek_to(args.seek * duration)
    QTest.qWait(600)
    if args.paused and window.session.status().playing:
        window.toggle_play()
    window.refresh_curve()
    window.refresh_status()
    QTest.qWait(300)
    if args.hover is not None:
        window.controls.curve.show_hover(args.hover * duration)
        QTest.qWait(100)
    save_screenshot(window, f"{args.out_prefix}-window.png")
    save_screenshot(window.controls, f"{args.out_prefix}-curve.png")
    st = window.session.status()
    print(f"scored {st.scored_fraction:.2f}  position {st.position:.1f}/{st.duration:.1f}  "
          f"speed {st.effective_rate:.2f}  hover: {window.controls.curve.hover_text()!r}")  # fmt: skip
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
