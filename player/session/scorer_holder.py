"""The session's one SpeedNet scorer, loaded lazily on first need and kept for every file.

Loading imports torch and reads the checkpoint (seconds), so it runs on a scoring setup
thread, never on the GUI thread. A missing or bad model is reported once (one sentence for a
dialog) and not retried: playback goes on at manual rates without smart fast-forward.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from player.analysis.score_worker import Scorer

log = logging.getLogger(__name__)

#: Longest wait for another thread's load before the caller's stop flag is looked at again.
POLL_S = 0.1


class ScorerHolder:
    """Loads ``SpeedScorer.load(model_path, device)`` once; thread-safe."""

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None,
        device: str = "auto",
        *,
        on_error: Callable[[str], None] | None = None,
        loader: Callable[[str | None, str], "Scorer"] | None = None,
    ) -> None:
        self._model_path = None if model_path is None else os.fspath(model_path)
        self._device = device
        self._on_error = on_error
        self._loader = loader or _load_speed_scorer
        self._lock = threading.Lock()
        self._scorer: Scorer | None = None
        self.error: str | None = None

    @property
    def failed(self) -> bool:
        """True once loading failed (the session then has no smart fast-forward)."""
        return self.error is not None

    @property
    def scorer(self) -> "Scorer | None":
        return self._scorer

    def get(self, stop: threading.Event | None = None) -> "Scorer | None":
        """The scorer, loading it on first call; None if it failed or ``stop`` was set."""
        while not self._lock.acquire(timeout=POLL_S):
            if stop is not None and stop.is_set():
                return None
        try:
            if self._scorer is None and self.error is None:
                self._load()
            return self._scorer
        finally:
            self._lock.release()

    def _load(self) -> None:
        try:
            self._scorer = self._loader(self._model_path, self._device)
        except Exception as exc:  # noqa: BLE001 - ModelError, ImportError, OSError...: all fatal to FF only
            log.warning("SpeedNet model could not be loaded: %s", exc)
            self.error = (
                f"Smart fast-forward is unavailable: the SpeedNet model could not be loaded "
                f"({exc}). Playback works at manual speeds."
            )
            if self._on_error is not None:
                self._on_error(self.error)


def _load_speed_scorer(model_path: str | None, device: str) -> "Scorer":
    if model_path is not None and not os.path.isfile(model_path):
        # Fail before importing torch: that import holds the GIL for a second or more and
        # would stall playback for nothing.
        raise FileNotFoundError(f"model file not found: {model_path}")
    from models.inference import SpeedScorer

    scorer = SpeedScorer.load(model_path, device=device)
    if getattr(scorer, "device", "cpu") == "cpu":
        # Scoring runs beside decoding and the GUI: leave them a core, or 1080p playback
        # drops frames while the model fills in scores (2-core machines especially).
        import torch

        torch.set_num_threads(max(1, (os.cpu_count() or 2) - 1))
    return scorer
