"""Loading the SpeedNet model for ``analyze`` and ``export``, with errors a user can act on.

``models`` says what is wrong *inside* a checkpoint (``ModelError``); what the operating
system says about the file itself (permission denied, a loop of symbolic links, a pipe that
would block the read for ever) is put in words here, naming the file, as the media errors do.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from player.core.errors import UserError
from player.media.source import FileCheckWords, stat_regular_file

if TYPE_CHECKING:
    from models.inference import SpeedScorer


def load_scorer(path: Path | None, device: str) -> SpeedScorer:
    """``SpeedScorer.load(path, device)``; OS-level failures become one-line ``UserError``s."""
    from models.inference import SpeedScorer

    if path is not None:
        check_model_file(path)
    try:
        return SpeedScorer.load(path, device=device)
    except OSError as exc:
        if isinstance(exc, FileNotFoundError) and path is not None and not os.path.lexists(path):
            raise UserError(f"model file not found: {path}") from None
        name = exc.filename if exc.filename is not None else path
        raise UserError(f"the model file '{name}' could not be read: {_reason(exc)}.") from None


_MODEL_FILE_WORDS = FileCheckWords(
    loop="the model file '{path}' is a symbolic link that loops back on itself.",
    missing="model file not found: {path}",
    unreadable="the model file '{path}' could not be read: {reason}.",
    folder="the model file '{path}' is a folder, not a checkpoint.",
    special="the model file '{path}' is not a regular file (a pipe, socket or device).",
)


def check_model_file(path: Path) -> None:
    """Refuse a model path that is not a readable regular file, before torch is involved."""
    stat_regular_file(path, _MODEL_FILE_WORDS, UserError)


def _reason(exc: OSError) -> str:
    text = exc.strerror or str(exc) or type(exc).__name__
    return text[:1].lower() + text[1:]
