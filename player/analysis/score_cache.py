"""On-disk cache of score tracks, so reopening an analysed video needs no model run.

Location: ``$SPEEDNET_CACHE_DIR`` if set, else ``platformdirs.user_cache_dir("speednet-player")``,
in a ``scores/`` folder. One ``.npz`` file per (video, model):

- the key is the video's identity, sha256 of its size, its mtime in nanoseconds and its
  first and last MiB (cheap even for a 10 GB file, and it changes when the file is
  re-encoded or replaced), plus the model hash; both are also stored inside the file and
  checked on load, so a renamed or copied cache file is never applied to the wrong video;
- partial tracks are cached too, with their ``scored`` mask, so an interrupted analysis
  resumes where it stopped instead of starting over;
- written to a temp file in the same folder and renamed over the old one (atomic: a crash
  leaves the old file or the new one, never half of one);
- read with ``np.load(allow_pickle=False)`` (never unpickles anything); any file that
  cannot be read or does not fit (corrupt, truncated, other grid) is ignored, and the next
  save replaces it.

Cache write failures (read-only home, full disk) are logged and ignored: the cache only
saves time.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

import numpy as np

try:  # POSIX; elsewhere a killed save's temporary file is left for the user
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from player.core.scores import ScoreTrack

log = logging.getLogger(__name__)

CACHE_ENV = "SPEEDNET_CACHE_DIR"
FORMAT = "speednet-scores/1"
_MIB = 1024 * 1024


def cache_dir() -> Path:
    """Where score files live (``$SPEEDNET_CACHE_DIR`` overrides the platform default)."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("speednet-player")) / "scores"


def file_identity(path: str | os.PathLike[str]) -> str:
    """sha256 (hex) of the file's size, mtime_ns, first MiB and last MiB."""
    p = Path(path)
    st = p.stat()
    h = hashlib.sha256(f"{st.st_size}:{st.st_mtime_ns}".encode())
    with open(p, "rb") as fh:
        h.update(fh.read(_MIB))
        if st.st_size > _MIB:
            fh.seek(max(_MIB, st.st_size - _MIB))
            h.update(fh.read(_MIB))
    return h.hexdigest()


def _open_regular(path: Path) -> BinaryIO:
    """Open ``path`` for reading only if it is a regular file (ValueError otherwise).

    Opened without blocking first: a FIFO put where the cache file should be would block
    ``open`` for ever (analyze hung), and a device could be read for ever.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError("not a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


class ScoreCache:
    """The cache entry of one video scored by one model."""

    def __init__(
        self,
        video: str | os.PathLike[str],
        model_hash: str,
        directory: str | os.PathLike[str] | None = None,
    ) -> None:
        self.identity = file_identity(video)
        self.model_hash = str(model_hash)
        safe_model = "".join(c for c in self.model_hash if c.isalnum())[:32] or "model"
        self.path = Path(directory) if directory is not None else cache_dir()
        self.path = self.path / f"{self.identity[:40]}-{safe_model}.npz"

    def load(self, like: ScoreTrack | None = None) -> ScoreTrack | None:
        """The cached track, or None when absent, unreadable or not fitting.

        ``like``: the empty track the caller would otherwise fill; a cached track on another
        grid (other times, speeds or duration) is ignored.
        """
        try:
            with _open_regular(self.path) as fh, np.load(fh, allow_pickle=False) as data:
                if str(data["format"]) != FORMAT:
                    raise ValueError(f"unknown format {data['format']!r}")
                if str(data["identity"]) != self.identity or str(data["model_hash"]) != self.model_hash:
                    raise ValueError("written for another video or model")
                track = ScoreTrack.from_arrays(
                    data["times"],
                    data["speeds"],
                    data["p_natural"],
                    data["scored"],
                    float(data["duration"]),
                )
        except FileNotFoundError:
            return None
        except Exception as exc:  # noqa: BLE001 - any bad cache file is ignored and rebuilt
            log.warning("ignoring score cache %s: %s", self.path, exc)
            return None
        if like is not None and not (
            np.array_equal(track.times, like.times)
            and np.array_equal(track.speeds, like.speeds)
            and track.duration == like.duration
        ):
            log.warning("ignoring score cache %s: it was made on another frame grid", self.path)
            return None
        return track

    def save(self, track: ScoreTrack) -> bool:
        """Write the track atomically; False (logged) if it could not be written."""
        snap = track.snapshot()
        directory = self.path.parent
        tmp: str | None = None
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._remove_stale_temps()
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{self.path.stem}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                _try_lock(fh.fileno())  # held until renamed: tells a live save from a dead one
                np.savez(
                    fh,
                    format=np.array(FORMAT),
                    identity=np.array(self.identity),
                    model_hash=np.array(self.model_hash),
                    times=snap.times,
                    speeds=snap.speeds,
                    p_natural=snap.p_natural,
                    scored=snap.scored,
                    duration=np.array(snap.duration),
                )
                fh.flush()
                os.fsync(fh.fileno())
                os.replace(tmp, self.path)
            tmp = None
            return True
        except OSError as exc:
            log.warning("could not write score cache %s: %s", self.path, exc)
            return False
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)

    def _remove_stale_temps(self) -> None:
        """Remove the temporary files of saves that were killed (kill -9, power cut) mid-write:
        those of this entry that nobody holds locked. A concurrent live save keeps its own."""
        if fcntl is None:  # pragma: no cover - Windows
            return
        prefix = f".{self.path.stem}."
        try:
            entries = [e for e in os.scandir(self.path.parent) if e.name.startswith(prefix) and e.name.endswith(".tmp")]
        except OSError:
            return
        for entry in entries:
            try:
                fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError:
                continue
            try:
                if _try_lock(fd):
                    os.unlink(entry.path)
            except OSError:
                pass
            finally:
                os.close(fd)

    def clear(self) -> None:
        """Remove this entry (if present)."""
        self.path.unlink(missing_ok=True)


def _try_lock(fd: int) -> bool:
    """Take an exclusive advisory lock without waiting; False if another process holds it."""
    if fcntl is None:  # pragma: no cover - Windows
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True
