"""The layout of I3D's early blocks, as plain data (no torch), shared by the config, the
network (models.i3d) and the weight converter (models.i3d_weights)."""

from __future__ import annotations

#: The blocks a trunk may end at, in order.
ENDPOINTS: tuple[str, ...] = ("Conv3d_2c_3x3", "Mixed_3b", "Mixed_3c")

#: Frames each endpoint adds to the temporal receptive field beyond the first: valid
#: temporal kernels, no stride, no dilation (Conv3d_1a 7, Conv3d_2c 3, each Inception 3).
ENDPOINT_FRAMES: dict[str, int] = {"Conv3d_2c_3x3": 6 + 2, "Mixed_3b": 6 + 2 + 2, "Mixed_3c": 6 + 2 + 2 + 2}

#: Output channels of each Inception block: (b0, b1 reduce, b1, b2 reduce, b2, b3).
INCEPTION_CHANNELS: dict[str, tuple[int, int, int, int, int, int]] = {
    "Mixed_3b": (64, 96, 128, 16, 32, 32),
    "Mixed_3c": (128, 128, 192, 32, 96, 64),
}
