"""ScoringSetupWorker: gets scoring going for one open file without blocking the GUI.

It waits for the session's scorer (``ScorerHolder`` loads it on first use, seconds), then
calls ``on_ready(scorer, stop)``, where the session reads the score cache and starts the
``ScoreWorker``. Closing or opening another file sets ``stop``; the thread then does nothing
more. It is a daemon: a close never waits for a model load to finish (that can take
seconds), it only makes sure nothing is started afterwards.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Callable

from player.session.scorer_holder import ScorerHolder

if TYPE_CHECKING:
    from player.analysis.score_worker import Scorer

from player.core.worker import Worker

log = logging.getLogger(__name__)


class ScoringSetupWorker(Worker):
    """Thread: ``holder.get()`` then ``on_ready(scorer, stop)`` unless stopped first."""

    def __init__(
        self,
        holder: ScorerHolder,
        on_ready: Callable[["Scorer", threading.Event], None],
        *,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self._holder = holder
        self._on_ready = on_ready
        self._on_error = on_error
        super().__init__("ScoringSetupWorker")

    def _run(self) -> None:
        scorer = self._holder.get(self._stop)
        if scorer is None or self._stop.is_set():
            return
        try:
            self._on_ready(scorer, self._stop)
        except Exception as exc:  # noqa: BLE001 - scoring is optional; playback goes on
            log.exception("starting the score worker failed")
            if self._on_error is not None:
                self._on_error(f"Scoring could not start: {exc}")
