"""PlaybackSession: the playback engine under the window, for one open file at a time.

A thin facade. It opens and closes files (building each ``OpenFile``: its decoder, audio
path, plan worker and scoring setup) and wires four parts that each do one job:

- ``Transport`` (player.session.transport): the clock, play/pause/seek/step, the render
  tick's frame (``frame_due``), starting with the sound, catch-up, the end;
- ``Planning`` (player.session.planning): the plan settings (smart, rho, target, manual
  rate) as one immutable value, and the plan derived from them and the scores;
- ``ScoringService`` (player.session.scoring_service): the scorer, the score cache and the
  score workers;
- ``SessionSound`` (player.session.sound): the sink, volume and mute, each file's audio path.

It imports no Qt: the window calls its methods on the GUI thread and receives its events
(``SessionEvents``) from any thread through ``player/ui/bridge.py``. The threads, who owns
time and the data flow: docs/architecture.md, "Threads", "Time", "Playback data flow".
Times are source seconds unless named ``out_``.
"""

from __future__ import annotations

import logging
import math
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from player.core.audio_cut import MUTE_ABOVE
from player.core.clock import PlaybackClock
from player.core.errors import MediaError, UserError
from player.core.frame_queue import FrameQueue
from player.core.frames import VideoFrame
from player.core.media_info import MediaInfo
from player.core.plan_settings import PlanSettings
from player.core.scores import ScoreTrack
from player.core.speed_plan import SpeedPlan
from player.core.speedup import LADDER
from player.session.events import SessionEvents
from player.session.manual_rate import clamp_rate
from player.session.open_file import OpenFile
from player.session.plan_worker import PlanWorker
from player.session.planning import Planning
from player.session.scoring_service import ScoringService, is_scored_at
from player.session.sound import AUDIO_CHANNELS, AUDIO_RATE, SessionSound
from player.session.status import SessionStatus
from player.session.transport import CATCHUP_LAG_S, PlaybackState, Transport

__all__ = ["CATCHUP_LAG_S", "PlaybackSession", "PlaybackState"]  # CATCHUP_LAG_S: see transport

if TYPE_CHECKING:
    from player.audio.sink import AudioSink

log = logging.getLogger(__name__)

#: Decoded RGB frames queued ahead of the render tick, by memory: the deeper the queue, the
#: longer a decoder stall it rides out (another process taking the CPU), which matters at
#: 4x where 120 frames/s must come out. 128 MiB is 21 frames at 1080p (0.7 s at 1x,
#: 175 ms at 4x) and 48 at 720p.
VIDEO_QUEUE_BYTES = 128 * 1024 * 1024
VIDEO_QUEUE_MIN_FRAMES = 8
VIDEO_QUEUE_MAX_FRAMES = 64
#: close() joins every worker within this budget (the promise is 1 s).
CLOSE_BUDGET_S = 0.8
#: Re-plan at most this often while scores stream in.
REPLAN_INTERVAL_S = 0.5
#: The model scores at most this far ahead of the playhead, then idles. Five minutes: short
#: clips are scored whole (the curve and "time saved" complete), while on a long film the
#: decode thread is not starved of CPU for the whole analysis (two cores are the target).
SCORE_AHEAD_S = 300.0


class PlaybackSession:
    """One file's playback: clock, decode/audio/scoring workers and the speed plan.

    ``events``: callbacks (any thread). ``model_path``/``device``: the SpeedNet checkpoint
    (None: the bundled one) and where it runs; loaded lazily once per session, a failure is
    one ``on_error`` and playback goes on at manual rates. ``audio``: False plays muted on the
    system clock. ``cache_dir``: where scores are cached (None: the platform cache).
    ``mute_above``: audio fades out above this effective rate and the system clock drives.

    Additions to the agreed interface (keyword-only, with defaults): ``audio_device`` (a
    sounddevice index or name, None = default), ``scoring`` (False: never run the model;
    smart mode then follows only scores given to ``use_scores``), ``max_video_width``
    (decoder downscale limit, None = full size), ``score_ahead_s`` (the model idles while
    it is this far ahead of the playhead, leaving the cores to playback; None = score the
    whole file as fast as it can).
    """

    def __init__(
        self,
        events: SessionEvents | None = None,
        *,
        model_path: str | os.PathLike[str] | None = None,
        device: str = "auto",
        audio: bool = True,
        cache_dir: str | None = None,
        mute_above: float = MUTE_ABOVE,
        audio_device: int | str | None = None,
        scoring: bool = True,
        max_video_width: int | None = None,
        score_ahead_s: float | None = SCORE_AHEAD_S,
    ) -> None:
        self.events = events if events is not None else SessionEvents()
        self.clock = PlaybackClock()
        self.info: MediaInfo | None = None
        self.path: Path | None = None
        self._sound = SessionSound(
            self.clock, enabled=audio, device=audio_device, mute_above=mute_above,
            on_message=self._emit_message, on_sink=self._sink_opened,
        )
        self._max_video_width = max_video_width
        self._scoring = ScoringService(
            enabled=scoring,
            model_path=model_path,
            device=device,
            cache_dir=cache_dir,
            score_ahead_s=score_ahead_s,
            playhead=self.clock.now,
            on_error=self._emit_error,
            file_error=self._file_error,
            on_scores=self._scores_arrived,
            on_cached=self._cached_scores,
        )
        self._file: OpenFile | None = None
        # The plan settings and the plan; its lock also guards which file is open.
        self._planning = Planning(self.clock, self.events.on_plan_changed)
        self._plan_lock = self._planning.lock
        self._transport = Transport(self.clock, self.events)
        self._transport.on_seek = self._restart_scoring_at

    @property
    def plan(self) -> SpeedPlan:
        """The current speed plan (1x everywhere with no file or no scores yet)."""
        return self._planning.plan

    # == opening and closing ===================================================================
    def open(self, path: str | os.PathLike[str]) -> MediaInfo:
        """Probe ``path`` (MediaError if it cannot be played: the current file plays on),
        then close the current file and start playing this one, paused at 0."""
        from player.media.probe import probe

        info = probe(path)
        if info.duration_s <= 0 or not math.isfinite(info.duration_s):
            raise MediaError(f"'{os.fspath(path)}' has no playable duration.")
        self.close()
        from player.analysis.score_worker import track_for_media
        from player.media.decode_worker import DecodeWorker

        p = Path(path)
        self.clock.pause()
        generation = self.clock.seek(0.0)
        f = OpenFile(
            path=p,
            info=info,
            video_queue=FrameQueue(self._video_queue_frames(info)),
            audio_queue=None,
            track=track_for_media(info),
        )
        f.audio_queue, f.audio_feeder = self._sound.open_path(
            f, self._planning.rate_at, self._planning.boundaries, lambda m: self._file_error(f, m)
        )
        f.decoder = DecodeWorker(
            p,
            info,
            f.video_queue,
            f.audio_queue,
            audio_rate=AUDIO_RATE,
            audio_channels=AUDIO_CHANNELS,
            max_video_width=self._max_video_width,
            on_error=lambda message: self._file_error(f, message),
            start_t=0.0,
            generation=generation,
        )
        f.plan_worker = PlanWorker(lambda: self._planning.replan_from_scores(f), min_interval_s=REPLAN_INTERVAL_S)
        f.setup_worker = self._scoring.setup_worker(f)
        with self._plan_lock:
            self._file = f
            self._transport.file = f
            self._planning.file = f
            self.info = info
            self.path = p
            plan = self._planning.adopt(f)
        for worker in (f.decoder, f.audio_feeder, f.plan_worker, f.setup_worker):
            if worker is not None:
                worker.start()
        self.events.on_opened(info)
        self.events.on_plan_changed(plan)
        return info

    def close(self) -> None:
        """Stop and join every worker of the open file (returns within about 1 s)."""
        deadline = time.monotonic() + CLOSE_BUDGET_S
        with self._plan_lock:
            f, self._file = self._file, None
            self._transport.file = None
            self._planning.clear()
            self.info = None
            self.path = None
        self.clock.pause()
        self.clock.bump_generation()  # anything still in flight is stale now
        workers = f.request_stop() if f is not None else []
        self._sound.stop()
        late = OpenFile.join_all(workers, deadline)
        for w in late:
            log.warning("%s did not stop within %.1f s; left to finish on its own", type(w).__name__, CLOSE_BUDGET_S)

    # == the model (player.session.scoring_service) ================================================
    @property
    def device(self) -> str:
        return self._scoring.device

    @property
    def default_model_path(self) -> Path | None:
        return self._scoring.default_model_path

    @property
    def model_path(self) -> Path | None:
        return self._scoring.model_path

    def preload_model(self) -> None:
        """Start loading the SpeedNet model now, in the background (optional).

        Importing torch holds Python's GIL for a second or so; calling this before the
        window shows keeps that stall out of the first seconds of playback. Errors are
        reported through ``on_error`` as usual.
        """
        self._scoring.preload()

    def shutdown(self) -> None:
        """close(), then wait for a model load still running in the background: the end
        of the session, before the process exits."""
        self.close()
        self._scoring.join_preload()

    def set_model(self, model_path: str | os.PathLike[str] | None) -> None:
        """Score with another checkpoint from now on (None: the session's default model);
        the open file's scores are dropped and it is re-scored (through the score cache,
        which keys on the model hash). Playback goes on; the model loads in the background."""
        if not self._scoring.switch_model(model_path):
            return
        f = self._file
        if f is None or not self._scoring.forget(f):
            return
        from player.analysis.score_worker import track_for_media

        with self._plan_lock:
            f.track = track_for_media(f.info)
            plan = self._planning.adopt(f)
        self._scoring.restart(f)
        self.events.on_scores_updated(0.0, f.info.duration_s)
        self.events.on_plan_changed(plan)

    @property
    def model_hash(self) -> str | None:
        """The hash of the model scoring now (None until it has loaded, or without one)."""
        return self._scoring.model_hash

    @property
    def model_state(self) -> str:
        """The SpeedNet model: "off" (scoring=False), "not loaded", "ready" or "failed"."""
        return self._scoring.model_state

    # == transport (player.session.transport) ======================================================
    @property
    def state(self) -> PlaybackState:
        return self._transport.state

    def play(self) -> None:
        self._transport.play()

    def pause(self) -> None:
        self._transport.pause()

    def toggle_pause(self) -> None:
        self._transport.toggle_pause()

    def seek(self, src_t: float) -> None:
        """Jump to ``src_t`` (clamped to the file) now; a new generation everywhere."""
        self._transport.seek(src_t)

    def request_seek(self, src_t: float) -> None:
        """A user seek (drag, click, arrow keys): coalesced with the rest of its burst."""
        self._transport.request_seek(src_t)

    def seek_target(self) -> float:
        """The pending user seek, else the position: where relative seeks start."""
        return self._transport.seek_target()

    def step_frame(self, direction: int) -> None:
        """Pause, then show the next (+1) or previous (-1) frame."""
        self._transport.step_frame(direction)

    def frame_due(self) -> VideoFrame | None:
        """The frame to show now (the newest whose time has come), None to keep the picture.

        Call it from the render tick (about every 10 ms). Late frames it skips are counted
        in ``status().dropped_frames``. At the end of the file it pauses and emits
        ``on_end_of_stream`` once.
        """
        return self._transport.frame_due()

    def _restart_scoring_at(self, t: float) -> None:
        f = self._file
        if f is not None:
            self._scoring.seek(f, t)

    def set_manual_rate(self, rate: float) -> None:
        """The user's speed factor, 0.25..16 (times the plan's rate in smart mode)."""
        self._planning.set_manual_rate(clamp_rate(rate))

    def set_volume(self, volume: float) -> None:
        self._sound.set_volume(volume)

    def set_muted(self, muted: bool) -> None:
        self._sound.set_muted(muted)

    # == smart fast-forward ========================================================================
    def set_smart(self, on: bool) -> None:
        """Smart fast-forward: the clock (and the audio) follow the speed plan."""
        self._planning.set_smart(on)
        if on and self._scoring.failed and self._file is not None:
            self.events.on_message("Smart fast-forward needs the SpeedNet model; playing at manual speed")

    @property
    def plan_settings(self) -> PlanSettings:
        """Smart mode, rho, target and manual rate: kept from file to file."""
        return self._planning.settings

    def set_rho(self, rho: float) -> None:
        """Threshold mode at ``rho`` (clamped to RHO_MIN..RHO_MAX, player.core.plan_settings):
        re-plan now (no network run), emit the plan."""
        self._planning.set_rho(rho)

    def set_target_speedup(self, r: float | None) -> None:
        """Target mode: the rho that makes the whole video ``r`` times shorter; None = rho mode."""
        self._planning.set_target(r)

    def use_scores(self, track: ScoreTrack) -> None:
        """Adopt ``track`` as this file's scores (e.g. from ``analyze``) and re-plan now.

        Scoring by the model stops for this file; frames ``track`` leaves unscored play at 1x.
        """
        f = self._file
        if f is None:
            raise UserError("Open a video before giving it scores.")
        self._scoring.use_external(f)
        with self._plan_lock:
            f.track = track
            plan = self._planning.adopt(f)
        self.events.on_scores_updated(0.0, track.duration)
        self.events.on_plan_changed(plan)

    def track_snapshot(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(times (N,), p_natural (11, N) NaN = unscored, v (N,)) of the open file."""
        f = self._file
        if f is None:
            return np.empty(0), np.empty((LADDER.size, 0)), np.empty(0)
        snap = f.track.snapshot()
        return snap.times, snap.p_natural, self._planning.v_on(snap.times)

    # == status ================================================================================
    def status(self) -> SessionStatus:
        """A snapshot of the session; reads only (the render tick, ``frame_due``, is what
        moves the transport on)."""
        f = self._file
        plan, result, settings = self._planning.snapshot()
        rho = settings.rho if result is None else result.rho_used
        common = {"manual_rate": settings.manual_rate, "smart": settings.smart, "rho": rho,
                  "target_speedup": settings.target}
        if f is None:
            return SessionStatus(
                position=0.0, duration=0.0, out_position=0.0, out_duration=0.0,
                effective_rate=settings.manual_rate, playing=False, waiting_for_scores=False,
                scored_fraction=0.0, scoring_available=self._scoring.available, time_saved_s=0.0,
                dropped_frames=0, audio=self._sound.state(None, settings.manual_rate), **common,
            )
        pos = self._transport.position()
        if settings.smart:
            out_pos, out_dur = float(plan.src_to_out(pos)), plan.output_duration
        else:
            out_pos, out_dur = pos, f.info.duration_s
        rate = settings.rate_at(float(plan.rate_at(pos)))
        scoring = self._scoring.possible(f)
        return SessionStatus(
            position=pos, duration=f.info.duration_s, out_position=out_pos, out_duration=out_dur,
            effective_rate=rate, playing=self._transport.is_playing(),
            waiting_for_scores=settings.smart and scoring and not is_scored_at(f.track, pos),
            scored_fraction=f.track.fraction_scored(), scoring_available=scoring,
            time_saved_s=plan.input_duration - plan.output_duration,
            dropped_frames=f.schedule.dropped, audio=self._sound.state(f, rate), **common,
        )

    # == internals: video ========================================================================
    def _video_queue_frames(self, info: MediaInfo) -> int:
        """Queue depth for this file's frames (see VIDEO_QUEUE_BYTES)."""
        width, height = info.width, info.height
        if self._max_video_width is not None and width > self._max_video_width:
            height = max(2, round(height * self._max_video_width / max(width, 1)))
            width = self._max_video_width
        frames = VIDEO_QUEUE_BYTES // max(1, width * height * 3)
        return int(min(VIDEO_QUEUE_MAX_FRAMES, max(VIDEO_QUEUE_MIN_FRAMES, frames)))

    # == internals: sound (player.session.sound) ==================================================
    def _sink_opened(self, sink: AudioSink) -> None:
        self._transport.sink = sink

    # == internals: scores and plan ============================================================
    def _cached_scores(self, f: OpenFile, cached: ScoreTrack) -> None:
        """Setup thread: a track read from the score cache was adopted; plan with it."""
        self._planning.replan_from_scores(f)
        if f is self._file:
            for t0, t1 in cached.scored_ranges():
                self.events.on_scores_updated(t0, t1)

    def _scores_arrived(self, f: OpenFile, rng: tuple[float, float]) -> None:
        """Score worker thread: a newly scored range."""
        if f is not self._file:
            return
        self.events.on_scores_updated(rng[0], rng[1])
        if f.plan_worker is not None:
            f.plan_worker.mark_dirty()

    # == internals: events =====================================================================
    def _file_error(self, f: OpenFile, message: str) -> None:
        """A worker of ``f`` failed: report it unless that file is no longer open."""
        if f is self._file and not f.stopping:
            self._emit_error(message)

    def _emit_error(self, message: str) -> None:
        try:
            self.events.on_error(message)
        except Exception:  # noqa: BLE001 - a broken listener must not kill a worker
            log.exception("on_error listener failed")

    def _emit_message(self, message: str) -> None:
        try:
            self.events.on_message(message)
        except Exception:  # noqa: BLE001
            log.exception("on_message listener failed")
