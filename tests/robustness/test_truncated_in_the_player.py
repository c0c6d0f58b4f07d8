"""The player on a video cut short after its index: the session's timeline is what decodes.

What the GUI needs for its notice comes with the ``opened`` event: ``MediaInfo`` with
``is_truncated`` and ``claimed_duration_s`` (the header's length) next to ``duration_s``
(where the video stops). The scored track covers only what exists, so "Scored" is true when
every frame that exists is scored.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bad_media import truncated

from player.core.media_info import MediaInfo
from player.session.events import SessionEvents
from player.session.playback_session import PlaybackSession

NO_DEVICE = "speednet-test-no-such-device"


@pytest.fixture(scope="module")
def cut_short(make_clip, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    clip = make_clip(duration=12.0, fps=30, size=(320, 240), faststart=True, preset="ultrafast")
    return truncated(Path(clip), tmp_path_factory.mktemp("cut") / "cut_short.mp4", 1 / 3)


def test_the_session_plays_and_plans_only_what_exists(cut_short: Path) -> None:
    opened: list[MediaInfo] = []
    session = PlaybackSession(SessionEvents(on_opened=opened.append), scoring=False, audio_device=NO_DEVICE)
    try:
        info = session.open(cut_short)
        assert opened == [info]
        assert info.is_truncated and info.claimed_duration_s == pytest.approx(12.0, abs=0.05)
        assert 1.0 < info.duration_s < 8.0
        assert session.status().duration == info.duration_s
        assert session.plan.input_duration == pytest.approx(info.duration_s)
        # the last second that exists really plays
        session.seek(info.duration_s - 1.0)
        deadline = time.monotonic() + 30
        frame = None
        while frame is None and time.monotonic() < deadline:
            frame = session.frame_due()
            time.sleep(0.01)
        assert frame is not None and frame.src_t == pytest.approx(info.duration_s - 1.0, abs=0.1)
    finally:
        session.close()
