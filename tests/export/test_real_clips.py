"""export_cut on real footage: the bundled demo clip and files from the shared corpus.

Camera and web video in several containers and codecs (MP4/H.264 + AAC with the audio
stream first, AVI/MPEG-4, MKV with full-range YUV, variable-frame-rate phone video): the
output must match the plan within one frame and keep audio and video within 40 ms.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from player.export.render import export_cut
from player.media.probe import probe

from export_facts import read_output, stepped_plan

REPO = Path(__file__).resolve().parents[2]
CORPUS_CLIPS = (
    "videos/mdn-cc0/friday.mp4",
    "videos/hmdb51/AdvancedBoxingTechniquesandExercises_punch_u_nm_np1_ba_med_23.avi",
    "videos/intel-sample-videos/again.mkv",
    "videos/cotracker/teddy.mp4",
)


def check_export(src: Path, tmp_path: Path) -> None:
    info = probe(src)
    plan = stepped_plan(info.duration_s)  # 1x, 2x, 1.5625x, 6x (muted) quarters
    out = tmp_path / f"{src.stem}.cut.mp4"
    result = export_cut(src, plan, out)
    facts = read_output(out)
    frame = 1 / float(result.fps)
    assert abs(facts.video_duration - plan.output_duration) <= frame + 1e-6
    assert facts.rotation == info.rotation
    if info.has_audio:
        assert facts.audio_duration is not None
        assert abs(facts.audio_duration - facts.video_duration) <= 0.040
    else:
        assert facts.audio_duration is None


def test_bundled_demo_clip(tmp_path: Path) -> None:
    check_export(REPO / "resources" / "demo_baseball.mp4", tmp_path)


@pytest.mark.parametrize("relative", CORPUS_CLIPS, ids=lambda p: Path(p).suffix + ":" + Path(p).stem[:20])
def test_corpus_clip(shared_data: Path, relative: str, tmp_path: Path) -> None:
    src = shared_data / relative
    if not src.is_file():
        pytest.skip(f"{relative} is not in this copy of the corpus")
    check_export(src, tmp_path)
