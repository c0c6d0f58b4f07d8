"""The data of one training run: which clips train and which validate, decoded (cached).

Used by ``models.train`` (which re-exports these names); the corpus index, the split and the
frame cache themselves are ``models.data``, the split by source ``models.folds``.
"""

from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

from models.config import ModelConfig
from models.data import (
    CorpusClip,
    FrameCache,
    cache_size_for,
    exclusion_reason,
    index_corpus,
    min_frames_for_training,
    min_train_seconds,
    split_clips,
)
from models.errors import ModelError
from models.folds import split_by_source
from models.train_options import TrainOptions
from models.transforms import resize_frames


def extra_train_clips(clips: list[CorpusClip], fps: float, prefixes: tuple[str, ...]) -> list[CorpusClip]:
    """The clips under ``prefixes`` that are excluded ONLY by data.EXCLUDED_PREFIXES (split
    'train', frame rate high enough): training-only additions that never enter the split."""
    chosen = []
    for c in clips:
        if not c.key.startswith(tuple(prefixes)):
            continue
        if exclusion_reason(c, fps) is not None and exclusion_reason(c, fps, tuple(prefixes)) is None:
            chosen.append(c)
    return chosen


def split_for(opts: TrainOptions, config: ModelConfig) -> tuple[list[CorpusClip], list[CorpusClip]]:
    """(train, validation) clips: by source with --folds, else by category; then the
    training-only additions of --add-train."""
    clips = index_corpus(opts.data)
    usable = [c for c in clips if exclusion_reason(c, config.fps) is None]
    if not usable:
        raise ModelError(f"no usable training videos in {opts.data}")
    if opts.folds:
        train, val = split_by_source(usable, opts.folds, opts.fold, opts.train_fraction)
    else:
        train, val = split_clips(usable, opts.val_fraction, seed=0, min_train_seconds=min_train_seconds(config))
    if opts.extra_train_prefixes:
        train = sorted(train + extra_train_clips(clips, config.fps, opts.extra_train_prefixes), key=lambda c: c.key)
    return train, val


def _loaded(cache: FrameCache, clips: list[CorpusClip], min_frames: int,
            log: Callable[[str], None]) -> Iterator[tuple[str, np.ndarray]]:
    """(key, frames) of each clip that decodes to at least ``min_frames``; others skipped."""
    for c in clips:
        try:
            frames = cache.load(c)
        except ModelError as exc:
            log(f"skipping {c.key}: {exc}")
            continue
        if frames.shape[0] >= min_frames:
            yield c.key, frames


def prepare_data(
    opts: TrainOptions, config: ModelConfig, log: Callable[[str], None] = print
) -> tuple[list[str], list[str], list[np.ndarray], dict[str, np.ndarray]]:
    """Index, filter, split and decode (cached) the corpus.

    Returns (train keys, val keys, train arrays at cache size, val frames at S x S by key).
    """
    train, val = split_for(opts, config)
    cache = FrameCache(opts.cache_dir or (opts.out / "cache"), config.fps, cache_size_for(config))
    need = min_frames_for_training(config)
    loaded = list(_loaded(cache, train, need, log))
    train_keys = [key for key, _ in loaded]
    train_arrays = [frames for _, frames in loaded]
    val_frames = {
        key: resize_frames(frames, config.input_size)
        for key, frames in _loaded(cache, val, 2 * config.clip_len - 1, log)
    }
    if not train_arrays:
        raise ModelError(f"no training video is long enough (need {need} frames at {config.fps:g} fps)")
    return train_keys, sorted(val_frames), train_arrays, val_frames
