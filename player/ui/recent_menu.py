"""File > Open Recent: the remembered files (PlayerSettings.recent_files), filled each time
the menu opens, so it always shows the current list."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtWidgets import QMenu, QWidget

from player.ui.settings import PlayerSettings


class RecentMenu(QMenu):
    """Opens a remembered file with ``open_path(path)``."""

    def __init__(self, parent: QWidget, settings: PlayerSettings, open_path: Callable[[str], object]) -> None:
        super().__init__("Open &Recent", parent)
        self._settings = settings
        self._open_path = open_path
        self.aboutToShow.connect(self.fill)
        self.fill()

    def fill(self) -> None:
        self.clear()
        recent = self._settings.recent_files
        for path in recent:
            action = self.addAction(Path(path).name)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _c=False, p=path: self._open_path(p))
        if recent:
            self.addSeparator()
            self.addAction("Clear list", self._settings.clear_recent)
        else:
            self.addAction("No recent files").setEnabled(False)
