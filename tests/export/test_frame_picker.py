"""FramePicker: which source frame each constant-rate output frame shows (pure logic)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from player.core.speed_plan import Segment, SpeedPlan
from player.export.frame_picker import FramePicker, output_frame_count


def picks(plan: SpeedPlan, fps: Fraction, source_times: list[float]) -> list[int]:
    """Source frame index shown by each output frame."""
    picker = FramePicker(plan, fps)
    shown: list[int] = []
    for i in range(1, len(source_times)):
        shown += [i - 1] * picker.advance(source_times[i])
    shown += [len(source_times) - 1] * picker.finish()
    assert len(shown) == picker.frame_count
    return shown


def test_uniform_1x_shows_every_frame() -> None:
    times = [i / 30 for i in range(60)]
    assert picks(SpeedPlan.uniform(2.0, 1.0), Fraction(30), times) == list(range(60))


def test_uniform_2x_shows_every_other_frame() -> None:
    times = [i / 30 for i in range(60)]
    assert picks(SpeedPlan.uniform(2.0, 2.0), Fraction(30), times) == list(range(0, 60, 2))


def test_timestamps_rounded_to_the_time_base_still_land_on_their_frame() -> None:
    # 1/30 s in a 1/15360 time base is exact, but 1/29.97 in 1/90000 is rounded.
    times = [round(i * 1001 / 30000 * 90000) / 90000 for i in range(90)]
    shown = picks(SpeedPlan.uniform(times[-1] + 1001 / 30000, 3.0), Fraction(30000, 1001), times)
    assert shown == list(range(0, 90, 3))


def test_slow_segment_repeats_frames_and_fast_segment_skips() -> None:
    plan = SpeedPlan([Segment(0.0, 1.0, 0.5), Segment(1.0, 2.0, 4.0)])
    times = [i / 10 for i in range(20)]
    shown = picks(plan, Fraction(10), times)
    assert shown[:20] == [i // 2 for i in range(20)]  # 0.5x: each frame twice
    assert shown[20:] == [10, 14, 18][: len(shown) - 20]  # 4x: every 4th frame


def test_frames_before_the_first_timestamp_show_the_first_frame() -> None:
    times = [0.1 + i / 10 for i in range(10)]
    shown = picks(SpeedPlan.uniform(1.1, 1.0), Fraction(10), times)
    assert shown[0] == 0 and shown[1] == 0


def test_the_last_frame_holds_to_the_end_of_the_plan() -> None:
    times = [i / 10 for i in range(5)]
    shown = picks(SpeedPlan.uniform(1.0, 1.0), Fraction(10), times)
    assert shown == [0, 1, 2, 3, 4, 4, 4, 4, 4, 4]


@pytest.mark.parametrize("speed", [1.0, 1.25, 2.0, 3.0, 9.31])
def test_frame_count_is_the_plan_output_duration_in_frames(speed: float) -> None:
    plan = SpeedPlan.uniform(10.0, speed)
    n = output_frame_count(plan, Fraction(30))
    assert abs(n / 30 - plan.output_duration) <= 0.5 / 30 + 1e-9


def test_source_times_follow_the_plan() -> None:
    plan = SpeedPlan([Segment(0.0, 2.0, 1.0), Segment(2.0, 6.0, 2.0)])
    picker = FramePicker(plan, Fraction(30))
    out_t = np.arange(picker.frame_count) / 30
    np.testing.assert_allclose(picker.src_times, plan.out_to_src(out_t))
