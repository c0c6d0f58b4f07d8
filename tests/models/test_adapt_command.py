"""``speednet-player adapt``: bad input is one line and exit 2, the default output goes to the
model library with the video assigned to it, and Ctrl-C on a real process exits 130 leaving
the best model so far or nothing, never a partial file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from models.checkpoint import load_checkpoint, save_checkpoint
from models.config import tiny
from models.network import build_model

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "resources" / "demo_baseball.mp4"
sys.path.insert(0, str(REPO / "tests" / "robustness"))
from cli_runs import judge, run_in_process  # noqa: E402


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.manual_seed(5)
    path = tmp_path_factory.mktemp("base") / "tiny.safetensors"
    save_checkpoint(path, build_model(tiny()).state_dict(), tiny(), {"variant": "tiny"})
    return path


@pytest.mark.parametrize("name", ["missing", "empty", "random_bytes", "truncated", "text", "zero_duration", "audio_only"])
def test_bad_input_is_one_error_line(name: str, bad_inputs, tiny_base: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPEEDNET_DATA_DIR", str(tmp_path / "data"))
    run = run_in_process(["adapt", bad_inputs[name], "--model", tiny_base, "--minutes", "0.1", "--no-progress"])
    assert run.rc == 2, (run.rc, run.err)
    assert judge(run) == [], run.err
    assert not (tmp_path / "data").exists()  # refused before anything was made


def _warnings_then_one_error(run) -> bool:  # type: ignore[no-untyped-def]
    """Exit 2: ``warning:`` lines for the files of a folder it skipped, then one error line."""
    lines = run.err_lines
    return (
        run.rc == 2 and "Traceback" not in run.err and lines[-1].startswith("speednet-player: error: ")
        and all(line.startswith("warning: ") for line in lines[:-1])
    )


def test_a_folder_skips_its_bad_files_and_bad_flags_are_refused(bad_inputs, make_clip, tiny_base: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPEEDNET_DATA_DIR", str(tmp_path / "data"))
    folder = tmp_path / "only-bad"
    folder.mkdir()
    (folder / "a.mp4").write_bytes(bad_inputs["text"].read_bytes())
    run = run_in_process(["adapt", folder, "--model", tiny_base, "--no-progress"])
    assert _warnings_then_one_error(run), run.err
    assert "warning: skipping a.mp4" in run.err and "none of the files is a video" in run.err
    # A folder's videos that are too short are skipped; none left is one error line.
    import shutil

    short = tmp_path / "short"
    short.mkdir()
    shutil.copy(make_clip(duration=1.0, fps=30), short / "one.mp4")
    shutil.copy(make_clip(duration=2.0, fps=24), short / "two.mp4")
    shutil.copy(bad_inputs["random_bytes"], short / "three.mp4")
    run = run_in_process(["adapt", short, "--model", tiny_base, "--no-progress"])
    assert _warnings_then_one_error(run), run.err
    assert run.err_lines[-1] == "speednet-player: error: none of the videos is long enough to adapt on", run.err
    assert "warning: skipping three.mp4" in run.err
    for flags in (["--minutes", "0"], ["--minutes", "nan"], ["--out", str(tmp_path / "m.pt")]):
        run = run_in_process(["adapt", DEMO, "--model", tiny_base, *flags])
        assert run.rc == 2 and judge(run) == [], (flags, run.err)


def test_adapts_into_the_library_and_assigns_the_video(tiny_base: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    monkeypatch.setenv("SPEEDNET_DATA_DIR", str(data))
    run = run_in_process(["adapt", DEMO, "--model", tiny_base, "--minutes", "0.2", "--device", "cpu", "--no-progress"], timeout=120)
    assert run.rc == 0, run.err
    labels = [line.split()[0] for line in run.out.splitlines()]
    assert labels[:3] == ["videos", "accuracy", "training"]
    models = sorted((data / "models").glob("*.safetensors"))
    if "model       not written" in run.out:
        assert models == []
        return
    (model,) = models
    assert model.name.startswith("demo_baseball-")
    assert f"model       {model}" in run.out and "player      uses it for demo_baseball.mp4" in run.out
    assignments = json.loads((data / "models" / "assignments.json").read_text())
    assert assignments == {str(DEMO.resolve()): model.name}
    info = load_checkpoint(model).info["adapted"]
    assert info["accuracy_after"] >= info["accuracy_before"]


def test_ctrl_c_exits_130_with_the_best_model_so_far_or_nothing(tiny_base: Path, tmp_path: Path) -> None:
    """A real process: SIGINT after the first held-back measurement while training."""
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "m.safetensors"
    env = dict(os.environ, PYTHONPATH=str(REPO), SPEEDNET_DATA_DIR=str(tmp_path / "data"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "player", "adapt", str(DEMO), "--model", str(tiny_base), "--minutes", "1",
         "--out", str(out), "--no-progress", "--device", "cpu"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    err_lines = []
    deadline = time.monotonic() + 90
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        err_lines.append(line)
        if "held-back accuracy" in line:  # a measured state exists now
            break
    assert any("held-back accuracy" in line for line in err_lines), "".join(err_lines)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    stdout, rest = proc.communicate(timeout=60)
    err = "".join(err_lines) + rest
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == "speednet-player: interrupted"
    files = [p.name for p in out_dir.iterdir()]
    if "model       not written" in stdout:
        assert files == []
    else:
        assert files == ["m.safetensors"], files
        info = load_checkpoint(out).info["adapted"]
        assert info["accuracy_after"] >= info["accuracy_before"]
        assert "(stopped)" in stdout
