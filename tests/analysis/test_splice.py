"""The SPLICE test (issue 4): SpeedNet must notice a stretch of real footage played at 2x.

Real clips from ../shared/data, held out from the default model's training (the validation
split of ``models.data.split_clips``, by whole clip), get their middle third sped up 2x by
dropping every other frame, written as new constant-rate clips with PyAV. After the
same analysis `analyze` runs, P(natural at 1x) inside the splice must be clearly lower (by
``MARGIN``) than outside on average over the clips, and lower on most of them. Needs the
shipped checkpoint; skips without it or without the corpus.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.inference import DEFAULT_CHECKPOINT, SpeedScorer
from player.analysis.splice_check import splice_scores

#: Held-out clips of the default model (validation split), long enough for thirds of >= 4 s.
CLIPS = ["videos/hybrik/taiji.mp4", "videos/video-llama/skateboarding_dog.mp4", "videos/debian/visp_mire-2.mp4"]
#: "Clearly lower": the mean over the clips must be at least this much lower inside.
MARGIN = 0.1


@pytest.mark.slow
def test_a_2x_splice_looks_less_natural(shared_data: Path, tmp_path: Path) -> None:
    if not DEFAULT_CHECKPOINT.is_file():
        pytest.skip(f"the shipped checkpoint is absent: {DEFAULT_CHECKPOINT}")
    videos = [shared_data / c for c in CLIPS if (shared_data / c).is_file()]
    if not videos:
        pytest.skip("none of the splice clips is in the corpus")
    scorer = SpeedScorer.load(None, device="cpu")
    inside, outside = [], []
    for video in videos:
        p_in, p_out, (t0, t1) = splice_scores(video, scorer, tmp_path, timeout_s=300)
        print(f"\n{video.name}: 2x splice {t0:.1f}-{t1:.1f} s; mean P(natural at 1x) "
              f"inside {p_in:.3f}, outside {p_out:.3f}")
        inside.append(p_in)
        outside.append(p_out)
    print(f"mean over {len(videos)} clips: inside {np.mean(inside):.3f}, outside {np.mean(outside):.3f}")
    # Over all clips the splice looks clearly less natural, and so it does on most clips
    # (tai chi at 2x is a hard case: it is slow motion to begin with).
    assert np.mean(inside) < np.mean(outside) - MARGIN
    assert sum(i < o for i, o in zip(inside, outside)) > len(videos) / 2
