"""Throughput of the default SpeedNet checkpoint on CPU.

Prints, measured side by side in one run:
- score_clips clips/s and frames/s at batch 8 (frames already at S x S, and from 720p frames
  so the resize is included);
- score_sequence frames/s (one fully convolutional pass, S x S frames);
- what the live planner needs per second of 30 fps video (about 4.6 x fps_model scored
  frames; docs/architecture.md, "Scores and the plan") as a share of one CPU second.

Usage: .venv/bin/python bench/score_throughput.py [--model CKPT] [--threads N] [--seconds S]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from models.inference import SpeedScorer


def _rate(fn, units: float, seconds: float) -> float:  # noqa: ANN001
    fn()  # warm up (allocator, oneDNN kernels)
    done = 0
    start = time.perf_counter()
    while True:
        fn()
        done += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return units * done / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="checkpoint (default: the bundled model)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    scorer = SpeedScorer.load(args.model, device="cpu")
    t, s = scorer.clip_len, scorer.input_size
    rng = np.random.default_rng(0)
    small = rng.integers(0, 255, (8, t, s, s, 3), dtype=np.uint8)
    big = rng.integers(0, 255, (8, t, 720, 1280, 3), dtype=np.uint8)
    seq = rng.integers(0, 255, (512, s, s, 3), dtype=np.uint8)
    print(f"model {scorer.model_hash}: T={t}, {s}x{s}, {scorer.fps:g} fps; torch threads {args.threads}")
    clips_s = _rate(lambda: scorer.score_clips(small), 8, args.seconds)
    print(f"score_clips batch 8, {s}x{s} input:  {clips_s:8.1f} clips/s  {clips_s * t:9.1f} frames/s")
    clips_b = _rate(lambda: scorer.score_clips(big), 8, args.seconds)
    print(f"score_clips batch 8, 1280x720 input: {clips_b:8.1f} clips/s  {clips_b * t:9.1f} frames/s (resize included)")
    seq_fps = _rate(lambda: scorer.score_sequence(seq), seq.shape[0] - t + 1, args.seconds)
    print(f"score_sequence, {s}x{s} frames:        {seq_fps:8.1f} windows/s (= frames/s)")
    need = 4.6 * scorer.fps
    print(
        f"live planner: ~{need:.0f} scored frames per second of video -> "
        f"{need / seq_fps * 100:.1f}% of the CPU time for score_sequence "
        f"({seq_fps / need:.0f}x real time, model only)"
    )


if __name__ == "__main__":
    main()
