"""Planning: the plan settings and the speed plan derived from them and the scores.

The settings (smart mode, rho, target, manual rate) are one immutable ``PlanSettings``
replaced whole; the plan is derived from them and the open file's ``ScoreTrack`` by its
``SpeedPlanner``. ``lock`` guards the settings, the planner and the plan against the threads
that change them: the GUI (settings), the plan worker (new scores) and the scoring setup
thread (scores from the cache). Readers on other threads (the audio feed thread asking for
the rate at a source time) read ``settings`` and ``plan``, each one atomic reference to an
immutable value, without the lock. In smart mode the clock follows the plan as its time
map. See docs/architecture.md, "Scores and the plan".
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np

from player.core.clock import PlaybackClock
from player.core.plan_settings import PlanSettings
from player.core.speed_plan import SpeedPlan
from player.core.speedup import PlanResult, SpeedPlanner
from player.session.open_file import OpenFile


class Planning:
    """Plan settings and the plan of the open file (``file``, set by the session under
    ``lock``). ``on_plan(plan)`` is called after every re-plan that others should see."""

    def __init__(self, clock: PlaybackClock, on_plan: Callable[[SpeedPlan], None]) -> None:
        self.lock = threading.RLock()
        self.settings = PlanSettings()
        self.plan: SpeedPlan = SpeedPlan.uniform(1.0)
        self.result: PlanResult | None = None
        self.file: OpenFile | None = None
        self._clock = clock
        self._on_plan = on_plan

    def snapshot(self) -> tuple[SpeedPlan, PlanResult | None, PlanSettings]:
        with self.lock:
            return self.plan, self.result, self.settings

    def clear(self) -> None:
        """Lock held: no file, the 1x plan."""
        self.file = None
        self.result = None
        self.plan = SpeedPlan.uniform(1.0)

    # == settings (GUI thread) =====================================================================
    def set_manual_rate(self, rate: float) -> None:
        """``rate`` already within the manual limits."""
        with self.lock:
            self.settings = self.settings.with_manual_rate(rate)
            self._clock.set_rate(self.settings.manual_rate)

    def set_smart(self, on: bool) -> None:
        with self.lock:
            self.settings = self.settings.with_smart(on)
            self._clock.set_time_map(self.plan if self.settings.smart else None)

    def set_rho(self, rho: float) -> None:
        with self.lock:
            self.settings = self.settings.with_rho(rho)
        self._replan_settings()

    def set_target(self, target: float | None) -> None:
        with self.lock:
            self.settings = self.settings.with_target(target)
        self._replan_settings()

    def _replan_settings(self) -> None:
        """rho / target changed: re-plan now, with every score so far, emit.

        A planner is rebuilt only when scores arrived since the last one (O(K N), 40 ms for
        two hours of video); otherwise re-planning costs a few ms, so a slider drag stays
        live.
        """
        with self.lock:
            f = self.file
            if f is None:
                return
            if f.planner is None or f.planner_version != f.track.version:
                self.adopt(f)
            else:
                self._apply(self._plan_with(f))
            plan = self.plan
        self._on_plan(plan)

    # == scores (any thread) =======================================================================
    def adopt(self, f: OpenFile) -> SpeedPlan:
        """Lock held: a planner for ``f``'s track as it is now, and the plan from it."""
        snap = f.track.snapshot()
        f.planner = SpeedPlanner(snap.times, snap.p_natural, snap.duration)
        f.planner_version = snap.version
        self._apply(self._plan_with(f))
        return self.plan

    def replan_from_scores(self, f: OpenFile) -> None:
        """New scores (plan worker, setup thread): rebuild the planner, re-plan, emit."""
        track = f.track
        snap = track.snapshot()
        if snap.version == f.planner_version:
            return
        # The O(K N) part runs outside the lock, so a rho drag never waits for it.
        planner = SpeedPlanner(snap.times, snap.p_natural, snap.duration)
        with self.lock:
            # Versions grow across tracks (a cache load is newer than the empty track); a
            # track swapped meanwhile (use_scores) has been planned already.
            if f is not self.file or track is not f.track or snap.version <= f.planner_version:
                return
            f.planner, f.planner_version = planner, snap.version
            self._apply(self._plan_with(f))
            plan = self.plan
        self._on_plan(plan)

    def _plan_with(self, f: OpenFile) -> PlanResult:
        """The planner's plan for the current rho / target (unscored cells are 1x in it)."""
        planner, settings = f.planner, self.settings
        assert planner is not None
        if settings.target is not None:
            return planner.plan(target_speedup=settings.target)
        return planner.plan(rho=settings.rho)

    def _apply(self, result: PlanResult) -> None:
        """Lock held: make ``result`` the plan; the clock follows it in smart mode."""
        self.result = result
        self.plan = result.plan
        if self.settings.smart:
            self._clock.set_time_map(result.plan)

    # == readers (any thread, no lock) =============================================================
    def rate_at(self, src_t: float) -> float:
        """Total playback rate at ``src_t`` (audio feed thread): plan x manual, or manual."""
        settings, plan = self.settings, self.plan  # each an atomic read of an immutable value
        return settings.rate_at(float(plan.rate_at(src_t)) if settings.smart else 1.0)

    def boundaries(self, t0: float, t1: float) -> Sequence[float]:
        """Plan boundaries in (t0, t1), where the audio must switch rate exactly."""
        settings, plan = self.settings, self.plan
        if not settings.smart:
            return ()
        edges = plan.edges
        i0 = int(np.searchsorted(edges, t0, side="right"))
        i1 = int(np.searchsorted(edges, t1, side="left"))
        return edges[i0:i1].tolist()

    def v_on(self, times: np.ndarray) -> np.ndarray:
        """V(t) of the current plan on ``times`` (the track's grid), 1 where there is none."""
        result = self.result
        if result is not None and result.v.shape == times.shape:
            return result.v
        return np.ones_like(times)
