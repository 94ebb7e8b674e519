"""The one iteration loop every experiment trains with: statistics, pictures, scores, checkpoints, resume.

What one iteration trains is the Training's step; this file only decides when to
log, draw, score and save (the Schedule), and how to stop and resume safely.
"""
from __future__ import annotations

import contextlib
import signal
import threading
import time
from dataclasses import dataclass
from typing import Callable

import torch

from ..runs import Run, Scores
from .checkpoint import load as load_checkpoint
from .checkpoint import save as save_checkpoint
from .progress import check_finite, format_stats, headline, progress, show_stats
from .steps import AdversarialStep


@dataclass(frozen=True)
class Schedule:
    """When the loop logs, draws, scores and saves, counted in steps.

    A step is one iteration for the emoji models and one epoch (per_step batches)
    for moons; stats records, checkpoints and log lines count steps.
    """
    total: int                  # steps to train
    per_step: int = 1           # iterations (batches) per step
    unit: str = "iter"          # the key of stats records and the word in the log: "iter" or "epoch"
    log_every: int = 1          # average the statistics over this many steps into one stats.jsonl record
    sample_every: int = 0       # draw pictures every N steps (0: only at the end)
    checkpoint_every: int = 1   # save a checkpoint every N steps (and at the end)
    score_every: int = 0        # score the networks every N steps (0: only at the end)
    record_scores: bool = True  # also write every scoring pass into stats.jsonl as an "eval" record
    sample_at_start: bool = False  # draw pictures of the untrained networks too (step 0)

    @property
    def word(self) -> str:
        """The unit as a log line says it."""
        return {"iter": "iteration"}.get(self.unit, self.unit)


@dataclass
class Training:
    """What the loop trains: the networks (checkpoint names via as_dict()), the step, and each iteration's data."""
    networks: object                                   # GANNets or CycleNets
    step: AdversarialStep
    batches: Callable[[int], tuple[torch.Tensor, ...]]  # iteration -> the real batch(es) of that iteration
    device: torch.device
    before_step: Callable[[int], None] | None = None   # iteration -> None, e.g. set that iteration's learning rates


@dataclass
class Progress:
    """What the loop carries from iteration to iteration, and what a checkpoint saves of it."""
    step: int                 # steps done
    sums: torch.Tensor        # statistics summed since the last log step
    count: int                # iterations in those sums
    train_seconds: float = 0.0  # wall time spent in iterations (not in pictures, scores or saving)

    def extra(self) -> dict:
        return {"stats_sum": self.sums.tolist(), "stats_count": self.count, "train_seconds": self.train_seconds}


def _start(run: Run, training: Training, resume: bool, word: str) -> Progress:
    progress = Progress(0, torch.zeros(len(training.step.stat_names), device=training.device), 0)
    latest = run.latest_checkpoint() if resume else None
    if latest is None:
        return progress  # new, or killed before its first checkpoint: start over in the same folder
    state = load_checkpoint(latest, training.networks.as_dict(), training.step.optimizers,
                            device=training.device)
    extra = state["extra"]
    progress.step = int(state["step"])
    if "stats_sum" in extra:  # checkpoints taken between log steps carry the partial sums
        progress.sums = torch.tensor(extra["stats_sum"], dtype=torch.float32, device=training.device)
    progress.count = int(extra.get("stats_count", 0))
    progress.train_seconds = float(extra.get("train_seconds", 0.0))
    run.log(f"resumed from {latest} ({word} {progress.step})")
    return progress


def timing(progress: Progress, per_step: int) -> dict:
    """How long training took, for metrics.json: seconds in all, and per 1,000 iterations."""
    return timing_of(progress.train_seconds, progress.step * per_step)


def timing_of(train_seconds: float, iterations: int) -> dict:
    """metrics.json's timing entry for `iterations` that took `train_seconds`."""
    return {"train_seconds": round(train_seconds, 2), "iterations": iterations,
            "seconds_per_1000_iterations": round(1000 * train_seconds / max(iterations, 1), 2)}


@contextlib.contextmanager
def deferred_interrupts():
    """Turn SIGINT/SIGTERM into a flag checked between steps.

    Stopping mid-step could save a half-updated state (D stepped, G not); deferring
    the stop to the end of the step keeps a resumed run exact. A second Ctrl-C stops at once.
    """
    flag = {"signal": None}
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum, frame):
        if flag["signal"] is not None:
            raise KeyboardInterrupt
        flag["signal"] = signum

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def run_iterations(run: Run, training: Training, schedule: Schedule, sample: Callable[[int], None],
                   score: Callable[[int], Scores] | None = None, resume: bool = False, desc: str = "") -> int:
    """Train from the run's start (or its latest checkpoint) to schedule.total steps; return the step reached.

    sample(step) draws pictures into the run; score(step) returns Scores (optional).
    """
    names, modules, optimizers = training.step.stat_names, training.networks.as_dict(), training.step.optimizers
    state = _start(run, training, resume, schedule.word)
    run.truncate_stats(schedule.unit, state.step)
    if state.step == 0 and schedule.sample_at_start:
        sample(0)

    def save(at: int) -> None:
        # Never checkpoint weights that came from a non-finite step.
        check_finite(names, (state.sums / max(state.count, 1)).tolist(), f"{schedule.word} {at}")
        save_checkpoint(run.checkpoint_dir, at, modules, optimizers, state.extra(), device=training.device)

    bar = progress(schedule.total * schedule.per_step, state.step * schedule.per_step, desc=desc)
    iteration = state.step * schedule.per_step
    with deferred_interrupts() as interrupted:
        while state.step < schedule.total:
            started = time.perf_counter()
            if training.before_step is not None:
                training.before_step(iteration)
            state.sums += training.step(*training.batches(iteration))
            state.count += 1
            iteration += 1
            state.train_seconds += time.perf_counter() - started
            bar.update(1)
            if iteration % schedule.per_step:
                continue  # within a step (a moons epoch): an interrupt waits for its end
            state.step = step = iteration // schedule.per_step
            last = step == schedule.total

            # Log the mean statistics (the only host-device sync between log steps).
            if step % schedule.log_every == 0 or last:
                means = (state.sums / state.count).tolist()
                check_finite(names, means, f"{schedule.word} {step}")
                run.append_stats({schedule.unit: step, **dict(zip(names, means))})
                shown = headline(names, means, getattr(training.step, "headline_stats", names))
                run.log(format_stats(f"{schedule.unit} {step}/{schedule.total}", shown), echo=bar.disable)
                show_stats(bar, shown)
                state.sums.zero_()
                state.count = 0
            if last:
                bar.close()  # its time and rate are the training's; the final pictures and scores come after
            if (schedule.sample_every and step % schedule.sample_every == 0) or last:
                sample(step)
            if score is not None and ((schedule.score_every and step % schedule.score_every == 0) or last):
                started = time.perf_counter()
                scores = score(step)
                if last:
                    run.log(f"scored in {time.perf_counter() - started:.1f} s")
                if schedule.record_scores:
                    networks = {"feature_network": ", ".join(scores.feature_networks())} \
                        if scores.feature_networks() else {}
                    run.append_stats({schedule.unit: step, "kind": "eval", **scores.values, **networks})
                if last:
                    run.write_metrics(step, scores, timing=timing(state, schedule.per_step))
            if step % schedule.checkpoint_every == 0 or last or interrupted["signal"] is not None:
                save(step)
            if interrupted["signal"] is not None:
                bar.close()
                run.log(f"interrupted at {schedule.word} {step}; checkpoint saved; continue with: ganforge train "
                        f"{run.kind} --resume {run.path}")
                raise KeyboardInterrupt
    bar.close()
    return state.step
