"""What the player remembers between runs (QSettings: organisation "SpeedNet", app
"SpeedNet Player"): rho, target speed-up, volume, mute, recent files, last folder, and whether
the first-run hint was dismissed.

QSettings values come back as strings from INI files on some platforms, so every getter
converts and falls back to the default on garbage instead of trusting the stored type.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

ORGANISATION = "SpeedNet"
APPLICATION = "SpeedNet Player"
MAX_RECENT = 10
DEFAULT_RHO = 0.5


class PlayerSettings:
    """Typed access to the player's QSettings (inject one in tests: an INI file in tmp)."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self._s = settings if settings is not None else QSettings(ORGANISATION, APPLICATION)

    @property
    def qsettings(self) -> QSettings:
        return self._s

    def _float(self, key: str, default: float, lo: float, hi: float) -> float:
        try:
            value = float(self._s.value(key, default))
        except (TypeError, ValueError):
            return default
        return value if lo <= value <= hi else default

    def _bool(self, key: str, default: bool) -> bool:
        value = self._s.value(key, default)
        if isinstance(value, str):
            return value.lower() in ("true", "1", "yes")
        return bool(value)

    # rho in (0, 1): the planner's threshold (docs/architecture.md, "Scores and the plan").
    @property
    def rho(self) -> float:
        return self._float("smart/rho", DEFAULT_RHO, 0.01, 0.99)

    @rho.setter
    def rho(self, value: float) -> None:
        self._s.setValue("smart/rho", float(value))

    # None = rho mode; otherwise "make it R times shorter".
    @property
    def target_speedup(self) -> float | None:
        value = self._float("smart/target_speedup", 0.0, 0.0, 100.0)
        return value if value > 1.0 else None

    @target_speedup.setter
    def target_speedup(self, value: float | None) -> None:
        self._s.setValue("smart/target_speedup", 0.0 if value is None else float(value))

    @property
    def volume(self) -> float:
        return self._float("audio/volume", 1.0, 0.0, 1.0)

    @volume.setter
    def volume(self, value: float) -> None:
        self._s.setValue("audio/volume", float(value))

    @property
    def muted(self) -> bool:
        return self._bool("audio/muted", False)

    @muted.setter
    def muted(self, value: bool) -> None:
        self._s.setValue("audio/muted", bool(value))

    @property
    def hint_dismissed(self) -> bool:
        return self._bool("ui/hint_dismissed", False)

    @hint_dismissed.setter
    def hint_dismissed(self, value: bool) -> None:
        self._s.setValue("ui/hint_dismissed", bool(value))

    @property
    def last_dir(self) -> str:
        value = self._s.value("files/last_dir", "")
        return value if isinstance(value, str) else ""

    @last_dir.setter
    def last_dir(self, value: str) -> None:
        self._s.setValue("files/last_dir", str(value))

    @property
    def recent_files(self) -> list[str]:
        value = self._s.value("files/recent", [])
        if isinstance(value, str):  # INI stores a one-element list as a plain string
            value = [value] if value else []
        if not isinstance(value, list):
            return []
        return [str(v) for v in value if v][:MAX_RECENT]

    def add_recent(self, path: str | Path) -> list[str]:
        """Put ``path`` first (no duplicates), keep MAX_RECENT, return the new list."""
        text = str(Path(path).resolve())
        recent = [text] + [p for p in self.recent_files if p != text]
        recent = recent[:MAX_RECENT]
        self._s.setValue("files/recent", recent)
        return recent

    def clear_recent(self) -> None:
        self._s.setValue("files/recent", [])

    def sync(self) -> None:
        self._s.sync()
