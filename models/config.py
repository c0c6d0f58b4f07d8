"""Model configuration: everything that defines a SpeedNet checkpoint besides its weights.

The config travels inside every checkpoint (safetensors metadata), so inference always uses
the frame rate, clip length and input size the weights were trained with.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Any

from models.errors import ModelError
from models.i3d_layout import ENDPOINT_FRAMES

FAMILIES = ("s3dg", "i3d")


@dataclass(frozen=True)
class ModelConfig:
    """Architecture and preprocessing of one SpeedNet variant.

    Attributes:
        variant: builder name ("small", "paper", "tiny" for tests).
        widths: output channels of the stem and of each stage, e.g. (16, 32, 64, 128).
        depths: separable blocks per stage (len(depths) == len(widths) - 1).
        spatial_strides: spatial stride of each stage's first block.
        temporal_kernel: temporal kernel k of every (k, 1, 1) convolution.
        clip_len: T, frames per scored window (at ``fps``).
        input_size: S, frames are squashed to S x S before the network.
        fps: the frame rate (frames per second of source time) the model judges motion at.
        gating: S3D-G feature gating after each block.
        dropout: dropout before the classifier (training only).
        mean, std: per-channel RGB normalisation of [0, 1] pixels.
        aug_scale: (lo, hi) of the random square resize side as a fraction of S
            (SPEC §1: [64, 336] for a 224 input).
        input_diff: feed the stem each frame together with its difference from the
            previous frame (6 channels, one frame fewer), so the motion signal is explicit
            instead of something the first temporal convolution must discover.
        family: "s3dg" (models.network: the separable trunk built from widths/depths) or
            "i3d" (models.i3d: I3D's own early blocks, which Kinetics weights can start).
        endpoint: the last I3D block of an "i3d" trunk (models.i3d.ENDPOINTS).
    """

    variant: str = "small"
    widths: tuple[int, ...] = (12, 24, 48, 96, 128)
    depths: tuple[int, ...] = (1, 1, 1, 1)
    spatial_strides: tuple[int, ...] = (2, 2, 2, 2)
    temporal_kernel: int = 3
    clip_len: int = 16
    input_size: int = 64
    fps: float = 15.0
    gating: bool = True
    dropout: float = 0.2
    mean: tuple[float, float, float] = (0.45, 0.45, 0.45)
    std: tuple[float, float, float] = (0.225, 0.225, 0.225)
    aug_scale: tuple[float, float] = (64 / 224, 336 / 224)
    input_diff: bool = False
    family: str = "s3dg"
    endpoint: str = "Mixed_3c"
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A checkpoint's config is untrusted input: every field is typed and bounded before
        # anything is built from it, so a crafted file gets one ModelError, never a
        # traceback, a hang (fps = inf) or gigabytes allocated (widths = 1e9).
        _check_types(self)
        if self.family not in FAMILIES:
            raise ModelError(f"config: family must be one of {FAMILIES}")
        if self.family == "i3d" and self.endpoint not in ENDPOINT_FRAMES:
            raise ModelError(f"config: endpoint must be one of {tuple(ENDPOINT_FRAMES)}")
        if len(self.depths) != len(self.widths) - 1 or len(self.spatial_strides) != len(self.depths):
            raise ModelError("config: need len(depths) == len(spatial_strides) == len(widths) - 1")
        if self.temporal_kernel % 2 != 1:
            raise ModelError("config: temporal_kernel must be odd")
        for name, value, lo, hi in _BOUNDS(self):
            if not lo <= value <= hi:
                raise ModelError(f"config: {name} = {value!r} is outside [{lo}, {hi}]")
        if not self.aug_scale[0] <= self.aug_scale[1]:
            raise ModelError("config: aug_scale needs lo <= hi")
        if self.clip_len < self.temporal_receptive_field:
            raise ModelError(
                f"config: clip_len {self.clip_len} is shorter than the trunk's temporal "
                f"receptive field {self.temporal_receptive_field}"
            )
        if self.parameter_estimate > MAX_PARAMETERS:
            raise ModelError(f"config: about {self.parameter_estimate} parameters (limit {MAX_PARAMETERS})")
        if self.activation_elements > MAX_ACTIVATION_ELEMENTS:
            raise ModelError(f"config: one window needs {self.activation_elements} activations (limit {MAX_ACTIVATION_ELEMENTS})")

    @property
    def parameter_estimate(self) -> int:
        """Weights of the network, counted from the config alone (convs; BN and biases
        are a rounding error), so a crafted config is refused before anything is built."""
        if self.family == "i3d":
            return 1_700_000
        k = self.temporal_kernel
        in_ch = 6 if self.input_diff else 3
        total = in_ch * self.widths[0] * 9 + self.widths[0] ** 2 * k
        prev = self.widths[0]
        for width, depth in zip(self.widths[1:], self.depths):
            for i in range(depth):
                c_in = prev if i == 0 else width
                total += c_in * width * 9 + width * width * (k + 1) + c_in * width
            prev = width
        return total

    @property
    def activation_elements(self) -> int:
        """The largest activation of one window, (C, T, H, W) elements: the stem's output
        (half the input side), at the widest of the stem and I3D's 192-channel conv."""
        stem = 192 if self.family == "i3d" else self.widths[0]
        return stem * self.clip_len * (self.input_size // 2) ** 2

    @property
    def temporal_receptive_field(self) -> int:
        """R: frames that one trunk output position sees (valid convs, no temporal stride;
        one more with ``input_diff``, whose first difference needs the frame before)."""
        if self.family == "i3d":
            return 1 + ENDPOINT_FRAMES[self.endpoint] + int(self.input_diff)
        convs = 1 + sum(self.depths)  # the stem's plus one per block
        return 1 + convs * (self.temporal_kernel - 1) + int(self.input_diff)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "ModelConfig":
        try:
            raw = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise ModelError(f"checkpoint config is not valid JSON: {exc}") from None
        except RecursionError:
            raise ModelError("checkpoint config is nested too deeply") from None
        if not isinstance(raw, dict):
            raise ModelError("checkpoint config must be a JSON object")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(raw) - known
        if unknown:
            raise ModelError(f"checkpoint config has unknown keys: {sorted(unknown)}")
        for name in ("widths", "depths", "spatial_strides", "mean", "std", "aug_scale"):
            if name in raw:
                if not isinstance(raw[name], list):
                    raise ModelError(f"checkpoint config: {name} must be a list")
                raw[name] = tuple(raw[name])
        try:
            return cls(**raw)
        except TypeError as exc:
            raise ModelError(f"checkpoint config is malformed: {exc}") from None


#: Limits on a checkpoint's config (the paper variant is well inside them).
MAX_ACTIVATION_ELEMENTS = 2**28
MAX_PARAMETERS = 50_000_000
_INT_TUPLES = ("widths", "depths", "spatial_strides")
_FLOAT_TUPLES = {"mean": 3, "std": 3, "aug_scale": 2}


def _BOUNDS(c: ModelConfig) -> list[tuple[str, float, float, float]]:
    return [
        ("len(widths)", len(c.widths), 2, 8),
        *((f"widths[{i}]", w, 1, 1024) for i, w in enumerate(c.widths)),
        *((f"depths[{i}]", d, 1, 8) for i, d in enumerate(c.depths)),
        *((f"spatial_strides[{i}]", s, 1, 2) for i, s in enumerate(c.spatial_strides)),
        ("temporal_kernel", c.temporal_kernel, 1, 7),
        ("clip_len", c.clip_len, 2, 128),
        ("input_size", c.input_size, 8, 448),
        ("fps", c.fps, 1.0, 120.0),
        ("dropout", c.dropout, 0.0, 0.95),
        *((f"std[{i}]", v, 1e-3, 10.0) for i, v in enumerate(c.std)),
        *((f"mean[{i}]", v, -10.0, 10.0) for i, v in enumerate(c.mean)),
        *((f"aug_scale[{i}]", v, 0.05, 4.0) for i, v in enumerate(c.aug_scale)),
    ]


def _check_types(c: ModelConfig) -> None:
    """Every field has its declared type (bools are not ints here), numbers are finite.

    The checks run in field order and the first failure is the one reported."""
    for name in _INT_TUPLES:
        _require(_is_int_tuple(getattr(c, name)), f"config: {name} must be a list of integers")
    for name, length in _FLOAT_TUPLES.items():
        _require(_is_finite_tuple(getattr(c, name), length), f"config: {name} must be {length} finite numbers")
    for name in ("temporal_kernel", "clip_len", "input_size"):
        _require(_is_int(getattr(c, name)), f"config: {name} must be an integer")
    for name in ("fps", "dropout"):
        _require(_is_finite_number(getattr(c, name)), f"config: {name} must be a finite number")
    for name in ("gating", "input_diff"):
        _require(isinstance(getattr(c, name), bool), f"config: {name} must be true or false")
    for name in ("variant", "family", "endpoint"):
        _require(_is_short_string(getattr(c, name)), f"config: {name} must be a short string")
    _require(_is_small_json_object(c.extra), "config: extra must be a small JSON object")


def _require(ok: bool, message: str) -> None:
    """ModelError(message) unless ``ok``."""
    if not ok:
        raise ModelError(message)


def _is_int(value: object) -> bool:
    """An integer, and not a bool: JSON's true must not pass for 1."""
    return isinstance(value, int) and not isinstance(value, bool)


def _is_finite_number(value: object) -> bool:
    """An int or float (not a bool) that is neither infinite nor NaN."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_int_tuple(value: object) -> bool:
    return isinstance(value, tuple) and all(_is_int(v) for v in value)


def _is_finite_tuple(value: object, length: int) -> bool:
    return isinstance(value, tuple) and len(value) == length and all(_is_finite_number(v) for v in value)


def _is_short_string(value: object) -> bool:
    return isinstance(value, str) and len(value) <= 64


def _is_small_json_object(value: object) -> bool:
    """A dict whose JSON (anything else written as a string) is at most 64 KiB."""
    return isinstance(value, dict) and len(json.dumps(value, default=str)) <= 65536


def small() -> ModelConfig:
    """The shipped CPU variant: 64x64 input, T = 16 at 15 fps, about 0.3M parameters.

    Narrow early stages on purpose: on 2 CPU cores the cost is in the full-resolution
    layers, and the live scorer must run many times faster than real time.
    """
    return ModelConfig()


def paper() -> ModelConfig:
    """Roughly S3D-G sized (about 12.5M parameters; S3D-G has about 8M): 224x224 input, T = 32 at 30 fps, for GPUs.

    T is 32 (not the paper's 16) because the trunk's temporal convolutions are valid, so its
    receptive field (19 frames) must fit inside one window; 32 frames at 30 fps span the
    same ~1 s as the small variant's 16 at 15 fps.
    """
    return ModelConfig(
        variant="paper",
        widths=(64, 96, 192, 384, 512),
        depths=(1, 2, 3, 2),
        spatial_strides=(2, 2, 2, 2),
        clip_len=32,
        input_size=224,
        fps=30.0,
        dropout=0.5,
    )


def i3d() -> ModelConfig:
    """Kinetics I3D's first blocks (to Mixed_3c, 1.6M parameters), 48x48 at 15 fps, T = 16.

    Starts from DeepMind's Kinetics-400 weights (``train --init``). 48 px is what keeps
    the full speed ladder at 10x real time on 2 CPU cores (bench/analyze_throughput.py);
    the inputs are scaled to [-1, 1] as I3D was trained.
    """
    return ModelConfig(
        variant="i3d",
        family="i3d",
        endpoint="Mixed_3c",
        clip_len=16,
        input_size=48,
        fps=15.0,
        dropout=0.3,
        # Narrower than the spec's 64/224..336/224: at 48 px its smallest side would be
        # 14 px, which leaves no motion to judge.
        aug_scale=(0.6, 1.5),
        mean=(0.5, 0.5, 0.5),
        std=(0.5, 0.5, 0.5),
    )


def tiny() -> ModelConfig:
    """A toy variant for fast tests (same code paths, a few thousand parameters)."""
    return ModelConfig(
        variant="tiny",
        widths=(4, 8, 8),
        depths=(1, 1),
        spatial_strides=(2, 2),
        clip_len=8,
        input_size=16,
        fps=10.0,
        dropout=0.0,
    )


BUILDERS = {"small": small, "i3d": i3d, "paper": paper, "tiny": tiny}


def config_for(variant: str) -> ModelConfig:
    """The default config of a named variant; ModelError for an unknown name."""
    try:
        return BUILDERS[variant]()
    except KeyError:
        raise ModelError(f"unknown model variant {variant!r} (choose from {sorted(BUILDERS)})") from None
