"""Real signals sent to a running ``speednet-player`` process.

- Ctrl-C (SIGINT) while the model scores, in analyze and export: exit 130, one line, no
  traceback, every time (it used to end in SIGABRT, "terminate called without an active
  exception", 3 runs in 10).
- SIGHUP, SIGTERM and SIGINT while the cut is encoded: exit 128 + N, one line, nothing left
  next to OUT.
- kill -9 while the cut is encoded: the temporary file stays (nothing can run), named so a
  user can tell what it is, and the next export to the same OUT removes it.

Linux only where the test has to see what the process is doing (/proc).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli_runs import PROG, Run, judge, start_subprocess

from player.core.speed_plan import SpeedPlan

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform != "linux", reason="watches the process through /proc"),
]

#: Seconds to wait for a process to reach the phase a test interrupts (a busy machine is slow).
REACH_S = 120.0
#: Seconds a signalled process may take to end.
END_S = 60.0


def _wait_for(predicate, timeout: float = REACH_S, what: str = "") -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def _finish(proc: subprocess.Popen[str]) -> Run:
    try:
        out, err = proc.communicate(timeout=END_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return Run(list(map(str, proc.args)), None, out, err)  # type: ignore[arg-type]
    return Run(list(map(str, proc.args)), proc.returncode, out, err)  # type: ignore[arg-type]


def _scoring(pid: int, video: Path) -> bool:
    """torch is loaded and the video is open again after probing: the model is scoring."""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
        fds = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
    except OSError:
        return False
    return "libtorch" in maps and any(Path(fd).name == video.name for fd in fds)


def _partials(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if ".partial-" in p.name)


def _encoding(folder: Path) -> list[Path]:
    """The export's temporary output, once it exists. Not the folder-writability probe
    (``.NAME.partial-XXXX.probe``), which lives for microseconds before it: a signal that
    lands then would test the probe, not the encode."""
    return [p for p in _partials(folder) if ".partial-speednet-" in p.name]


@pytest.fixture(scope="module")
def long_clip(make_clip):  # type: ignore[no-untyped-def]
    """60 s at 160x120: the bundled model takes seconds to score it, even on a fast machine."""
    return make_clip(duration=60.0, size=(160, 120), preset="ultrafast")


@pytest.fixture(scope="module")
def heavy_clip(make_clip):  # type: ignore[no-untyped-def]
    """20 s at 640x360: encoding it with --preset veryslow takes seconds."""
    return make_clip(duration=20.0, size=(640, 360), preset="ultrafast")


@pytest.fixture
def heavy_plan(heavy_clip, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(SpeedPlan.uniform(heavy_clip.duration, 1.0).to_dict()))
    return path


def _start_export(clip, plan: Path, out: Path, cache: Path) -> subprocess.Popen[str]:  # type: ignore[no-untyped-def]
    return start_subprocess(
        ["export", clip, out, "--load-plan", plan, "--preset", "veryslow", "--crf", "10"],
        SPEEDNET_CACHE_DIR=str(cache),
    )


@pytest.mark.parametrize("trial", range(2))
@pytest.mark.parametrize("command", ["analyze", "export"])
def test_ctrl_c_while_scoring_exits_130_without_a_traceback(long_clip, tmp_path: Path, command: str, trial: int) -> None:  # type: ignore[no-untyped-def]
    argv = ["analyze", long_clip] if command == "analyze" else ["export", long_clip, tmp_path / "cut.mp4"]
    proc = start_subprocess(argv, SPEEDNET_CACHE_DIR=str(tmp_path / "cache"))
    try:
        _wait_for(lambda: _scoring(proc.pid, long_clip.path) or proc.poll() is not None, what="scoring")
        assert proc.poll() is None, "finished before it could be interrupted"
        time.sleep(0.3 * trial)  # a little further into scoring each trial
        proc.send_signal(signal.SIGINT)
    finally:
        run = _finish(proc)
    assert run.rc == 130, run.err
    assert "Traceback" not in run.err and "terminate called" not in run.err
    assert run.err_lines == [f"{PROG}: interrupted"]
    assert not _partials(tmp_path) and not (tmp_path / "cut.mp4").exists()


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM, signal.SIGINT], ids=["SIGHUP", "SIGTERM", "SIGINT"])
def test_hangup_or_terminate_while_encoding_leaves_nothing(heavy_clip, heavy_plan, tmp_path: Path, sig) -> None:  # type: ignore[no-untyped-def]
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    proc = _start_export(heavy_clip, heavy_plan, out_dir / "cut.mp4", tmp_path / "cache")
    try:
        _wait_for(lambda: _encoding(out_dir) or proc.poll() is not None, what="the temporary file")
        assert proc.poll() is None, "finished before it could be signalled"
        time.sleep(0.5)
        proc.send_signal(sig)
    finally:
        run = _finish(proc)
    assert run.rc == 128 + sig, run.err
    assert "Traceback" not in run.err
    said = "interrupted" if sig == signal.SIGINT else f"stopped by {sig.name}"
    assert run.err_lines == [f"{PROG}: {said}"]
    assert list(out_dir.iterdir()) == []


def test_kill_9_leftover_is_named_and_removed_by_the_next_export(heavy_clip, heavy_plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "cut.mp4"
    proc = _start_export(heavy_clip, heavy_plan, out, tmp_path / "cache")
    try:
        _wait_for(lambda: _encoding(out_dir) or proc.poll() is not None, what="the temporary file")
        assert proc.poll() is None, "finished before it could be killed"
        proc.kill()
    finally:
        _finish(proc)
    left = _partials(out_dir)
    assert len(left) == 1 and not out.exists()
    # what a user sees: which file it was going to be, that it is partial, and who wrote it
    assert left[0].name.startswith(".cut.mp4.partial-speednet-") and left[0].suffix == ".mp4"

    short = tmp_path / "short.json"
    short.write_text(json.dumps(SpeedPlan.uniform(heavy_clip.duration, 8.0).to_dict()))
    again = _finish(start_subprocess(["export", heavy_clip, out, "--load-plan", short, "--preset", "ultrafast"]))
    assert again.rc == 0 and not judge(again), again.err
    assert [p.name for p in out_dir.iterdir()] == ["cut.mp4"]
