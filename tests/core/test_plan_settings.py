"""PlanSettings: one immutable value for smart mode, rho, target and manual rate."""

from __future__ import annotations

import math

import pytest

from player.core.errors import UserError
from player.core.plan_settings import RHO_MAX, RHO_MIN, PlanSettings
from player.core.speedup import DEFAULT_RHO


def test_changes_make_new_values_and_rho_is_clamped_to_the_planners_range() -> None:
    s = PlanSettings()
    assert (s.smart, s.rho, s.target, s.manual_rate) == (False, DEFAULT_RHO, None, 1.0)
    t = s.with_target(2.0)
    assert t.target == 2.0 and s.target is None  # the old value is untouched
    # rho mode again, clamped to the one range the slider, session and CLI share
    assert t.with_rho(1.7) == PlanSettings(rho=RHO_MAX)
    assert s.with_rho(-3).rho == RHO_MIN
    with pytest.raises(UserError):
        s.with_rho(math.nan)
    with pytest.raises(UserError):
        s.with_target(0.5)
    assert s.with_target(None).target is None


def test_the_total_rate_is_plan_times_manual_in_smart_mode_only() -> None:
    s = PlanSettings().with_manual_rate(2.0)
    assert s.rate_at(3.0) == 2.0
    assert s.with_smart(True).rate_at(3.0) == 6.0
