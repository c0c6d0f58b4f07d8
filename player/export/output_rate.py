"""The constant frame rate an export is written at."""

from __future__ import annotations

from fractions import Fraction

# Rates editors and players expect. A source whose average rate is within 1% of one of
# these (phone video averages 29.87 or 30.02 fps) is written at the standard rate: the plan
# maps every output frame time to source time, so this changes no timing, only the label.
STANDARD_RATES: tuple[Fraction, ...] = (
    Fraction(24000, 1001),
    Fraction(24),
    Fraction(25),
    Fraction(30000, 1001),
    Fraction(30),
    Fraction(48),
    Fraction(50),
    Fraction(60000, 1001),
    Fraction(60),
    Fraction(120),
)
SNAP_TOLERANCE = 0.01
DEFAULT_RATE = Fraction(30)


def output_frame_rate(average_rate: Fraction | float | None) -> Fraction:
    """A tidy constant output rate close to the source's average rate.

    The nearest standard rate or whole number within 1%, else the rate itself as a fraction
    with a denominator of at most 1001; 30 fps when the source does not say.
    """
    if average_rate is None or not float(average_rate) > 0:
        return DEFAULT_RATE
    rate = Fraction(average_rate).limit_denominator(1_000_000)
    candidates = list(STANDARD_RATES) + [Fraction(round(rate))]
    best = min(candidates, key=lambda c: abs(rate - c) / c if c > 0 else float("inf"))
    if best > 0 and abs(rate - best) / best <= SNAP_TOLERANCE:
        return best
    return rate.limit_denominator(1001)
