"""PySide6 6.12.0 drops a reference to None on every void call, which aborts Python 3.11
("none_dealloc") within a minute of playback; pyproject.toml pins it out. This guards the pin:
a window's worth of void Qt calls must leave None's reference count where it was."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
label.setText("x")
before = sys.getrefcount(None)
for i in range(100_000):  # about 15 minutes of a playing window's Qt calls
    label.setText("x")
    label.update()
print(before - sys.getrefcount(None))
"""


def test_hundred_thousand_void_qt_calls_keep_none_alive() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO))
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert abs(int(result.stdout.strip())) < 100  # 6.12.0 would have lost 200,000
