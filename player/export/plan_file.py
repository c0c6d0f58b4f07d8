"""Write the SpeedPlan itself as JSON (``--plan OUT.json``): ``SpeedPlan.to_dict()``.

Read it back with ``SpeedPlan.from_dict(json.load(f))``. Plain JSON only, nothing that
would need unpickling.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

from player.core.speed_plan import SpeedPlan
from player.export.output_path import check_output_path, write_text_atomic


def write_plan_json(
    out: str | os.PathLike[str],
    plan: SpeedPlan,
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
    extra: Mapping[str, Any] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write ``plan.to_dict()`` (plus ``extra`` keys, e.g. the source name and rho) to ``out``."""
    path = check_output_path(out, inputs=inputs, overwrite=overwrite)
    data = plan.to_dict()
    if extra:
        data = {**data, **{k: v for k, v in extra.items() if k not in data}}
    return write_text_atomic(path, json.dumps(data, indent=1) + "\n", overwrite=overwrite)
