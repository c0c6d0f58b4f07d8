"""Packaging files are valid: the .desktop entry, the AppStream metainfo, icons and the spec."""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
DESKTOP = PACKAGING / "io.github.speednet.Player.desktop"
METAINFO = PACKAGING / "io.github.speednet.Player.metainfo.xml"


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (packaging/bootstrap.sh --test installs it)")
    return path


def test_desktop_file_validates() -> None:
    result = subprocess.run(
        [_require("desktop-file-validate"), str(DESKTOP)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""  # no warnings either


def test_metainfo_validates() -> None:
    result = subprocess.run(
        [_require("appstreamcli"), "validate", "--no-net", str(METAINFO)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_desktop_icon_and_binary_exist() -> None:
    entries = dict(
        line.split("=", 1) for line in DESKTOP.read_text().splitlines() if "=" in line
    )
    icon = entries["Icon"]
    for size in (16, 32, 48, 64, 128, 256):
        assert (ROOT / "resources" / "icons" / f"{icon}-{size}.png").is_file()
    assert entries["Exec"].split()[0] == "speednet-player"
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'speednet-player = "player.cli:main"' in pyproject


def test_pyinstaller_spec_is_valid_python_and_points_at_real_files() -> None:
    spec = PACKAGING / "speednet-player.spec"
    tree = ast.parse(spec.read_text())  # a syntax error would break the build
    assert tree.body
    text = spec.read_text()
    assert '"player" / "__main__.py"' in text
    assert (ROOT / "player" / "__main__.py").is_file()
    hidden = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and node.value.startswith("player.commands.")
    ]
    for module in hidden:
        assert (ROOT / Path(*module.split("."))).with_suffix(".py").is_file(), module
