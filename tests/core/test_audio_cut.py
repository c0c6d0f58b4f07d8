"""The one audio cutter of playback and export, and the mute rule."""

from __future__ import annotations

import numpy as np

from player.core.audio_cut import MUTE_ABOVE, is_muted, plan_cuts, plan_pieces
from player.core.speed_plan import SpeedPlan

SR = 48000


def test_a_sample_belongs_to_the_segment_that_holds_its_time() -> None:
    plan = SpeedPlan.from_edges(np.array([0.0, 0.01, 0.0200001, 1.0]), np.array([1.0, 2.0, 3.0]))
    src_t, n = 0.005, 1000
    for i0, i1 in plan_cuts(src_t, n, SR, plan.edges[1:-1]):
        times = src_t + np.arange(i0, i1) / SR
        assert len({int(plan.segment_index(float(t))) for t in times}) == 1
    assert plan_cuts(src_t, n, SR, plan.edges[1:-1]) == [(0, 240), (240, 721), (721, 1000)]


def test_boundaries_outside_or_on_the_ends_do_not_cut() -> None:
    assert plan_cuts(1.0, 480, SR, [0.5, 1.0, 1.01, 2.0]) == [(0, 480)]
    assert plan_cuts(1.0, 0, SR, [1.001]) == []
    assert plan_cuts(1.0, 480, SR, []) == [(0, 480)]


def test_pieces_take_the_rate_at_their_middle() -> None:
    plan = SpeedPlan.from_edges(np.array([0.0, 0.5, 1.0]), np.array([1.25, 5.0]))
    x = np.zeros((SR, 2), np.float32)
    pieces = list(plan_pieces(x, 0.0, SR, plan.edges[1:-1], plan.rate_at))
    assert [(p.samples.shape[0], p.src_t, p.rate) for p in pieces] == [(SR // 2, 0.0, 1.25), (SR // 2, 0.5, 5.0)]


def test_mute_rule() -> None:
    assert not is_muted(MUTE_ABOVE) and is_muted(MUTE_ABOVE * 1.01)
    assert not is_muted(4.0 + 1e-12)  # float noise at the limit is not a rate above it
    assert is_muted(3.0, mute_above=2.5) and not is_muted(6.0, mute_above=8.0)
