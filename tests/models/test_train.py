"""Training end to end on tiny real clips: one process, resume, two-process DDP (gloo),
and the train / evaluate commands."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp

from models.checkpoint import load_checkpoint
from models.train import TrainOptions, run_training


def _opts(data: Path, out: Path, **kw) -> TrainOptions:  # noqa: ANN003
    base = dict(
        data=data, out=out, variant="tiny", steps=3, batch_size=4, val_every=2,
        val_fraction=0.25, threads=1, progress=False, warmup_steps=1,
    )
    base.update(kw)
    return TrainOptions(**base)


def test_trains_logs_checkpoints_and_resumes(video_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    summary = run_training(_opts(video_dir, out))
    assert summary["steps"] == 3
    lines = [json.loads(x) for x in (out / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in lines] == [2, 3]
    assert all(0.0 <= r["val_acc"] <= 1.0 and r["loss"] > 0 for r in lines)
    ckpt = load_checkpoint(out / "last.safetensors")
    assert ckpt.info["step"] == 3
    # Split by whole clip: the held-out clip never appears in training.
    assert set(ckpt.info["train_clips"]).isdisjoint(ckpt.info["val_clips"])
    assert len(ckpt.info["val_clips"]) == 1
    resumed = run_training(_opts(video_dir, out, steps=5, resume=True))
    assert resumed["steps"] == 5
    assert [json.loads(x)["step"] for x in (out / "log.jsonl").read_text().splitlines()][-1] == 5


def test_weight_average_is_logged_saved_and_resumed(video_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    run_training(_opts(video_dir, out, ema_decay=0.5))
    record = json.loads((out / "log.jsonl").read_text().splitlines()[-1])
    assert 0.0 <= record["ema_val_acc"] <= 1.0
    raw, avg = load_checkpoint(out / "last.safetensors"), load_checkpoint(out / "ema.safetensors")
    assert avg.info["ema_decay"] == 0.5 and avg.info["step"] == 3
    # An average of several steps' weights is not any one step's weights.
    assert avg.model_hash != raw.model_hash
    run_training(_opts(video_dir, out, steps=4, resume=True, ema_decay=0.5))
    resumed = load_checkpoint(out / "ema.safetensors")
    assert resumed.info["step"] == 4
    for name, tensor in resumed.tensors.items():
        if tensor.is_floating_point() and name.endswith("weight"):
            # Resumed from the saved average, half-way towards the new raw weights (decay 0.5).
            new_raw = load_checkpoint(out / "last.safetensors").tensors[name]
            torch.testing.assert_close(tensor, 0.5 * avg.tensors[name] + 0.5 * new_raw)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ddp_worker(rank: int, world: int, port: int, data: str, out: str, result_dir: str) -> None:
    os.environ.update(
        MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank),
        WORLD_SIZE=str(world), LOCAL_RANK=str(rank),
    )
    torch.set_num_threads(1)
    summary = run_training(_opts(Path(data), Path(out), steps=1, val_every=1, device="cpu"))
    Path(result_dir, f"rank{rank}.json").write_text(json.dumps(summary))


def test_two_cpu_processes_train_a_step_with_ddp_gloo(video_dir: Path, tmp_path: Path) -> None:
    out, results = tmp_path / "ddp", tmp_path / "results"
    results.mkdir()
    mp.start_processes(
        _ddp_worker,
        args=(2, _free_port(), str(video_dir), str(out), str(results)),
        nprocs=2,
        join=True,
        start_method="spawn",
    )
    r0 = json.loads((results / "rank0.json").read_text())
    r1 = json.loads((results / "rank1.json").read_text())
    assert r0["steps"] == r1["steps"] == 1
    # Each rank sampled different clips, yet the all-reduced gradients keep replicas equal.
    assert r0["params_hash"] == r1["params_hash"]
    assert load_checkpoint(out / "last.safetensors").info["world_size"] == 2


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "player", *args], capture_output=True, text=True, timeout=120, env=env
    )


def test_train_and_evaluate_commands(video_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli"
    r = _cli(
        "train", "--data", str(video_dir), "--out", str(out), "--variant", "tiny", "--steps", "2",
        "--batch-size", "4", "--val-every", "1", "--val-fraction", "0.25", "--threads", "1", "--no-progress",
    )
    assert r.returncode == 0, r.stderr
    assert "trained 2 steps" in r.stdout
    r = _cli("evaluate", "--data", str(video_dir), "--model", str(out / "best.safetensors"), "--json", str(tmp_path / "e.json"))
    assert r.returncode == 0, r.stderr
    assert "SpeedNet accuracy" in r.stdout and "frame-difference baseline" in r.stdout
    figures = json.loads((tmp_path / "e.json").read_text())
    # Only the held-out clip is evaluated, never the training clips.
    trained = set(load_checkpoint(out / "best.safetensors").info["train_clips"])
    assert figures["clips"] and trained.isdisjoint(figures["clips"])


def test_train_recipe_flags_reach_the_checkpoint(video_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "recipe"
    r = _cli(
        "train", "--data", str(video_dir), "--out", str(out), "--variant", "tiny", "--steps", "2",
        "--batch-size", "4", "--val-every", "2", "--val-fraction", "0.25", "--threads", "1", "--no-progress",
        "--input-diff", "--aug-scale", "0.8", "1.2", "--dropout", "0.1", "--color-jitter", "0.3",
        "--phase-jitter", "--weight-cap", "2", "--ema", "0.9", "--warmup", "1", "--rank-weight", "0",
    )
    assert r.returncode == 0, r.stderr
    cfg = load_checkpoint(out / "ema.safetensors").config
    assert cfg.input_diff and cfg.aug_scale == (0.8, 1.2) and cfg.dropout == 0.1


@pytest.mark.parametrize(
    "args, message",
    [
        (["evaluate", "--data", "{tmp}/nowhere"], "not found"),
        (["evaluate", "--data", "{videos}", "--model", "{tmp}/missing.safetensors"], "not found"),
        (["train", "--data", "{videos}", "--out", "{tmp}/o", "--batch-size", "3", "--steps", "1"], "even"),
        (["train", "--data", "{videos}", "--out", "{tmp}/o", "--ema", "1.5", "--steps", "1"], "--ema"),
        (["train", "--data", "{videos}", "--out", "{tmp}/o", "--aug-scale", "1.5", "0.5", "--steps", "1"], "--aug-scale"),
        (["train", "--data", "{videos}", "--out", "{tmp}/o", "--dropout", "1", "--steps", "1"], "--dropout"),
        (["train", "--data", "{videos}", "--out", "{tmp}/o", "--weight-cap", "0", "--steps", "1"], "--weight-cap"),
        (["train", "--data", "{videos}", "--out", "{tmp}/o", "--warmup", "-1", "--steps", "1"], "--warmup"),
        (["train", "--data", "{videos}", "--out", "{tmp}/o", "--regular-fraction", "2", "--steps", "1"], "--regular-fraction"),
    ],
)
def test_commands_reject_bad_input_with_exit_2(video_dir: Path, tmp_path: Path, args: list[str], message: str) -> None:
    r = _cli(*[a.format(tmp=tmp_path, videos=video_dir) for a in args])
    assert r.returncode == 2, r.stderr
    assert message in r.stderr and "Traceback" not in r.stderr


def test_extra_train_clips_admit_only_clips_excluded_by_prefix() -> None:
    from models.data import CorpusClip
    from models.train import extra_train_clips

    def clip(key: str, fps: float = 25.0, split: str = "train") -> CorpusClip:
        return CorpusClip(key=key, path=Path(key), category="other real motion", fps=fps, duration_s=10.0, split=split)

    clips = [
        clip("videos/sleap/flies.mp4"),
        clip("videos/sleap/slow.mp4", fps=5.0),  # too slow: still excluded
        clip("videos/sleap/anim.mp4", split="animated"),  # wrong split: still excluded
        clip("videos/davis/usable.mp4"),  # already usable: the split decides, not this
        clip("videos/cotracker/cat.mp4", fps=20.0),
    ]
    got = extra_train_clips(clips, 15.0, ("videos/sleap/",))
    assert [c.key for c in got] == ["videos/sleap/flies.mp4"]
    assert extra_train_clips(clips, 15.0, ()) == []


def test_distillation_pulls_the_student_towards_the_teacher(video_dir: Path, tmp_path: Path) -> None:
    """--teacher: the teacher's probabilities are soft targets; its hash is recorded. With
    the whole loss on the teacher, the student's outputs move towards a teacher that calls
    everything sped up, whatever the labels say."""
    from models.checkpoint import save_checkpoint
    from models.config import tiny
    from models.network import build_model
    from models.distill import Teacher

    teacher_model = build_model(tiny())
    with torch.no_grad():
        teacher_model.head.bias.fill_(6.0)  # P(sped up) ~ 1 everywhere
    teacher = tmp_path / "teacher.safetensors"
    digest = save_checkpoint(teacher, teacher_model.state_dict(), tiny())
    t = Teacher.load(teacher, tiny(), torch.device("cpu"))
    clips = torch.randint(0, 255, (4, tiny().clip_len, 40, 40, 3), dtype=torch.uint8)
    assert torch.all(t.probabilities(clips) > 0.95)  # resized to its own input size first

    out = tmp_path / "student"
    run_training(_opts(video_dir, out, steps=12, lr=0.05, teacher=teacher, distill_weight=1.0, rank_weight=0.0))
    ckpt = load_checkpoint(out / "last.safetensors")
    assert ckpt.info["teacher"] == digest
    student = build_model(tiny()).eval()
    student.load_state_dict(ckpt.tensors)
    with torch.no_grad():
        from models.transforms import to_network_input

        x = to_network_input(torch.randint(0, 255, (4, tiny().clip_len, 16, 16, 3), dtype=torch.uint8), tiny())
        assert torch.sigmoid(student(x)).mean() > 0.7


def test_a_teacher_with_another_clock_is_refused(video_dir: Path, tmp_path: Path) -> None:
    from dataclasses import replace

    from models.checkpoint import save_checkpoint
    from models.config import tiny
    from models.errors import ModelError
    from models.network import build_model

    other = replace(tiny(), fps=12.0)
    teacher = tmp_path / "teacher.safetensors"
    save_checkpoint(teacher, build_model(other).state_dict(), other)
    with pytest.raises(ModelError, match="same clip length and frame rate"):
        run_training(_opts(video_dir, tmp_path / "s", teacher=teacher))
