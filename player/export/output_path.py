"""Where export output may go, and how it gets there atomically.

Every file the export layer writes (the cut, the timeline, the plan JSON) goes to a hidden
temporary file next to the destination and is renamed over it only once complete, so a
cancel, a failure or Ctrl-C never leaves a half-written file at OUT. Checks are done up front
(before minutes of analysis or encoding) and raise ``OutputError``, which the CLI turns into
one line and exit code 2.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from pathlib import Path
from typing import Iterable, Iterator

from player.core.errors import OutputError

PARTIAL_MARKER = ".partial-"


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
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

    Refuses (``OutputError``): a folder, an input file (by resolved path or inode, so
    symlinks and hard links are caught too), an existing file unless ``overwrite``, and a
    folder that is missing or not writable. Writability is tested by really creating and
    removing a file, because ``os.access`` says yes to root even on read-only mounts.
    """
    path = Path(out).expanduser().absolute()
    for src in inputs:
        if _same_file(path, Path(src)):
            raise OutputError(f"refusing to write over the input file: {path}")
    if path.is_dir():
        raise OutputError(f"output is a folder, not a file: {path}")
    if path.exists() and not overwrite:
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
    return out.with_name(f".{out.name}{PARTIAL_MARKER}{secrets.token_hex(4)}{out.suffix}")


@contextlib.contextmanager
def atomic_output(out: str | os.PathLike[str], *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path next to ``out``; rename it to ``out`` when the block succeeds.

    On any exception, KeyboardInterrupt and SystemExit included, the temporary file is
    removed and ``out`` is left untouched. The temporary file is created empty (mode 0666
    minus the umask, like a normal file) so that the name is reserved.
    """
    out_path = Path(out).absolute()
    tmp = partial_path(out_path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise OutputError(f"cannot create a file in {out_path.parent}: {exc.strerror}") from None
    os.close(fd)
    try:
        yield tmp
        # Checked again at the end: the destination may have appeared while we worked.
        if not overwrite and out_path.exists():
            raise OutputError(f"output already exists (use --overwrite to replace it): {out_path}")
        os.replace(tmp, out_path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


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
