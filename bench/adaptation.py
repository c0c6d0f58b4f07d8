"""Learn my videos, measured: adapt on the first 60% of each long clip, test on the last 40%.

For every clip (the longest usable clips of a folder, sports first), on its own:

- 1x-vs-2x accuracy on the last 40% of the clip (whole seconds, never overlapping a
  training window) before and after ``models.adapt.adapt`` ran for ``--minutes`` on the
  first 60%. "after" is what the product keeps: the best measured state if it beat the base
  model, else the base model (nothing is written). "last" is the final state, unselected.
- The splice response on the last part (bench/splice.py's test on the product's scoring
  path): the last 40% cut to its own file, its middle third sped up 2x, scored as
  ``analyze`` scores it; mean P(natural at 1x) outside minus inside the sped-up third,
  with the base model and with the kept model. Higher is better.

``--long-check`` instead builds a 90-minute video (a clip's packets repeated, no
re-encoding) and adapts to it for ``--minutes``: it reports how long the first decoded span
took to show progress and the process's peak memory.

Targets (issue 13): +5 points of held-back accuracy on average for long sports clips after
5 minutes on 2 cores, never lower by more than noise; on a 90-minute video, progress within
10 s and memory under 1.5 GB.

Usage:
    .venv/bin/python bench/adaptation.py [--data ../shared/data] [--model CKPT] [--minutes 5] [--max-clips 6] [--json OUT]
    .venv/bin/python bench/adaptation.py --long-check [--minutes 1]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

#: Share of each clip held back for the test (its end).
TEST_FRACTION = 0.4
#: Shortest last part the splice test is run on (three thirds of splice.MIN_THIRD_S).
MIN_SPLICE_S = 9.0


def pick_clips(data: Path, fps: float, max_clips: int) -> list[tuple[Path, str, float]]:
    """(path, category, duration) of the longest usable clips, sports first."""
    from models.data import exclusion_reason, index_corpus

    clips = index_corpus(data)
    if (data / "MANIFEST.tsv").is_file():
        usable = [c for c in clips if exclusion_reason(c, fps) is None and c.duration_s > 0]
        sports = sorted((c for c in usable if c.category == "sports"), key=lambda c: -c.duration_s)
        rest = sorted((c for c in usable if c.category != "sports"), key=lambda c: -c.duration_s)
        return [(c.path, c.category, c.duration_s) for c in (sports + rest)[:max_clips]]
    from models.adapt import VideoReader

    rows = []
    for c in clips:
        try:
            with VideoReader(c.path) as reader:
                rows.append((c.path, "unknown", reader.duration_s))
        except Exception:  # noqa: BLE001 - not a video: not a candidate
            continue
    return sorted(rows, key=lambda r: -r[2])[:max_clips]


def write_tail(src: Path, start_s: float, out: Path) -> float:
    """Copy ``src`` from ``start_s`` (seconds from its first frame) to its end into ``out``,
    re-encoded at the source rate; returns the copy's duration. Streams frame by frame."""
    import av

    with av.open(str(src)) as inp, av.open(str(out), "w") as dst:
        stream = inp.streams.video[0]
        rate = Fraction(stream.average_rate or stream.guessed_rate or 30).limit_denominator(1001)
        vs = None
        t_first = None
        n = 0
        for frame in inp.decode(stream):
            t = float(frame.time or 0.0)
            t_first = t if t_first is None else t_first
            if t - t_first < start_s - 1e-6:
                continue
            image = frame.to_ndarray(format="rgb24")
            if vs is None:
                h, w = image.shape[:2]
                vs = dst.add_stream("libx264", rate=rate, options={"crf": "18", "preset": "veryfast"})
                vs.width, vs.height, vs.pix_fmt = w - w % 2, h - h % 2, "yuv420p"
                vs.codec_context.time_base = 1 / rate
            picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(image[: vs.height, : vs.width]), format="rgb24")
            picture.pts = n
            n += 1
            for packet in vs.encode(picture):
                dst.mux(packet)
        if vs is not None:
            for packet in vs.encode():
                dst.mux(packet)
    return n / float(rate)


def splice_drop(video: Path, model: Path, tmp: Path) -> float:
    """Mean P(natural at 1x) outside minus inside the sped-up middle third (splice.py's check)."""
    from models.inference import SpeedScorer
    from player.analysis.splice_check import splice_scores

    scorer = SpeedScorer.load(model, device="cpu")
    inside, outside, _ = splice_scores(video, scorer, tmp)
    return outside - inside


def run_clips(args: argparse.Namespace) -> int:
    """Adapt on every picked clip on its own; print a line per clip, the averages, and
    (``--json``) write the per-clip figures."""
    from models.checkpoint import load_checkpoint

    base = load_checkpoint(args.model)
    trained = set(base.info.get("train_clips", []) or [])
    clips = pick_clips(args.data, base.config.fps, args.max_clips)
    if not clips:
        raise SystemExit(f"error: no usable clips in {args.data}")
    print(f"model {args.model.name} ({base.config.variant}, {base.model_hash}); {len(clips)} clips; "
          f"{args.minutes:g} min each; adapt on the first {1 - TEST_FRACTION:.0%}, test on the last {TEST_FRACTION:.0%}",
          flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for path, category, duration in clips:
            row = adapt_clip(args, tmp, path, category, duration, trained)
            rows.append(row)
            print(clip_line(row, duration), flush=True)
    print_summary(rows)
    if args.json:
        args.json.write_text(json.dumps({"model": args.model.name, "model_hash": base.model_hash,
                                         "minutes": args.minutes, "clips": rows}, indent=1))
    return 0


def adapt_clip(
    args: argparse.Namespace, tmp: Path, path: Path, category: str, duration: float, trained: set[str]
) -> dict[str, Any]:
    """Adapt on the first part of one clip; its figures on the last part (the splice drops
    too, unless ``--no-splice`` or the last part is too short for the splice test)."""
    from models.adapt import AdaptOptions, adapt

    key = str(path.relative_to(args.data)) if path.is_relative_to(args.data) else path.name
    out = tmp / f"{path.stem}-adapted.safetensors"
    result = adapt(AdaptOptions(
        videos=(path,), base=args.model, out=out, minutes=args.minutes, device=args.device,
        holdout_fraction=TEST_FRACTION, seed=args.seed,
    ))
    # Nothing written means the product keeps the base model: that is what "after" scores.
    kept = out if result.written is not None else args.model
    hold = result.videos[0]
    row = {
        "clip": key, "category": category, "duration_s": round(duration, 2),
        "in_base_training": key in trained, "test_from_s": hold["holdout_start_s"],
        "windows": result.windows, "steps": result.steps, "wall_s": round(result.wall_s, 1),
        "before": result.before, "after": result.after, "last": result.final_accuracy,
        "written": result.written is not None,
    }
    tail_s = duration - hold["holdout_start_s"]
    if not args.no_splice and tail_s >= MIN_SPLICE_S:
        add_splice_drops(row, path, hold["holdout_start_s"], args.model, kept, tmp)
    return row


def add_splice_drops(row: dict[str, Any], path: Path, start_s: float, base_model: Path, kept: Path, tmp: Path) -> None:
    """``row["splice_before"]`` and ``row["splice_after"]``: the splice drop on the clip's last
    part (from ``start_s``) with the base model and with the kept one."""
    tail = tmp / f"{path.stem}-tail.mp4"
    write_tail(path, start_s, tail)
    row["splice_before"] = splice_drop(tail, base_model, tmp)
    # The kept model is the base model when nothing was written: the same figure.
    row["splice_after"] = splice_drop(tail, kept, tmp) if kept != base_model else row["splice_before"]


def clip_line(row: dict[str, Any], duration: float) -> str:
    """One clip's figures on one line (``duration`` unrounded, as the row's is rounded)."""
    splice = (f"  splice drop {row['splice_before']:+.3f} -> {row['splice_after']:+.3f}"
              if "splice_before" in row else "  splice n/a (last part too short)")
    return (f"{row['clip']:52s} {duration:6.1f} s  test from {row['test_from_s']:3d} s ({row['windows']:3d} windows)  "
            f"acc {row['before']:.3f} -> {row['after']:.3f} (last {row['last']:.3f}, "
            f"{100 * (row['after'] - row['before']):+.1f} pts, {row['steps']} steps)"
            f"{splice}{'  [base trained on it]' if row['in_base_training'] else ''}")


def print_summary(rows: list[dict[str, Any]]) -> None:
    """The averages over the clips: held-back accuracy, its gain and worst gain, the splice drops."""
    gain = np.array([100 * (r["after"] - r["before"]) for r in rows])
    last = np.array([100 * (r["last"] - r["before"]) for r in rows])
    print(f"{len(rows)} clips: held-back accuracy {np.mean([r['before'] for r in rows]):.3f} -> "
          f"{np.mean([r['after'] for r in rows]):.3f}, {gain.mean():+.1f} points on average (target >= +5), "
          f"worst {gain.min():+.1f}; last state unselected {last.mean():+.1f} on average, worst {last.min():+.1f}")
    spliced = [r for r in rows if "splice_before" in r]
    if spliced:
        print(f"splice drop on the last part ({len(spliced)} clips): "
              f"{np.mean([r['splice_before'] for r in spliced]):+.3f} -> {np.mean([r['splice_after'] for r in spliced]):+.3f}")


def write_long_video(src: Path, out: Path, minutes: float) -> float:
    """``src``'s packets repeated, with shifted timestamps, until ``minutes`` of video."""
    import av

    with av.open(str(src)) as inp:
        stream = inp.streams.video[0]
        packets = [(p.pts, p.dts, p.is_keyframe, bytes(p)) for p in inp.demux(stream) if p.size]
        time_base = stream.time_base
        length = float(stream.duration * time_base) if stream.duration else float(inp.duration / 1e6)
        # Each repeat starts after the last one's last timestamp, even where the header's
        # duration is shorter than the packets span (B-frames: dts before pts), or the
        # muxer refuses a non-increasing dts.
        stamps = [t for pts, dts, _k, _d in packets for t in (pts, dts) if t is not None]
        tick = max(1, int(round(1 / (float(stream.average_rate or 30) * time_base))))
        span = max(int(round(length / time_base)), max(stamps) - min(stamps) + tick)
        length = float(span * time_base)
        with av.open(str(out), "w") as dst:
            vs = dst.add_stream_from_template(stream)
            repeats = int(np.ceil(minutes * 60 / length))
            for r in range(repeats):
                for pts, dts, key, data in packets:
                    packet = av.Packet(data)
                    packet.pts = None if pts is None else pts + r * span
                    packet.dts = None if dts is None else dts + r * span
                    packet.is_keyframe = key
                    packet.time_base = time_base
                    packet.stream = vs
                    dst.mux(packet)
    return repeats * length


def long_check(args: argparse.Namespace) -> int:
    from models.adapt import AdaptOptions, adapt

    src = args.data / "videos" / "squash" / "input_video.mp4"
    if not src.is_file():
        src = REPO / "resources" / "demo_baseball.mp4"
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        long_video = tmp / "ninety_minutes.mp4"
        t0 = time.perf_counter()
        length = write_long_video(src, long_video, 90.0)
        print(f"built {length / 60:.1f} min from {src.name} in {time.perf_counter() - t0:.1f} s", flush=True)
        first: list[float] = []
        start = time.perf_counter()

        def progress(stage: str, fraction: float, _message: str) -> None:
            if stage == "decode" and fraction > 0 and not first:
                first.append(time.perf_counter() - start)

        result = adapt(AdaptOptions(videos=(long_video,), base=args.model, out=tmp / "m.safetensors",
                                    minutes=args.minutes, device=args.device), progress=progress)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        trained = sum(v["train_s"] for v in result.videos)
        held = sum(v["holdout_s"] for v in result.videos)
        print(f"90-minute video: first decoded span after {first[0]:.1f} s (target <= 10 s); "
              f"{trained:.0f} s trained on, {held:.0f} s held back, frames {result.peak_frame_bytes / 2**20:.0f} MiB; "
              f"peak memory of the process {peak_mb:.0f} MB (target < 1536 MB); "
              f"accuracy {result.before:.3f} -> {result.after:.3f} in {result.wall_s:.0f} s, {result.steps} steps")
    return 0


def main() -> int:
    from models.inference import DEFAULT_CHECKPOINT

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--model", type=Path, default=DEFAULT_CHECKPOINT)
    parser.add_argument("--minutes", type=float, default=5.0, help="adaptation time per clip (default 5)")
    parser.add_argument("--max-clips", type=int, default=6)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-splice", action="store_true", help="skip the splice test")
    parser.add_argument("--long-check", action="store_true", help="progress latency and memory on a 90-minute video")
    parser.add_argument("--json", type=Path, help="also write the per-clip figures here")
    args = parser.parse_args()
    return long_check(args) if args.long_check else run_clips(args)


if __name__ == "__main__":
    sys.exit(main())
