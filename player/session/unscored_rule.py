"""Smart fast-forward's promise for video not scored yet: it plays at exactly 1x.

The planner treats unscored frames as "no speed passes" (Vhat = 1), but its smoothing and
its one-ladder-step ceiling may still lift such a stretch to 1.25x next to a fast one. The
player must not guess there, so the session pins every unscored stretch to 1x on top of the
planner's plan. Pure numpy; a no-op once everything is scored.
"""

from __future__ import annotations

import numpy as np

from player.core.speed_plan import SpeedPlan

# Edges closer than this are one edge (float noise from different sums).
_EDGE_EPS = 1e-9


def hold_unscored_at_1x(
    plan: SpeedPlan, times: np.ndarray, scored: np.ndarray, duration: float
) -> SpeedPlan:
    """``plan`` with every unscored frame's time span at speed 1.

    times: (N,) frame times; scored: (N,) bool; frame i spans [times[i], times[i+1]) (the
    last one up to ``duration``, the first one from 0). Returns ``plan`` itself when all
    frames are scored.
    """
    scored = np.asarray(scored, dtype=bool)
    if scored.size == 0 or scored.all():
        return plan
    t = np.asarray(times, dtype=np.float64)
    end = plan.input_duration
    # Frame spans where "scored" flips: a change at frame i puts an edge at times[i].
    flips = np.flatnonzero(scored[1:] != scored[:-1]) + 1
    edges = np.concatenate((plan.edges, t[flips]))
    edges = np.unique(np.clip(edges, 0.0, end))
    edges = edges[np.concatenate(([True], np.diff(edges) > _EDGE_EPS))]
    edges[-1] = end
    if edges.size < 2:
        return plan
    mids = 0.5 * (edges[:-1] + edges[1:])
    speeds = np.asarray(plan.rate_at(mids), dtype=np.float64).copy()
    frame = np.clip(np.searchsorted(t, mids, side="right") - 1, 0, t.size - 1)
    speeds[~scored[frame]] = 1.0
    return SpeedPlan.from_edges(edges, speeds)
