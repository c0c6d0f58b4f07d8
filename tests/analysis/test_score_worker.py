"""ScoreWorker on real clips: fills the track, samples by timestamp, nearest-first, seek, stop."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from player.analysis.score_worker import ScoreWorker, grid_fps, track_for_media
from player.core.errors import MediaError
from player.media.probe import probe


class TimestampScorer:
    """Stands in for SpeedNet to check the sampling: it reads which source frames each window
    got (the clips' frames carry their index) and answers P(sped up) = span / 10, where span
    is the source time from the window's first to its last frame. For speed x the span is
    (T - 1) * x / F whatever the source frame rate, if and only if frames are sampled by
    timestamp; frame counting would give spans that depend on the source fps.
    """

    clip_len = 8
    fps = 10.0
    input_size = 64
    model_hash = "timestamp-probe"

    def __init__(self, frame_times: tuple[float, ...], frame_index) -> None:  # type: ignore[no-untyped-def]
        self._times = np.asarray(frame_times)
        self._index = frame_index
        self.calls: list[int] = []

    def score_sequence(self, frames: np.ndarray) -> np.ndarray:
        assert frames.dtype == np.uint8 and frames.shape[1:] == (64, 64, 3)
        self.calls.append(frames.shape[0])
        t = self._times[[self._index(f) for f in frames]]
        span = t[self.clip_len - 1 :] - t[: t.size - self.clip_len + 1]
        return span / 10.0


def _run(worker: ScoreWorker, timeout: float = 60.0) -> None:
    worker.start()
    assert worker.join(timeout), "worker did not finish"
    if worker.error is not None:
        raise worker.error


def test_worker_fills_the_track(make_clip, tiny_scorer) -> None:  # type: ignore[no-untyped-def]
    clip = make_clip(duration=6.0, fps=30)
    info = probe(clip)
    track = track_for_media(info)
    progress: list[tuple[float, tuple[float, float]]] = []
    worker = ScoreWorker(
        clip, info, tiny_scorer, track, on_progress=lambda f, r: progress.append((f, r)),
        chunk_s=2.0, first_chunk_s=1.0,
    )
    _run(worker)  # the thread has ended
    assert not worker.is_alive() and track.is_complete()
    p = track.snapshot().p_natural
    # Each source frame decoded once, and a window fits at every speed but the fastest:
    # T / F * 9.31 = 7.45 s of source is more than the 6 s clip.
    assert worker.stats["frames_decoded"] == len(clip.frame_times)
    span = tiny_scorer.clip_len * track.speeds / tiny_scorer.fps
    assert np.all(np.isnan(p[span > 6.0])) and not np.any(np.isnan(p[span <= 6.0]))
    ok = p[span <= 6.0]
    assert ok.min() >= 0.0 and ok.max() <= 1.0 and ok.std() > 0
    assert progress[-1][0] == 1.0
    assert [r for _, r in progress] == sorted(r for _, r in progress)
    assert progress[0][1][0] == 0.0 and progress[-1][1][1] == pytest.approx(6.0)


@pytest.mark.parametrize("fps, vfr", [(24, False), (30, False), (60, False), (30, True)])
def test_speeds_are_sampled_by_timestamp(make_clip, frame_index, fps, vfr) -> None:  # type: ignore[no-untyped-def]
    clip = make_clip(duration=10.0, fps=fps, vfr=vfr)
    info = probe(clip)
    scorer = TimestampScorer(clip.frame_times, frame_index)
    track = track_for_media(info)
    _run(ScoreWorker(clip, info, scorer, track, chunk_s=4.0, first_chunk_s=2.0))
    p = track.snapshot().p_natural
    assert len(scorer.calls) == 11 * 3  # one fully convolutional pass per speed per chunk
    expected = 1.0 - (scorer.clip_len - 1) * track.speeds / scorer.fps / 10.0
    # Allow one source frame interval of timing error at each end of the window (VFR: 1.5).
    tol = (1.5 if vfr else 1.0) * 2 / fps / 10.0 + 1e-6
    for i in range(track.speeds.size - 1):  # the 9.31x window needs 7.45 s of 10: fits
        assert np.all(np.abs(p[i] - expected[i]) <= tol), (i, p[i].min(), p[i].max(), expected[i])


def test_nearest_unscored_after_the_playhead_first_then_wraps(make_clip, tiny_scorer) -> None:  # type: ignore[no-untyped-def]
    clip = make_clip(duration=12.0, fps=24, size=(96, 64), tone_hz=None)
    info = probe(clip)
    track = track_for_media(info)
    track.update(192, np.full((11, 24), 0.5))  # 8.0-9.0 s already scored
    ranges: list[tuple[float, float]] = []
    worker = ScoreWorker(
        clip, info, tiny_scorer, track, on_progress=lambda f, r: ranges.append(r),
        playhead=lambda: 5.0, chunk_s=2.0, first_chunk_s=1.0,
    )
    _run(worker)
    assert track.is_complete()
    starts = [round(r[0], 3) for r in ranges]
    # 5.0 -> 8.0, then 9.0 -> 12.0, then wrap: 0.0 -> 5.0.
    assert starts[0] == 5.0
    k9 = starts.index(9.0)
    k0 = starts.index(0.0)
    assert 0 < k9 < k0
    assert starts[:k9] == sorted(starts[:k9]) and all(5.0 <= s < 8.0 for s in starts[:k9])
    assert starts[k9:k0] == sorted(starts[k9:k0]) and all(s >= 9.0 for s in starts[k9:k0])
    assert starts[k0:] == sorted(starts[k0:]) and all(s < 5.0 for s in starts[k0:])
    assert ranges[-1][1] == pytest.approx(5.0)


def test_seek_restarts_from_the_new_position(make_clip, tiny_scorer) -> None:  # type: ignore[no-untyped-def]
    clip = make_clip(duration=12.0, fps=24, size=(96, 64), tone_hz=None)
    info = probe(clip)
    track = track_for_media(info)
    ranges: list[tuple[float, float]] = []
    generations: list[int] = []
    worker: ScoreWorker

    def progress(fraction: float, rng: tuple[float, float]) -> None:
        ranges.append(rng)
        if len(ranges) == 1:
            generations.append(worker.seek(7.0))  # as the GUI does on a seek-bar click

    worker = ScoreWorker(clip, info, tiny_scorer, track, on_progress=progress, chunk_s=2.0, first_chunk_s=1.0)
    _run(worker)
    assert generations == [1] and worker.generation == 1
    assert ranges[0][0] == 0.0
    assert ranges[1][0] == pytest.approx(7.0)  # the chunk after the seek starts there
    assert track.is_complete()


def test_overtaken_by_the_playhead_jumps_ahead(make_clip, tiny_scorer) -> None:  # type: ignore[no-untyped-def]
    clip = make_clip(duration=12.0, fps=24, size=(96, 64), tone_hz=None)
    info = probe(clip)
    track = track_for_media(info)
    ranges: list[tuple[float, float]] = []
    playhead = [0.0]

    def progress(fraction: float, rng: tuple[float, float]) -> None:
        ranges.append(rng)
        playhead[0] = 9.0  # playback raced ahead (e.g. 8x through a calm stretch)

    worker = ScoreWorker(
        clip, info, tiny_scorer, track, on_progress=progress, playhead=lambda: playhead[0],
        chunk_s=2.0, first_chunk_s=1.0,
    )
    _run(worker)
    assert ranges[1][0] == pytest.approx(9.0)
    # Once wrapped round behind the playhead it does not keep restarting.
    assert worker.stats["restarts"] == 1
    assert track.is_complete()


def test_stops_promptly(make_clip, tiny_scorer) -> None:  # type: ignore[no-untyped-def]
    clip = make_clip(duration=40.0, fps=30, size=(96, 64), tone_hz=None)
    info = probe(clip)
    track = track_for_media(info)
    first = threading.Event()
    worker = ScoreWorker(clip, info, tiny_scorer, track, on_progress=lambda f, r: first.set(), chunk_s=4.0)
    worker.start()
    assert first.wait(30)
    t0 = time.perf_counter()
    worker.request_stop()
    assert worker.join(timeout=5.0)
    assert time.perf_counter() - t0 < 1.0
    assert not track.is_complete() and worker.error is None


def test_unreadable_video_is_reported_not_raised(make_clip, tiny_scorer, text_mp4: Path) -> None:  # type: ignore[no-untyped-def]
    info = probe(make_clip(duration=2.0, fps=30))
    errors: list[BaseException] = []
    worker = ScoreWorker(text_mp4, info, tiny_scorer, track_for_media(info), on_error=errors.append)
    worker.start()
    assert worker.join(10.0)
    assert len(errors) == 1 and isinstance(errors[0], MediaError) and worker.error is errors[0]


def test_max_ahead_pauses_until_the_playhead_comes_closer(make_clip, tiny_scorer) -> None:  # type: ignore[no-untyped-def]
    clip = make_clip(duration=12.0, fps=24, size=(96, 64), tone_hz=None)
    info = probe(clip)
    track = track_for_media(info)
    playhead = [0.0]
    worker = ScoreWorker(
        clip, info, tiny_scorer, track, playhead=lambda: playhead[0], max_ahead_s=3.0,
        chunk_s=1.0, first_chunk_s=1.0,
    )
    worker.start()
    deadline = time.monotonic() + 30
    while worker.stats["idle_waits"] < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert worker.stats["idle_waits"] >= 3
    scored = track.scored_ranges()
    assert scored and scored[0][0] == 0.0 and scored[-1][1] <= 4.0 + 1e-9  # waits at ~3 s ahead
    playhead[0] = 11.0  # playback moved on: the rest gets scored
    assert worker.join(30) and track.is_complete()


def test_grid_follows_the_real_frame_rate_when_the_container_miscounts() -> None:
    """The bundled demo claims 27.894 fps on average but decodes 167 frames at 29.97 fps."""
    demo = Path(__file__).resolve().parents[2] / "resources" / "demo_baseball.mp4"
    info = probe(demo)
    assert info.fps_avg == pytest.approx(27.894, abs=0.01)
    assert grid_fps(info) == pytest.approx(30000 / 1001)
    track = track_for_media(info)
    assert len(track.times) == pytest.approx(167, abs=2)
    # A timebase-like base rate is not a frame rate: the average stays.
    assert grid_fps(replace(info, fps_real=90000.0)) == pytest.approx(info.fps_avg)
