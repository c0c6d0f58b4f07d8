"""pytest-qt fixtures for the window tests: offscreen Qt, a temporary settings store.

QT_QPA_PLATFORM must be set before anything imports Qt, so it is set here at import time
(the root conftest sets it too; setdefault keeps a caller's explicit choice, e.g. xcb).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402


@pytest.fixture(autouse=True)
def temporary_settings_location(tmp_path: Path):
    """Every QSettings a test makes (even a default one) lands in tmp, never in ~/.config."""
    folder = tmp_path / "settings"
    folder.mkdir()
    for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
        QSettings.setPath(fmt, QSettings.Scope.SystemScope, str(folder / "system"))
    yield folder


@pytest.fixture
def qsettings(tmp_path: Path) -> QSettings:
    """An INI settings file in tmp, for PlayerSettings(...)."""
    return QSettings(str(tmp_path / "player.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def themed_app(qapp):
    """The test QApplication with the player's names and dark theme applied."""
    from player.ui.application import create_application

    return create_application()
