"""The SPLICE test on the product's own path, for a checkpoint and its held-out clips.

Each clip gets its middle third sped up 2x (every other frame dropped, re-encoded at the
source rate with PyAV), then is scored exactly as ``analyze`` scores it (probe,
``ScoreWorker`` over the whole video, all ladder speeds). Reported per clip: mean
P(natural at 1x) inside the sped-up third and outside it, leaving ``EDGE_S`` out around
each splice edge, where a window straddles both speeds.

Targets (issue 12): the mean inside at least 0.2 below the mean outside, and lower on at
least 80% of the clips.

Usage:
    .venv/bin/python bench/splice.py --model CKPT --data ../shared/data --folds 3 --fold 0 [--max-clips 12]
    .venv/bin/python bench/splice.py --model CKPT --clips a.mp4 b.mp4 ...

With ``--folds/--fold`` the clips are those of the held-out fold of ``models.folds``
(never a source the model was trained on: the checkpoint's training clips are checked).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

#: Thirds shorter than this give too few windows to compare.
MIN_THIRD_S = 3.0


def held_out_clips(data: Path, folds: int, fold: int, fps: float, trained: set[str]) -> list[Path]:
    """Usable clips of the held-out fold, long enough for thirds of ``MIN_THIRD_S``."""
    from models.data import exclusion_reason, index_corpus
    from models.folds import split_by_source

    clips = [c for c in index_corpus(data) if exclusion_reason(c, fps) is None]
    _, held = split_by_source(clips, folds, fold)
    leaked = trained & {c.key for c in held}
    if leaked:
        raise SystemExit(f"error: the model was trained on held-out clips: {sorted(leaked)[:3]}")
    return [c.path for c in held if c.duration_s >= 3 * MIN_THIRD_S]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--folds", type=int)
    parser.add_argument("--fold", type=int, default=0)
    parser.add_argument("--clips", type=Path, nargs="*")
    parser.add_argument("--max-clips", type=int, default=12)
    parser.add_argument("--json", type=Path, help="also write the per-clip figures here")
    args = parser.parse_args()

    from models.checkpoint import load_checkpoint
    from models.inference import SpeedScorer
    from player.analysis.splice_check import splice_scores

    ckpt = load_checkpoint(args.model)
    scorer = SpeedScorer.load(args.model, device="cpu")
    if args.clips:
        videos = list(args.clips)
    elif args.folds:
        trained = set(ckpt.info.get("train_clips", []))
        videos = held_out_clips(args.data, args.folds, args.fold, ckpt.config.fps, trained)
        # An even spread over the fold, longest sources not favoured: every k-th clip.
        step = max(1, len(videos) // args.max_clips)
        videos = videos[::step][: args.max_clips]
    else:
        parser.error("give --clips or --folds/--fold")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for video in videos:
            p_in, p_out, (t0, t1) = splice_scores(video, scorer, Path(tmp))
            rows.append({"clip": video.name, "inside": p_in, "outside": p_out, "splice": [t0, t1]})
            print(f"{video.name:40s} splice {t0:5.1f}-{t1:5.1f} s  P(natural at 1x) inside {p_in:.3f}  outside {p_out:.3f}  "
                  f"drop {p_out - p_in:+.3f}", flush=True)
    inside = np.array([r["inside"] for r in rows])
    outside = np.array([r["outside"] for r in rows])
    drop = outside - inside
    print(f"{len(rows)} clips: mean inside {inside.mean():.3f}, outside {outside.mean():.3f}, "
          f"drop {drop.mean():+.3f} (target >= 0.2); lower inside on {np.mean(drop > 0):.0%} (target >= 80%)")
    if args.json:
        args.json.write_text(json.dumps({"model": str(args.model), "model_hash": ckpt.model_hash, "clips": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
