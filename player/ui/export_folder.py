"""Where File > Export suggests saving the cut."""

from __future__ import annotations

import os
from pathlib import Path


def suggested_export_path(source: Path, videos_dir: Path | None = None) -> Path:
    """``<stem>.speednet.mp4`` beside the source when its folder is writable; else in the
    user's Videos folder (platformdirs: ~/Videos, or the XDG/OS equivalent), else home.
    A source on a read-only share or a mounted camera card would otherwise fail only after
    the user has picked a name."""
    name = f"{source.stem}.speednet.mp4"
    folder = source.resolve().parent
    if os.access(folder, os.W_OK | os.X_OK):
        return folder / name
    if videos_dir is None:
        import platformdirs

        videos_dir = Path(platformdirs.user_videos_dir())
    for candidate in (videos_dir, Path.home()):
        if candidate.is_dir() and os.access(candidate, os.W_OK | os.X_OK):
            return candidate / name
    return videos_dir / name
