"""Scoring a whole file up front (the ``analyze`` and ``export`` commands), through the cache.

The player scores while it plays (the session drives a ``ScoreWorker`` near the playhead);
the commands need every frame scored before they can plan, so they use this: the cached
track if it is complete, else the same ``ScoreWorker`` finishing it (a partial cache
resumes where it stopped), with a progress callback for a terminal bar. The worker saves
the track to the cache as it goes, so an interrupted run is not lost.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from player.core.media_info import MediaInfo
from player.core.scores import ScoreTrack

if TYPE_CHECKING:
    from player.analysis.score_worker import Scorer

#: How often the progress callback hears how far scoring is (seconds).
PROGRESS_POLL_S = 0.1

#: ``on_progress(fraction)``: the fraction of frames scored so far, in [0, 1].
ProgressCallback = Callable[[float], None]


@dataclass(frozen=True)
class FileScores:
    """``track``: every frame scored; ``from_cache``: all of it came from the score cache,
    so no model ran."""

    track: ScoreTrack
    from_cache: bool


def score_with_progress(
    video: str | os.PathLike[str],
    info: MediaInfo,
    scorer: Scorer,
    on_progress: ProgressCallback | None = None,
    *,
    use_cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
) -> FileScores:
    """Scores of the whole of ``video`` (probed as ``info``) by ``scorer``.

    Reads the score cache first (``use_cache``; ``cache_dir`` None = the usual folder) and
    runs the model only on what it lacks, writing back as it goes. ``on_progress`` is called
    on this thread about every 0.1 s while the model runs, last with the final fraction (1.0
    unless it failed); never when the cache held everything. A scoring error is re-raised. Ctrl-C
    (KeyboardInterrupt) stops the worker, which saves the partial track, before it
    propagates.
    """
    from player.analysis.score_cache import ScoreCache
    from player.analysis.score_worker import ScoreWorker, track_for_media

    track = track_for_media(info)
    cache = ScoreCache(video, scorer.model_hash, cache_dir) if use_cache else None
    if cache is not None:
        track = cache.load(like=track) or track
    if track.is_complete():
        return FileScores(track, from_cache=True)

    worker = ScoreWorker(video, info, scorer, track, cache=cache)
    worker.start()
    try:
        while not worker.join(timeout=PROGRESS_POLL_S):
            if on_progress is not None:
                on_progress(track.fraction_scored())
    finally:
        worker.request_stop()
        worker.join()
    if worker.error is not None:
        raise worker.error
    if on_progress is not None:
        on_progress(track.fraction_scored())
    return FileScores(track, from_cache=False)
