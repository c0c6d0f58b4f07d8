"""Warnings the commands print: one line on stderr each, starting with ``warning:``.

A warning means the command did its job but the result is not what the user may expect
(the video stops early, damaged packets were skipped); errors are the CLI's (exit 2).
"""

from __future__ import annotations

import sys

from player.core.media_info import MediaInfo
from player.core.status_text import format_clock


def warn(message: str) -> None:
    print(f"warning: {' '.join(message.split())}", file=sys.stderr)


def warn_if_truncated(info: MediaInfo, done: str) -> None:
    """Say once that the video stops before its claimed length, and where.

    ``done`` says what happens to the part that exists: "analyzed", "exported".
    """
    if info.claimed_duration_s is None:
        return
    warn(
        f"'{info.path.name}' is incomplete: the video stops at {format_clock(info.duration_s)} of the "
        f"{format_clock(info.claimed_duration_s)} its header claims; only the first "
        f"{info.duration_s:.2f} s are {done}"
    )
