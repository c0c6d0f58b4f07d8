"""How fast `analyze` scores a 60 s 720p30 video, against bare decoding, in one run.

Prints, measured side by side (best of ``--repeat`` alternating runs, so background load
hits both alike):

- (a) decode + resize to the model's input size alone (``ModelFrameReader``), x real time;
- (b) the full analysis without cache: probe, ``ScoreWorker`` over the whole video (all 11
  ladder speeds), and the plan, x real time;
- the ratio b / a (target >= 0.7: the model costs at most 30% over bare decoding) and
  analyze >= 10x real time;
- a rho change on a 2 h, 30 fps plan (target < 50 ms), median of several.

The clip: four real 720p 29.97 fps clips of ../shared/data (sam2/*.mp4, about 39 s) played
back to back and looped to 60 s, re-encoded once with libx264 (crf 23, veryfast) at 30 fps
into a temp folder (reused by later runs). Without the corpus: a synthetic clip (a
panning photo-like texture with moving shapes, not trivially compressible).

Usage: .venv/bin/python bench/analyze_throughput.py [--model CKPT] [--repeat N] [--clip FILE]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CORPUS = REPO.parent / "shared" / "data" / "videos"
SOURCES = ["sam2/01_dog.mp4", "sam2/02_cups.mp4", "sam2/03_blocks.mp4", "sam2/04_coffee.mp4"]
SECONDS, FPS, SIZE = 60.0, 30, (1280, 720)


def make_clip(out: Path) -> Path:
    """Write the 60 s 720p30 bench clip to ``out`` (once)."""
    import av

    if out.is_file() and out.stat().st_size > 0:
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".partial.mp4")
    frames_needed = int(SECONDS * FPS)
    with av.open(str(tmp), "w") as dst:
        stream = dst.add_stream("libx264", rate=FPS, options={"crf": "23", "preset": "veryfast"})
        stream.width, stream.height, stream.pix_fmt = SIZE[0], SIZE[1], "yuv420p"
        stream.codec_context.time_base = Fraction(1, FPS)
        for i, image in enumerate(_source_frames(frames_needed)):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                dst.mux(packet)
        for packet in stream.encode():
            dst.mux(packet)
    tmp.replace(out)
    return out


def _source_frames(n: int):  # noqa: ANN202 - generator of (720, 1280, 3) uint8
    import av

    paths = [CORPUS / s for s in SOURCES if (CORPUS / s).is_file()]
    made = 0
    if paths:
        while made < n:
            for path in paths:
                with av.open(str(path)) as src:
                    for frame in src.decode(video=0):
                        yield frame.to_ndarray(format="rgb24", width=SIZE[0], height=SIZE[1])
                        made += 1
                        if made >= n:
                            return
        return
    rng = np.random.default_rng(0)
    texture = rng.integers(0, 256, (SIZE[1] // 8, SIZE[0] // 4, 3), dtype=np.uint8)
    texture = np.repeat(np.repeat(texture, 8, 0), 8, 1)  # blocky detail at 2x the width
    for i in range(n):
        x = (i * 7) % (texture.shape[1] - SIZE[0])
        image = texture[: SIZE[1], x : x + SIZE[0]].copy()
        cx = int((np.sin(i / 20) * 0.4 + 0.5) * SIZE[0])
        image[300:420, max(0, cx - 60) : cx + 60] = (250, 240, 30)
        yield image


def decode_only(path: Path, size: int) -> float:
    """(a): seconds to read every frame at model size."""
    from player.media.frame_reader import ModelFrameReader

    t0 = time.perf_counter()
    count = 0
    with ModelFrameReader(path, size) as reader:
        for _ in reader.iter_frames(0.0, None):
            count += 1
    return time.perf_counter() - t0


def full_analyze(path: Path, scorer) -> tuple[float, dict]:  # noqa: ANN001
    """(b): seconds for probe + scoring every frame at all 11 speeds + the plan (no cache)."""
    from player.analysis.score_worker import ScoreWorker, track_for_media
    from player.core.speedup import plan
    from player.media.probe import probe

    t0 = time.perf_counter()
    info = probe(path)
    track = track_for_media(info)
    worker = ScoreWorker(path, info, scorer, track)
    worker.start()
    worker.join()
    if worker.error is not None:
        raise worker.error
    snap = track.snapshot()
    plan(snap.times, snap.p_natural, rho=0.5, duration=snap.duration)
    return time.perf_counter() - t0, dict(worker.stats)


def replan_ms() -> float:
    """Median ms to re-plan a 2 h, 30 fps track for a new rho (planner already built)."""
    from player.core.speedup import SpeedPlanner

    n = 2 * 3600 * 30
    rng = np.random.default_rng(0)
    knots = rng.uniform(0.2, 1.0, n // 60 + 2)
    base = np.interp(np.arange(n) / 60, np.arange(knots.size), knots)
    p = np.clip(base - 0.08 * np.arange(11)[:, None] + 0.05 * rng.normal(size=(11, n)), 0, 1)
    planner = SpeedPlanner(np.arange(n) / 30.0, p.astype(np.float32))
    runs = []
    for rho in (0.3, 0.5, 0.7, 0.4, 0.6, 0.45, 0.55):
        t0 = time.perf_counter()
        planner.plan(rho)
        runs.append(1e3 * (time.perf_counter() - t0))
    return statistics.median(runs)


def load_scorer(model: str | None):  # noqa: ANN201
    from models.errors import ModelError
    from models.inference import SpeedScorer

    try:
        return SpeedScorer.load(model, device="auto"), "checkpoint"
    except ModelError as exc:
        if model is not None:
            raise
        # No shipped checkpoint yet: the cost does not depend on the weights.
        import torch

        from models.checkpoint import model_hash
        from models.config import small
        from models.network import build_model

        print(f"note: {exc}; timing a randomly initialised 'small' model instead")
        torch.manual_seed(0)
        net = build_model(small())
        return SpeedScorer(net, small(), model_hash(small(), net.state_dict())), "random small"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="checkpoint (default: the bundled model)")
    parser.add_argument("--repeat", type=int, default=2, help="alternating runs of (a) and (b)")
    parser.add_argument("--clip", type=Path, help="use this video instead of the 60 s 720p30 clip")
    args = parser.parse_args()

    clip = args.clip or make_clip(Path(tempfile.gettempdir()) / "speednet-bench" / "analyze_720p30_60s.mp4")
    from player.media.probe import probe

    info = probe(clip)
    scorer, which = load_scorer(args.model)
    print(
        f"clip {clip} ({info.width}x{info.height}, {info.fps_avg:.2f} fps, {info.duration_s:.1f} s)\n"
        f"model {which} {scorer.model_hash}: T={scorer.clip_len}, {scorer.input_size}px, "
        f"{scorer.fps:g} fps, device {scorer.device}"
    )
    decode_s, analyze_s, stats = [], [], {}
    for _ in range(max(1, args.repeat)):
        decode_s.append(decode_only(clip, scorer.input_size))
        t, stats = full_analyze(clip, scorer)
        analyze_s.append(t)
    a = info.duration_s / min(decode_s)
    b = info.duration_s / min(analyze_s)
    print(f"(a) decode + resize to {scorer.input_size}px : {a:6.1f}x real time  (runs: "
          + ", ".join(f"{s:.2f}s" for s in decode_s) + ")")
    print(f"(b) full analyze, no cache    : {b:6.1f}x real time  (runs: "
          + ", ".join(f"{s:.2f}s" for s in analyze_s) + ")")
    print(f"    last run: {stats['frames_decoded']} frames decoded, {stats['model_frames']} model frames "
          f"in {stats['model_s']:.2f} s of model calls, {stats['decode_wait_s']:.2f} s waiting for decode")
    print(f"ratio b/a = {b / a:.2f}   (targets: analyze >= 10x real time, b/a >= 0.7)")
    print(f"rho change on a 2 h 30 fps plan: {replan_ms():.1f} ms (target < 50 ms)")


if __name__ == "__main__":
    main()
