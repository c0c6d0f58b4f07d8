"""pytest-qt fixtures for the window tests: offscreen Qt, a temporary settings store.

QT_QPA_PLATFORM must be set before anything imports Qt, so it is set here at import time
(the root conftest sets it too; setdefault keeps a caller's explicit choice, e.g. xcb).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402
from typing import Callable  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402

from media_helpers import mux_frames, rgb_frame  # noqa: E402


@pytest.fixture(autouse=True)
def temporary_settings_location(tmp_path: Path):
    """Every QSettings a test makes (even a default one) lands in tmp, never in ~/.config."""
    folder = tmp_path / "settings"
    folder.mkdir()
    for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
        QSettings.setPath(fmt, QSettings.Scope.SystemScope, str(folder / "system"))
    yield folder


@pytest.fixture
def qsettings(tmp_path: Path) -> QSettings:
    """An INI settings file in tmp, for PlayerSettings(...)."""
    return QSettings(str(tmp_path / "player.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def themed_app(qapp):
    """The test QApplication with the player's names and dark theme applied."""
    from player.ui.application import create_application

    return create_application()


@pytest.fixture(scope="session")
def tiny_model(make_tiny_checkpoint: Callable[..., Path]) -> Path:
    """A randomly initialised tiny SpeedNet checkpoint: real scoring code, deterministic
    scores, fast on CPU. (The bundled trained model is not needed to test the window.)"""
    return make_tiny_checkpoint({"purpose": "ui tests"}, folder="model")


def _write_calm_then_busy(path: Path, seconds: float = 8.0, fps: int = 30) -> Path:
    """First half a still picture, second half fresh noise every frame: any SpeedNet, even
    an untrained one, scores the halves differently, so the plan has a rate boundary."""
    import av
    import numpy as np

    rng = np.random.default_rng(7)
    still = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
    n = int(seconds * fps)
    images = (still if i < n // 2 else rng.integers(0, 255, (120, 160, 3), dtype=np.uint8) for i in range(n))
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        stream.options = {"preset": "ultrafast", "g": str(fps)}
        mux_frames(out, stream, (rgb_frame(image) for image in images))  # no pts: the encoder numbers them
    return path


@pytest.fixture(scope="session")
def calm_then_busy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_calm_then_busy(tmp_path_factory.mktemp("clips") / "calm_then_busy.mp4")


@pytest.fixture
def player(qtbot, themed_app, qsettings, tmp_path, tiny_model):
    """A real PlayerWindow around a real PlaybackSession (no audio device, tiny model,
    scores cached in tmp, settings in tmp)."""
    from player.app import build_player

    window = build_player(
        model_path=str(tiny_model), device="cpu", audio=False,
        cache_dir=str(tmp_path / "cache"), settings=qsettings,
    )
    qtbot.addWidget(window)
    window.resize(960, 640)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.close()
