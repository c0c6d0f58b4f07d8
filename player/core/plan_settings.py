"""The plan settings: smart mode, rho, target speed-up and the manual rate, as one value.

Immutable: the session swaps the whole value at once, so a reader on another thread (the
audio feed thread asking for the rate at a source time) always sees one consistent set,
never the smart flag of one and the manual rate of another. The plan is derived from it
(``SpeedPlanner.plan(rho=...)`` or ``plan(target_speedup=...)``). The limits are checked
here, once, for the window and the session alike. See docs/architecture.md,
"Scores and the plan".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from player.core.errors import UserError
from player.core.ladder import MIN_SPEED
from player.core.speedup import DEFAULT_RHO

#: The one range of rho, for the slider, the session and the command line. At 0 or 1 the
#: plan degenerates (every cell at the top of the ladder, or every cell at 1x), which the
#: smart/off switch and the manual rate already express.
RHO_MIN = 0.01
RHO_MAX = 0.99


@dataclass(frozen=True)
class PlanSettings:
    """``rho`` in [RHO_MIN, RHO_MAX] (threshold mode when ``target`` is None); ``target`` >= 1 (the
    speed-up the plan aims for); ``manual_rate`` the user's factor on top of the plan."""

    smart: bool = False
    rho: float = DEFAULT_RHO
    target: float | None = None
    manual_rate: float = 1.0

    def with_smart(self, on: bool) -> PlanSettings:
        return replace(self, smart=bool(on))

    def with_rho(self, rho: float) -> PlanSettings:
        """Threshold mode at ``rho``, clamped to [RHO_MIN, RHO_MAX] (UserError if not a
        number)."""
        return replace(self, rho=clamp_rho(rho), target=None)

    def with_target(self, target: float | None) -> PlanSettings:
        """Target mode (None: back to threshold mode at the current rho)."""
        if target is not None:
            target = float(target)
            if not (math.isfinite(target) and target >= MIN_SPEED):
                raise UserError(f"the target speed-up must be 1 or more, got {target}")
        return replace(self, target=target)

    def with_manual_rate(self, rate: float) -> PlanSettings:
        """``rate`` already clamped to the manual limits (player.session.manual_rate)."""
        return replace(self, manual_rate=float(rate))

    def rate_at(self, plan_rate: float) -> float:
        """The total rate where the plan says ``plan_rate``: plan x manual in smart mode."""
        return (plan_rate if self.smart else 1.0) * self.manual_rate


def clamp_rho(rho: float) -> float:
    """``rho`` within [RHO_MIN, RHO_MAX]; UserError if it is not a number."""
    r = float(rho)
    if not math.isfinite(r):
        raise UserError(f"rho must be a number between {RHO_MIN} and {RHO_MAX}, got {rho}")
    return min(RHO_MAX, max(RHO_MIN, r))
