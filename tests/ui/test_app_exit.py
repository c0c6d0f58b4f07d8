"""The player's last step before the process ends: waiting for background threads."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import threading, time
    from player.app import _exit_when_threads_done
    threading.Thread(target=time.sleep, args=({sleep},), daemon=True).start()
    t0 = time.monotonic()
    _exit_when_threads_done(1.0)
    print("returned after %.1f s" % (time.monotonic() - t0), flush=True)
    """
)


def _run(sleep: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT.format(sleep=sleep)], capture_output=True, text=True, timeout=60,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )


def test_a_thread_that_finishes_is_waited_for() -> None:
    done = _run(0.3)
    assert done.returncode == 0, done.stderr
    assert "returned after 0.3 s" in done.stdout


def test_a_stuck_thread_ends_the_process_cleanly_instead_of_hanging_or_aborting() -> None:
    done = _run(3600)
    assert done.returncode == 0, done.stderr
    assert "returned" not in done.stdout
    assert "threads still running" in done.stderr and "Thread-1" in done.stderr
