"""The console script's contract: --version, usage errors exit 2 with one line, no traceback."""

from __future__ import annotations

import subprocess
import sys

from player import __version__


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "player", *args], capture_output=True, text=True, timeout=60
    )


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_unknown_option_is_a_usage_error() -> None:
    result = run_cli("analyze", "--no-such-flag", "x.mp4")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_help_lists_subcommands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for name in ("analyze", "export", "train", "evaluate"):
        assert name in result.stdout


def test_pyav_errors_are_never_shown_as_user_errors(capsys) -> None:  # type: ignore[no-untyped-def]
    """PyAV's errors subclass the builtin OSErrors (a decoder's -1 is EPERM): one that escapes
    the media layer is a bug, not "Operation not permitted" for the user to puzzle over."""
    import av.error

    from player import cli

    assert not cli._is_user_error(av.error.PermissionError(1, "Operation not permitted", "avcodec_send_packet()"))
    assert cli._is_user_error(PermissionError(13, "Permission denied", "/m/model.safetensors"))


def test_os_errors_name_the_file_and_the_reason_in_words() -> None:
    from player import cli

    line = cli._one_line(PermissionError(13, "Permission denied", "/m/model.safetensors"))
    assert line == "'/m/model.safetensors' could not be opened: permission denied"
    assert cli._one_line(ValueError("two\nlines")) == "two lines"
