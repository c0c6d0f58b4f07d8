"""Where export output may go, and how it gets there atomically.

Every file the export layer writes (the cut, the timeline, the plan JSON) goes to a hidden
temporary file next to the destination and is renamed over it only once complete, so a
cancel, a failure or Ctrl-C never leaves a half-written file at OUT. Checks are done up front
(before minutes of analysis or encoding) and raise ``OutputError``, which the CLI turns into
one line and exit code 2.

Only a kill -9 (or a power cut) can leave a temporary file behind. It is named after OUT and
the program (``.cut.mp4.partial-speednet-1a2b3c4d.mp4``), and its writer holds an advisory
lock on it for as long as it writes: the next write of the same OUT removes every such file
whose lock it can take, i.e. whose writer is gone, and leaves a live writer's alone.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from pathlib import Path
from typing import Iterable, Iterator

from player.core.errors import OutputError

try:  # POSIX; elsewhere leftovers cannot be told from live writes and are left alone
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

#: In every temporary name: what a user sees next to OUT after a crash (``ls -a``).
PARTIAL_MARKER = ".partial-"
PARTIAL_TAG = "speednet-"


def _is_link_loop(path: Path) -> bool:
    """True when the path cannot be followed because symbolic links loop (ELOOP)."""
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.resolve() == b.resolve():
            return True
    except (RuntimeError, OSError):  # a symbolic link loop (RuntimeError before Python 3.13)
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return False


def check_output_path(
    out: str | os.PathLike[str],
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
    overwrite: bool = False,
) -> Path:
    """Validate ``out`` as a destination and return it as an absolute Path.

    Refuses (``OutputError``): a symbolic link loop, a folder, an input file (by resolved
    path or inode, so symlinks and hard links are caught too), an existing file or symbolic
    link (a dangling one too: it would be replaced) unless ``overwrite``, and a folder that
    is missing or not writable. Writability is tested by really creating and removing a
    file, because ``os.access`` says yes to root even on read-only mounts.
    """
    path = Path(out).expanduser().absolute()
    if _is_link_loop(path):
        raise OutputError(f"output is a symbolic link that loops back on itself: {path}")
    for src in inputs:
        if _same_file(path, Path(src)):
            raise OutputError(f"refusing to write over the input file: {path}")
    if path.is_dir():
        raise OutputError(f"output is a folder, not a file: {path}")
    if os.path.lexists(path) and not overwrite:
        if path.is_symlink() and not path.exists():
            raise OutputError(
                f"output is a symbolic link to a missing file (use --overwrite to replace the link): {path}"
            )
        raise OutputError(f"output already exists (use --overwrite to replace it): {path}")
    folder = path.parent
    if not folder.is_dir():
        raise OutputError(f"output folder does not exist: {folder}")
    probe = folder / f".{path.name}{PARTIAL_MARKER}{secrets.token_hex(4)}.probe"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise OutputError(f"cannot write to the output folder {folder}: {exc.strerror}") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)
    return path


def partial_path(out: Path) -> Path:
    """A fresh hidden name next to ``out`` that keeps its extension (muxers guess by it)."""
    return out.with_name(f".{out.name}{PARTIAL_MARKER}{PARTIAL_TAG}{secrets.token_hex(4)}{out.suffix}")


def _lock(fd: int) -> bool:
    """Take the exclusive advisory lock on ``fd`` without waiting; False if someone holds it."""
    if fcntl is None:  # pragma: no cover - Windows
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def remove_stale_partials(out: Path) -> list[Path]:
    """Remove the temporary files an earlier, killed write of ``out`` left; returns them.

    A file counts as left over when nobody holds its lock (its writer is gone: locks die
    with their process). Older unlocked names (``.NAME.partial-XXXXXXXX.ext``) count too.
    """
    if fcntl is None:  # pragma: no cover - Windows
        return []
    prefix = f".{out.name}{PARTIAL_MARKER}"
    removed: list[Path] = []
    try:
        entries = list(os.scandir(out.parent))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(prefix) or not entry.is_file(follow_symlinks=False):
            continue
        try:
            fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            if _lock(fd):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed


@contextlib.contextmanager
def atomic_output(out: str | os.PathLike[str], *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path next to ``out``; rename it to ``out`` when the block succeeds.

    On any exception, KeyboardInterrupt and SystemExit included, the temporary file is
    removed and ``out`` is left untouched. The temporary file is created empty (mode 0666
    minus the umask, like a normal file) so that the name is reserved, and locked until the
    block ends, so that a later write can tell it from one a killed process left behind
    (``remove_stale_partials``, run here first).
    """
    out_path = Path(out).absolute()
    remove_stale_partials(out_path)
    tmp = partial_path(out_path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise OutputError(f"cannot create a file in {out_path.parent}: {exc.strerror}") from None
    try:
        _lock(fd)
        yield tmp
        # Checked again at the end: the destination may have appeared while we worked.
        if not overwrite and os.path.lexists(out_path):
            raise OutputError(f"output already exists (use --overwrite to replace it): {out_path}")
        os.replace(tmp, out_path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    finally:
        os.close(fd)  # releases the lock


def write_text_atomic(out: str | os.PathLike[str], text: str, *, overwrite: bool = False) -> Path:
    """Write ``text`` (UTF-8) to ``out`` through ``atomic_output``; returns the final path."""
    out_path = Path(out).absolute()
    with atomic_output(out_path, overwrite=overwrite) as tmp:
        try:
            with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES):
                raise OutputError(f"cannot write {out_path}: {exc.strerror}") from None
            raise
    return out_path
