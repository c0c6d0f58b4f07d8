"""Tensor transforms of frames that are already at the model's rate (models.preprocess
decodes them): normalisation for the network, and training's pair sampling and shared
augmentation (one random square resize, crop and flip, and a colour change, identical for
both clips of a pair, so speed is the only difference between them).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from models.config import ModelConfig


def resize_frames(frames: np.ndarray, size: int) -> np.ndarray:
    """(L, H, W, 3) uint8 -> (L, size, size, 3) uint8, squashed, antialiased bilinear.

    The one resize used by inference (score_clips) and by the evaluation; callers may
    pre-resize with it to skip the work later.
    """
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"expected (L, H, W, 3) frames, got {frames.shape}")
    if frames.shape[1] == size and frames.shape[2] == size:
        return np.ascontiguousarray(frames, dtype=np.uint8)
    if frames.shape[0] == 0:
        return np.zeros((0, size, size, 3), dtype=np.uint8)
    x = torch.from_numpy(np.ascontiguousarray(frames, dtype=np.uint8)).permute(0, 3, 1, 2)
    # uint8 channels-last bilinear+antialias has a fast native kernel on CPU.
    x = x.contiguous(memory_format=torch.channels_last)
    y = F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    return y.permute(0, 2, 3, 1).contiguous().numpy()


def to_network_input(clips: torch.Tensor, config: ModelConfig) -> torch.Tensor:
    """(N, L, S, S, 3) uint8 -> (N, 3, L, S, S) float32 normalised, channels_last_3d."""
    x = clips.permute(0, 4, 1, 2, 3).float().div_(255.0)
    mean = torch.tensor(config.mean, dtype=x.dtype, device=x.device).view(1, 3, 1, 1, 1)
    std = torch.tensor(config.std, dtype=x.dtype, device=x.device).view(1, 3, 1, 1, 1)
    x = (x - mean) / std
    return x.contiguous(memory_format=torch.channels_last_3d)


def keep_with_probability(
    rng: np.random.Generator, available: int, factor: float, clip_len: int
) -> np.ndarray | None:
    """Walk ``available`` frames, keeping each with probability 1/factor, until T are kept.

    Returns the kept offsets (clip_len,), or None if the window ran out first. The first
    frame is always kept so both clips of a pair start on the same frame. The paper's
    irregular rate stops the net from learning a fixed stride.
    """
    if available < clip_len:
        return None
    keep = rng.random(available) < 1.0 / factor
    keep[0] = True
    offsets = np.flatnonzero(keep)
    if offsets.size < clip_len:
        return None
    return offsets[:clip_len]


def shared_spatial_augment(
    clips: torch.Tensor, size: int, rng: np.random.Generator, scale: tuple[float, float]
) -> torch.Tensor:
    """One random square resize, crop and flip applied identically to every clip given.

    clips: (P, T, H, W, 3) uint8 (the clips of one pair, frames already squashed square)
    -> (P, T, size, size, 3) uint8. The square side is drawn in [scale[0], scale[1]] * size.
    A side below ``size`` is resized back up (which blurs); a side above is cropped at a
    random place. This removes resolution and blur as cues for speed (the paper's augmentation). The crop is
    taken from the source before resizing (same result, a fraction of the work).
    """
    p, t, h, w, _ = clips.shape
    side = max(4, int(round(rng.uniform(scale[0], scale[1]) * size)))
    flat = clips.reshape(p * t, h, w, 3).permute(0, 3, 1, 2)  # NHWC memory = channels_last
    if side > size:
        # The size x size crop of a side x side resize is a (size * h / side) source square.
        region_h = max(1, min(h, int(round(size * h / side))))
        region_w = max(1, min(w, int(round(size * w / side))))
        top = int(rng.integers(0, h - region_h + 1))
        left = int(rng.integers(0, w - region_w + 1))
        x = flat[:, :, top : top + region_h, left : left + region_w]
        x = F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    else:
        x = F.interpolate(flat, size=(side, side), mode="bilinear", antialias=True, align_corners=False)
        if side < size:
            x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    if rng.random() < 0.5:
        x = x.flip(3)
    return x.permute(0, 2, 3, 1).reshape(p, t, size, size, 3).contiguous()


def shared_color_jitter(clips: torch.Tensor, rng: np.random.Generator, strength: float) -> torch.Tensor:
    """One random brightness, contrast and saturation change applied to every clip given.

    clips: (P, T, H, W, 3) uint8 -> same shape, uint8. Factors are drawn in
    [1 - strength, 1 + strength]. Shared by both clips of a pair, so it adds no speed cue;
    it stops the net from tying speed to a clip's look (on a small corpus it otherwise
    memorises per-clip colour priors). strength 0 returns the input unchanged.
    """
    if strength <= 0:
        return clips
    x = clips.float()
    brightness, contrast, saturation = (float(rng.uniform(1 - strength, 1 + strength)) for _ in range(3))
    x = x * brightness
    mean = x.mean(dim=(1, 2, 3, 4), keepdim=True)  # per clip of the pair, over all its frames
    x = (x - mean) * contrast + mean
    gray = x.mean(dim=-1, keepdim=True)
    x = (x - gray) * saturation + gray
    return x.clamp_(0, 255).round_().to(torch.uint8)
