"""Cross-validation by source: groups never split, folds balanced, learning-curve subsets."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.data import CorpusClip, exclusion_reason, index_corpus
from models.errors import ModelError
from models.folds import assign_folds, group_of, source_group, split_by_source

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "data"


def test_source_group_names_the_repository_or_the_data_set() -> None:
    assert source_group("github:ArtLabss/tennis-tracking (VideoInput/video_input8.mp4)") == "github:ArtLabss/tennis-tracking"
    assert source_group("pypi:psychopy==2026.2.5 (psychopy/tests/data/testMovie.mp4)") == "pypi:psychopy"
    # DAVIS reaches the corpus through several repositories: one group.
    assert source_group("github:bijustin/video-segmentation (videos/surf.mp4 = DAVIS 'surf', 854x480)") == "dataset:DAVIS"
    assert source_group("github:MathLee/EOR-VOS (DAVIS 2016 val, 480p JPEG frames)") == "dataset:DAVIS"
    assert source_group("", fallback="videos/mine") == "videos/mine"


def clips(n_groups: int, per_group: int) -> list[CorpusClip]:
    return [
        CorpusClip(key=f"v/{g}/{i}.mp4", path=Path("x"), duration_s=10.0 + g, source=f"github:o/r{g} (x)")
        for g in range(n_groups)
        for i in range(per_group)
    ]


def test_folds_never_split_a_group_and_cover_everything() -> None:
    data = clips(9, 3)
    seen: set[str] = set()
    for k in range(3):
        train, held = split_by_source(data, 3, k)
        assert {group_of(c) for c in train}.isdisjoint({group_of(c) for c in held})
        assert len(train) + len(held) == len(data)
        seen |= {c.key for c in held}
    assert seen == {c.key for c in data}


def test_learning_curve_subsets_are_nested() -> None:
    data = clips(12, 2)
    quarter, _ = split_by_source(data, 3, 0, 0.25)
    half, _ = split_by_source(data, 3, 0, 0.5)
    full, _ = split_by_source(data, 3, 0, 1.0)
    assert set(c.key for c in quarter) < set(c.key for c in half) < set(c.key for c in full)


def test_bad_fold_settings_are_model_errors() -> None:
    with pytest.raises(ModelError):
        assign_folds(clips(2, 1), 3)
    with pytest.raises(ModelError):
        split_by_source(clips(6, 1), 3, 3)
    with pytest.raises(ModelError):
        split_by_source(clips(6, 1), 3, 0, 0.0)


@pytest.mark.skipif(not (CORPUS / "MANIFEST.tsv").is_file(), reason="needs ../shared/data")
def test_the_real_corpus_splits_into_balanced_folds_by_source() -> None:
    usable = [c for c in index_corpus(CORPUS) if exclusion_reason(c, 15.0) is None]
    table = assign_folds(usable, 3)
    seconds = [sum(c.duration_s for c in usable if table[group_of(c)] == k) for k in range(3)]
    assert max(seconds) < 1.25 * min(seconds)
    davis = {table[group_of(c)] for c in usable if "DAVIS" in c.source}
    assert len(davis) == 1  # every DAVIS sequence in one fold, whichever repository it came from
