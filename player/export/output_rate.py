"""The constant frame rate an export is written at."""

from __future__ import annotations

from fractions import Fraction

#: The rates SMPTE timecode (and OpenTimelineIO) accept, lowest first.
SMPTE_RATES: tuple[Fraction, ...] = (
    Fraction(24000, 1001),
    Fraction(24),
    Fraction(25),
    Fraction(30000, 1001),
    Fraction(30),
    Fraction(48),
    Fraction(50),
    Fraction(60000, 1001),
    Fraction(60),
)
# Rates editors and players expect: the SMPTE rates and 120 (high-frame-rate phone video).
# A source whose average rate is within 3% of one of these (variable-rate phone video
# averages 29.2 to 30.1 fps) is written at the standard rate: the plan maps every output
# frame time to source time, so this changes no timing, only how many frames show it.
STANDARD_RATES: tuple[Fraction, ...] = (*SMPTE_RATES, Fraction(120))
STANDARD_TOLERANCE = 0.03
# A variable-rate source averaging a little under a standard rate (frames dropped by a busy
# phone) is written at that standard rate: rounding up never loses a frame of motion.
ROUND_UP_TOLERANCE = 0.10
WHOLE_TOLERANCE = 0.01
DEFAULT_RATE = Fraction(30)


def output_frame_rate(average_rate: Fraction | float | None) -> Fraction:
    """A tidy constant output rate close to the source's average rate.

    The nearest standard rate within 3%; else the next standard rate above within 10%; else
    the nearest whole number within 1% (20 fps, 15 fps); else the rate itself as a fraction
    with a denominator of at most 1001. 30 fps when the source does not say.
    """
    if average_rate is None or not float(average_rate) > 0:
        return DEFAULT_RATE
    rate = Fraction(average_rate).limit_denominator(1_000_000)
    best = min(STANDARD_RATES, key=lambda c: abs(rate - c))
    if abs(rate - best) / best <= STANDARD_TOLERANCE:
        return best
    above = [c for c in STANDARD_RATES if c > rate and (c - rate) / c <= ROUND_UP_TOLERANCE]
    if above:
        return min(above)
    whole = Fraction(max(1, round(rate)))
    if abs(rate - whole) / whole <= WHOLE_TOLERANCE:
        return whole
    return rate.limit_denominator(1001)
