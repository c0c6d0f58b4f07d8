"""The constant output frame rate chosen from a source's average rate."""

from __future__ import annotations

from fractions import Fraction

import pytest

from player.export.output_rate import output_frame_rate


@pytest.mark.parametrize(
    ("average", "expected"),
    [
        (Fraction(30), Fraction(30)),
        (Fraction(30000, 1001), Fraction(30000, 1001)),
        (29.87, Fraction(30000, 1001)),  # phone VFR
        (30.02, Fraction(30)),
        (Fraction(900, 31), Fraction(30000, 1001)),  # 29.03: frames dropped, round up
        (Fraction(25), Fraction(25)),
        (19.981, Fraction(20)),  # not standard: the whole number
        (15, Fraction(15)),
        (12.5, Fraction(25, 2)),
        (None, Fraction(30)),
        (0, Fraction(30)),
    ],
)
def test_output_frame_rate(average, expected) -> None:
    assert output_frame_rate(average) == expected
