"""Output checks and atomic writes: refuse bad destinations, never leave partial files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from player.core.errors import OutputError
from player.export.output_path import atomic_output, check_output_path, write_text_atomic

from export_facts import unwritable_folder


def test_unwritable_folder(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="cannot write"):
        check_output_path(unwritable_folder(tmp_path) / "out.mp4")


def test_missing_folder_and_folder_as_output(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist"):
        check_output_path(tmp_path / "nope" / "out.mp4")
    with pytest.raises(OutputError, match="folder"):
        check_output_path(tmp_path)


def test_input_by_path_symlink_or_hard_link(tmp_path: Path) -> None:
    src = tmp_path / "in.mp4"
    src.write_bytes(b"video")
    (tmp_path / "sym.mp4").symlink_to(src)
    os.link(src, tmp_path / "hard.mp4")
    for out in (src, tmp_path / "sym.mp4", tmp_path / "hard.mp4", tmp_path / "." / "in.mp4"):
        with pytest.raises(OutputError, match="input"):
            check_output_path(out, inputs=[src], overwrite=True)


def test_existing_file_needs_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "o.txt"
    out.write_text("old")
    with pytest.raises(OutputError, match="--overwrite"):
        check_output_path(out)
    assert check_output_path(out, overwrite=True) == out


def test_check_leaves_no_probe_file(tmp_path: Path) -> None:
    check_output_path(tmp_path / "x.mp4")
    assert list(tmp_path.iterdir()) == []


def test_atomic_output_renames_on_success_and_cleans_up_on_failure(tmp_path: Path) -> None:
    out = tmp_path / "a.txt"
    with atomic_output(out) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".a.txt.partial-")
        tmp.write_text("done")
        assert not out.exists()
    assert out.read_text() == "done"
    for exc in (RuntimeError("boom"), KeyboardInterrupt(), SystemExit(143)):
        with pytest.raises(type(exc)):
            with atomic_output(tmp_path / "b.txt") as tmp:
                tmp.write_text("half")
                raise exc
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_atomic_output_does_not_replace_a_file_that_appeared(tmp_path: Path) -> None:
    out = tmp_path / "race.txt"
    with pytest.raises(OutputError):
        with atomic_output(out) as tmp:
            tmp.write_text("mine")
            out.write_text("theirs")
    assert out.read_text() == "theirs"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["race.txt"]


def test_written_file_has_normal_permissions(tmp_path: Path) -> None:
    out = write_text_atomic(tmp_path / "perm.txt", "x")
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


# -- issue 14: symbolic links and what a killed write leaves -----------------------------------
def test_a_symlink_loop_is_refused_not_a_runtime_error(tmp_path: Path) -> None:
    loop = tmp_path / "loop.mp4"
    loop.symlink_to(loop.name)
    with pytest.raises(OutputError, match="loops"):
        check_output_path(loop, overwrite=True)
    src = tmp_path / "in.mp4"
    src.write_bytes(b"video")
    with pytest.raises(OutputError, match="loops"):
        check_output_path(loop, inputs=[src])
    # a loop among the inputs is the input check's business (probe): not a crash here
    assert check_output_path(tmp_path / "out.mp4", inputs=[loop]) == tmp_path / "out.mp4"


def test_a_dangling_symlink_counts_as_existing(tmp_path: Path) -> None:
    link = tmp_path / "o.mp4"
    link.symlink_to(tmp_path / "missing" / "target.mp4")
    with pytest.raises(OutputError, match="symbolic link"):
        check_output_path(link)
    assert check_output_path(link, overwrite=True) == link
    with pytest.raises(OutputError, match="--overwrite"):
        with atomic_output(tmp_path / "late.txt") as tmp:
            tmp.write_text("new")
            (tmp_path / "late.txt").symlink_to("nowhere")  # appeared while we worked
    assert (tmp_path / "late.txt").is_symlink()


def test_partial_files_say_what_they_are_and_are_locked_while_written(tmp_path: Path) -> None:
    import fcntl

    out = tmp_path / "cut.mp4"
    with atomic_output(out) as tmp:
        assert tmp.name.startswith(".cut.mp4.partial-speednet-") and tmp.suffix == ".mp4"
        fd = os.open(tmp, os.O_RDONLY)
        try:
            with pytest.raises(OSError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held by the writer
        finally:
            os.close(fd)
        tmp.write_bytes(b"done")
    assert out.read_bytes() == b"done"


def test_leftovers_of_a_killed_write_are_removed_by_the_next_write_of_that_out(tmp_path: Path) -> None:
    from player.export.output_path import remove_stale_partials

    out = tmp_path / "cut.mp4"
    stale = tmp_path / ".cut.mp4.partial-speednet-0badc0de.mp4"
    legacy = tmp_path / ".cut.mp4.partial-1234abcd.mp4"  # named before the tag existed
    other = tmp_path / ".other.mp4.partial-speednet-0badc0de.mp4"  # another OUT's: not ours
    for path in (stale, legacy, other):
        path.write_bytes(b"half a video")
    with atomic_output(out) as tmp:
        # a write of the same OUT still running elsewhere keeps its file
        assert remove_stale_partials(out) == []
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([other.name, tmp.name])
        tmp.write_bytes(b"whole")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([other.name, out.name])
