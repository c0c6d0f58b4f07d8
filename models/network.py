"""SpeedNet: a temporally fully convolutional S3D-G-style binary classifier.

Given frames (B, 3, L, S, S) it returns one logit of "sped up" for every window of T
consecutive frames: shape (B, L - T + 1). Training on a T-frame clip is the special case
L = T (one window). Because the trunk has no temporal padding or stride, and the head
averages the trunk's outputs that lie inside each window, the logit of a window depends
only on its own T frames: a long sequence scored in one pass agrees with scoring each
window alone.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from models.blocks import GatedResidualBlock, SepConv3d
from models.config import ModelConfig


class SpeedNet(nn.Module):
    """(B, 3, L, S, S) normalised frames -> (B, L - T + 1) logits of P(sped up)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        kt = config.temporal_kernel
        self.stem = SepConv3d(6 if config.input_diff else 3, config.widths[0], temporal_kernel=kt, spatial_stride=2)
        stages: list[nn.Module] = []
        in_ch = config.widths[0]
        for width, depth, stride in zip(config.widths[1:], config.depths, config.spatial_strides):
            blocks = [
                GatedResidualBlock(
                    in_ch if i == 0 else width,
                    width,
                    temporal_kernel=kt,
                    spatial_stride=stride if i == 0 else 1,
                    gating=config.gating,
                )
                for i in range(depth)
            ]
            stages.append(nn.Sequential(*blocks))
            in_ch = width
        self.stages = nn.Sequential(*stages)
        # Trunk outputs per window: T frames -> T - R + 1 positions, averaged by the head.
        self.pool_len = config.clip_len - config.temporal_receptive_field + 1
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Conv1d(in_ch, 1, kernel_size=1)
        self._init_weights()

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv3d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm3d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        # Zero the last BN of each residual branch so blocks start as identity (faster early
        # training, as in torchvision's zero_init_residual).
        for m in self.modules():
            if isinstance(m, GatedResidualBlock):
                nn.init.zeros_(m.conv.bn_temporal.weight)
        nn.init.normal_(self.head.weight, std=0.01)
        nn.init.zeros_(self.head.bias)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, L, S, S) -> (B, C, L - R + 1): spatially pooled trunk features per position."""
        if self.config.input_diff:
            x = frame_with_difference(x)
        x = self.stages(self.stem(x))
        return x.mean(dim=(3, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, L, S, S) with L >= T -> (B, L - T + 1) logits (positive = sped up)."""
        if x.shape[2] < self.config.clip_len:
            raise ValueError(f"need at least T={self.config.clip_len} frames, got {x.shape[2]}")
        feats = self.features(x)  # (B, C, L - R + 1)
        pooled = F.avg_pool1d(feats, kernel_size=self.pool_len, stride=1)  # (B, C, L - T + 1)
        return self.head(self.dropout(pooled)).squeeze(1)


def frame_with_difference(x: torch.Tensor) -> torch.Tensor:
    """(B, 3, L, H, W) -> (B, 6, L - 1, H, W): frames 1..L-1, each with its difference from
    the frame before. Valid in time like every other temporal operation here."""
    later = x[:, :, 1:]
    return torch.cat([later, later - x[:, :, :-1]], dim=1)


def build_model(config: ModelConfig) -> nn.Module:
    """The network for ``config`` (by ``config.family``) with freshly initialised weights."""
    if config.family == "i3d":
        from models.i3d import I3DSpeedNet

        return I3DSpeedNet(config)
    return SpeedNet(config)


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
