"""SpeedScorer: the inference API other code uses (docs/architecture.md, "Models").

    scorer = SpeedScorer.load()                      # bundled default, device "auto"
    p = scorer.score_clips(clips)                   # (N, T, H, W, 3) uint8 -> (N,) P(sped up)
    p = scorer.score_sequence(frames)               # (L, H, W, 3) uint8 -> (L - T + 1,)

Frames must already be sampled at ``scorer.fps`` (no temporal resampling happens here; see
``models.transforms.indices_at_rate`` / ``models.video_decode.decode_at_fps``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from models.blocks import GatedResidualBlock, SepConv3d
from models.checkpoint import load_model
from models.config import ModelConfig
from models.device import pick_device  # also models.inference.pick_device for its callers
from models.errors import ModelError
from models.i3d import I3DSpeedNet
from models.transforms import resize_frames, to_network_input

DEFAULT_CHECKPOINT = Path(__file__).resolve().parent.parent / "resources" / "speednet_small.safetensors"


def fold_batchnorm(model: nn.Module) -> nn.Module:
    """Fold every BatchNorm into the conv before it (inference only; ~15% faster on CPU)."""
    model.eval()
    if isinstance(model, I3DSpeedNet):
        return model.fuse_batchnorm()
    for m in model.modules():
        if isinstance(m, SepConv3d):
            m.spatial = fuse_conv_bn_eval(m.spatial, m.bn_spatial)
            m.bn_spatial = nn.Identity()  # type: ignore[assignment]
            m.temporal = fuse_conv_bn_eval(m.temporal, m.bn_temporal)
            m.bn_temporal = nn.Identity()  # type: ignore[assignment]
        elif isinstance(m, GatedResidualBlock) and isinstance(m.shortcut, nn.Sequential):
            conv, bn = m.shortcut[0], m.shortcut[1]
            m.shortcut = fuse_conv_bn_eval(conv, bn)
    return model


class SpeedScorer:
    """A loaded SpeedNet that turns uint8 RGB frames into P(sped up)."""

    def __init__(
        self,
        model: nn.Module,
        config: ModelConfig,
        model_hash: str,
        device: str = "cpu",
        batch_size: int = 32,
        chunk_frames: int = 512,
    ) -> None:
        self.config = config
        self.model_hash = model_hash
        self.device = device
        self.batch_size = batch_size
        # Long sequences are scored in chunks overlapping by T - 1 frames to bound memory.
        self.chunk_frames = max(chunk_frames, 2 * config.clip_len)
        model = fold_batchnorm(model.to("cpu")).to(device).eval()
        if device != "mps":
            model = model.to(memory_format=torch.channels_last_3d)
        self.model = model

    @classmethod
    def load(cls, path: str | Path | None = None, device: str = "auto") -> "SpeedScorer":
        """Load a checkpoint (None = the bundled default); ModelError if missing or bad."""
        target = Path(path) if path is not None else DEFAULT_CHECKPOINT
        if path is None and not target.is_file():
            raise ModelError(f"the bundled SpeedNet model is missing: {target}")
        dev = pick_device(device)
        model, ckpt = load_model(target, "cpu")
        return cls(model, ckpt.config, ckpt.model_hash, dev)  # type: ignore[arg-type]

    @property
    def clip_len(self) -> int:
        """T: frames per scored window."""
        return self.config.clip_len

    @property
    def fps(self) -> float:
        """The frame rate the model judges motion at; feed frames sampled at this rate."""
        return self.config.fps

    @property
    def input_size(self) -> int:
        """S: frames are squashed to S x S before the network."""
        return self.config.input_size

    def resize_frames(self, frames: np.ndarray) -> np.ndarray:
        """(L, H, W, 3) uint8 -> (L, S, S, 3) uint8, exactly the resize scoring applies."""
        return resize_frames(np.asarray(frames), self.config.input_size)

    def _logits(self, clips: np.ndarray) -> torch.Tensor:
        """(N, L, S, S, 3) uint8 -> (N, L - T + 1) logits on the CPU."""
        x = to_network_input(torch.from_numpy(clips).to(self.device), self.config)
        return self.model(x).float().cpu()

    def score_clips(self, clips: np.ndarray) -> np.ndarray:
        """(N, T, H, W, 3) uint8 clips at ``fps`` -> (N,) float32 P(sped up)."""
        clips = np.asarray(clips)
        t = self.config.clip_len
        if clips.ndim != 5 or clips.shape[1] != t or clips.shape[-1] != 3:
            raise ValueError(f"expected (N, {t}, H, W, 3) uint8 clips, got {clips.shape}")
        n = clips.shape[0]
        out = np.empty(n, dtype=np.float32)
        with torch.inference_mode():
            for i in range(0, n, self.batch_size):
                part = clips[i : i + self.batch_size]
                b = part.shape[0]
                if part.shape[2] != self.input_size or part.shape[3] != self.input_size:
                    part = self.resize_frames(part.reshape((-1,) + part.shape[2:])).reshape(
                        b, t, self.input_size, self.input_size, 3
                    )
                out[i : i + b] = torch.sigmoid(self._logits(np.ascontiguousarray(part, dtype=np.uint8))[:, 0]).numpy()
        return out

    def score_sequence(self, frames: np.ndarray) -> np.ndarray:
        """(L, H, W, 3) uint8 frames at ``fps`` -> (L - T + 1,) float32 P(sped up) of the
        window starting at each index; one fully convolutional pass (in chunks)."""
        frames = np.asarray(frames)
        t = self.config.clip_len
        if frames.ndim != 4 or frames.shape[-1] != 3:
            raise ValueError(f"expected (L, H, W, 3) uint8 frames, got {frames.shape}")
        length = frames.shape[0]
        if length < t:
            return np.zeros(0, dtype=np.float32)
        if frames.shape[1] != self.input_size or frames.shape[2] != self.input_size:
            frames = self.resize_frames(frames)
        frames = np.ascontiguousarray(frames, dtype=np.uint8)
        out = np.empty(length - t + 1, dtype=np.float32)
        step = self.chunk_frames - (t - 1)
        with torch.inference_mode():
            for start in range(0, length - t + 1, step):
                chunk = frames[start : start + self.chunk_frames]
                probs = torch.sigmoid(self._logits(chunk[None])[0]).numpy()
                out[start : start + probs.shape[0]] = probs
        return out
