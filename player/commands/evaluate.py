"""``speednet-player evaluate --data DIR [--model CKPT]``: 1x-vs-2x accuracy on held-out
videos, next to the frame-difference baseline. The checkpoint's training clips are never
counted."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, type=Path, help="a folder of videos, or the corpus root with MANIFEST.tsv")
    parser.add_argument("--model", type=Path, help="checkpoint (.safetensors); default: the bundled model")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    parser.add_argument("--cache-dir", type=Path, help="reuse/keep decoded frames here")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--per-clip", action="store_true", help="print the accuracy of each clip")


def run(args: argparse.Namespace) -> int:
    from models.evaluate import evaluate_data
    from player.core.errors import UserError

    if not args.data.exists():
        raise UserError(f"data folder not found: {args.data}")
    result = evaluate_data(
        args.data, args.model, device=args.device, cache_dir=args.cache_dir,
        log=lambda m: print(m, file=sys.stderr),
    )
    if args.per_clip:
        for key, acc in sorted(result.per_clip.items()):
            print(f"  {acc:5.3f}  {key}")
    half = result.windows // 2
    print(f"held-out clips: {len(result.clips)}; windows: {result.windows} ({half} at 1x, {half} at 2x)")
    print(f"SpeedNet accuracy (1x vs 2x):        {result.accuracy:.3f}")
    print(
        f"frame-difference baseline accuracy:  {result.baseline_accuracy:.3f} "
        f"(best single threshold {result.baseline_threshold:.2f})"
    )
    print(f"margin over baseline: {result.margin_points:+.1f} points")
    print(f"per-clip mean score:  SpeedNet {result.clip_accuracy:.3f}, baseline {result.baseline_clip_accuracy:.3f}")
    if args.json:
        from models.checkpoint import atomic_write_bytes

        payload = {
            "accuracy": result.accuracy,
            "baseline_accuracy": result.baseline_accuracy,
            "baseline_threshold": result.baseline_threshold,
            "clip_accuracy": result.clip_accuracy,
            "baseline_clip_accuracy": result.baseline_clip_accuracy,
            "windows": result.windows,
            "clips": result.clips,
            "per_clip": result.per_clip,
        }
        atomic_write_bytes(args.json, json.dumps(payload, indent=2).encode())
    return 0
