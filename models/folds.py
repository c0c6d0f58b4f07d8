"""Cross-validation by source: a repository or data set is one group, never split.

Clips of one source share a camera, a place and often a recording session, so a model
tested on a clip whose sibling it trained on is tested on footage it has, in effect, seen.
Folds therefore hold whole groups. DAVIS, UA-DETRAC and VOT sequences reach the corpus
through several repositories; each data set is one group wherever it came from.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

from models.errors import ModelError

if TYPE_CHECKING:
    from models.data import CorpusClip

#: Data sets that arrive through several repositories (matched in the manifest's source).
DATASETS = ("DAVIS", "UA-DETRAC", "VOT")


def source_group(source: str, fallback: str = "") -> str:
    """The group of a manifest ``source``: its data set if named, else its repository or
    package (version dropped), else ``fallback`` (e.g. the clip's folder)."""
    for name in DATASETS:
        if re.search(rf"\b{re.escape(name)}\b", source):
            return f"dataset:{name}"
    token = source.split()[0] if source.strip() else fallback
    return re.sub(r"==.*$", "", token)


def group_of(clip: "CorpusClip") -> str:
    return source_group(clip.source, fallback=clip.key.rsplit("/", 1)[0])


def _order(name: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{name}".encode()).hexdigest()


def assign_folds(clips: list["CorpusClip"], folds: int, seed: int = 0) -> dict[str, int]:
    """group -> fold in [0, folds): longest groups first, each to the fold with the least
    footage so far (ties by a hash of the name), so folds hold similar durations."""
    if folds < 2:
        raise ModelError("cross-validation needs at least 2 folds")
    seconds: dict[str, float] = {}
    for c in clips:
        g = group_of(c)
        seconds[g] = seconds.get(g, 0.0) + (c.duration_s if c.duration_s > 0 else 1.0)
    if len(seconds) < folds:
        raise ModelError(f"{len(seconds)} sources cannot fill {folds} folds")
    load = [0.0] * folds
    out: dict[str, int] = {}
    for g in sorted(seconds, key=lambda g: (-seconds[g], _order(g, seed))):
        k = min(range(folds), key=lambda i: (load[i], i))
        out[g] = k
        load[k] += seconds[g]
    return out


def split_by_source(
    clips: list["CorpusClip"], folds: int, fold: int, train_fraction: float = 1.0, seed: int = 0
) -> tuple[list["CorpusClip"], list["CorpusClip"]]:
    """(train, held out): the held-out side is every clip of the groups in ``fold``; the
    train side keeps ``train_fraction`` of the other groups (by a seeded hash order, so
    25% is a subset of 50%, which is a subset of 100%: a learning curve)."""
    if not 0 <= fold < folds:
        raise ModelError(f"fold must be in [0, {folds})")
    if not 0.0 < train_fraction <= 1.0:
        raise ModelError("train fraction must be in (0, 1]")
    table = assign_folds(clips, folds, seed)
    held = [c for c in clips if table[group_of(c)] == fold]
    rest_groups = sorted({group_of(c) for c in clips if table[group_of(c)] != fold}, key=lambda g: _order(g, seed + 1))
    keep = set(rest_groups[: max(1, round(train_fraction * len(rest_groups)))])
    train = [c for c in clips if group_of(c) in keep]
    return sorted(train, key=lambda c: c.key), sorted(held, key=lambda c: c.key)
