"""Everything the session holds for one open file: its queues, workers, scores and planner.

A fresh ``OpenFile`` is made by every ``open``; callbacks from its workers compare their
``OpenFile`` with the session's current one and fall silent once it has been replaced, so
a late event from the previous file never reaches the new one.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from player.core.frame_queue import FrameQueue
from player.core.frame_schedule import FrameSchedule
from player.core.frames import AudioChunk, EndOfStream, VideoFrame
from player.core.media_info import MediaInfo
from player.core.scores import ScoreTrack

if TYPE_CHECKING:
    from player.analysis.score_worker import ScoreWorker
    from player.core.speedup import SpeedPlanner
    from player.media.decode_worker import DecodeWorker
    from player.session.audio_feed_worker import AudioFeedWorker
    from player.session.plan_worker import PlanWorker
    from player.session.scoring_setup_worker import ScoringSetupWorker


class Worker(Protocol):
    def request_stop(self) -> None: ...

    def join(self, timeout: float | None = None) -> bool: ...


@dataclass(eq=False)
class OpenFile:
    """Mutable state of one open file. ``lock`` guards starting/stopping its score worker."""

    path: Path
    info: MediaInfo
    video_queue: FrameQueue[VideoFrame | EndOfStream]
    audio_queue: FrameQueue[AudioChunk | EndOfStream] | None
    track: ScoreTrack
    schedule: FrameSchedule = field(default_factory=FrameSchedule)
    planner: "SpeedPlanner | None" = None
    planner_version: int = -1  # track version the planner was built from
    decoder: "DecodeWorker | None" = None
    audio_feeder: "AudioFeedWorker | None" = None
    plan_worker: "PlanWorker | None" = None
    setup_worker: "ScoringSetupWorker | None" = None
    score_worker: "ScoreWorker | None" = None
    external_scores: bool = False  # scores given by use_scores(): no cache, no model run
    video_eos: bool = False  # EndOfStream of the current generation was taken
    ended: bool = False  # playback reached the end and paused there
    start_deadline: float | None = None  # play asked, clock waits for the sound until then
    position_floor: float | None = None  # status shows at least this while the clock pre-rolls
    snap_clock_to_frame: bool = False  # frame step back: put the clock on the shown frame
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: bool = False

    def workers(self) -> list[Worker]:
        with self.lock:
            found = [
                self.setup_worker,
                self.score_worker,
                self.plan_worker,
                self.audio_feeder,
                self.decoder,
            ]
        return [w for w in found if w is not None]

    def request_stop(self) -> list[Worker]:
        """Flag every worker to stop (nothing is started after this); returns them."""
        with self.lock:
            self.stopping = True
        workers = self.workers()
        for w in workers:
            w.request_stop()
        return workers

    @staticmethod
    def join_all(workers: list[Worker], deadline: float) -> list[Worker]:
        """Join each worker until ``deadline`` (monotonic); returns those still running."""
        late = []
        for w in workers:
            if not w.join(max(0.0, deadline - time.monotonic())):
                late.append(w)
        return late
