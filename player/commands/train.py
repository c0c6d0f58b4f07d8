"""``speednet-player train``: self-supervised SpeedNet training on a folder of videos.

One process: ``speednet-player train --data DIR``. Many (CPU gloo or CUDA nccl):
``torchrun --nproc_per_node N -m player train --data DIR`` (DistributedDataParallel;
--batch-size is per process).

The flags are generated from the fields of ``models.train_options.TrainOptions``, which also
checks their values; add a setting there, not here.
"""

from __future__ import annotations

import argparse

from models.train_options import add_arguments as _add_option_arguments


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _add_option_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from models.train import run_training
    from models.train_options import from_args

    summary = run_training(from_args(args))
    if summary.get("rank", 0) == 0:
        print(
            f"trained {summary['steps']} steps in {summary['wall_s']:.0f} s "
            f"({summary['clips_per_s']:.1f} clips/s); best validation accuracy "
            f"{summary['best_val_acc']:.3f}; checkpoints: {summary['best']}, {summary['last']}"
        )
    return 0
