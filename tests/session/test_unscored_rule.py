"""hold_unscored_at_1x: unscored spans at exactly 1x, the rest as planned."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from player.core.speed_plan import Segment, SpeedPlan
from player.session.unscored_rule import hold_unscored_at_1x


def test_all_scored_is_the_same_plan() -> None:
    plan = SpeedPlan([Segment(0, 1, 1.25), Segment(1, 2, 4.0)])
    times = np.arange(60) / 30
    assert hold_unscored_at_1x(plan, times, np.ones(60, bool), 2.0) is plan


def test_unscored_tail_is_1x_and_scored_part_kept() -> None:
    plan = SpeedPlan([Segment(0, 1, 1.25), Segment(1, 2, 4.0)])
    times = np.arange(60) / 30
    scored = times < 1.5
    out = hold_unscored_at_1x(plan, times, scored, 2.0)
    assert out.rate_at(0.5) == 1.25 and out.rate_at(1.2) == 4.0
    assert out.rate_at(1.5) == 1.0 and out.rate_at(1.99) == 1.0
    assert out.next_boundary(1.2) == 1.5
    assert out.input_duration == 2.0


@settings(max_examples=60, deadline=None)
@given(
    speeds=st.lists(st.sampled_from([1.0, 1.25, 2.0, 4.0, 9.3]), min_size=1, max_size=6),
    mask=st.lists(st.booleans(), min_size=12, max_size=12),
)
def test_every_frame_gets_1x_or_its_planned_rate(speeds: list[float], mask: list[bool]) -> None:
    n = 48
    times = np.arange(n) / 8.0  # 6 s at 8 fps
    edges = np.linspace(0, 6.0, len(speeds) + 1)
    plan = SpeedPlan.from_edges(edges, np.array(speeds))
    scored = np.repeat(np.array(mask), n // len(mask))
    out = hold_unscored_at_1x(plan, times, scored, 6.0)
    probe = times + 0.0625  # the middle of each frame
    want = np.where(scored, plan.rate_at(probe), 1.0)
    assert np.allclose(out.rate_at(probe), want)
    assert out.input_duration == 6.0
