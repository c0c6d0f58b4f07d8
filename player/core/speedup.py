"""From SpeedNet scores to a playback speed V(t) and a SpeedPlan (docs/architecture.md, "Scores and the plan").

Inputs are the scores of a ``ScoreTrack``: ``p_natural`` (K, N), the probability that the
video still looks natural when played at ladder speed ``x_i`` (K = 11, ``x_i = 1.25**i``),
on the grid of N source frame times. Nothing here runs the network: a change of rho or of
the target speed-up re-runs only this module, in milliseconds.

The pipeline, and the rules added to the paper's formula. Every step is monotone in the
scores and in rho, so a stricter rho never makes any moment play faster (tested), and
target mode can bisect on rho.

1. **Threshold.** ``Vhat(t) = max{x_i : P_i(t) > rho}``, and 1 where no speed passes.
   NaN (unscored, or a speed that could not be judged because the video is too short for
   one window at it) never passes. A frame NaN at every speed is *unscored*: see rule 7.
2. **Planning grid = minimum segment length.** V is planned on cells of
   ``DEFAULT_MIN_SEGMENT_S`` = 0.5 s of source time (the last cell absorbs the remainder,
   0.25-0.75 s), not per frame. Rate changes can then only happen on cell edges, so no
   segment is shorter than a cell and the rate cannot flicker, *without* a merging pass
   (merging short runs is not monotone in rho: it made a stricter rho faster in places).
   A fixed grid also makes ``alpha`` mean the same number of seconds at 24, 30 or 60 fps
   and on variable-frame-rate video, and a re-plan of 2 h of video touches 14,400 cells
   instead of 216,000 frames. Each cell takes the *lowest* Vhat of the frames overlapping
   it, so no frame is ever played more than one ladder step above its own Vhat (rule 6).
   This costs no per-rho pass over frames: see ``SpeedPlanner``.
3. **Smooth.** V minimises ``sum (V - Vhat)^2 + alpha * sum (V[c+1] - V[c])^2`` over the
   cells, i.e. solves the tridiagonal system ``(I + alpha D^T D) V = Vhat`` in O(M) by
   cyclic reduction, vectorised in numpy (``solve_tridiagonal``). The inverse of this
   matrix is non-negative, so the solve is monotone. ``DEFAULT_ALPHA`` = 2 on 0.5 s cells:
   a smoothing length of about sqrt(2) * 0.5 = 0.7 s, enough to ramp the speed down over a
   second or so ahead of an action instead of jumping, short enough that a 1 s calm gap
   between actions is not sped through.
4. **Clip** to [1, 9.31] (the ladder's ends).
5. **Quantise** to the nearest ladder speed (in log space), so the plan is piecewise
   constant on the ladder and audio stretching sees few distinct rates.
6. **Ceiling.** V never exceeds the cell's Vhat by more than one ladder step (1.25x).
   Smoothing otherwise lifts the short slow stretches between fast ones, and those are
   exactly the moments the model flagged as action.
7. **Unscored cells play at exactly 1x.** A cell overlapping any unscored frame is pinned
   to 1x after steps 3-6: smoothing and the one-step ceiling would otherwise lift an
   unscored stretch next to a fast one to 1.25x, a guess where the model has not looked
   (the player promises 1x there while scores stream in). The pin does not depend on rho,
   so monotonicity holds. Unscored frames still enter the smoothing as Vhat = 1, so the
   speed ramps down ahead of them.
8. **Target mode.** Output duration falls as rho falls (steps 1-6 are monotone), so rho is
   found by bisection until the speed-up is within 1% of the target R. If R is above the
   speed-up reached at rho = 0 (every scored cell at its top passing speed, unscored video
   at 1x), the plan is that fastest one and the result says the target was not met. Scores
   are discrete, so the speed-up can jump across R at one threshold; bisection then stops
   at the jump, keeps the closer side and reports the target as not met.

Defaults: ``DEFAULT_RHO`` = 0.5, the point where the model finds the clip at that speed as
likely natural as sped up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from player.core.ladder import LADDER, MAX_SPEED, MIN_SPEED, default_duration  # noqa: F401 - re-exported
from player.core.speed_plan import SpeedPlan


DEFAULT_RHO = 0.5
DEFAULT_ALPHA = 2.0
DEFAULT_MIN_SEGMENT_S = 0.5
TARGET_TOLERANCE = 0.01
# Bisection stops early once this close (inside the 1% promise, with margin for rounding).
_TARGET_AIM = 0.004
_MAX_BISECTIONS = 60


# -- step 1: threshold -------------------------------------------------------------------------
def _suffix_max(p_natural: np.ndarray) -> np.ndarray:
    """(K, N) -> (K, N): q[i] = max_{j >= i} P[j], NaN counted as -inf (never passes).

    ``Vhat >= x_i`` exactly when some speed at or above ``x_i`` passes, i.e. ``q[i] > rho``;
    q falls with i, so ``#{i : q[i] > rho}`` is the ladder index of Vhat plus one.
    """
    p = np.where(np.isnan(p_natural), -np.inf, p_natural)
    return np.maximum.accumulate(p[::-1], axis=0)[::-1]


def _check_speeds(speeds: np.ndarray) -> np.ndarray:
    s = np.asarray(speeds, dtype=np.float64)
    if s.ndim != 1 or s.size == 0 or s[0] != 1.0 or np.any(np.diff(s) <= 0):
        raise ValueError("speeds must be an increasing ladder starting at 1.0")
    return s


def vhat_index(p_natural: np.ndarray, rho: float) -> np.ndarray:
    """(K, N) -> (N,) int: ladder index of ``Vhat`` (0 = 1x, also where nothing passes)."""
    count = (_suffix_max(np.asarray(p_natural)) > rho).sum(axis=0)
    return np.maximum(count - 1, 0)


def vhat(p_natural: np.ndarray, rho: float, speeds: np.ndarray = LADDER) -> np.ndarray:
    """``Vhat(t) = max{x_i : P_i(t) > rho}``, 1 where none passes (NaN never passes).

    p_natural: (K, N) with K = len(speeds). Returns (N,) float64.
    """
    s = _check_speeds(speeds)
    p = np.asarray(p_natural)
    if p.ndim != 2 or p.shape[0] != s.shape[0]:
        raise ValueError(f"p_natural must be (K={s.shape[0]}, N), got {p.shape}")
    return s[vhat_index(p, rho)]


# -- step 3: smoothing ---------------------------------------------------------------------------
def solve_tridiagonal(
    lower: np.ndarray, diag: np.ndarray, upper: np.ndarray, rhs: np.ndarray
) -> np.ndarray:
    """Solve ``lower[i] x[i-1] + diag[i] x[i] + upper[i] x[i+1] = rhs[i]`` for x (N,).

    ``lower[0]`` and ``upper[-1]`` are ignored. Cyclic reduction: each level eliminates the
    odd unknowns with whole-array numpy operations, so the O(N) work runs in ~log2(N) numpy
    passes instead of a Python loop over N (the Thomas algorithm is inherently sequential).
    Stable for diagonally dominant systems such as the smoothing matrix.
    """
    b = np.array(diag, dtype=np.float64)
    n = b.shape[0]
    a = np.array(lower, dtype=np.float64)
    c = np.array(upper, dtype=np.float64)
    d = np.array(rhs, dtype=np.float64)
    if not (a.shape == c.shape == d.shape == (n,)):
        raise ValueError("lower, diag, upper and rhs must all be (N,)")
    if n == 0:
        return d
    a[0] = 0.0
    c[-1] = 0.0
    return _cyclic_reduction(a, b, c, d)


def _cyclic_reduction(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
    n = b.shape[0]
    if n == 1:
        return d / b
    # Pad one dummy equation (x = 0) on each side so the even rows' neighbours always exist.
    ap = np.zeros(n + 2)
    bp = np.ones(n + 2)
    cp = np.zeros(n + 2)
    dp = np.zeros(n + 2)
    ap[1:-1], bp[1:-1], cp[1:-1], dp[1:-1] = a, b, c, d
    ev, lo, hi = slice(1, n + 1, 2), slice(0, n, 2), slice(2, n + 2, 2)
    alpha = -ap[ev] / bp[lo]
    gamma = -cp[ev] / bp[hi]
    x_even = _cyclic_reduction(
        alpha * ap[lo],
        bp[ev] + alpha * cp[lo] + gamma * ap[hi],
        gamma * cp[hi],
        dp[ev] + alpha * dp[lo] + gamma * dp[hi],
    )
    x = np.empty(n)
    x[0::2] = x_even
    n_odd = n // 2
    x_right = np.append(x_even, 0.0)[1 : n_odd + 1]
    odd = slice(1, n, 2)
    x[odd] = (d[odd] - a[odd] * x_even[:n_odd] - c[odd] * x_right) / b[odd]
    return x


def smoothing_system(n: int, alpha: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bands (lower, diag, upper) of ``I + alpha D^T D`` for n samples."""
    diag = np.full(n, 1.0 + 2.0 * alpha)
    if n > 0:
        diag[0] = diag[-1] = 1.0 + alpha
    if n == 1:
        diag[0] = 1.0
    off = np.full(n, -alpha)
    return off, diag, off.copy()


def smooth(vhat_values: np.ndarray, alpha: float) -> np.ndarray:
    """(N,) -> (N,): argmin_V sum (V - Vhat)^2 + alpha * sum (V[t+1] - V[t])^2."""
    if alpha < 0:
        raise ValueError(f"alpha must be >= 0, got {alpha}")
    y = np.asarray(vhat_values, dtype=np.float64)
    if alpha == 0 or y.shape[0] < 2:
        return y.copy()
    lower, diag, upper = smoothing_system(y.shape[0], alpha)
    return solve_tridiagonal(lower, diag, upper, y)


# -- the planner ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PlanResult:
    """What ``plan`` returns.

    ``v`` (N,) is the plan's rate at each source frame time (so it agrees with ``plan``
    exactly); ``rho_used`` the threshold used (the one found, in target mode);
    ``target_met`` False only when a target speed-up could not be reached within 1%.
    """

    v: np.ndarray
    rho_used: float
    plan: SpeedPlan
    target_speedup: float | None = None
    target_met: bool = True

    @property
    def speedup(self) -> float:
        return self.plan.speedup


class SpeedPlanner:
    """Plans V(t) for one set of scores; re-plans for any rho or target in milliseconds.

    Construction does the per-frame work once (O(K N)): the suffix maximum over speeds and
    its minimum per planning cell, ``Q`` (K, M). Because ``#{i : q_i > rho}`` is monotone in
    q, the lowest per-frame Vhat in a cell is exactly ``#{i : Q_i(cell) > rho} - 1``, so a
    re-plan touches only the (K, M) cells, M = duration / min_segment_s. Which cells hold
    an unscored frame (NaN at every speed: pinned to 1x) is found here too.

    times: (N,) source frame times, increasing; p_natural: (K, N); duration: end of the
    video in source seconds (default: end of the last frame). ``alpha`` is in cells.
    """

    def __init__(
        self,
        times: np.ndarray,
        p_natural: np.ndarray,
        duration: float | None = None,
        *,
        speeds: np.ndarray = LADDER,
        alpha: float = DEFAULT_ALPHA,
        min_segment_s: float = DEFAULT_MIN_SEGMENT_S,
    ) -> None:
        self._speeds = _check_speeds(speeds)
        k = self._speeds.shape[0]
        t = np.asarray(times, dtype=np.float64)
        p = np.asarray(p_natural)
        if t.ndim != 1:
            raise ValueError("times must be 1-D")
        if p.ndim != 2 or p.shape != (k, t.shape[0]):
            raise ValueError(f"p_natural must be (K={k}, N={t.shape[0]}), got {p.shape}")
        if t.size > 1 and np.any(np.diff(t) < 0):
            raise ValueError("times must be increasing")
        if alpha < 0 or not math.isfinite(alpha):
            raise ValueError(f"alpha must be finite and >= 0, got {alpha}")
        if not (min_segment_s > 0 and math.isfinite(min_segment_s)):
            raise ValueError(f"min_segment_s must be positive, got {min_segment_s}")
        dur = default_duration(t) if duration is None else float(duration)
        if not (dur > 0 and math.isfinite(dur)):
            raise ValueError(f"duration must be positive, got {dur}")
        self._times = t
        self._duration = dur
        self._alpha = float(alpha)
        m = max(1, int(round(dur / min_segment_s)))
        edges = np.arange(m + 1, dtype=np.float64) * min_segment_s
        edges[-1] = dur
        self._edges = edges
        self._widths = np.diff(edges)
        self._q = self._cell_minimum(_suffix_max(p), t, edges) if t.size else np.full((k, m), -np.inf)
        if t.size:
            scored = (~np.all(np.isnan(p), axis=0)).astype(np.int8)[None, :]
            self._unscored_cells = self._cell_minimum(scored, t, edges)[0] == 0
        else:
            self._unscored_cells = np.ones(m, dtype=bool)
        self._log_mid = np.log(np.sqrt(self._speeds[1:] * self._speeds[:-1]))
        self._system = smoothing_system(m, self._alpha)

    @staticmethod
    def _cell_minimum(q: np.ndarray, t: np.ndarray, edges: np.ndarray) -> np.ndarray:
        """(K, N) per frame -> (K, M) per cell: min over the frames overlapping each cell.

        Frame i covers [t[i], t[i+1]); time before the first frame belongs to frame 0.
        """
        first = np.maximum(np.searchsorted(t, edges[:-1], side="right") - 1, 0)
        last = np.maximum(np.searchsorted(t, edges[1:], side="left") - 1, 0)
        cells = np.minimum.reduceat(q, first, axis=1)
        return np.minimum(cells, q[:, last])

    @property
    def duration(self) -> float:
        return self._duration

    def _ladder_indices(self, rho: float) -> np.ndarray:
        """(M,) ladder index of V per cell for this rho (steps 1-7)."""
        vh_idx = np.maximum((self._q > rho).sum(axis=0) - 1, 0)
        vh = self._speeds[vh_idx]
        v = solve_tridiagonal(*self._system, vh) if self._alpha > 0 and vh.size > 1 else vh
        v = np.clip(v, MIN_SPEED, self._speeds[-1])
        idx = np.minimum(np.searchsorted(self._log_mid, np.log(v)), vh_idx + 1)
        idx[self._unscored_cells] = 0  # rule 7
        return idx

    def _speedup_of(self, idx: np.ndarray) -> float:
        return self._duration / float(np.sum(self._widths / self._speeds[idx]))

    def _build(self, idx: np.ndarray) -> SpeedPlan:
        change = np.flatnonzero(np.diff(idx)) + 1
        edges = np.concatenate(([0.0], self._edges[change], [self._duration]))
        speeds = self._speeds[idx[np.concatenate(([0], change))]]
        return SpeedPlan.from_edges(edges, speeds)

    def plan_for_rho(self, rho: float) -> SpeedPlan:
        """The plan at threshold ``rho`` (in [0, 1])."""
        if not (0.0 <= rho <= 1.0):
            raise ValueError(f"rho must be in [0, 1], got {rho}")
        return self._build(self._ladder_indices(rho))

    def speedup_for_rho(self, rho: float) -> float:
        """Overall speed-up at ``rho`` without building the plan."""
        return self._speedup_of(self._ladder_indices(rho))

    def rho_for_target(self, target_speedup: float) -> tuple[float, bool]:
        """(rho, met): the threshold whose plan speeds the whole video up by ``target``."""
        r = float(target_speedup)
        if not (r >= 1.0 and math.isfinite(r)):
            raise ValueError(f"target speed-up must be >= 1, got {target_speedup}")

        def err(s: float) -> float:
            return abs(s / r - 1.0)

        fastest = self.speedup_for_rho(0.0)
        if fastest <= r:
            # R is at or above the best reachable: the fastest plan is the answer.
            return 0.0, err(fastest) <= TARGET_TOLERANCE
        lo, hi = 0.0, 1.0  # speed-up(lo) > r, speed-up(hi) = 1 <= r
        best_rho, best_err = 1.0, err(1.0)
        if best_err <= _TARGET_AIM:
            return 1.0, True
        for _ in range(_MAX_BISECTIONS):
            mid = 0.5 * (lo + hi)
            s = self.speedup_for_rho(mid)
            if err(s) < best_err:
                best_rho, best_err = mid, err(s)
            if best_err <= _TARGET_AIM or hi - lo < 1e-9:
                break
            if s > r:
                lo = mid
            else:
                hi = mid
        if best_err > _TARGET_AIM:
            # Stopped at a jump: answer with the closer side of the final bracket, so the
            # reported rho sits right at the threshold where the speed-up jumps.
            for cand in (lo, hi):
                e = err(self.speedup_for_rho(cand))
                if e <= best_err:
                    best_rho, best_err = cand, e
        return best_rho, best_err <= TARGET_TOLERANCE

    def plan(self, rho: float | None = None, target_speedup: float | None = None) -> PlanResult:
        """Plan at ``rho`` or for ``target_speedup`` (not both; neither = ``DEFAULT_RHO``)."""
        if rho is not None and target_speedup is not None:
            raise ValueError("give rho or target_speedup, not both")
        met = True
        if target_speedup is not None:
            rho_used, met = self.rho_for_target(target_speedup)
        else:
            rho_used = DEFAULT_RHO if rho is None else float(rho)
        sp = self.plan_for_rho(rho_used)
        v = sp.rate_at(self._times) if self._times.size else np.empty(0)
        return PlanResult(
            v=np.asarray(v, dtype=np.float64),
            rho_used=rho_used,
            plan=sp,
            target_speedup=None if target_speedup is None else float(target_speedup),
            target_met=met,
        )


def plan(
    times: np.ndarray,
    p_natural: np.ndarray,
    rho: float | None = None,
    target_speedup: float | None = None,
    *,
    duration: float | None = None,
    alpha: float = DEFAULT_ALPHA,
    min_segment_s: float = DEFAULT_MIN_SEGMENT_S,
    speeds: np.ndarray = LADDER,
) -> PlanResult:
    """One-shot planning: ``SpeedPlanner(...).plan(rho, target_speedup)``.

    times: (N,) source frame times; p_natural: (K, N) P(natural) per ladder speed.
    Keep a ``SpeedPlanner`` instead when re-planning the same scores for many rho values.
    """
    planner = SpeedPlanner(
        times, p_natural, duration, speeds=speeds, alpha=alpha, min_segment_s=min_segment_s
    )
    return planner.plan(rho=rho, target_speedup=target_speedup)
