"""The speed ladder and the frame-grid end rule, shared by scores and the planner.

SpeedNet is asked about 11 playback speeds, ``x_i = 1.25**i`` (1x to about 9.31x). Score
tracks store one row per ladder speed, the planner quantises V(t) to it. This module sits
below both, so the score type does not import the planner (docs/architecture.md, "Core").
"""

from __future__ import annotations

import numpy as np

LADDER: np.ndarray = 1.25 ** np.arange(11)
LADDER.setflags(write=False)
MIN_SPEED = 1.0
MAX_SPEED = float(LADDER[-1])  # 9.3132...


def default_duration(times: np.ndarray) -> float:
    """End of the last frame: last time plus the median frame step (1/30 s for one frame)."""
    t = np.asarray(times, dtype=np.float64)
    if t.size == 0:
        return 0.0
    step = float(np.median(np.diff(t))) if t.size > 1 else 1.0 / 30.0
    return float(t[-1] + max(step, 1e-6))
