"""The splice check: a real clip with its middle third sped up 2x, scored on the product's
own path (probe, ``ScoreWorker`` over every ladder speed, as ``analyze`` does), and
P(natural at 1x) compared inside the sped-up third and outside it. Used by the splice test
(tests/analysis/test_splice.py) and bench/splice.py.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from player.analysis.score_worker import ScoreWorker, Scorer, track_for_media
from player.media.probe import probe

#: Seconds left out on both sides of each splice edge (half a 1x window, and a little).
EDGE_S = 0.6
def write_splice(src: Path, out: Path) -> tuple[float, float]:
    """Copy ``src`` to ``out`` with its middle third at 2x; returns the splice (t0, t1) in out."""
    import av

    with av.open(str(src)) as inp:
        stream = inp.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate
        frames = [f.to_ndarray(format="rgb24") for f in inp.decode(stream)]
    n = len(frames)
    a, b = n // 3, 2 * n // 3
    kept = frames[:a] + frames[a:b:2] + frames[b:]
    fps = Fraction(rate).limit_denominator(1001)
    h, w = kept[0].shape[:2]
    with av.open(str(out), "w") as dst:
        vs = dst.add_stream("libx264", rate=fps, options={"crf": "18", "preset": "veryfast"})
        vs.width, vs.height, vs.pix_fmt = w - w % 2, h - h % 2, "yuv420p"
        vs.codec_context.time_base = 1 / fps
        for i, image in enumerate(kept):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image[: vs.height, : vs.width]), format="rgb24")
            frame.pts = i
            for packet in vs.encode(frame):
                dst.mux(packet)
        for packet in vs.encode():
            dst.mux(packet)
    return a / float(fps), (a + len(frames[a:b:2])) / float(fps)


def splice_scores(video: Path, scorer: Scorer, tmp: Path, timeout_s: float = 600.0) -> tuple[float, float, tuple[float, float]]:
    """(mean P(natural at 1x) inside the splice, outside it, the splice range), scored by
    the ``ScoreWorker`` that ``analyze`` and the player use."""
    spliced = tmp / f"splice-{video.stem}.mp4"
    t0, t1 = write_splice(video, spliced)
    info = probe(spliced)
    track = track_for_media(info)
    worker = ScoreWorker(spliced, info, scorer, track)
    worker.start()
    if not worker.join(timeout_s):
        raise RuntimeError(f"scoring {video} did not finish")
    if worker.error is not None:
        raise worker.error
    p1 = track.snapshot().p_natural[0]
    t = track.times
    inside = (t >= t0 + EDGE_S) & (t < t1 - EDGE_S)
    outside = (t < t0 - EDGE_S) | (t >= t1 + EDGE_S)
    return float(np.nanmean(p1[inside])), float(np.nanmean(p1[outside])), (t0, t1)
