"""SpeedNet on the early blocks of Inception-v1 I3D (Carreira & Zisserman, CVPR 2017).

The trunk is I3D's stem and first Inception blocks (up to ``config.endpoint``), with the
layout DeepMind trained on Kinetics-400, so ``models.i3d_weights`` can load those motion
filters. Two changes keep it exact under sliding windows, like ``models.network``:

- every temporal convolution and pool is *valid* (no temporal padding), so a trunk output
  depends only on the frames under its receptive field;
- nothing strides in time (I3D's first conv strides 2 in time): the frames come in at the
  model's own, lower rate instead, so one pass yields a feature at every frame position.

Spatial padding follows TensorFlow's "SAME" rule (more padding after than before), as the
weights were trained with it. Inside an Inception block the 1x1x1 branches are cropped in
time to match the branches whose 3-frame kernels shrink the clip.

(B, 3, L, S, S) normalised frames -> (B, L - T + 1) logits of "sped up", one per window of
T consecutive frames, exactly like ``models.network.SpeedNet``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from models.config import ModelConfig
from models.i3d_layout import ENDPOINTS, INCEPTION_CHANNELS

def same_pad(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow "SAME" padding (before, after) of one spatial axis."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class Unit3D(nn.Module):
    """Conv3d (kt, k, k), spatial stride s, then BatchNorm (eps 1e-3) and ReLU.

    (B, C_in, T, H, W) -> (B, C_out, T - kt + 1, ceil(H / s), ceil(W / s)).
    """

    def __init__(self, in_ch: int, out_ch: int, kernel: tuple[int, int, int] = (1, 1, 1), stride: int = 1) -> None:
        super().__init__()
        self.kernel, self.stride = kernel, stride
        self.conv = nn.Conv3d(in_ch, out_ch, kernel, stride=(1, stride, stride), bias=False)
        self.bn: nn.Module = nn.BatchNorm3d(out_ch, eps=1e-3, momentum=0.01)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.kernel[1] > 1 or self.stride > 1:
            top, bottom = same_pad(x.shape[3], self.kernel[1], self.stride)
            left, right = same_pad(x.shape[4], self.kernel[2], self.stride)
            x = F.pad(x, (left, right, top, bottom))
        return F.relu(self.bn(self.conv(x)), inplace=True)

    def fuse(self) -> None:
        """Fold the eval-mode BatchNorm into the conv (inference only, same output)."""
        if isinstance(self.bn, nn.BatchNorm3d):
            self.conv = fuse_conv_bn_eval(self.conv.eval(), self.bn.eval())
            self.bn = nn.Identity()


def max_pool_same(x: torch.Tensor, kernel: tuple[int, int, int], stride: int) -> torch.Tensor:
    """Max pool, valid in time, TF "SAME" in space (padding never wins: it is -inf).

    (B, C, T, H, W) -> (B, C, T - kt + 1, ceil(H / stride), ceil(W / stride)).
    """
    top, bottom = same_pad(x.shape[3], kernel[1], stride)
    left, right = same_pad(x.shape[4], kernel[2], stride)
    x = F.pad(x, (left, right, top, bottom), value=float("-inf"))
    return F.max_pool3d(x, kernel, stride=(1, stride, stride))


class Inception(nn.Module):
    """I3D's Inception block; (B, C_in, T, H, W) -> (B, sum of branch widths, T - 2, H, W)."""

    def __init__(self, in_ch: int, ch: tuple[int, int, int, int, int, int]) -> None:
        super().__init__()
        self.b0 = Unit3D(in_ch, ch[0])
        self.b1a = Unit3D(in_ch, ch[1])
        self.b1b = Unit3D(ch[1], ch[2], (3, 3, 3))
        self.b2a = Unit3D(in_ch, ch[3])
        self.b2b = Unit3D(ch[3], ch[4], (3, 3, 3))
        self.b3 = Unit3D(in_ch, ch[5])
        self.out_channels = ch[0] + ch[2] + ch[4] + ch[5]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        crop = x[:, :, 1:-1]  # the 1x1x1 branch sees the centre frame of the 3-frame ones
        return torch.cat(
            [
                self.b0(crop),
                self.b1b(self.b1a(x)),
                self.b2b(self.b2a(x)),
                self.b3(max_pool_same(x, (3, 3, 3), 1)),
            ],
            dim=1,
        )


class I3DTrunk(nn.Module):
    """I3D up to ``endpoint``: (B, 3, L, S, S) -> (B, C, L - R + 1, S / 8, S / 8)."""

    def __init__(self, endpoint: str) -> None:
        super().__init__()
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown I3D endpoint {endpoint!r} (choose from {ENDPOINTS})")
        self.endpoint = endpoint
        self.conv1a = Unit3D(3, 64, (7, 7, 7), stride=2)
        self.conv2b = Unit3D(64, 64)
        self.conv2c = Unit3D(64, 192, (3, 3, 3))
        self.mixed = nn.ModuleList()
        in_ch = 192
        for name in ENDPOINTS[1 : ENDPOINTS.index(endpoint) + 1]:
            block = Inception(in_ch, INCEPTION_CHANNELS[name])
            self.mixed.append(block)
            in_ch = block.out_channels
        self.out_channels = in_ch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = max_pool_same(self.conv1a(x), (1, 3, 3), 2)
        x = self.conv2c(self.conv2b(x))
        if len(self.mixed):
            x = max_pool_same(x, (1, 3, 3), 2)
            for block in self.mixed:
                x = block(x)
        return x


class I3DSpeedNet(nn.Module):
    """(B, 3, L, S, S) normalised frames -> (B, L - T + 1) logits of P(sped up)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.trunk = I3DTrunk(config.endpoint)
        self.pool_len = config.clip_len - config.temporal_receptive_field + 1
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Conv1d(self.trunk.out_channels, 1, kernel_size=1)
        nn.init.normal_(self.head.weight, std=0.01)
        nn.init.zeros_(self.head.bias)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, L, S, S) -> (B, C, L - R + 1): spatially pooled trunk features per position."""
        return self.trunk(x).mean(dim=(3, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, L, S, S) with L >= T -> (B, L - T + 1) logits (positive = sped up)."""
        if x.shape[2] < self.config.clip_len:
            raise ValueError(f"need at least T={self.config.clip_len} frames, got {x.shape[2]}")
        pooled = F.avg_pool1d(self.features(x), kernel_size=self.pool_len, stride=1)
        return self.head(self.dropout(pooled)).squeeze(1)

    def fuse_batchnorm(self) -> "I3DSpeedNet":
        """Fold every BatchNorm into its conv (inference only; eval mode)."""
        self.eval()
        for m in self.modules():
            if isinstance(m, Unit3D):
                m.fuse()
        return self
