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
