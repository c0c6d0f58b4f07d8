"""The training of "Learn my videos" (``models.adapt``): training's self-supervised task on
the user's videos, within a time or step budget, measuring the held-back parts a few times
and keeping the best state so far.

The recipe is the shipped model's last fine-tune at a lower learning rate, with the loss
of ``train`` (binary cross-entropy plus the pairwise ranking term).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F

from models.adapt_measure import Measure, holdout_accuracy
from models.adapt_parts import Progress, VideoPart
from models.config import ModelConfig
from models.data import Batch, BatchPrefetchWorker
from models.transforms import to_network_input

#: Held-back measurements while training (the base model's is one more).
CHECKS = 4
#: The recipe of the shipped model's last fine-tune (resources/MODEL_CARD.md, v4), at a
#: lower learning rate: adaptation starts from a trained model.
LR = 3e-4
WEIGHT_DECAY = 0.05
RANK_WEIGHT = 0.5
COLOR_JITTER = 0.3
BATCH_SIZE = 32
WARMUP_STEPS = 20


def _lr_at(step: int, done: float, peak: float) -> float:
    """Linear warmup, then cosine decay to 5% of the peak as ``done`` goes from 0 to 1."""
    if step < WARMUP_STEPS:
        return peak * (step + 1) / WARMUP_STEPS
    progress = min(1.0, max(0.0, done))
    return peak * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))


def cpu_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """A copy of the model's weights on the CPU: a kept state must not change with later steps."""
    return {k: v.detach().to("cpu").clone() for k, v in model.state_dict().items()}


@dataclass
class TrainingClock:
    """When training ends and when to measure: after ``steps`` steps, measuring at even step
    counts, or (no ``steps``) when the time budget is spent, measuring at even times."""

    steps: int | None
    start: float
    budget: float
    check_every: float
    next_check: float
    step_checks: set[int]

    @classmethod
    def begin(cls, steps: int | None, deadline: float, measure_s: float) -> "TrainingClock":
        """A clock started now that leaves ``measure_s`` before ``deadline`` for the last measurement."""
        start = time.monotonic()
        budget = max(1.0, deadline - start - measure_s)
        check_every = budget / CHECKS
        step_checks = {round(steps * k / CHECKS) for k in range(1, CHECKS)} if steps else set()
        return cls(steps, start, budget, check_every, start + check_every, step_checks)

    def over(self, step: int, now: float) -> bool:
        return now >= self.start + self.budget or bool(self.steps and step >= self.steps)

    def done(self, step: int, now: float) -> float:
        """The share of training done (the learning-rate schedule's and the progress's)."""
        return step / self.steps if self.steps else (now - self.start) / self.budget

    def check_due(self, step: int, now: float) -> bool:
        """Whether to measure after this step (advancing the next timed check when so)."""
        if self.steps:
            return step in self.step_checks
        # None in the last half interval: the last measurement comes soon anyway.
        if now >= self.next_check and now < self.start + self.budget - 0.5 * self.check_every:
            self.next_check += self.check_every
            return True
        return False


class TrainingRun:
    """One run's training: the model and its optimizer, the step count, the clock, and the
    held-back figures (the best state so far, kept on the CPU, and the last one)."""

    def __init__(
        self,
        model: torch.nn.Module,
        config: ModelConfig,
        parts: list[VideoPart],
        device: torch.device,
        base_measure: Measure,
        log: Callable[[str], None] | None,
        *,
        lr: float,
        steps: int | None,
        deadline: float,
        measure_s: float,
    ) -> None:
        self.model, self.config, self.parts, self.device, self.log = model, config, parts, device, log
        self.peak_lr = lr
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=WEIGHT_DECAY)
        self.clock = TrainingClock.begin(steps, deadline, measure_s)
        self.best: Measure = base_measure
        self.final: Measure = base_measure
        self.best_state: dict[str, torch.Tensor] | None = None
        self.step = 0

    def measure(self, label: str) -> None:
        """Measure the current state; keep it when it does better than the best so far."""
        self.final = holdout_accuracy(self.model, self.config, self.parts, self.device)
        if self.log:
            self.log(f"step {self.step}: held-back accuracy {self.final.accuracy:.3f}{label}")
        if self.final.better_than(self.best):
            self.best = self.final
            self.best_state = cpu_state(self.model)

    def run(self, prefetch: BatchPrefetchWorker, stop: threading.Event, say: Progress) -> tuple[bool, KeyboardInterrupt | None]:
        """Train until the budget is spent or a stop request; (stopped, the Ctrl-C that stopped it).
        The prefetch thread is stopped on the way out, whatever happened."""
        try:
            while True:
                now = time.monotonic()
                if stop.is_set():
                    return True, None
                if self.clock.over(self.step, now):
                    return False, None
                for group in self.optimizer.param_groups:
                    group["lr"] = _lr_at(self.step, self.clock.done(self.step, now), self.peak_lr)
                loss = self._train_step(prefetch.next_batch())
                now = time.monotonic()
                say("train", self.clock.done(self.step, now), f"step {self.step}, loss {float(loss.detach()):.3f}")
                if self.clock.check_due(self.step, now):
                    self.measure("")
        except KeyboardInterrupt as exc:
            return True, exc
        finally:
            prefetch.request_stop()
            prefetch.join(1.0)

    def _train_step(self, batch: Batch) -> torch.Tensor:
        """One optimizer step on a batch of pairs; the loss."""
        x = to_network_input(batch.clips.to(self.device), self.config)
        y = batch.labels.to(self.device)
        logits = self.model(x)[:, 0]
        # The loss of ``train``: the paper's cross-entropy plus the pairwise ranking term
        # (pairs are adjacent: [normal, sped up]).
        loss = F.binary_cross_entropy_with_logits(logits, y)
        loss = loss + RANK_WEIGHT * F.softplus(logits[0::2] - logits[1::2]).mean()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.step += 1
        return loss

    def finish(self, stopped: bool, interrupted: KeyboardInterrupt | None, say: Progress) -> tuple[bool, KeyboardInterrupt | None]:
        """The last measurement, unless stopped; (stopped, the Ctrl-C) after it."""
        if not stopped:
            say("measure", 1.0, "measuring the adapted model")
            try:
                self.measure(" (last)")
            except KeyboardInterrupt as exc:  # keep what the earlier measurements found
                return True, exc
        return stopped, interrupted
