"""The parts of the user's videos that "Learn my videos" (``models.adapt``) trains and measures on.

Every video is split by time: its last ``holdout_fraction`` (from a whole second on) is held
back for the before/after measurement, training windows come only from before it. Long
videos are not decoded whole: spans of ``SEGMENT_S`` seconds, spread evenly over each part,
are read by seeking (``VideoReader``), up to a budget of seconds that also fits
``FRAME_BUDGET_BYTES``. Training frames are decoded at the cache size
(``data.cache_size_for``), held-back frames at the input size, as the player scores them.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from models.adapt_reader import VideoReader
from models.config import ModelConfig
from models.data import cache_size_for, min_frames_for_training
from models.errors import ModelError

#: Share of every video held back (its end), for the before/after measurement.
HOLDOUT_FRACTION = 0.2
#: Length of one decoded span of a long video (seconds).
SEGMENT_S = 8.0
#: Seconds of video decoded for training and for the measurement, over all videos.
MAX_TRAIN_S = 300.0
MAX_HOLDOUT_S = 120.0
#: Memory for decoded frames (training frames at cache size plus held-back frames).
FRAME_BUDGET_BYTES = 512 * 1024 * 1024

#: progress(stage, fraction 0..1, message): stage is "decode", "measure" or "train".
Progress = Callable[[str, float, str], None]
#: A span of a video, (start, end) in seconds from its first frame.
Span = tuple[float, float]


@dataclass
class VideoPart:
    """One video's decoded spans: training frames (cache size) and held-back frames (input size)."""

    name: str
    duration_s: float
    holdout_start_s: int
    train_spans: list[np.ndarray] = field(default_factory=list)
    holdout_spans: list[np.ndarray] = field(default_factory=list)
    train_s: float = 0.0
    holdout_s: float = 0.0

    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.train_spans + self.holdout_spans)


def holdout_start(duration_s: float, config: ModelConfig, fraction: float = HOLDOUT_FRACTION, name: str = "video") -> int:
    """The whole second where the held-back part begins: about ``fraction`` of the video from
    its end, and never less than one 1x-vs-2x window (2T - 1 frames) nor leaving less than
    one training window before it (ModelError when the video is too short for both)."""
    if not 0.0 < fraction < 1.0:
        raise ModelError("the held-back fraction must be between 0 and 1")
    need_eval_s = (2 * config.clip_len - 1) / config.fps + 0.5
    need_train_s = min_frames_for_training(config) / config.fps + 0.5
    start = math.floor(duration_s * (1.0 - fraction))
    start = min(start, math.floor(duration_s - need_eval_s))
    if start < need_train_s:
        raise ModelError(
            f"{name} is too short to adapt on ({duration_s:.1f} s; "
            f"need at least {math.ceil(need_train_s + need_eval_s)} s)"
        )
    return int(start)


def spread_spans(t0: float, t1: float, total_s: float, span_s: float = SEGMENT_S) -> list[Span]:
    """Spans covering ``total_s`` seconds of [t0, t1), evenly spread (all of it if it fits)."""
    length = t1 - t0
    if length <= 0:
        return []
    if length <= total_s:
        return [(t0, t1)]
    n = max(1, int(total_s // span_s))
    if n == 1:
        mid = t0 + (length - span_s) / 2
        return [(mid, mid + span_s)]
    step = (length - span_s) / (n - 1)
    return [(t0 + i * step, t0 + i * step + span_s) for i in range(n)]


def read_parts(
    videos: list[Path],
    config: ModelConfig,
    *,
    holdout_fraction: float = HOLDOUT_FRACTION,
    max_train_s: float = MAX_TRAIN_S,
    max_holdout_s: float = MAX_HOLDOUT_S,
    deadline: float | None = None,
    stop: threading.Event | None = None,
    progress: Progress | None = None,
    log: Callable[[str], None] | None = None,
    durations: tuple[float, ...] = (),
) -> list[VideoPart]:
    """Decode the training and held-back spans of every video, within the time and memory
    budgets. ModelError for a single video that cannot be read or is too short; of several,
    such videos are left out, each with one ``log`` line (a warning)."""
    train_total, holdout_total = _seconds_to_decode(config, max_train_s, max_holdout_s)
    readers: list[VideoReader] = []
    try:
        splits = _open_videos(videos, config, holdout_fraction, durations, log, readers)
        if not readers:
            raise ModelError("none of the videos is long enough to adapt on")
        plans = _plan_spans(readers, splits, config, train_total, holdout_total)
        decoder = _SpanDecoder(config, sum(len(t) + len(h) for t, h in plans) or 1, stop, progress)
        return _read_videos(decoder, readers, splits, plans, deadline, log)
    finally:
        for reader in readers:
            reader.close()


def _seconds_to_decode(config: ModelConfig, max_train_s: float, max_holdout_s: float) -> tuple[float, float]:
    """Seconds of video to decode for training and for the held-back parts, over all videos."""
    train_size = cache_size_for(config)
    s = config.input_size
    # Scale both budgets down to fit the bytes budget (the paper variant's 336 px frames).
    need = config.fps * 3 * (max_train_s * train_size**2 + max_holdout_s * s * s)
    scale = min(1.0, FRAME_BUDGET_BYTES / max(need, 1.0))
    return max_train_s * scale, max_holdout_s * scale


def _open_videos(
    videos: list[Path],
    config: ModelConfig,
    holdout_fraction: float,
    durations: tuple[float, ...],
    log: Callable[[str], None] | None,
    readers: list[VideoReader],
) -> list[int]:
    """Open the videos that can be adapted on into ``readers`` and return where each one's
    held-back part starts. ``readers`` is the caller's, so that the caller closes whatever
    was opened even when a later video raises."""
    single = len(videos) == 1
    splits: list[int] = []
    for i, path in enumerate(videos):
        reader = _open_or_skip(path, single, log)
        if reader is None:
            continue
        readers.append(reader)
        # A caller's probed duration wins only when shorter: a truncated file's real end.
        if i < len(durations) and 0 < durations[i] < reader.duration_s:
            reader.duration_s = float(durations[i])
        start = _holdout_start_or_skip(path, reader.duration_s, config, holdout_fraction, single, log)
        if start is None:
            readers.pop().close()
        else:
            splits.append(start)
    return splits


def _open_or_skip(path: Path, single: bool, log: Callable[[str], None] | None) -> VideoReader | None:
    """The open video, or None (one ``log`` line) when it cannot be read and there are others."""
    try:
        return VideoReader(path)
    except ModelError as exc:
        if single:
            raise
        if log:
            log(f"skipping {path.name}: {exc}")
        return None


def _holdout_start_or_skip(
    path: Path,
    duration_s: float,
    config: ModelConfig,
    holdout_fraction: float,
    single: bool,
    log: Callable[[str], None] | None,
) -> int | None:
    """``holdout_start``, or None (one ``log`` line) when the video is too short and there are others."""
    try:
        return holdout_start(duration_s, config, holdout_fraction, path.name)
    except ModelError as exc:
        if single:
            raise
        if log:
            # The message starts with the name, which the log line already gives.
            log(f"skipping {path.name}: {str(exc).removeprefix(path.name + ' ').strip()}")
        return None


def _plan_spans(
    readers: list[VideoReader], splits: list[int], config: ModelConfig, train_total: float, holdout_total: float
) -> list[tuple[list[Span], list[Span]]]:
    """(training spans, held-back spans) of every video: an equal share of the seconds each,
    but never less than one training window or two 1x-vs-2x windows."""
    n = len(readers)
    min_span = min_frames_for_training(config) / config.fps + 1.0
    train_each = max(train_total / n, min_span)
    holdout_each = max(holdout_total / n, (2 * config.clip_len) / config.fps + 1.0)
    plans = []
    for reader, start in zip(readers, splits):
        train = spread_spans(0.0, float(start), train_each, max(SEGMENT_S, min_span))
        hold = spread_spans(float(start), reader.duration_s, holdout_each, max(SEGMENT_S, min_span))
        plans.append((train, hold))
    return plans


@dataclass
class _SpanDecoder:
    """Decodes planned spans, counting them (``total`` over all videos) for the progress report."""

    config: ModelConfig
    total: int
    stop: threading.Event | None
    progress: Progress | None
    done: int = 0

    def read(self, reader: VideoReader, spans: list[Span], size: int, min_frames: int) -> list[np.ndarray] | None:
        """The frames of every span that has at least ``min_frames`` (shorter ones are of no
        use), or None on a stop request."""
        kept = []
        for a, b in spans:
            if self.stop is not None and self.stop.is_set():
                return None
            frames = reader.span(a, b, size, self.config.fps, self.stop)
            if frames.shape[0] >= min_frames:
                kept.append(frames)
            self.done += 1
            if self.progress:
                self.progress("decode", self.done / self.total, f"reading {reader.path.name}")
        return kept


def _read_videos(
    decoder: _SpanDecoder,
    readers: list[VideoReader],
    splits: list[int],
    plans: list[tuple[list[Span], list[Span]]],
    deadline: float | None,
    log: Callable[[str], None] | None,
) -> list[VideoPart]:
    """Decode every video's planned spans in turn, until the decoding deadline (after at least
    one video) or a stop request; a video with too little decodable video is left out."""
    parts: list[VideoPart] = []
    for reader, start, (train, hold) in zip(readers, splits, plans):
        if deadline is not None and time.monotonic() > deadline and parts:
            if log:
                log(f"skipping {reader.path.name} and later videos: the time budget is spent")
            break
        part = _read_part(decoder, reader, start, train, hold)
        if part is None:
            return parts
        if not part.train_spans or not part.holdout_spans:
            if log:
                log(f"skipping {reader.path.name}: too little decodable video")
            continue
        parts.append(part)
    return parts


def _read_part(
    decoder: _SpanDecoder, reader: VideoReader, start: int, train: list[Span], hold: list[Span]
) -> VideoPart | None:
    """One video's part: its held-back spans (at the input size, long enough for a 1x-vs-2x
    window) then its training spans (at the cache size, long enough for a training window);
    None on a stop request."""
    config = decoder.config
    part = VideoPart(reader.path.name, round(reader.duration_s, 3), start)
    holdout = decoder.read(reader, hold, config.input_size, 2 * config.clip_len - 1)
    if holdout is None:
        return None
    for frames in holdout:
        part.holdout_spans.append(frames)
        part.holdout_s += frames.shape[0] / config.fps
    training = decoder.read(reader, train, cache_size_for(config), min_frames_for_training(config))
    if training is None:
        return None
    for frames in training:
        part.train_spans.append(frames)
        part.train_s += frames.shape[0] / config.fps
    return part
