"""Where the bundled resources (demo clip, icons) are: the repository's resources/ folder, or
the PyInstaller bundle's copy of it (``sys._MEIPASS/resources``)."""

from __future__ import annotations

import sys
from pathlib import Path

DEMO_CLIP = "demo_baseball.mp4"


def resource_dirs() -> list[Path]:
    dirs = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        dirs.append(Path(bundle) / "resources")
    dirs.append(Path(__file__).resolve().parents[2] / "resources")
    return dirs


def resource_path(relative: str) -> Path | None:
    """The first existing ``resources/<relative>``, or None."""
    for folder in resource_dirs():
        candidate = folder / relative
        if candidate.exists():
            return candidate
    return None


def demo_clip() -> Path | None:
    """The bundled demo video opened when the player starts without a file."""
    return resource_path(DEMO_CLIP)
