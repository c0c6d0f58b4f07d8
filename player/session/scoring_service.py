"""ScoringService: the session's SpeedNet scorer, the score cache and each file's score workers.

It owns the scorer (loaded lazily, once, by ``ScorerHolder``; another checkpoint with
``switch_model``), and for an open file the lifecycle of its ``ScoringSetupWorker`` (load the
model, read the cache) and ``ScoreWorker`` (fill the track nearest-unscored-first ahead of
the playhead). What it finds goes back to the session through two callbacks: new scores in
a range (``on_scores``) and a track read from the cache (``on_cached``); the session re-plans.
See docs/architecture.md, "Scores and the plan".
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from player.core.scores import ScoreTrack
from player.session.open_file import OpenFile
from player.session.scorer_holder import ScorerHolder
from player.session.scoring_setup_worker import ScoringSetupWorker

if TYPE_CHECKING:
    from player.analysis.score_worker import Scorer

log = logging.getLogger(__name__)

# Loading the model (importing torch, reading and folding the weights) cannot be cut short,
# and the process must not exit under it: a daemon thread that wakes inside torch while
# Python finalizes aborts the whole process ("terminate called without an active
# exception"). It takes a second or two; this bounds the wait on a badly loaded machine.
PRELOAD_JOIN_S = 20.0


class ScoringService:
    """Scorer, cache and score workers of the session (see the module docstring).

    ``enabled`` False: never run a model (``model_state`` "off"). ``playhead()``: the source
    time being watched. ``on_error(message)``: a model that cannot load (once).
    ``file_error(f, message)``: a worker of ``f`` failed. Callbacks come from worker threads.
    """

    def __init__(
        self,
        *,
        enabled: bool,
        model_path: str | os.PathLike[str] | None,
        device: str,
        cache_dir: str | None,
        score_ahead_s: float | None,
        playhead: Callable[[], float],
        on_error: Callable[[str], None],
        file_error: Callable[[OpenFile, str], None],
        on_scores: Callable[[OpenFile, tuple[float, float]], None],
        on_cached: Callable[[OpenFile, ScoreTrack], None],
    ) -> None:
        self.device = device
        self.default_model_path = None if model_path is None else Path(model_path)
        self.model_path = self.default_model_path
        self._holder = ScorerHolder(model_path, device, on_error=on_error) if enabled else None
        self._cache_dir = cache_dir
        self._score_ahead_s = score_ahead_s
        self._playhead = playhead
        self._on_error = on_error
        self._file_error = file_error
        self._on_scores = on_scores
        self._on_cached = on_cached
        self._preload: threading.Thread | None = None

    # == the model =================================================================================
    @property
    def available(self) -> bool:
        """A model runs (or will, once loaded) for this session."""
        return self._holder is not None and not self._holder.failed

    @property
    def failed(self) -> bool:
        return self._holder is not None and self._holder.failed

    @property
    def model_hash(self) -> str | None:
        holder = self._holder
        scorer = holder.scorer if holder is not None else None
        return getattr(scorer, "model_hash", None)

    @property
    def model_state(self) -> str:
        holder = self._holder
        if holder is None:
            return "off"
        if holder.failed:
            return "failed"
        return "ready" if holder.scorer is not None else "not loaded"

    def preload(self) -> None:
        """Start loading the model now, in the background."""
        holder = self._holder
        if holder is None or holder.failed or holder.scorer is not None:
            return
        self._preload = threading.Thread(target=holder.get, name="ScorerPreload", daemon=True)
        self._preload.start()

    def join_preload(self) -> None:
        """Wait for a model load still running in the background (before the process exits)."""
        if self._preload is not None:
            self._preload.join(PRELOAD_JOIN_S)
            if self._preload.is_alive():
                log.warning("the SpeedNet model was still loading after %.0f s", PRELOAD_JOIN_S)

    def switch_model(self, model_path: str | os.PathLike[str] | None) -> bool:
        """Score with another checkpoint from now on (None: the default one); False when
        nothing changes (the same model, or scoring is off)."""
        if self._holder is None:
            return False
        path = self.default_model_path if model_path is None else Path(model_path)
        if path == self.model_path and not self._holder.failed:
            return False
        self.model_path = path
        self._holder = ScorerHolder(path, self.device, on_error=self._on_error)
        return True

    # == one file's workers ========================================================================
    def setup_worker(self, f: OpenFile) -> ScoringSetupWorker | None:
        """The worker that loads the model and the cache for ``f`` (not started); None when
        no model can run."""
        if not self.available:
            return None
        assert self._holder is not None
        return ScoringSetupWorker(
            self._holder,
            lambda scorer, stop: self._start_scoring(f, scorer, stop),
            on_error=lambda m: self._file_error(f, m),
        )

    def forget(self, f: OpenFile) -> bool:
        """A new model: stop ``f``'s setup and score workers (under its lock, so the old
        setup thread cannot start a score worker after this) and forget scores given from
        outside; False when ``f`` is closing."""
        with f.lock:
            if f.stopping:
                return False
            for worker in (f.setup_worker, f.score_worker):
                if worker is not None:
                    worker.request_stop()
            f.setup_worker = f.score_worker = None
            f.external_scores = False
            return True

    def restart(self, f: OpenFile) -> None:
        """Score ``f`` again from scratch with the current model (its track already reset)."""
        setup = self.setup_worker(f)
        if setup is None:
            return
        with f.lock:
            if f.stopping:
                return
            f.setup_worker = setup
        setup.start()

    def use_external(self, f: OpenFile) -> None:
        """``f``'s scores come from elsewhere now: its score worker stops for good."""
        with f.lock:
            f.external_scores = True
            score_worker, f.score_worker = f.score_worker, None
        if score_worker is not None:
            score_worker.request_stop()

    def possible(self, f: OpenFile) -> bool:
        """Can unscored video of ``f`` still get scores?"""
        return not f.external_scores and self.available

    def seek(self, f: OpenFile, t: float) -> None:
        """After a seek: restart scoring where the user went, rather than finishing a
        far-away chunk."""
        score_worker = f.score_worker
        if score_worker is not None and not is_scored_at(f.track, t):
            score_worker.seek(t)

    def _start_scoring(self, f: OpenFile, scorer: Scorer, stop: threading.Event) -> None:
        """Setup thread, scorer loaded: adopt the cached scores, then score the rest."""
        from player.analysis.score_cache import ScoreCache
        from player.analysis.score_worker import ScoreWorker

        cache: ScoreCache | None
        try:
            cache = ScoreCache(f.path, scorer.model_hash, self._cache_dir)
        except OSError as exc:
            log.warning("no score cache for %s: %s", f.path, exc)
            cache = None
        cached = cache.load(like=f.track) if cache is not None else None
        with f.lock:
            if f.stopping or stop.is_set() or f.external_scores:
                return
            if cached is not None:
                f.track = cached
            track = f.track
            if not track.is_complete():
                f.score_worker = ScoreWorker(
                    f.path,
                    f.info,
                    scorer,
                    track,
                    on_progress=lambda _frac, rng: self._on_scores(f, rng),
                    on_error=lambda exc: self._file_error(f, f"Scoring stopped: {exc}"),
                    playhead=self._playhead,
                    cache=cache,
                    max_ahead_s=self._score_ahead_s,
                )
                f.score_worker.start()
        if cached is not None:
            self._on_cached(f, cached)


def is_scored_at(track: ScoreTrack, src_t: float) -> bool:
    """Has the frame at ``src_t`` been scored?"""
    snap = track.snapshot()
    if snap.times.size == 0:
        return True
    i = max(int(np.searchsorted(snap.times, src_t, side="right")) - 1, 0)
    return bool(snap.scored[i])
