"""``speednet-player export`` end to end: exit codes, outputs, summary, cache."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from player.cli import main
from player.commands.export import _terminate_as_exit
from player.core.speed_plan import Segment, SpeedPlan

from export_facts import read_output, unwritable_folder


def export(*argv: object) -> int:
    return main(["export", *map(str, argv)])


@pytest.fixture
def plan_file(clip_30, tmp_path: Path) -> Path:
    plan = SpeedPlan([Segment(0.0, 1.0, 1.0), Segment(1.0, clip_30.duration, 2.0)])
    path = tmp_path / "in_plan.json"
    path.write_text(json.dumps(plan.to_dict()))
    return path


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0], err
    return err[0]


def test_bad_outputs_exit_2_with_one_line(clip_30, plan_file: Path, tmp_path: Path, capsys) -> None:
    assert export(clip_30, unwritable_folder(tmp_path) / "o.mp4", "--load-plan", plan_file) == 2
    assert "cannot write" in one_error_line(capsys)
    assert export(clip_30, clip_30, "--load-plan", plan_file, "--overwrite") == 2
    assert "input" in one_error_line(capsys)
    existing = tmp_path / "exists.mp4"
    existing.write_bytes(b"keep me")
    assert export(clip_30, existing, "--load-plan", plan_file) == 2
    assert "--overwrite" in one_error_line(capsys)
    assert existing.read_bytes() == b"keep me"
    assert export(clip_30, tmp_path / "missing" / "o.mp4", "--load-plan", plan_file) == 2
    assert "does not exist" in one_error_line(capsys)
    assert export(clip_30, tmp_path / "o.avi", "--load-plan", plan_file) == 2
    assert ".mp4" in one_error_line(capsys)
    assert export(clip_30, "--timeline", tmp_path / "t.xml", "--load-plan", plan_file) == 2
    assert "fcpxml" in one_error_line(capsys)
    assert export(clip_30, tmp_path / "same.edl", "--timeline", tmp_path / "same.edl", "--load-plan", plan_file) == 2
    one_error_line(capsys)
    assert not [p for p in tmp_path.rglob("*") if ".partial-" in p.name]


def test_bad_inputs_and_options_exit_2(clip_30, bad_inputs, plan_file: Path, tmp_path: Path, capsys) -> None:
    for name, path in bad_inputs.items():
        assert export(path, tmp_path / f"{name}.mp4", "--load-plan", plan_file) == 2, name
        one_error_line(capsys)
    for options in (["--rho", "1.5"], ["--target-speedup", "0.5"], ["--crf", "60"], ["--fps", "abc"]):
        assert export(clip_30, tmp_path / "o.mp4", *options) == 2, options
        one_error_line(capsys)
    assert export(clip_30) == 2
    assert "nothing to write" in one_error_line(capsys)
    bad_plan = tmp_path / "bad.json"
    bad_plan.write_text('{"segments": "nope"}')
    assert export(clip_30, tmp_path / "o.mp4", "--load-plan", bad_plan) == 2
    assert "not a speed plan" in one_error_line(capsys)
    other = tmp_path / "other.json"
    other.write_text(json.dumps(SpeedPlan.uniform(60.0, 2.0).to_dict()))
    assert export(clip_30, tmp_path / "o.mp4", "--load-plan", other) == 2
    assert "another file" in one_error_line(capsys)
    assert export(clip_30, tmp_path / "o.mp4", "--model", tmp_path / "no_model.safetensors") == 2
    one_error_line(capsys)
    assert not (tmp_path / "o.mp4").exists()


def test_export_with_a_plan_file_writes_cut_timeline_and_plan(clip_30, plan_file: Path, tmp_path: Path, capsys) -> None:
    out, timeline, plan_out = tmp_path / "cut.mp4", tmp_path / "cut.fcpxml", tmp_path / "plan.json"
    code = export(clip_30, out, "--load-plan", plan_file, "--timeline", timeline, "--plan", plan_out)
    assert code == 0
    stdout = capsys.readouterr().out
    plan = SpeedPlan.from_dict(json.loads(plan_file.read_text()))
    assert f"({plan.output_duration:.2f} s" in stdout and f"x{plan.speedup:.2f}" in stdout
    facts = read_output(out)
    assert abs(facts.video_duration - plan.output_duration) <= 1 / 30 + 1e-6
    assert timeline.read_text().startswith("<?xml")
    assert SpeedPlan.from_dict(json.loads(plan_out.read_text())) == plan


def test_timeline_only_needs_no_out_and_encodes_nothing(clip_30, plan_file: Path, tmp_path: Path, capsys) -> None:
    assert export(clip_30, "--load-plan", plan_file, "--timeline", tmp_path / "cut.edl") == 0
    assert "timeline" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["cut.edl", "in_plan.json"]


def test_export_scores_with_a_model_and_reuses_the_cache(
    make_clip, tiny_checkpoint: Path, private_cache: Path, tmp_path: Path, capsys
) -> None:
    clip = make_clip(duration=4.0, fps=30)
    out = tmp_path / "scored.mp4"
    assert export(clip, out, "--model", tiny_checkpoint, "--device", "cpu", "--target-speedup", "1.5", "--plan", tmp_path / "p.json") == 0
    stdout = capsys.readouterr().out
    assert "speed-up" in stdout and "rho" in stdout
    plan = SpeedPlan.from_dict(json.loads((tmp_path / "p.json").read_text()))
    facts = read_output(out)
    assert abs(facts.video_duration - plan.output_duration) <= 1 / 30 + 1e-6
    assert facts.audio_duration is not None and abs(facts.audio_duration - facts.video_duration) <= 0.040
    assert list(private_cache.iterdir()), "scores were cached"
    # Second run: scores from the cache, same plan.
    assert export(clip, "--model", tiny_checkpoint, "--device", "cpu", "--target-speedup", "1.5", "--plan", tmp_path / "p2.json") == 0
    assert SpeedPlan.from_dict(json.loads((tmp_path / "p2.json").read_text())) == plan
    # analyze --json output is a plan file too.
    assert main(["analyze", str(clip), "--model", str(tiny_checkpoint), "--device", "cpu", "--json", str(tmp_path / "a.json")]) == 0
    assert export(clip, tmp_path / "from_analyze.mp4", "--load-plan", tmp_path / "a.json") == 0
    assert read_output(tmp_path / "from_analyze.mp4").video_frames >= 1


def test_export_with_the_trained_model(clip_30, tmp_path: Path, capsys) -> None:
    from models.inference import DEFAULT_CHECKPOINT

    if not DEFAULT_CHECKPOINT.is_file():
        pytest.skip(f"the trained model is not in the repository yet ({DEFAULT_CHECKPOINT.name})")
    out = tmp_path / "trained.mp4"
    assert export(clip_30, out, "--device", "cpu") == 0
    assert "speed-up" in capsys.readouterr().out
    assert read_output(out).video_frames >= 1


def test_sigterm_during_export_raises_system_exit() -> None:
    with pytest.raises(SystemExit) as info:
        with _terminate_as_exit():
            os.kill(os.getpid(), signal.SIGTERM)
    assert info.value.code == 128 + signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
