"""Smart fast-forward in the session: the plan drives the clock, rho / target re-plan at
once, scores stream in from a real (tiny, random) model, and close stays prompt."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from player.analysis.score_worker import track_for_media
from player.core.scores import ScoreTrack

FPS = 30


@pytest.fixture(scope="module")
def clip(make_clip):
    return make_clip(duration=4.0, fps=FPS, size=(160, 120))


def calm_after(track: ScoreTrack, t_calm: float) -> ScoreTrack:
    """Scores saying: action (only 1x looks natural) before ``t_calm``, calm (every speed
    looks natural) after it."""
    k, n = track.speeds.size, track.n_frames
    p = np.full((k, n), 0.05, np.float32)
    p[0] = 0.95
    p[:, track.times >= t_calm] = 0.95
    track.update(0, p)
    return track


def graded(track: ScoreTrack, seed: int = 3) -> ScoreTrack:
    """P(natural) falling with the speed, with a different slope everywhere, so every rho
    gives another plan."""
    rng = np.random.default_rng(seed)
    k, n = track.speeds.size, track.n_frames
    slope = rng.uniform(0.3, 1.2, size=n)
    p = np.clip(1.0 - np.outer(np.arange(k) / (k - 1), slope), 0, 1).astype(np.float32)
    track.update(0, p)
    return track


def test_effective_rate_changes_at_the_planned_boundary(make_session, clip, tick_for) -> None:
    session = make_session()
    info = session.open(clip)
    session.use_scores(calm_after(track_for_media(info), 1.5))
    plan = session.plan
    boundary = plan.next_boundary(0.0)
    slow, fast = plan.rate_at(0.0), plan.rate_at(boundary + 1e-6)
    assert slow <= 1.25 and plan.rate_at(3.9) > 4  # action near 1x, calm fast
    assert 0.5 <= boundary <= 1.5 and fast > slow
    session.set_smart(True)
    assert session.status().smart
    samples = []  # (wall, position, effective rate)
    t0 = time.monotonic()
    session.play()

    def record() -> bool:
        st = session.status()
        samples.append((time.monotonic() - t0, st.position, st.effective_rate))
        return st.position >= 3.0

    tick_for(session, 3.0, until=record)
    before = [r for _w, pos, r in samples if pos < boundary - 0.02]
    after = [r for _w, pos, r in samples if pos > boundary + 0.02]
    assert before and set(before) == {slow}
    assert after and min(after) > slow
    # the rate is the plan's at every position, so it switched exactly at the boundary
    for _w, pos, rate in samples:
        assert rate == pytest.approx(plan.rate_at(pos))
    # and the clock follows the plan in output time: one output second per wall second
    for wall, pos, _r in samples[5:]:
        assert plan.src_to_out(pos) == pytest.approx(wall, abs=0.08)
    st = session.status()
    assert st.time_saved_s == pytest.approx(plan.input_duration - plan.output_duration)
    assert st.out_duration == pytest.approx(plan.output_duration)


def test_manual_rate_multiplies_the_plan(make_session, clip) -> None:
    session = make_session()
    info = session.open(clip)
    session.use_scores(calm_after(track_for_media(info), 1.5))
    session.set_smart(True)
    session.set_manual_rate(2.0)
    session.seek(3.5)
    assert session.status().effective_rate == pytest.approx(2.0 * session.plan.rate_at(3.5))
    session.set_smart(False)
    assert session.status().effective_rate == 2.0
    assert session.status().out_position == pytest.approx(3.5)


def test_rho_change_replans_within_100_ms(make_session, recorder, clip) -> None:
    session = make_session()
    info = session.open(clip)
    session.use_scores(graded(track_for_media(info)))
    session.set_smart(True)
    session.play()
    plans = []
    for rho in (0.2, 0.5, 0.8):
        n_before = len(recorder.of("plan_changed"))
        t0 = time.monotonic()
        session.set_rho(rho)
        emitted = recorder.times_of("plan_changed")[n_before:]
        assert emitted and emitted[0] - t0 < 0.1
        assert recorder.of("plan_changed")[-1][0] is session.plan
        assert session.status().rho == rho
        plans.append(session.plan)
        # the clock follows the new plan at once
        assert session.clock.time_map is session.plan
    speedups = [p.speedup for p in plans]
    assert speedups[0] > speedups[1] > speedups[2] >= 1.0
    _times, _p, v = session.track_snapshot()
    assert np.allclose(v, plans[-1].rate_at(_times))


def test_target_mode_and_back(make_session, recorder, clip) -> None:
    session = make_session()
    info = session.open(clip)
    session.use_scores(graded(track_for_media(info)))
    session.set_rho(0.9)
    slow = session.plan.speedup
    session.set_target_speedup(2.0)
    st = session.status()
    assert st.target_speedup == 2.0
    assert session.plan.speedup == pytest.approx(2.0, rel=0.15)
    assert st.rho < 0.9  # the rho the bisection found is reported
    session.set_target_speedup(None)
    assert session.status().target_speedup is None
    assert session.plan.speedup == pytest.approx(slow)


def test_track_snapshot_marks_unscored_as_nan(make_session, clip) -> None:
    session = make_session()
    info = session.open(clip)
    times, p, v = session.track_snapshot()
    assert p.shape == (11, times.size) and np.isnan(p).all() and (v == 1.0).all()
    track = track_for_media(info)
    half = track.n_frames // 2
    track.update(0, np.full((11, half), 0.9, np.float32))
    session.use_scores(track)
    times, p, v = session.track_snapshot()
    assert not np.isnan(p[:, :half]).any() and np.isnan(p[:, half:]).all()
    assert (v[half:] == 1.0).all() and v[:half].max() > 1.0  # unscored plays at exactly 1x
    assert session.status().scored_fraction == pytest.approx(half / track.n_frames)


def test_scores_stream_in_from_the_model_and_replan(make_session, recorder, make_clip, tiny_model, tmp_path, wait_for) -> None:
    clip = make_clip(duration=6.0, fps=FPS, size=(160, 120))
    session = make_session(scoring=True, model_path=str(tiny_model), cache_dir=str(tmp_path))
    assert session.model_state == "not loaded"
    session.open(clip)
    session.set_smart(True)
    assert session.status().waiting_for_scores  # nothing scored yet: 1x and waiting
    assert session.status().scoring_available  # loading counts: scores are on their way
    assert wait_for(lambda: session.status().scored_fraction == 1.0, timeout=60)
    assert not recorder.of("error") and session.model_state == "ready"
    # The worker marks frames scored, then reports the range: the event may trail a moment.
    assert wait_for(lambda: bool(recorder.of("scores_updated")), timeout=2)
    # the plan worker folded the scores in (the last re-plan is at most 0.5 s behind)
    assert wait_for(lambda: session.plan is recorder.of("plan_changed")[-1][0], timeout=2)
    time.sleep(0.7)
    _t, p, v = session.track_snapshot()
    assert not np.isnan(p[0]).any()
    assert not session.status().waiting_for_scores
    # reopening reads the cache: scored at once, no model run needed
    n_updates = len(recorder.of("scores_updated"))
    session.open(clip)
    assert wait_for(lambda: session.status().scored_fraction == 1.0, timeout=10)
    # The setup thread adopts the cached track first, then re-plans and emits: wait for it.
    assert wait_for(lambda: len(recorder.of("scores_updated")) > n_updates, timeout=10)


def test_close_during_decoding_and_scoring_is_prompt(make_session, make_clip, tiny_model, tmp_path, wait_for) -> None:
    clip = make_clip(duration=20.0, fps=FPS, size=(320, 240))
    session = make_session(scoring=True, model_path=str(tiny_model), cache_dir=str(tmp_path))
    session.open(clip)
    session.play()
    assert wait_for(lambda: session.status().scored_fraction > 0, timeout=30)
    assert 0 < session.status().scored_fraction < 1
    t0 = time.monotonic()
    session.close()
    assert time.monotonic() - t0 < 1.0
    assert wait_for(
        lambda: not any(
            t.name.startswith(("DecodeWorker", "ScoreWorker", "AudioFeedWorker", "PlanWorker"))
            for t in threading.enumerate()
        ),
        timeout=1.0,
    )


def test_missing_model_is_one_error_and_playback_goes_on(make_session, recorder, clip, tmp_path, tick_for, wait_for) -> None:
    session = make_session(scoring=True, model_path=str(tmp_path / "missing.safetensors"))
    session.open(clip)
    session.play()
    assert wait_for(lambda: bool(recorder.of("error")), timeout=5)
    assert "model" in recorder.of("error")[0][0] and session.model_state == "failed"
    assert not session.status().scoring_available
    session.set_smart(True)
    assert recorder.of("message")[-1][0].startswith("Smart fast-forward needs")
    assert not session.status().waiting_for_scores
    session.open(clip)  # not retried, not reported again
    session.play()
    assert tick_for(session, 0.3)
    assert len(recorder.of("error")) == 1


def test_shutdown_waits_for_a_model_still_loading(make_session, tiny_model) -> None:
    # The process must not finalize while the preload thread is inside torch: that aborts it.
    session = make_session(scoring=True, model_path=str(tiny_model))
    session.preload_model()
    session.shutdown()
    assert not any(t.name == "ScorerPreload" and t.is_alive() for t in threading.enumerate())
    assert session.model_state == "ready"
    session.shutdown()  # a second call is harmless
