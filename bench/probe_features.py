"""Research probe: how much 1x-vs-2x signal do frozen Kinetics I3D features carry, by
input size, frame rate and depth, on sources the probe never saw?

For fold ``--fold`` of ``models.folds`` (by source), every clip's non-overlapping windows
give a 1x clip and a 2x clip (``models.data.eval_windows``). The frozen trunk (converted
I3D weights, no training) turns each into spatially and temporally pooled features at
Conv3d_2c, Mixed_3b and Mixed_3c; a logistic regression fitted on the training sources is
scored on the held-out ones, next to the frame-difference baseline (its threshold chosen
on the held-out clips themselves). Also reported: how often a window's 2x clip gets the
higher score (ranking, which ignores calibration across content).

Usage: .venv/bin/python bench/probe_features.py --init i3d_k400.safetensors [--sizes 48 64] [--fps 15]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from models.config import ModelConfig  # noqa: E402
from models.data import FrameCache, eval_windows, exclusion_reason, index_corpus  # noqa: E402
from models.evaluate import best_threshold_accuracy, frame_difference  # noqa: E402
from models.folds import split_by_source  # noqa: E402
from models.i3d_weights import load_init  # noqa: E402
from models.network import build_model  # noqa: E402


def features(model, clips: np.ndarray, batch: int = 16) -> np.ndarray:
    """(N, T, S, S, 3) uint8 -> (N, C) features at each endpoint, concatenated per depth."""
    outs: dict[str, list[np.ndarray]] = {"2c": [], "3b": [], "3c": []}
    trunk = model.trunk
    from models.i3d import max_pool_same

    with torch.inference_mode():
        for i in range(0, len(clips), batch):
            x = torch.from_numpy(clips[i : i + batch]).permute(0, 4, 1, 2, 3).float() / 127.5 - 1
            x = max_pool_same(trunk.conv1a(x), (1, 3, 3), 2)
            x = trunk.conv2c(trunk.conv2b(x))
            outs["2c"].append(x.mean(dim=(2, 3, 4)).numpy())
            x = max_pool_same(x, (1, 3, 3), 2)
            x = trunk.mixed[0](x)
            outs["3b"].append(x.mean(dim=(2, 3, 4)).numpy())
            x = trunk.mixed[1](x)
            outs["3c"].append(x.mean(dim=(2, 3, 4)).numpy())
    return {k: np.concatenate(v) for k, v in outs.items()}


def windows(frames_by_clip: dict[str, np.ndarray], t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs, ys, ids = [], [], []
    for i, frames in enumerate(frames_by_clip.values()):
        normal, fast = eval_windows(frames, t)
        if len(normal) == 0:
            continue
        # at most 40 windows a clip, so long clips do not dominate
        sel = np.linspace(0, len(normal) - 1, min(40, len(normal))).astype(int)
        xs += [normal[sel], fast[sel]]
        ys += [np.zeros(len(sel)), np.ones(len(sel))]
        ids += [np.arange(len(sel)) + 1000 * i] * 2
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(ids)


def fit_logreg(x: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 500):
    mu, sd = x.mean(0), x.std(0) + 1e-6
    xt = torch.from_numpy((x - mu) / sd).float()
    yt = torch.from_numpy(y).float()
    w = torch.zeros(x.shape[1], requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=steps)

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(xt @ w + b, yt) + l2 * (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return lambda z: ((torch.from_numpy((z - mu) / sd).float() @ w + b).detach().numpy())


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--init", type=Path, required=True)
    p.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    p.add_argument("--cache", type=Path, default=Path("/tmp/probe-cache"))
    p.add_argument("--sizes", type=int, nargs="+", default=[48])
    p.add_argument("--fps", type=float, nargs="+", default=[15.0])
    p.add_argument("--clip-len", type=int, default=16)
    p.add_argument("--folds", type=int, default=3)
    p.add_argument("--fold", type=int, default=0)
    p.add_argument("--tstride", type=int, default=1, help="I3D's own temporal stride 2 in Conv3d_1a (as pretrained)")
    a = p.parse_args()
    torch.set_num_threads(2)
    for fps in a.fps:
        clips = [c for c in index_corpus(a.data) if exclusion_reason(c, fps) is None]
        train, held = split_by_source(clips, a.folds, a.fold)
        for size in a.sizes:
            cfg = ModelConfig(variant="probe", family="i3d", endpoint="Mixed_3c", clip_len=a.clip_len, input_size=size, fps=fps)
            model = build_model(cfg).eval()
            model.load_state_dict(load_init(a.init), strict=False)
            model.trunk.conv1a.conv.stride = (a.tstride, 2, 2)
            cache = FrameCache(a.cache, fps, size)
            tr = {c.key: cache.load(c) for c in train}
            te = {c.key: cache.load(c) for c in held}
            xtr, ytr, _ = windows(tr, a.clip_len)
            xte, yte, ids = windows(te, a.clip_len)
            ftr, fte = features(model, xtr), features(model, xte)
            diff = frame_difference(xte)
            base, _ = best_threshold_accuracy(diff, yte)
            line = [f"fps {fps:g} size {size} T {a.clip_len} tstride {a.tstride}: {len(xtr)} train / {len(xte)} test clips; frame-diff {base:.3f}"]
            for depth in ("2c", "3b", "3c"):
                score = fit_logreg(ftr[depth], ytr)(fte[depth])
                acc = float(((score > 0) == yte).mean())
                rank = float(np.mean(score[yte == 1] > score[yte == 0]))  # paired: same order
                line.append(f"{depth}: acc {acc:.3f} rank {rank:.2f}")
            print("; ".join(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
