"""Opening a file whose scores are in the score cache: the plan comes from those scores at
once (no model run), and rho / target re-plan them, as on the first open."""

from __future__ import annotations

import numpy as np
import pytest

from player.analysis.score_cache import ScoreCache
from player.analysis.score_worker import track_for_media
from player.core.speedup import DEFAULT_RHO, SpeedPlanner
from player.media.probe import probe

FPS = 30


@pytest.fixture(scope="module")
def clip(make_clip):
    return make_clip(duration=4.0, fps=FPS, size=(160, 120))


def test_cached_scores_drive_the_plan_on_open(make_session, recorder, clip, tiny_model, tmp_path, wait_for) -> None:
    from models.checkpoint import load_checkpoint

    # The cache holds a complete track: action (only 1x natural) before 1.5 s, calm after.
    track = track_for_media(probe(clip.path))
    p = np.full((track.speeds.size, track.n_frames), 0.05, np.float32)
    p[0] = 0.95
    p[:, track.times >= 1.5] = 0.95
    track.update(0, p)
    model_hash = load_checkpoint(tiny_model).model_hash
    assert ScoreCache(clip.path, model_hash, tmp_path).save(track)
    expected = SpeedPlanner(track.times, p, track.duration).plan(rho=DEFAULT_RHO).plan
    assert len(expected) > 1 and expected.speedup > 1.5

    session = make_session(scoring=True, model_path=str(tiny_model), cache_dir=str(tmp_path))
    session.open(clip.path)
    session.set_smart(True)
    assert wait_for(lambda: session.status().scored_fraction == 1.0, timeout=30)
    # The cached scores are planned (not the empty track's uniform 1x) and the window hears it.
    assert wait_for(lambda: session.plan == expected, timeout=2), session.plan
    assert wait_for(lambda: recorder.of("plan_changed")[-1][0] == expected, timeout=2)
    st = session.status()
    assert not st.waiting_for_scores and st.time_saved_s > 1.0
    _times, _p, v = session.track_snapshot()
    assert v.max() > 4.0
    # rho re-plans the cached scores too: a strict rho slows down, a loose one speeds up.
    session.set_rho(0.99)
    assert session.plan.speedup == pytest.approx(1.0)
    session.set_rho(0.1)
    assert session.plan.speedup == pytest.approx(
        SpeedPlanner(track.times, p, track.duration).plan(rho=0.1).plan.speedup
    )
    assert session.plan.speedup > 1.5
