"""Score a whole file for ``analyze`` and ``export``, with a progress bar on stderr."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from player.analysis.offline_scoring import FileScores
    from player.analysis.score_worker import Scorer
    from player.core.media_info import MediaInfo


def score_with_bar(video: Path, info: MediaInfo, scorer: Scorer, *, use_cache: bool) -> FileScores:
    """``score_with_progress`` (player/analysis/offline_scoring.py) with a tqdm bar.

    The bar opens on the first progress report, so a full cache hit shows no bar at all.
    """
    from tqdm import tqdm

    from player.analysis.offline_scoring import score_with_progress

    total = round(info.duration_s, 1)
    bar = None

    def progress(fraction: float) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="s", desc="scoring", file=sys.stderr, disable=None, leave=False)
        bar.update(max(0.0, round(fraction * info.duration_s, 1) - bar.n))

    try:
        return score_with_progress(video, info, scorer, progress, use_cache=use_cache)
    finally:
        if bar is not None:
            bar.close()
