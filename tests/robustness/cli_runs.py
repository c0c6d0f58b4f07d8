"""Running the command line on bad input and judging what it did.

``run_in_process`` calls ``player.cli.main`` on a thread with stdout/stderr captured, so a
hang is a finding (reported, the thread left behind) instead of a frozen test run.
``run_subprocess`` runs ``python -m player`` for what only a real process shows (signals,
exit codes of the process itself). ``judge`` states the contract every run must keep.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

REPO_ROOT = Path(__file__).resolve().parents[2]
PROG = "speednet-player"
#: Seconds a run of a tiny clip may take before it counts as a hang. Generous: the test
#: machine may be busy; a real hang never ends.
HANG_S = 90.0


@dataclass
class Run:
    argv: list[str]
    rc: int | None  # None: it hung
    out: str
    err: str

    @property
    def hung(self) -> bool:
        return self.rc is None

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


def run_in_process(argv: Sequence[object], timeout: float = HANG_S) -> Run:
    from player.cli import main

    args = [str(a) for a in argv]
    result: list[int] = []
    out, err = io.StringIO(), io.StringIO()

    def target() -> None:
        try:
            result.append(main(args))
        except SystemExit as exc:  # not expected from main(argv), but judged, not raised
            result.append(exc.code if isinstance(exc.code, int) else 1)
        except BaseException:  # noqa: BLE001 - an escaped exception is a traceback
            import traceback

            traceback.print_exc(file=err)
            result.append(1)

    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        thread = threading.Thread(target=target, name="cli-under-test", daemon=True)
        thread.start()
        thread.join(timeout)
    finally:
        sys.stdout, sys.stderr = saved
    return Run(args, result[0] if result else None, out.getvalue(), err.getvalue())


def cli_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO_ROOT), **extra)
    return env


def _as_from_a_terminal() -> None:
    """In the child: the stop signals at their defaults, as a command started from a
    terminal has them. A test runner started under nohup passes SIGHUP on ignored, and the
    player rightly keeps an ignored signal ignored."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


def start_subprocess(argv: Sequence[object], **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "player", *map(str, argv)],
        preexec_fn=_as_from_a_terminal,
        cwd=REPO_ROOT,
        env=cli_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_subprocess(argv: Sequence[object], timeout: float = HANG_S, **env: str) -> Run:
    proc = start_subprocess(argv, **env)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return Run([str(a) for a in argv], None, out, err)
    return Run([str(a) for a in argv], proc.returncode, out, err)


def judge(run: Run) -> list[str]:
    """What is wrong with a run on bad input, [] when nothing: it ends, exits 0 or 2, never
    shows a traceback; exit 2 says exactly one line ``speednet-player: error: ...``; exit 0
    adds only ``warning: ...`` lines to stderr."""
    problems = []
    if run.hung:
        return ["hang"]
    if "Traceback" in run.err:
        problems.append("traceback")
    if run.rc == 2:
        lines = run.err_lines
        if len(lines) != 1 or not lines[0].startswith(f"{PROG}: error: "):
            problems.append(f"not one error line: {lines!r}")
    elif run.rc == 0:
        bad = [line for line in run.err_lines if not line.startswith("warning: ")]
        if bad:
            problems.append(f"stderr besides warnings: {bad!r}")
    else:
        problems.append(f"exit {run.rc}")
    return problems
