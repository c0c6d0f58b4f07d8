"""Bad paths and bad plan files: symbolic link loops, dangling links, FIFOs, an unreadable
model, a full disk, and hand-made plans that are too deep, too slow or too long.

Each must end with exit 2 and exactly one line that says what is wrong (or, for the score
cache, be ignored), never a traceback or a hang, and never write where it was refused.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli_runs import Run, judge, run_in_process

from player.core.speed_plan import SpeedPlan


def refused(run: Run, *phrases: str) -> str:
    """The one error line of a refused run (asserting the contract), lower case."""
    assert run.rc == 2 and not judge(run), (run.rc, run.err)
    line = run.err_lines[0].lower()
    for phrase in phrases:
        assert phrase in line, line
    assert "errno" not in line and "traceback" not in line
    return line


@pytest.fixture
def plan_file(clip_30, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(SpeedPlan.uniform(clip_30.duration, 2.0).to_dict()))
    return path


@pytest.fixture
def loop(tmp_path: Path) -> Path:
    """A symbolic link that points at itself."""
    path = tmp_path / "loop.mp4"
    os.symlink(path.name, path)
    return path


# -- symbolic links ----------------------------------------------------------------------------
def test_a_symlink_loop_anywhere_is_one_line(clip_30, plan_file: Path, loop: Path, tmp_path: Path, tiny_checkpoint) -> None:  # type: ignore[no-untyped-def]
    json_loop, plan_loop = tmp_path / "loop.json", tmp_path / "loop_plan.json"
    os.symlink(json_loop.name, json_loop)
    os.symlink(plan_loop.name, plan_loop)
    out = tmp_path / "cut.mp4"
    cases = [
        ["analyze", loop],
        ["export", loop, out, "--load-plan", plan_file],
        ["export", clip_30, loop, "--load-plan", plan_file],
        ["analyze", clip_30, "--model", tiny_checkpoint, "--json", json_loop],
        ["export", clip_30, "--plan", json_loop, "--load-plan", plan_file],
        ["export", clip_30, out, "--load-plan", plan_loop],
        ["export", clip_30, out, "--model", loop],
        ["analyze", clip_30, "--model", loop],
    ]
    for argv in cases:
        refused(run_in_process(argv), "loop")
    assert not out.exists() and all(p.is_symlink() for p in (loop, json_loop, plan_loop))


def test_export_to_a_dangling_symlink_needs_overwrite(clip_30, plan_file: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "elsewhere" / "gone.mp4"
    link = tmp_path / "cut.mp4"
    os.symlink(target, link)
    refused(run_in_process(["export", clip_30, link, "--load-plan", plan_file]), "symbolic link", "--overwrite")
    assert link.is_symlink() and os.readlink(link) == str(target)
    run = run_in_process(["export", clip_30, link, "--load-plan", plan_file, "--overwrite"])
    assert run.rc == 0, run.err
    assert not link.is_symlink() and link.stat().st_size > 0 and not target.exists()


# -- FIFOs: every one of them used to block the first read for ever ----------------------------------
def test_a_fifo_where_the_score_cache_file_should_be_is_ignored(clip_30, tiny_checkpoint, private_cache: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from models.inference import SpeedScorer
    from player.analysis.score_cache import ScoreCache

    entry = ScoreCache(clip_30, SpeedScorer.load(tiny_checkpoint, device="cpu").model_hash).path
    entry.parent.mkdir(parents=True)
    os.mkfifo(entry)
    run = run_in_process(["analyze", clip_30, "--model", tiny_checkpoint], timeout=120)
    if run.hung:  # unblock the stuck reader, so the thread can end after the test
        fd = os.open(entry, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
    assert run.rc == 0 and not judge(run), run.err
    assert entry.is_file(), "the next save replaces the FIFO with a real cache file"


def test_a_fifo_as_plan_model_or_input_is_one_line(clip_30, plan_file: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    out = tmp_path / "cut.mp4"
    refused(run_in_process(["export", clip_30, out, "--load-plan", fifo]), "not a regular file")
    refused(run_in_process(["export", clip_30, out, "--model", fifo]), "not a regular file")
    refused(run_in_process(["analyze", fifo]), "not a regular file")
    assert not out.exists()


# -- the model file ------------------------------------------------------------------------------
def _without_root_powers() -> list[str]:
    """A command prefix under which a mode-000 file cannot be read: nothing for a normal user;
    for root, setpriv dropping the capabilities that override file permissions."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: root reads any file")
    caps = "-dac_override,-dac_read_search"
    return [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}"]


def test_an_unreadable_model_file_names_the_file_and_why(clip_30, tiny_checkpoint, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    locked = tmp_path / "locked.safetensors"
    locked.write_bytes(Path(tiny_checkpoint).read_bytes())
    locked.chmod(0)
    prefix = _without_root_powers()
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    proc = subprocess.run(
        [*prefix, sys.executable, "-m", "player", "analyze", str(clip_30), "--model", str(locked)],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    run = Run([], proc.returncode, proc.stdout, proc.stderr)
    line = refused(run, "permission denied")
    assert str(locked).lower() in line, line


# -- a full disk -----------------------------------------------------------------------------------
def test_a_full_disk_is_one_line_and_leaves_nothing(clip_30, plan_file: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """ENOSPC on a 64 KiB tmpfs, mounted in a private mount namespace (root or user
    namespaces needed; skipped where the platform allows neither)."""
    unshare = shutil.which("unshare")
    if unshare is None or sys.platform != "linux":
        pytest.skip("needs util-linux unshare on Linux")
    small = tmp_path / "small"
    small.mkdir()
    flags = ["-m"] if os.geteuid() == 0 else ["-r", "-m"]
    script = (
        f'mount -t tmpfs -o size=64k tmpfs "{small}" || exit 77\n'
        f'"{sys.executable}" -m player export "{clip_30}" "{small}/cut.mp4" --load-plan "{plan_file}" --crf 0\n'
        'rc=$?\nls -A "$1" >&2\nexit $rc\n'
    )
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    proc = subprocess.run(
        [unshare, *flags, "sh", "-c", script, "sh", str(small)], capture_output=True, text=True, timeout=180, env=env
    )
    if proc.returncode == 77 or "unshare failed" in proc.stderr or "Operation not permitted" in proc.stderr:
        pytest.skip(f"cannot mount a small tmpfs here: {proc.stderr.strip()[:200]}")
    run = Run([], proc.returncode, proc.stdout, proc.stderr)
    line = refused(run, "no space left")  # and `ls -A` printed nothing: no partial file
    assert "cut.mp4" in line


# -- plans made by hand --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("[" * 200_000 + "]" * 200_000, "nested too deeply"),
        ('{"segments": [' + "{" * 100_000, "not a speed plan"),
        ('{"segments": [{"start": 0, "end": 2, "speed": 1e-9}]}', "speed"),
        ('{"segments": [{"start": 0, "end": 2, "speed": 1e9}]}', "speed"),
        ('{"segments": [{"start": 0, "end": 2, "speed": 0.5}]}', "speed"),
        ('{"segments": [{"start": 0, "end": 2, "speed": "2"}]}', "number"),
        ('{"segments": [{"start": 0, "end": 1e308, "speed": 1}]}', "another file"),
        ('{"segments": [{"start": 0, "end": 2, "speed": NaN}]}', "speed"),
    ],
    ids=["deep-list", "deep-object", "speed-1e-9", "speed-1e9", "speed-below-1", "string", "huge-end", "nan"],
)
def test_a_bad_plan_file_is_one_line(clip_30, tmp_path: Path, text: str, phrase: str) -> None:  # type: ignore[no-untyped-def]
    plan = tmp_path / "hand_made.json"
    plan.write_text(text)
    refused(run_in_process(["export", clip_30, tmp_path / "cut.mp4", "--load-plan", plan]), phrase)
    assert list(tmp_path.iterdir()) == [plan]


def test_plan_segment_count_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import player.core.speed_plan as speed_plan

    monkeypatch.setattr(speed_plan, "MAX_FILE_SEGMENTS", 10)
    segments = [{"start": float(i), "end": float(i + 1), "speed": 1.0 + (i % 2)} for i in range(11)]
    with pytest.raises(ValueError, match="segments"):
        SpeedPlan.from_dict({"segments": segments})
    assert len(SpeedPlan.from_dict({"segments": segments[:10]})) == 10


def test_an_oversized_plan_file_is_refused_unread(clip_30, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import player.commands.export as export

    monkeypatch.setattr(export, "MAX_PLAN_BYTES", 1000)
    plan = tmp_path / "big.json"
    plan.write_text(json.dumps(SpeedPlan.uniform(clip_30.duration, 2.0).to_dict()) + " " * 2000)
    refused(run_in_process(["export", clip_30, tmp_path / "cut.mp4", "--load-plan", plan]), "bytes")
