"""SpeedPlan: segments, both time mappings, clamping, JSON round trip."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from player.core.clock import PlaybackClock
from player.core.speed_plan import Segment, SpeedPlan
from player.core.speedup import LADDER


@st.composite
def plans(draw: st.DrawFn) -> SpeedPlan:
    n = draw(st.integers(1, 30))
    lengths = draw(st.lists(st.floats(0.01, 50.0), min_size=n, max_size=n))
    speeds = draw(
        st.lists(st.one_of(st.sampled_from(LADDER.tolist()), st.floats(0.25, 16.0)), min_size=n, max_size=n)
    )
    edges = np.concatenate(([0.0], np.cumsum(lengths)))
    return SpeedPlan.from_edges(edges, np.array(speeds))


@given(plans())
@settings(max_examples=200, deadline=None)
def test_output_duration_is_sum_of_segment_durations_over_speed(plan: SpeedPlan) -> None:
    expected = sum((s.end - s.start) / s.speed for s in plan.segments)
    assert math.isclose(plan.output_duration, expected, rel_tol=1e-12)
    assert math.isclose(plan.src_to_out(plan.input_duration), expected, rel_tol=1e-12)
    assert math.isclose(plan.speedup, plan.input_duration / expected, rel_tol=1e-12)


@given(plans(), st.lists(st.floats(0.0, 1.0), min_size=1, max_size=20))
@settings(max_examples=200, deadline=None)
def test_mappings_invert_each_other(plan: SpeedPlan, fractions: list[float]) -> None:
    src = np.array(fractions) * plan.input_duration
    out = plan.src_to_out(src)
    np.testing.assert_allclose(plan.out_to_src(out), src, rtol=1e-9, atol=1e-9)
    outs = np.array(fractions) * plan.output_duration
    np.testing.assert_allclose(plan.src_to_out(plan.out_to_src(outs)), outs, rtol=1e-9, atol=1e-9)
    # The scalar path agrees with the vectorised one.
    for s, o in zip(src.tolist(), out.tolist()):
        assert math.isclose(plan.src_to_out(s), o, rel_tol=1e-12, abs_tol=1e-12)
        assert math.isclose(plan.out_to_src(o), s, rel_tol=1e-9, abs_tol=1e-9)
    assert np.all(np.diff(plan.src_to_out(np.sort(src))) >= 0)


@given(plans(), st.floats(0.0, 1.0))
@settings(max_examples=100, deadline=None)
def test_rate_is_the_local_slope(plan: SpeedPlan, frac: float) -> None:
    t = frac * plan.input_duration
    seg = plan.segment_at(t)
    assert seg.start <= t <= seg.end
    assert plan.rate_at(t) == seg.speed
    assert plan.next_boundary(t) == seg.end
    mid = 0.5 * (seg.start + seg.end)
    h = 0.25 * (seg.end - seg.start)
    slope = (plan.src_to_out(mid + h) - plan.src_to_out(mid - h)) / (2 * h)
    assert math.isclose(slope, 1.0 / seg.speed, rel_tol=1e-6)


def test_clamps_outside_the_plan() -> None:
    plan = SpeedPlan([Segment(0.0, 2.0, 1.0), Segment(2.0, 6.0, 4.0)])
    assert plan.output_duration == 3.0
    assert plan.src_to_out(-5.0) == 0.0
    assert plan.src_to_out(100.0) == 3.0
    assert plan.out_to_src(-1.0) == 0.0
    assert plan.out_to_src(10.0) == 6.0
    assert plan.rate_at(-1.0) == 1.0 and plan.rate_at(7.0) == 4.0
    assert plan.src_to_out(4.0) == 2.5 and plan.out_to_src(2.5) == 4.0
    np.testing.assert_array_equal(plan.rate_at(np.array([0.0, 1.99, 2.0, 6.0])), [1, 1, 4, 4])
    assert plan.next_boundary(0.5) == 2.0 and plan.next_boundary(2.0) == 6.0


def test_equal_neighbours_merge_and_bad_plans_are_refused() -> None:
    plan = SpeedPlan([Segment(0, 1, 2.0), Segment(1, 3, 2.0), Segment(3, 4, 1.0)])
    assert plan.segments == (Segment(0, 3, 2.0), Segment(3, 4, 1.0))
    with pytest.raises(ValueError):
        SpeedPlan([Segment(0, 1, 1.0), Segment(1.5, 2, 1.0)])  # gap
    with pytest.raises(ValueError):
        SpeedPlan([Segment(0.5, 1, 1.0)])  # does not start at 0
    with pytest.raises(ValueError):
        SpeedPlan([])
    with pytest.raises(ValueError):
        Segment(1.0, 1.0, 1.0)
    with pytest.raises(ValueError):
        Segment(0.0, 1.0, 0.0)
    with pytest.raises(ValueError):
        SpeedPlan.from_edges(np.array([0.0, 1.0, 1.0]), np.array([1.0, 2.0]))


def test_dict_round_trip_through_json() -> None:
    plan = SpeedPlan.from_edges(np.array([0.0, 0.1, 2.7, 9.05]), np.array([1.0, LADDER[7], 1.25]))
    data = json.loads(json.dumps(plan.to_dict()))
    assert set(data) == {"version", "input_duration_s", "output_duration_s", "segments"}
    assert SpeedPlan.from_dict(data) == plan
    for bad in ({}, {"segments": []}, {"segments": [{"start": 0, "end": 1}]}, {"segments": "x"},
                {"version": 99, "segments": [{"start": 0, "end": 1, "speed": 1}]},
                {"segments": [{"start": 0, "end": 1, "speed": -2}]}):
        with pytest.raises(ValueError):
            SpeedPlan.from_dict(bad)


def test_uniform() -> None:
    plan = SpeedPlan.uniform(10.0, 2.5)
    assert len(plan) == 1 and plan.output_duration == 4.0 and plan.speedup == 2.5


def test_the_clock_follows_the_plan() -> None:
    """SpeedPlan satisfies the clock's TimeMap protocol: rate changes exactly at boundaries."""
    wall = [0.0]
    clock = PlaybackClock(time_fn=lambda: wall[0])
    clock.set_time_map(SpeedPlan([Segment(0.0, 2.0, 1.0), Segment(2.0, 10.0, 4.0)]))
    clock.play()
    wall[0] = 1.0
    assert math.isclose(clock.now(), 1.0)
    wall[0] = 3.0  # 2 s at 1x, then 1 output s at 4x
    assert math.isclose(clock.now(), 6.0)
    assert clock.effective_rate() == 4.0
