"""DecodeWorker on real clips: order, timestamps, audio, frame-accurate seeks, stale frames,
shutdown, rotation, downscaling and damaged files."""

from __future__ import annotations

import bisect
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from player.core.frame_queue import FrameQueue
from player.core.frames import AudioChunk, EndOfStream, VideoFrame
from player.media.decode_worker import DecodeWorker
from player.media.probe import probe


class Harness:
    """A started worker on a clip, with its queues and the errors it reported."""

    def __init__(self, clip, *, video_size=8, audio_size=32, audio=True, **kwargs) -> None:
        self.info = probe(clip)
        self.vq: FrameQueue = FrameQueue(video_size)
        self.aq: FrameQueue | None = FrameQueue(audio_size) if audio else None
        self.errors: list[str] = []
        self.worker = DecodeWorker(clip, self.info, self.vq, self.aq, on_error=self.errors.append, **kwargs)

    def __enter__(self) -> "Harness":
        self.worker.start()
        return self

    def __exit__(self, *exc) -> None:
        self.worker.request_stop()
        assert self.worker.join(2.0), "worker did not stop"

    def drain(self, generation: int = 0, timeout: float = 10.0):
        """Everything of ``generation`` up to its EndOfStream on each queue: (frames, chunks)."""
        frames: list[VideoFrame] = []
        chunks: list[AudioChunk] = []
        pending = {"v": True, "a": self.aq is not None and self.info.has_audio}
        deadline = time.monotonic() + timeout
        while any(pending.values()):
            assert time.monotonic() < deadline, "no EndOfStream in time"
            got = False
            for key, q, out in (("v", self.vq, frames), ("a", self.aq, chunks)):
                item = q.get_nowait() if pending[key] else None
                if item is None or item.generation != generation:
                    continue
                got = True
                if isinstance(item, EndOfStream):
                    pending[key] = False
                else:
                    out.append(item)
            if not got:
                time.sleep(0.001)
        return frames, chunks

    def next_frame(self, timeout: float = 5.0) -> VideoFrame:
        item = self.vq.get(timeout=timeout)
        assert isinstance(item, VideoFrame), f"expected a frame, got {item!r}"
        return item


def covering_index(times, t: float) -> int:
    """Index of the frame shown at source time ``t`` (the last one starting at or before it)."""
    return max(0, bisect.bisect_right(times, t + 1e-9) - 1)


# -- decode order, timestamps, content ------------------------------------------------------
@pytest.mark.parametrize("fixture", ["clip_24", "clip_30", "clip_60"])
def test_decodes_every_frame_in_order_with_exact_times(request, frame_index, fixture):
    clip = request.getfixturevalue(fixture)
    with Harness(clip) as h:
        frames, _ = h.drain()
    assert [f.src_t for f in frames] == pytest.approx(list(clip.frame_times), abs=1e-6)
    assert [frame_index(f.image) for f in frames] == list(range(clip.frame_count))
    assert all(f.duration == pytest.approx(1.0 / clip.fps, rel=1e-3) for f in frames)
    assert all(f.image.shape == (120, 160, 3) and f.image.dtype == np.uint8 for f in frames)
    assert all(f.image.flags.c_contiguous for f in frames)
    assert all(f.generation == 0 for f in frames)
    assert not h.errors


def test_variable_frame_rate_pts_preserved(clip_vfr, frame_index):
    with Harness(clip_vfr) as h:
        frames, _ = h.drain()
    times = [f.src_t for f in frames]
    assert times == pytest.approx(list(clip_vfr.frame_times), abs=1e-6)
    assert all(b > a for a, b in zip(times, times[1:]))
    assert len(set(np.round(np.diff(times), 4))) >= 3, "the clip's irregular intervals survive"
    # each frame lasts until the next one starts
    for f, nxt in zip(frames, frames[1:]):
        assert f.duration == pytest.approx(nxt.src_t - f.src_t, abs=1e-6)
    assert [frame_index(f.image) for f in frames] == list(range(len(frames)))


@pytest.mark.parametrize("ext", ["mp4", "mkv"])  # Matroska's 1 ms time base makes pts jitter
def test_audio_resampled_contiguous_and_in_tune(make_clip, ext):
    clip_30 = make_clip(fps=30, ext=ext)
    with Harness(clip_30) as h:
        _, chunks = h.drain()
    assert chunks and all(c.sample_rate == 48000 for c in chunks)
    assert all(c.samples.dtype == np.float32 and c.samples.shape[1] == 2 for c in chunks)
    assert chunks[0].src_t == pytest.approx(0.0, abs=1e-3)
    for a, b in zip(chunks, chunks[1:]):
        assert b.src_t == pytest.approx(a.end_t, abs=1.5 / 48000)
    pcm = np.concatenate([c.samples for c in chunks])
    assert pcm.shape[0] / 48000 == pytest.approx(clip_30.duration, abs=0.06)
    assert np.allclose(pcm[:, 0], pcm[:, 1], atol=0.01)  # same tone in both (lossy AAC)
    spectrum = np.abs(np.fft.rfft(pcm[4800:52800, 0]))
    assert np.fft.rfftfreq(48000, 1 / 48000)[spectrum.argmax()] == pytest.approx(440, abs=2)
    assert 0.2 < np.abs(pcm[4800:52800, 0]).max() < 0.45  # -10 dBFS tone, not clipped


def test_audio_format_options(make_clip):
    clip = make_clip(duration=1.0, audio_rate=22050, audio_channels=1, tone_hz=1000.0)
    with Harness(clip, audio_rate=16000, audio_channels=1) as h:
        _, chunks = h.drain()
    pcm = np.concatenate([c.samples for c in chunks])
    assert pcm.shape[1] == 1 and all(c.sample_rate == 16000 for c in chunks)
    assert pcm.shape[0] / 16000 == pytest.approx(1.0, abs=0.06)
    spectrum = np.abs(np.fft.rfft(pcm[1600:14400, 0]))
    assert np.fft.rfftfreq(12800, 1 / 16000)[spectrum.argmax()] == pytest.approx(1000, abs=3)


def test_no_audio_queue_means_video_only(clip_30):
    with Harness(clip_30, audio=False) as h:
        frames, chunks = h.drain()
    assert len(frames) == clip_30.frame_count and chunks == []


def test_file_without_audio_puts_nothing_on_audio_queue(clip_no_audio):
    with Harness(clip_no_audio) as h:
        frames = []
        while not isinstance(item := h.vq.get(timeout=5), EndOfStream):
            frames.append(item)
        assert len(frames) == clip_no_audio.frame_count
        assert h.aq.empty()


def test_full_video_queue_does_not_starve_audio(clip_30):
    """Nobody reads video: audio must still flow to its end (the audio device is the clock)."""
    with Harness(clip_30, video_size=2) as h:
        chunks = []
        while not isinstance(item := h.aq.get(timeout=5), EndOfStream):
            assert item is not None, "audio stalled behind the full video queue"
            chunks.append(item)
        assert sum(len(c.samples) for c in chunks) / 48000 == pytest.approx(clip_30.duration, abs=0.06)
        assert len(h.vq) == 2


def test_starts_at_start_t_with_given_generation(clip_30, frame_index):
    with Harness(clip_30, start_t=1.0, generation=7) as h:
        frames, chunks = h.drain(generation=7)
    assert frame_index(frames[0].image) == 30 and frames[0].src_t == pytest.approx(1.0)
    assert chunks[0].src_t == pytest.approx(1.0, abs=1 / 48000)


# -- seeking --------------------------------------------------------------------------------
def _seek_targets(times, rng: np.random.Generator, n: int = 12) -> list[float]:
    exact = [times[5], times[len(times) // 2], times[-1]]
    between = [(times[i] + times[i + 1]) / 2 for i in (3, len(times) // 3, len(times) - 3)]
    just_before = [times[17] - 1e-4]
    return exact + between + just_before + list(rng.uniform(0, times[-1] + 0.01, n)) + [0.0]


@pytest.mark.parametrize(
    "params",
    [dict(fps=30), dict(fps=24), dict(fps=30, vfr=True), dict(fps=30, gop=45, duration=3.0)],
    ids=["30fps", "24fps", "vfr", "long-gop"],
)
def test_seek_lands_on_the_covering_frame(make_clip, frame_index, params):
    clip = make_clip(**params)
    times = list(clip.frame_times)
    rng = np.random.default_rng(3)
    with Harness(clip) as h:
        for gen, target in enumerate(_seek_targets(times, rng), start=1):
            h.worker.seek(target, gen)
            frame = h.next_frame()
            want = covering_index(times, target)
            assert frame.generation == gen
            assert frame_index(frame.image) == want, f"seek to {target:.4f}"
            assert frame.src_t == pytest.approx(times[want], abs=1e-6)
            chunk = h.aq.get(timeout=5)
            assert isinstance(chunk, AudioChunk) and chunk.generation == gen
            assert chunk.src_t == pytest.approx(target, abs=1.5 / 48000)


def test_seek_after_end_of_stream_and_past_the_end(clip_30, frame_index):
    with Harness(clip_30) as h:
        h.drain()
        h.worker.seek(99.0, 1)  # past the end: the last frame, then EndOfStream
        frames, chunks = h.drain(generation=1)
        assert [frame_index(f.image) for f in frames] == [clip_30.frame_count - 1]
        assert chunks == []
        h.worker.seek(0.5, 2)
        frames, _ = h.drain(generation=2)
        assert [frame_index(f.image) for f in frames] == list(range(15, clip_30.frame_count))


def test_no_stale_frame_after_50_rapid_seeks(make_clip, frame_index):
    """A consumer reading throughout never gets a unit older than the last seek() that returned,
    and the first unit of every generation it sees is where that seek asked to go."""
    clip = make_clip(fps=30, duration=3.0)
    times = list(clip.frame_times)
    rng = np.random.default_rng(11)
    targets = {g: float(t) for g, t in enumerate(rng.uniform(0, clip.duration, 50), start=1)}
    returned_gen = [0]
    seen: list[tuple[int, int, object]] = []  # (generation floor before get, generation, item)
    done = threading.Event()
    with Harness(clip, video_size=4, audio_size=8) as h:

        def consume() -> None:
            while not done.is_set():
                for q in (h.vq, h.aq):
                    floor = returned_gen[0]
                    item = q.get(timeout=0.005)
                    if item is not None:
                        seen.append((floor, item.generation, item))

        reader = threading.Thread(target=consume, daemon=True)
        reader.start()
        for gen, target in targets.items():
            h.worker.seek(target, gen)
            returned_gen[0] = gen
            time.sleep(float(rng.choice([0.0, 0.0, 0.001, 0.005])))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(
            g == 50 and isinstance(it, EndOfStream) for _, g, it in seen
        ):
            time.sleep(0.01)
        done.set()
        reader.join(2)

    stale = [(floor, g) for floor, g, _ in seen if g < floor]
    assert not stale, f"{len(stale)} stale units delivered after their seek returned"
    last = [it for _, g, it in seen if g == 50]
    last_frames = [it for it in last if isinstance(it, VideoFrame)]
    want = covering_index(times, targets[50])
    assert [frame_index(f.image) for f in last_frames] == list(range(want, len(times)))
    assert any(isinstance(it, EndOfStream) for it in last)
    first_of_gen: dict[int, VideoFrame] = {}
    for _, g, it in seen:
        if isinstance(it, VideoFrame):
            first_of_gen.setdefault(g, it)
    for g, f in first_of_gen.items():
        if g:
            assert frame_index(f.image) == covering_index(times, targets[g]), f"generation {g}"


# -- shutdown -------------------------------------------------------------------------------
def _stop_time(worker: DecodeWorker) -> float:
    t0 = time.monotonic()
    worker.request_stop()
    assert worker.join(1.0), "worker did not stop within 1 s"
    return time.monotonic() - t0


def test_stops_while_blocked_on_a_full_video_queue(clip_30):
    h = Harness(clip_30, video_size=2, audio=False)
    h.worker.start()
    deadline = time.monotonic() + 5
    while not h.vq.full():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.1)  # let it block
    assert h.worker.is_alive()
    assert _stop_time(h.worker) < 1.0


def test_stops_while_both_queues_are_full(clip_30):
    h = Harness(clip_30, video_size=2, audio_size=2)
    h.worker.start()
    deadline = time.monotonic() + 5
    while not (h.vq.full() and h.aq.full()):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.1)
    assert _stop_time(h.worker) < 1.0


def test_stops_mid_decode_idle_at_end_and_before_start(clip_60):
    h = Harness(clip_60, video_size=500, audio_size=500)
    assert h.worker.join(0) is True  # never started: nothing to wait for
    h.worker.start()
    time.sleep(0.02)
    assert _stop_time(h.worker) < 1.0

    h = Harness(clip_60, video_size=500, audio_size=500)
    h.worker.start()
    h.drain()  # at end of file, idle
    assert _stop_time(h.worker) < 1.0


def test_stop_right_after_start(clip_30):
    for _ in range(5):
        h = Harness(clip_30)
        h.worker.start()
        assert _stop_time(h.worker) < 1.0


# -- picture geometry -----------------------------------------------------------------------
def test_rotated_clip_frames_are_upright(clip_rotated, frame_index):
    with Harness(clip_rotated) as h:
        frames, _ = h.drain()
    assert all(f.image.shape == (160, 120, 3) for f in frames)
    assert all(f.image.flags.c_contiguous for f in frames)
    # rotate back by the display rotation (90 CCW) to read the coded pattern
    assert [frame_index(np.rot90(f.image, -1)) for f in frames] == list(range(clip_rotated.frame_count))


def test_max_video_width_downscales_keeping_aspect(clip_30, clip_rotated, frame_index):
    with Harness(clip_30, max_video_width=80) as h:
        frames, _ = h.drain()
    assert {f.image.shape for f in frames} == {(60, 80, 3)}
    assert [frame_index(f.image) for f in frames] == list(range(clip_30.frame_count))
    with Harness(clip_rotated, max_video_width=60) as h:  # limits the upright width
        frames, _ = h.drain()
    assert {f.image.shape for f in frames} == {(80, 60, 3)}
    with Harness(clip_30, max_video_width=1000) as h:  # never upscales
        frames, _ = h.drain()
    assert {f.image.shape for f in frames} == {(120, 160, 3)}


def test_rejects_bad_options(clip_30):
    info = probe(clip_30)
    with pytest.raises(ValueError):
        DecodeWorker(clip_30, info, FrameQueue(2), audio_channels=6)
    with pytest.raises(ValueError):
        DecodeWorker(clip_30, info, FrameQueue(2), max_video_width=0)


# -- damaged files --------------------------------------------------------------------------
def test_file_gone_after_probe_reports_error_and_ends(clip_30, tmp_path):
    path = tmp_path / "gone.mp4"
    shutil.copy(clip_30, path)
    info = probe(path)
    path.unlink()
    vq: FrameQueue = FrameQueue(4)
    errors: list[str] = []
    worker = DecodeWorker(path, info, vq, FrameQueue(4), on_error=errors.append)
    worker.start()
    assert isinstance(vq.get(timeout=5), EndOfStream)
    assert worker.join(1.0)
    assert len(errors) == 1 and "not found" in errors[0].lower()


def test_truncated_data_plays_what_is_there(make_clip, tmp_path, frame_index):
    """moov first (faststart), mdat cut short: probe works and decoding ends cleanly early."""
    data = Path(make_clip(faststart=True, duration=2.0)).read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[: int(len(data) * 0.6)])
    info = probe(path)
    # the header still says 2 s; probe finds where the data stops (issue 14)
    assert info.claimed_duration_s == pytest.approx(2.0, abs=0.05)
    with Harness(path) as h:
        frames, _ = h.drain()
    indexes = [frame_index(f.image) for f in frames]
    assert 20 < len(frames) < 60
    # ... at the end of the last whole packet: a frame or two after the last one this worker
    # shows (B-frames reordered across the cut are lost)
    assert (indexes[-1] + 1) / 30 - 1e-6 <= info.duration_s <= (indexes[-1] + 4) / 30
    assert indexes[:20] == list(range(20))
    assert all(b > a for a, b in zip(indexes, indexes[1:]))  # frames cut in half may be lost
    assert [f.src_t for f in frames] == pytest.approx([clip_t for clip_t in (i / 30 for i in indexes)])


def test_corrupt_bytes_mid_file_are_skipped(make_clip, tmp_path):
    data = bytearray(Path(make_clip(faststart=True, duration=2.0, tone_hz=None)).read_bytes())
    rng = np.random.default_rng(5)
    for start in (len(data) // 3, len(data) // 2):  # two bursts of garbage inside mdat
        data[start : start + 600] = rng.integers(0, 256, 600, dtype=np.uint8).tobytes()
    path = tmp_path / "corrupt.mp4"
    path.write_bytes(bytes(data))
    with Harness(path) as h:
        frames, _ = h.drain()
    assert len(frames) >= 30
    times = [f.src_t for f in frames]
    assert all(b > a for a, b in zip(times, times[1:]))
    assert not h.errors


# -- the real corpus ------------------------------------------------------------------------
CORPUS_SAMPLE = [
    "videos/mmaction2/test.avi",  # AVI, MPEG-4 packed B-frames: pts unusable, dts used
    "videos/mmaction2/S001C001P001R001A001_rgb.avi",  # AVI with H.264 B-frames
    "videos/cotracker/teddy.mp4",  # phone video, variable frame rate
    "videos/intel-sample-videos/eat.mkv",  # Matroska
]


@pytest.mark.parametrize("rel", CORPUS_SAMPLE)
def test_real_files_seek_to_the_same_picture_as_playing_through(shared_data, rel):
    path = shared_data / rel
    if not path.exists():
        pytest.skip(f"{rel} not in the corpus")
    with Harness(path, video_size=600, audio_size=2000, max_video_width=64) as h:
        frames, _ = h.drain()
        times = [f.src_t for f in frames]
        assert all(b > a for a, b in zip(times, times[1:])), "timestamps run forwards"
        assert times[-1] <= h.info.duration_s + 0.05
        rng = np.random.default_rng(4)
        for gen, target in enumerate(rng.uniform(0, h.info.duration_s, 4), start=1):
            h.worker.seek(float(target), gen)
            got = h.next_frame()
            want = covering_index(times, float(target))
            assert got.src_t == pytest.approx(times[want], abs=1e-6), f"seek to {target:.3f}"
            assert np.array_equal(got.image, frames[want].image)
