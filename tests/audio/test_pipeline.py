"""AudioPipeline on a real AAC track: decoded with PyAV, resampled to 48 kHz on the decode
side, cut at the plan's boundaries, stretched and played through the sink's callback."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from audio_signals import SR, Plan, peak_frequency

from player.audio.audio_pipeline import AudioPipeline
from player.audio.sink import AudioSink
from player.core.clock import PlaybackClock
from player.core.frames import AudioChunk


def decoded_chunks(path, generation: int):
    """AudioChunks as the decode side makes them: 48 kHz stereo float32, timed by pts."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="stereo", rate=SR)
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                yield AudioChunk(float(out.pts * out.time_base), generation, out.to_ndarray().reshape(-1, 2), SR)


def test_real_aac_track_plays_at_the_plan_rates_with_its_pitch(make_clip):
    clip = make_clip(duration=3.0, tone_hz=440.0)
    now = [0.0]
    clock = PlaybackClock(time_fn=lambda: now[0])
    sink = AudioSink(clock, time_fn=lambda: now[0], buffer_seconds=4.0)
    plan = Plan((0.0, 1.0, 2.0), (2.0, 3.0, 1.5))
    clock.set_time_map(plan)
    pipe = AudioPipeline(sink, lambda t: plan.rate_at(t), plan.boundaries)
    fed = [pipe.feed(chunk) for chunk in decoded_chunks(clip, clock.generation)]
    assert all(fed)
    assert pipe.end_of_stream(clock.generation)
    ring = sink.ring
    # Where each rate begins in the output: exactly where the plan puts it.
    for src_start, rate in zip(plan.starts, plan.rates):
        out_i = int(np.ceil(plan.src_to_out(src_start) * SR - 1e-9))
        src_t, got_rate, _ = ring.source_time_at(out_i)
        assert got_rate == rate
        assert src_t == pytest.approx(src_start, abs=rate / SR)
    # Total length: the decoded duration over the plan, within 1%.
    decoded = ring.source_time_at(ring.write_index - 1)[0]
    assert ring.write_index / SR == pytest.approx(plan.src_to_out(decoded), rel=0.01)
    # Play it through the callback and check the pitch of the 3x part.
    clock.play()
    out = np.zeros((ring.write_index, 2), np.float32)
    info = SimpleNamespace(currentTime=0.0, outputBufferDacTime=0.0)
    sink._callback(out, len(out), info, 0)
    part = out[int(0.55 * SR) : int(0.8 * SR)]  # output 0.5..0.83 s is source 1..2 s at 3x
    assert peak_frequency(part) == pytest.approx(440.0, rel=0.01)


def test_a_new_generation_restarts_the_stretcher(make_clip):
    clip = make_clip(duration=3.0, tone_hz=440.0)
    now = [0.0]
    clock = PlaybackClock(time_fn=lambda: now[0])
    sink = AudioSink(clock, time_fn=lambda: now[0], buffer_seconds=4.0)
    pipe = AudioPipeline(sink, lambda t: 2.0)
    chunks = list(decoded_chunks(clip, clock.generation))
    for chunk in chunks[:20]:
        pipe.feed(chunk)
    generation = clock.seek(2.0)
    sink.flush()
    later = [c for c in decoded_chunks(clip, generation) if c.src_t >= 2.0]
    for chunk in later:
        assert pipe.feed(chunk)
    start = sink.ring.read_index  # the callback has not run: the discard is still pending
    first_new = next(i for i in range(start, sink.ring.write_index) if sink.ring.source_time_at(i)[2] == generation)
    assert sink.ring.source_time_at(first_new)[0] == pytest.approx(later[0].src_t, abs=1e-6)


def test_rates_come_from_the_current_source(make_clip):
    now = [0.0]
    clock = PlaybackClock(time_fn=lambda: now[0])
    sink = AudioSink(clock, time_fn=lambda: now[0], buffer_seconds=4.0)
    rate = [1.0]  # the session's rate function reads its current plan and manual rate
    pipe = AudioPipeline(sink, lambda t: rate[0])
    x = np.zeros((4800, 2), np.float32)
    pipe.feed(AudioChunk(0.0, 0, x, SR))
    rate[0] = 4.0
    pipe.feed(AudioChunk(0.1, 0, x, SR))
    pipe.end_of_stream(0)
    assert sink.ring.write_index == 4800 + 1200


def test_stale_chunks_are_dropped_and_wrong_rates_refused():
    clock = PlaybackClock()
    sink = AudioSink(clock)
    pipe = AudioPipeline(sink, lambda t: 1.0)
    old = clock.generation
    clock.seek(1.0)
    assert not pipe.feed(AudioChunk(0.0, old, np.zeros((100, 2), np.float32), SR))
    assert sink.ring.write_index == 0
    with pytest.raises(ValueError, match="resampled"):
        pipe.feed(AudioChunk(0.0, clock.generation, np.zeros((100, 2), np.float32), 44100))
    assert not pipe.end_of_stream(old)
