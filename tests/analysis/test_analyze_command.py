"""`speednet-player analyze` end to end through the real CLI entry point."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from player.cli import main
from player.core.speed_plan import SpeedPlan
from player.core.speedup import LADDER

FIELDS = {"speeds", "times", "p_natural", "rho", "v", "segments", "input_duration_s", "output_duration_s"}


def _analyze(capsys, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main(["analyze", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_writes_json_with_the_spec_fields(make_clip, tiny_checkpoint: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    clip = make_clip(duration=4.0, fps=25)
    out = tmp_path / "scores.json"
    code, stdout, err = _analyze(capsys, str(clip), "--model", str(tiny_checkpoint), "--json", str(out), "--rho", "0.4")
    assert code == 0, err
    data = json.loads(out.read_text())
    assert set(data) == FIELDS
    n = len(data["times"])
    assert n == 100 and data["times"][:2] == [0.0, 0.04]
    assert data["speeds"] == pytest.approx(LADDER.tolist())
    assert len(data["p_natural"]) == 11 and all(len(row) == n for row in data["p_natural"])
    judged = [x for row in data["p_natural"] for x in row if x is not None]
    assert judged and all(0.0 <= x <= 1.0 for x in judged)
    assert len(data["v"]) == n and all(1.0 <= v <= LADDER[-1] + 1e-9 for v in data["v"])
    assert data["rho"] == 0.4
    plan = SpeedPlan.from_dict({"segments": data["segments"]})
    assert plan.input_duration == pytest.approx(data["input_duration_s"]) == pytest.approx(4.0)
    assert plan.output_duration == pytest.approx(data["output_duration_s"])
    np.testing.assert_array_equal(plan.rate_at(np.array(data["times"])), data["v"])
    for line in ("input", "output", "speed-up", "time spent"):
        assert line in stdout
    assert "x real time" in stdout


def test_second_run_uses_the_cache_and_target_mode(make_clip, tiny_checkpoint: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    clip = make_clip(duration=4.0, fps=25)
    assert _analyze(capsys, str(clip), "--model", str(tiny_checkpoint))[0] == 0
    out = tmp_path / "t.json"
    code, stdout, err = _analyze(
        capsys, str(clip), "--model", str(tiny_checkpoint), "--target-speedup", "1.5", "--json", str(out)
    )
    assert code == 0, err
    assert "no model run" in stdout
    data = json.loads(out.read_text())
    speedup = data["input_duration_s"] / data["output_duration_s"]
    assert abs(speedup / 1.5 - 1) <= 0.01 or "not reachable" in stdout
    # Re-running onto its own earlier output is fine; onto some other file is refused.
    assert _analyze(capsys, str(clip), "--model", str(tiny_checkpoint), "--json", str(out))[0] == 0
    other = tmp_path / "notes.txt"
    other.write_text("keep me")
    code, _, err = _analyze(capsys, str(clip), "--model", str(tiny_checkpoint), "--json", str(other))
    assert code == 2 and "already exists" in err and other.read_text() == "keep me"


def test_no_cache_neither_reads_nor_writes(make_clip, tiny_checkpoint: Path, private_cache: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    clip = make_clip(duration=2.0, fps=25)
    code, stdout, _ = _analyze(capsys, str(clip), "--model", str(tiny_checkpoint), "--no-cache")
    assert code == 0 and "real time" in stdout
    assert not private_cache.exists() or not any(private_cache.iterdir())


@pytest.mark.parametrize(
    "args, message",
    [
        (["--rho", "0"], "--rho"),
        (["--rho", "1"], "--rho"),
        (["--rho", "-0.2"], "--rho"),
        (["--rho", "nan"], "--rho"),
        (["--rho", "abc"], "invalid float"),
        (["--target-speedup", "0.5"], "--target-speedup"),
        (["--target-speedup", "inf"], "--target-speedup"),
        (["--rho", "0.5", "--target-speedup", "2"], "not allowed with"),
        (["--device", "tpu"], "invalid choice"),
    ],
)
def test_bad_options_exit_2(clip_30, args: list[str], message: str, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = _analyze(capsys, str(clip_30), *args)
    assert code == 2 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_bad_inputs_exit_2_before_loading_a_model(bad_inputs: dict[str, Path], tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    missing_model = tmp_path / "no-such-model.safetensors"
    for name, path in bad_inputs.items():
        code, out, err = _analyze(capsys, str(path), "--model", str(missing_model))
        assert code == 2, name
        assert "Traceback" not in err and "model" not in err.lower(), (name, err)
        assert len(err.strip().splitlines()) == 1, (name, err)


def test_bad_model_and_output_exit_2(clip_30, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = _analyze(capsys, str(clip_30), "--model", str(tmp_path / "none.safetensors"))
    assert code == 2 and "Traceback" not in err
    bad_ckpt = tmp_path / "bad.safetensors"
    bad_ckpt.write_bytes(b"\x00" * 100)
    assert _analyze(capsys, str(clip_30), "--model", str(bad_ckpt))[0] == 2
    code, _, err = _analyze(capsys, str(clip_30), "--json", str(tmp_path / "missing-dir" / "x.json"))
    assert code == 2 and "does not exist" in err
    code, _, err = _analyze(capsys, str(clip_30), "--json", str(clip_30))
    assert code == 2 and "input" in err
    assert Path(clip_30).stat().st_size > 1000  # untouched


def test_json_null_for_speeds_that_cannot_be_judged(make_clip, tiny_checkpoint: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    clip = make_clip(duration=2.0, fps=25)  # shorter than one 9.31x window of the tiny model
    out = tmp_path / "short.json"
    assert _analyze(capsys, str(clip), "--model", str(tiny_checkpoint), "--json", str(out))[0] == 0
    text = out.read_text()
    assert "NaN" not in text
    data = json.loads(text)
    assert all(x is None for x in data["p_natural"][-1])
    assert all(x is not None and math.isfinite(x) for x in data["p_natural"][0])


@pytest.mark.parametrize(
    "params",
    [dict(fps=30, vfr=True), dict(fps=30, rotation=90), dict(fps=60, duration=1.0), dict(fps=25, duration=0.04)],
    ids=["vfr", "rotated", "60fps", "one-frame"],
)
def test_odd_but_valid_videos(make_clip, tiny_checkpoint: Path, tmp_path: Path, params: dict, capsys) -> None:  # type: ignore[no-untyped-def]
    clip = make_clip(**params)
    out = tmp_path / "odd.json"
    code, stdout, err = _analyze(capsys, str(clip), "--model", str(tiny_checkpoint), "--json", str(out))
    assert code == 0, err
    data = json.loads(out.read_text())
    assert len(data["times"]) == len(data["v"]) >= 1
    assert data["output_duration_s"] <= data["input_duration_s"] + 1e-9
