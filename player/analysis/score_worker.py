"""ScoreWorker: keeps a ScoreTrack filled with SpeedNet scores, nearest-unscored-first.

How one stretch of video is scored (docs/architecture.md, "Scores and the plan"):

- A decode thread reads the stretch once with the worker's own ``ModelFrameReader``, each
  source frame squashed to the model's input size S in the YUV->RGB conversion. PyAV
  releases the GIL while decoding, so decoding the next block overlaps the network.
- The scoring thread gathers those frames into chunks of ``chunk_s`` seconds of source,
  plus ``context_s`` on each side so the windows centred near a chunk edge see real frames.
  For each of the 11 ladder speeds x it samples the decoded frames BY TIMESTAMP at the
  model's rate F: tick k is at ``a + k * x / F`` and shows the latest frame at or before
  it (``models.preprocess.tick_indices``, the rule the model was trained with), so 24, 30, 60 fps and variable-frame-rate video are judged alike, and no frame is
  decoded twice for the 11 speeds.
- One ``scorer.score_sequence`` call per speed scores every window position of the chunk in
  one fully convolutional pass. Window j's P(natural) = 1 - P(sped up) is assigned to the
  source time of its centre, then interpolated linearly onto the track's frame grid. Near
  the ends of the video, frames before the first centre (after the last) take its value.
  A speed too fast for a single window in the whole video stays NaN: never passes.

Order of work: the unscored stretch holding or following the playhead first (from the
playhead on), then later ones, then wrapping round to the start. ``seek(src_t)`` starts a new
generation: the chunk in flight is dropped and work restarts from the new position. If the
playhead overtakes the worker (fast playback), it jumps ahead to the playhead the same way.

The worker never touches Qt: progress, errors and completion go through injected callbacks,
called on the worker's thread. Every blocking wait also checks the stop flag.
"""

from __future__ import annotations

import logging
import math
import os
import queue
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Protocol

import numpy as np

from models.preprocess import tick_indices
from player.core.media_info import MediaInfo
from player.core.scores import ScoreTrack
from player.core.worker import Worker
from player.media.frame_reader import ModelFrameReader

if TYPE_CHECKING:
    from player.analysis.score_cache import ScoreCache

log = logging.getLogger(__name__)

#: Seconds of source per chunk handed to the network (the first one after a (re)start is
#: shorter, so the curve starts filling in at once).
CHUNK_S = 20.0
FIRST_CHUNK_S = 5.0
#: Seconds of source per block the decode thread hands over.
BLOCK_S = 2.0
#: Blocks queued between the decode and the scoring thread.
QUEUE_BLOCKS = 3
#: The worker jumps ahead when the playhead is this far past the chunk it is about to score.
OVERTAKE_MARGIN_S = 2.0
#: Wall seconds between cache saves while scoring.
SAVE_EVERY_S = 30.0
#: How long a blocking wait sleeps before it looks at the stop flags again.
POLL_S = 0.1


class Scorer(Protocol):
    """What the worker needs of ``models.inference.SpeedScorer``."""

    @property
    def clip_len(self) -> int: ...
    @property
    def fps(self) -> float: ...
    @property
    def input_size(self) -> int: ...
    @property
    def model_hash(self) -> str: ...
    def score_sequence(self, frames: np.ndarray) -> np.ndarray: ...


ProgressCallback = Callable[[float, tuple[float, float]], None]
ErrorCallback = Callable[[BaseException], None]


def track_for_media(info: MediaInfo) -> ScoreTrack:
    """An empty track on the nominal frame grid of the video (see ``ScoreTrack``)."""
    return ScoreTrack.on_frame_grid(info.duration_s, grid_fps(info))


def grid_fps(info: MediaInfo) -> float:
    """The frame rate of the track's time grid.

    The codec's real base rate when it is plausible: containers sometimes miscount frames
    (the demo clip claims 27.894 fps on average but decodes at 29.97), which would put the
    grid off the real frame times. It must stay near the average rate, though: some files
    report a timebase-like base rate (1000, 90000) that would make the grid absurdly fine.
    """
    avg, real = info.fps_avg, info.fps_real
    if avg <= 0:
        return real if 1.0 <= real <= 240.0 else 30.0
    if 1.0 <= real <= 240.0 and abs(real - avg) <= 0.2 * avg:
        return real
    return avg


class _Restart(Exception):
    """Raised inside the scoring loop when a seek, an overtake or a stop asks to start over."""


class _FrameDecoder:
    """Decodes ``[start_t, end_t)`` at model size on its own thread, in blocks.

    Blocks are ``(times (n,), frames (n, S, S, 3) uint8)``; ``None`` marks the end of the
    range. An exception in the decode thread is handed over and re-raised by ``get``.
    """

    def __init__(self, reader: ModelFrameReader, start_t: float, end_t: float, block_s: float) -> None:
        self._reader = reader
        self._start_t, self._end_t, self._block_s = start_t, end_t, block_s
        self._stop = threading.Event()
        self._queue: queue.Queue[object] = queue.Queue(maxsize=QUEUE_BLOCKS)
        self._thread = threading.Thread(target=self._run, name="ScoreDecode", daemon=True)
        self._thread.start()

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        times: list[float] = []
        images: list[np.ndarray] = []
        try:
            for t, image in self._reader.iter_frames(self._start_t, self._end_t, self._stop):
                times.append(t)
                images.append(image)
                if t - times[0] >= self._block_s:
                    if not self._put((np.asarray(times), np.stack(images))):
                        return
                    times, images = [], []
            if times and not self._put((np.asarray(times), np.stack(images))):
                return
            self._put(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the scoring thread
            self._put(exc)

    def get(self, interrupted: Callable[[], bool]) -> tuple[np.ndarray, np.ndarray] | None:
        """The next block, None at the end; raises ``_Restart`` once ``interrupted()``."""
        while True:
            if interrupted():
                raise _Restart
            try:
                item = self._queue.get(timeout=POLL_S)
            except queue.Empty:
                continue
            if isinstance(item, BaseException):
                raise item
            return item  # type: ignore[return-value]

    def close(self) -> None:
        """Stop decoding and wait for the thread (it checks the flag between frames)."""
        self._stop.set()
        while self._thread.is_alive():
            try:
                while True:
                    self._queue.get_nowait()  # unblock a put
            except queue.Empty:
                pass
            self._thread.join(timeout=POLL_S)


class ScoreWorker(Worker):
    """Fills ``track`` with P(natural) for every ladder speed, in the background.

    path, info: the video (already probed); scorer: a loaded ``SpeedScorer`` (CUDA when
    present, via ``device="auto"``); track: the ``ScoreTrack`` to fill (may be partly filled,
    e.g. from the cache). Callbacks run on the worker thread:

    - ``on_progress(fraction_scored, (t0, t1))`` after each chunk, with its source range;
    - ``on_error(exc)`` if scoring fails (then the worker ends; ``error`` holds it too).

    ``playhead()`` returns the source time being watched; without it the worker fills the
    video from the last seek position (0 at first) to the end and then wraps round.
    ``cache``: a ``ScoreCache`` saved every ``SAVE_EVERY_S`` and when the worker ends.
    ``max_ahead_s``: with a playhead, pause (no CPU used) while the next chunk is more than
    this many source seconds ahead of it, leaving the cores to playback; None = score the
    whole video as fast as possible.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        info: MediaInfo,
        scorer: Scorer,
        track: ScoreTrack,
        *,
        on_progress: ProgressCallback | None = None,
        on_error: ErrorCallback | None = None,
        playhead: Callable[[], float] | None = None,
        cache: ScoreCache | None = None,
        chunk_s: float = CHUNK_S,
        first_chunk_s: float = FIRST_CHUNK_S,
        max_ahead_s: float | None = None,
    ) -> None:
        if track.speeds.size == 0:
            raise ValueError("the track has no speeds")
        self._path = Path(path)
        self._info = info
        self._scorer = scorer
        self._track = track
        self._on_progress = on_progress
        self._on_error = on_error
        self._playhead = playhead
        self._cache = cache
        self._chunk_s = float(chunk_s)
        self._first_chunk_s = float(min(first_chunk_s, chunk_s))
        self._max_ahead_s = None if max_ahead_s is None else float(max_ahead_s)
        fps, t_len = float(scorer.fps), int(scorer.clip_len)
        if fps <= 0 or t_len < 1:
            raise ValueError("the scorer needs a positive fps and clip length")
        max_step = float(track.speeds.max()) / fps
        # Frames needed on each side of a chunk: half a window at the fastest speed, one
        # more tick, and a frame interval of slack for the "latest frame before" rule.
        self._frame_dt = info.frame_duration
        self._context_s = (t_len - 1) / 2 * max_step + max_step + 2 * self._frame_dt
        # One whole window at the fastest speed: near the ends of the video the windows
        # slide inwards, so that much decoded video must be at hand.
        self._window_s = t_len * max_step + 2 * self._frame_dt
        self._restart = threading.Event()
        self._lock = threading.Lock()
        self._seek_to: float | None = None
        self._origin_t = 0.0
        self._generation = 0
        super().__init__("ScoreWorker")
        self._last_save = time.monotonic()
        self._dirty = False
        self.error: BaseException | None = None
        # Counters for benchmarks and tests (written by the worker thread only).
        self.stats = {"frames_decoded": 0, "model_frames": 0, "decode_wait_s": 0.0, "model_s": 0.0, "restarts": 0,
                      "idle_waits": 0}

    # -- control (any thread) -----------------------------------------------------------------------
    def _wake(self) -> None:
        # A stop ends the thread within a model call (~0.1 s on the small model).
        self._restart.set()

    def seek(self, src_t: float) -> int:
        """Restart from the nearest unscored stretch after ``src_t``; returns the generation."""
        with self._lock:
            self._seek_to = float(src_t)
            self._generation += 1
            self._restart.set()
            return self._generation

    @property
    def generation(self) -> int:
        return self._generation

    @property
    def track(self) -> ScoreTrack:
        return self._track

    # -- the thread -----------------------------------------------------------------------------------
    def _interrupted(self) -> bool:
        return self._restart.is_set() or self._stop.is_set()

    def _next_origin(self) -> float:
        with self._lock:
            self._restart.clear()
            if self._seek_to is not None:
                origin, self._seek_to = self._seek_to, None
                return origin
        ph = self._playhead_now()
        return self._origin_t if ph is None else ph

    def _run(self) -> None:
        try:
            with ModelFrameReader(self._path, int(self._scorer.input_size)) as reader:
                while not self._stop.is_set():
                    origin = self._next_origin()
                    ranges = self._track.unscored_index_ranges(origin)
                    if not ranges:
                        break
                    i0, i1 = ranges[0]
                    # Racing the playhead only makes sense while working ahead of it; once
                    # wrapped round to the stretches behind it, the playhead is ahead anyway.
                    ahead = float(self._track.times[i0]) >= origin - 1e-9
                    try:
                        self._score_range(reader, i0, i1, watch_playhead=ahead)
                        self._origin_t = self._track.frame_end(i1 - 1)
                    except _Restart:
                        self.stats["restarts"] += 1
                        continue
        except BaseException as exc:  # noqa: BLE001 - reported, never raised in a thread
            self.error = exc
            log.error("scoring %s failed: %s", self._path, exc)
            if self._on_error is not None:
                self._on_error(exc)
        finally:
            try:
                self._save(force=True)
            except Exception:  # noqa: BLE001 - the cache only saves time
                log.exception("could not save the score cache")

    def _save(self, force: bool = False) -> None:
        if self._cache is None or not self._dirty:
            return
        now = time.monotonic()
        if force or now - self._last_save >= SAVE_EVERY_S:
            self._last_save, self._dirty = now, False
            self._cache.save(self._track)

    def _score_range(self, reader: ModelFrameReader, i0: int, i1: int, watch_playhead: bool) -> None:
        """Score track frames [i0, i1); raises ``_Restart`` when interrupted."""
        track = self._track
        times = track.times
        ta, tb = float(times[i0]), track.frame_end(i1 - 1)
        ctx = self._context_s
        decoder = _FrameDecoder(reader, max(0.0, ta - ctx), tb + ctx, BLOCK_S)
        try:
            blocks_t: list[np.ndarray] = []
            blocks_f: list[np.ndarray] = []
            ended = False
            c0, length = ta, self._first_chunk_s
            while c0 < tb:
                if watch_playhead:
                    self._wait_for_playhead(c0)
                c1 = min(tb, c0 + length)
                if tb - c1 < 0.25 * self._chunk_s:
                    c1 = tb  # no tiny last chunk
                while not ended and (
                    not blocks_t or blocks_t[-1][-1] < max(c1 + ctx, blocks_t[0][0] + self._window_s)
                ):
                    t_wait = time.perf_counter()
                    block = decoder.get(self._interrupted)
                    self.stats["decode_wait_s"] += time.perf_counter() - t_wait
                    if block is None:
                        ended = True
                    else:
                        blocks_t.append(block[0])
                        blocks_f.append(block[1])
                        self.stats["frames_decoded"] += block[0].size
                if not blocks_t:
                    # Nothing decodable here (a broken tail): nothing to learn, 1x it stays.
                    values = np.full((track.speeds.size, i1 - i0), np.nan, np.float32)
                    self._commit(i0, values)
                    return
                ft = np.concatenate(blocks_t)
                frames = np.concatenate(blocks_f)
                blocks_t, blocks_f = [ft], [frames]
                j0 = i0 if c0 == ta else int(np.searchsorted(times, c0, side="left"))
                j1 = i1 if c1 >= tb else int(np.searchsorted(times, c1, side="left"))
                j0, j1 = max(j0, i0), min(j1, i1)
                if j1 > j0:
                    values = self._score_chunk(ft, frames, c0, c1, times[j0:j1], ended)
                    self._commit(j0, values)
                # Keep only what the next chunk's context needs.
                keep = max(int(np.searchsorted(ft, c1 - self._window_s, side="right")) - 1, 0)
                blocks_t, blocks_f = [ft[keep:]], [frames[keep:]]
                c0, length = c1, self._chunk_s
                if watch_playhead:
                    self._check_overtaken(c0, tb)
        finally:
            decoder.close()

    def _commit(self, start: int, values: np.ndarray) -> None:
        rng = self._track.update(start, values)
        self._dirty = True
        if self._on_progress is not None:
            self._on_progress(self._track.fraction_scored(), rng)
        self._save()

    def _playhead_now(self) -> float | None:
        if self._playhead is None:
            return None
        try:
            return float(self._playhead())
        except Exception:  # noqa: BLE001 - a failing playhead must not stop scoring
            log.exception("playhead callback failed")
            return None

    def _check_overtaken(self, next_t: float, end_t: float) -> None:
        if next_t >= end_t:
            return
        ph = self._playhead_now()
        if ph is not None and ph > next_t + OVERTAKE_MARGIN_S:
            raise _Restart

    def _wait_for_playhead(self, next_t: float) -> None:
        """Idle while ``next_t`` is more than ``max_ahead_s`` ahead of the playhead."""
        if self._max_ahead_s is None:
            return
        while True:
            if self._interrupted():
                raise _Restart
            ph = self._playhead_now()
            if ph is None or next_t - ph <= self._max_ahead_s:
                return
            self.stats["idle_waits"] += 1
            self._restart.wait(POLL_S)  # a seek or a stop wakes it at once

    def _score_chunk(
        self,
        ft: np.ndarray,
        frames: np.ndarray,
        c0: float,
        c1: float,
        targets: np.ndarray,
        at_end: bool,
    ) -> np.ndarray:
        """P(natural) (K, n) at the track times ``targets`` in [c0, c1).

        ft: (M,) decoded frame times; frames: (M, S, S, 3) uint8 at model size.
        """
        scorer = self._scorer
        fps, t_len = float(scorer.fps), int(scorer.clip_len)
        speeds = self._track.speeds
        out = np.full((speeds.size, targets.size), np.nan, dtype=np.float32)
        t_lo = float(ft[0])
        t_hi = float(ft[-1]) + (self._frame_dt if at_end else 0.0)
        for i, x in enumerate(speeds.tolist()):
            if self._interrupted():
                raise _Restart
            step = x / fps
            half = (t_len - 1) / 2 * step
            a = max(t_lo, c0 - half)
            b = min(t_hi, c1 + half + step)
            count = int(math.ceil((b - a) / step - 1e-9))
            if count < t_len:
                # Near an end of the video: slide one whole window inside the decoded frames.
                b = min(t_hi, a + t_len * step)
                a = max(t_lo, b - t_len * step)
                count = int(math.ceil((b - a) / step - 1e-9))
                if count < t_len:
                    continue  # shorter than one window at this speed: stays NaN
            ticks = a + np.arange(count) * step
            idx = tick_indices(ft, ticks)
            t_model = time.perf_counter()
            p_sped = np.asarray(scorer.score_sequence(frames[idx]), dtype=np.float64)
            self.stats["model_s"] += time.perf_counter() - t_model
            self.stats["model_frames"] += count
            centres = ticks[: p_sped.size] + half
            out[i] = np.interp(targets, centres, 1.0 - p_sped)
        return out
