"""The user's adapted models ("Learn my videos"): where they live, what they were adapted
on, and which video uses which.

Models are normal SpeedNet checkpoints in ``$SPEEDNET_DATA_DIR/models`` if that is set, else
``platformdirs.user_data_dir("speednet-player")/models``. Their origin (the videos, the
base model, the before/after accuracy) is read from the checkpoint's own info, written by
``models.adapt``. ``assignments.json`` beside them maps a video (its resolved path) to the
file name of the model the player uses for it; it is written atomically and a damaged one
reads as empty. No Qt here: the CLI and the window share it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DATA_ENV = "SPEEDNET_DATA_DIR"
ASSIGNMENTS = "assignments.json"
SUFFIX = ".safetensors"


def data_dir() -> Path:
    """The player's data folder (``$SPEEDNET_DATA_DIR`` overrides the platform default)."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("speednet-player"))


@dataclass(frozen=True)
class AdaptedModel:
    """One adapted checkpoint of the library and where it came from."""

    path: Path
    videos: tuple[str, ...]
    base_model: str
    base_hash: str
    before: float
    after: float
    created: str

    @property
    def name(self) -> str:
        return self.path.name

    def origin(self) -> str:
        """One line for a menu: the videos, the accuracy change and the day."""
        shown = ", ".join(self.videos[:2]) + (f" and {len(self.videos) - 2} more" if len(self.videos) > 2 else "")
        day = self.created[:10]
        return f"Adapted to {shown or 'unknown videos'} ({self.before:.2f} \u2192 {self.after:.2f}{', ' + day if day else ''})"


class ModelLibrary:
    """The adapted models in ``root`` (default: ``data_dir() / "models"``)."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root) if root is not None else data_dir() / "models"

    # -- models ---------------------------------------------------------------------------------
    def models(self) -> list[AdaptedModel]:
        """Every readable adapted checkpoint, newest first (unreadable files are skipped)."""
        found = []
        if not self.root.is_dir():
            return []
        for path in self.root.glob(f"*{SUFFIX}"):
            model = self.describe(path)
            if model is not None:
                found.append(model)
        return sorted(found, key=lambda m: (m.created, m.name), reverse=True)

    @staticmethod
    def describe(path: Path) -> AdaptedModel | None:
        """The origin recorded in an adapted checkpoint, or None if it is not one."""
        from models.checkpoint import read_safetensors
        from models.errors import ModelError

        try:
            _, meta = read_safetensors(path)
            info = json.loads(meta.get("info") or "{}")
        except (ModelError, OSError, ValueError, RecursionError) as exc:
            log.warning("ignoring %s: %s", path, exc)
            return None
        adapted = info.get("adapted") if isinstance(info, dict) else None
        if not isinstance(adapted, dict):
            return None
        videos = tuple(str(v.get("name", "?")) for v in adapted.get("videos", []) if isinstance(v, dict))
        try:
            before, after = float(adapted.get("accuracy_before", "nan")), float(adapted.get("accuracy_after", "nan"))
        except (TypeError, ValueError):
            before = after = float("nan")
        return AdaptedModel(
            path=path,
            videos=videos,
            base_model=str(adapted.get("base_model", "")),
            base_hash=str(adapted.get("base_model_hash", "")),
            before=before,
            after=after,
            created=str(adapted.get("created", "")),
        )

    def new_path(self, videos: list[Path]) -> Path:
        """A fresh file name for a model adapted on ``videos`` (the folder is created)."""
        self.root.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^\w.-]+", "_", videos[0].stem)[:40] if videos else "videos"
        if len(videos) > 1:
            stem += f"+{len(videos) - 1}"
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = self.root / f"{stem}-{stamp}{SUFFIX}"
        n = 1
        while path.exists():
            n += 1
            path = self.root / f"{stem}-{stamp}-{n}{SUFFIX}"
        return path

    def contains(self, path: str | os.PathLike[str]) -> bool:
        p = Path(path).absolute()
        return p.parent == self.root.absolute() and p.suffix == SUFFIX

    def delete(self, path: str | os.PathLike[str]) -> None:
        """Remove an adapted model of this library and every assignment to it."""
        p = Path(path)
        if not self.contains(p):
            raise ValueError(f"{p} is not a model of the library {self.root}")
        p.unlink(missing_ok=True)
        table = self._assignments()
        kept = {video: name for video, name in table.items() if name != p.name}
        if kept != table:
            self._save_assignments(kept)

    # -- which video uses which model -------------------------------------------------------------
    def assigned(self, video: str | os.PathLike[str]) -> Path | None:
        """The adapted model to use for ``video``, if one is assigned and still exists."""
        name = self._assignments().get(_key(video))
        if not name:
            return None
        path = self.root / name
        return path if path.is_file() else None

    def assign(self, video: str | os.PathLike[str], model: str | os.PathLike[str] | None) -> None:
        """Use ``model`` (a file of this library) for ``video`` from now on; None = the default."""
        table = self._assignments()
        if model is None:
            table.pop(_key(video), None)
        else:
            if not self.contains(model):
                raise ValueError(f"{model} is not a model of the library {self.root}")
            table[_key(video)] = Path(model).name
        self._save_assignments(table)

    def _assignments(self) -> dict[str, str]:
        try:
            data = json.loads((self.root / ASSIGNMENTS).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, RecursionError) as exc:
            log.warning("ignoring %s: %s", self.root / ASSIGNMENTS, exc)
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(k): str(v) for k, v in data.items() if isinstance(v, str) and "/" not in v and "\\" not in v}

    def _save_assignments(self, table: dict[str, str]) -> None:
        from models.checkpoint import atomic_write_bytes

        atomic_write_bytes(self.root / ASSIGNMENTS, json.dumps(table, indent=1, sort_keys=True).encode())


def find_videos(inputs: list[Path]) -> list[Path]:
    """The named files, and the video files found (recursively, by extension) in the named
    folders, in order, without duplicates. MediaError for a missing path or a folder with
    no video file."""
    from models.data import VIDEO_SUFFIXES
    from player.core.errors import MediaError

    found: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            inside = sorted(p for p in item.rglob("*") if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file())
            if not inside:
                raise MediaError(f"no video files in the folder '{item}'")
            found += inside
        elif item.exists():
            found.append(item)
        else:
            raise MediaError(f"no such file: {item}")
    unique: dict[Path, Path] = {}
    for p in found:
        unique.setdefault(p.resolve(), p)
    return list(unique.values())


def _key(video: str | os.PathLike[str]) -> str:
    return str(Path(video).resolve())
