"""A corpus of broken files (bad_media.py) through ``analyze`` and ``export``.

Every run must end (no hang), exit 0 or 2, never print a traceback, say exactly one line
when it refuses (exit 2), add nothing but ``warning:`` lines when it goes through (exit 0),
leave no file behind but the outputs asked for, and never change its input. The summary
(cases, tracebacks, hangs, leftovers) is printed for the issue's closing note (``-s``).
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from cli_runs import judge, run_in_process

pytestmark = pytest.mark.slow  # about 20 s: 96 runs of the command line
#: At least this many broken files (issue 14).
MIN_CASES = 40


def _digest(path: Path) -> str | None:
    """sha256 of a regular file's bytes; None for anything else (links, FIFOs, folders)."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
    except OSError:
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _leftovers(folder: Path, expected: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in expected) if folder.exists() else []


def test_every_broken_file_gets_one_line_or_a_warned_result(corpus, tiny_checkpoint, private_cache, tmp_path) -> None:
    assert len(corpus) >= MIN_CASES
    before = {name: _digest(path) for name, path in corpus.items()}
    counts = {"runs": 0, "tracebacks": 0, "hangs": 0, "leftovers": 0, "other": 0, "refused": 0, "warned": 0}
    findings: list[str] = []
    table: list[str] = []
    for name, path in sorted(corpus.items()):
        out = tmp_path / "out" / name
        out.mkdir(parents=True)
        expected_so_far: set[str] = set()
        for argv, outputs in (
            (["analyze", path, "--model", tiny_checkpoint, "--json", out / "a.json"], {"a.json"}),
            (["export", path, out / "cut.mp4", "--model", tiny_checkpoint, "--plan", out / "plan.json"],
             {"cut.mp4", "plan.json"}),
        ):  # fmt: skip
            run = run_in_process(argv)
            counts["runs"] += 1
            problems = judge(run)
            counts["tracebacks"] += "traceback" in problems
            counts["hangs"] += "hang" in problems
            counts["other"] += bool([p for p in problems if p not in ("traceback", "hang")])
            counts["refused"] += run.rc == 2
            counts["warned"] += run.rc == 0 and bool(run.err_lines)
            if run.rc == 0:
                expected_so_far |= outputs
            left = _leftovers(out, expected_so_far)
            if left:
                counts["leftovers"] += 1
                problems.append(f"left {left}")
            table.append(f"  {name:24} {argv[0]:8} exit {run.rc}  {(run.err_lines or [''])[0][:110]}")
            if problems:
                findings.append(f"{name} {run.argv[0]} (exit {run.rc}): {'; '.join(problems)}")
                findings.extend("    " + line for line in run.err.splitlines()[-3:])
    changed = [name for name, path in corpus.items() if before[name] != _digest(path)]
    cache_left = sorted(p.name for p in private_cache.glob("*") if not p.name.endswith(".npz"))
    print(
        f"\ncorpus: {len(corpus)} broken files, {counts['runs']} runs; refused (exit 2) {counts['refused']}, "
        f"went through with a warning {counts['warned']}; tracebacks {counts['tracebacks']}, "
        f"hangs {counts['hangs']}, leftovers {counts['leftovers']}, other problems {counts['other']}, "
        f"inputs changed {len(changed)}, cache leftovers {len(cache_left)}"
    )
    for line in table + findings:
        print(line)
    assert not findings, "\n".join(findings)
    assert not changed, f"inputs changed: {changed}"
    assert not cache_left, f"temporary files in the score cache: {cache_left}"
