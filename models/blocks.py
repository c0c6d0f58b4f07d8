"""Building blocks of the S3D-G-style trunk: separable 3D convolution, feature gating and
a residual block. Every temporal convolution is *valid* (no temporal padding, no temporal
stride), so an output position depends only on the frames under its receptive field; this
is what lets one pass over a long sequence score every window exactly like scoring each
window alone.
"""

from __future__ import annotations

import torch
from torch import nn


class SepConv3d(nn.Module):
    """(1, k, k) spatial conv then (kt, 1, 1) temporal conv, each followed by BN + ReLU.

    Input (B, C_in, T, H, W) -> output (B, C_out, T - kt + 1, H / s, W / s).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        spatial_kernel: int = 3,
        temporal_kernel: int = 3,
        spatial_stride: int = 1,
        final_relu: bool = True,
    ) -> None:
        super().__init__()
        pad = spatial_kernel // 2
        self.spatial = nn.Conv3d(
            in_channels,
            out_channels,
            kernel_size=(1, spatial_kernel, spatial_kernel),
            stride=(1, spatial_stride, spatial_stride),
            padding=(0, pad, pad),
            bias=False,
        )
        self.bn_spatial = nn.BatchNorm3d(out_channels)
        # Valid in time: the clip shrinks by kt - 1 instead of being zero-padded, so a
        # window's features never see frames (or padding) outside the window.
        self.temporal = nn.Conv3d(
            out_channels, out_channels, kernel_size=(temporal_kernel, 1, 1), bias=False
        )
        self.bn_temporal = nn.BatchNorm3d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.final_relu = final_relu
        self.temporal_kernel = temporal_kernel

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn_spatial(self.spatial(x)))
        x = self.bn_temporal(self.temporal(x))
        return self.relu(x) if self.final_relu else x


class FeatureGating(nn.Module):
    """S3D-G self-gating: y = x * sigmoid(W pool(x) + b), one weight per channel pair.

    S3D-G pools over (T, H, W); here the pool is over (H, W) only, per time step, so the
    gate of frame t depends on frame t alone and the net stays exact under sliding windows.
    (B, C, T, H, W) -> (B, C, T, H, W).
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.fc = nn.Conv3d(channels, channels, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        context = x.mean(dim=(3, 4), keepdim=True)  # (B, C, T, 1, 1)
        return x * torch.sigmoid(self.fc(context))


class GatedResidualBlock(nn.Module):
    """SepConv3d + feature gating, plus a shortcut cropped in time to match the valid conv.

    (B, C_in, T, H, W) -> (B, C_out, T - kt + 1, H / s, W / s).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        temporal_kernel: int = 3,
        spatial_stride: int = 1,
        gating: bool = True,
    ) -> None:
        super().__init__()
        self.conv = SepConv3d(
            in_channels,
            out_channels,
            temporal_kernel=temporal_kernel,
            spatial_stride=spatial_stride,
            final_relu=False,
        )
        self.gate = FeatureGating(out_channels) if gating else nn.Identity()
        self.shortcut: nn.Module
        if in_channels != out_channels or spatial_stride != 1:
            self.shortcut = nn.Sequential(
                nn.Conv3d(
                    in_channels,
                    out_channels,
                    kernel_size=1,
                    stride=(1, spatial_stride, spatial_stride),
                    bias=False,
                ),
                nn.BatchNorm3d(out_channels),
            )
        else:
            self.shortcut = nn.Identity()
        self.crop = (temporal_kernel - 1) // 2
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.gate(self.conv(x))
        skip = x[:, :, self.crop : x.shape[2] - self.crop] if self.crop else x
        return self.relu(out + self.shortcut(skip))
