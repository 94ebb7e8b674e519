"""The iteration loop that DCGAN and CycleGAN share: statistics, samples, checkpoints, resume.

What is trained in one iteration is the caller's `step(it)`; this file only
decides when to log, draw samples and save, and how to stop safely.
"""
from __future__ import annotations

import contextlib
import signal
import threading

import torch

from .. import checkpoint
from ..runs import Run
from .common import check_finite, format_stats, progress


def _resume(run: Run, modules: dict, optimizers: dict, n_stats: int, device) -> tuple[int, torch.Tensor, int]:
    latest = run.latest_checkpoint()
    sums = torch.zeros(n_stats, device=device)
    if latest is None:
        return 0, sums, 0
    state = checkpoint.load(latest, modules, optimizers)
    extra = state["extra"]
    sums = torch.tensor(extra["stats_sum"], dtype=torch.float32, device=device)
    run.log(f"resumed from {latest} (iteration {state['step']})")
    return int(state["step"]), sums, int(extra["stats_count"])


@contextlib.contextmanager
def deferred_interrupts():
    """Turn SIGINT/SIGTERM into a flag checked between iterations.

    Stopping mid-iteration could save a half-updated state (D stepped, G not);
    deferring the stop to the end of the iteration keeps a resumed run exact.
    """
    flag = {"signal": None}
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum, frame):
        if flag["signal"] is not None:  # a second Ctrl-C: stop now
            raise KeyboardInterrupt
        flag["signal"] = signum

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def run_iterations(run: Run, cfg, step, stat_names, modules: dict, optimizers: dict, sample, device,
                   resume: bool = False, desc: str = "", evaluate=None) -> int:
    """Call step(it) for it in [start, cfg.iters); return the iteration reached.

    sample(it) draws pictures; evaluate(it) returns a dict of scores (both optional hooks).
    """
    if resume:
        start, sums, count = _resume(run, modules, optimizers, len(stat_names), device)
    else:
        start, sums, count = 0, torch.zeros(len(stat_names), device=device), 0
    run.truncate_stats("iter", start)

    def save(at: int) -> None:
        # Never checkpoint weights that came from a non-finite step.
        check_finite(stat_names, (sums / max(count, 1)).tolist(), f"iteration {at}")
        run.save_checkpoint(at, modules, optimizers, {"stats_sum": sums.tolist(), "stats_count": count})

    bar = progress(cfg.iters, start, desc=desc)
    it = start
    with deferred_interrupts() as interrupted:
        while it < cfg.iters:
            sums += step(it)
            count += 1
            it += 1
            bar.update(1)
            last = it == cfg.iters

            # Log the mean statistics (the only host-device sync between log steps).
            if it % cfg.log_every == 0 or last:
                means = (sums / count).tolist()
                check_finite(stat_names, means, f"iteration {it}")
                run.append_stats({"iter": it, **dict(zip(stat_names, means))})
                run.log(format_stats(f"iter {it}/{cfg.iters}:", stat_names, means), echo=bar.disable)
                sums.zero_()
                count = 0
            if (cfg.sample_every and it % cfg.sample_every == 0) or last:
                sample(it)
            if evaluate is not None and ((cfg.eval_every and it % cfg.eval_every == 0) or last):
                scores = evaluate(it)
                run.append_stats({"iter": it, "kind": "eval", **scores})
                if last:
                    run.write_json("metrics.json", {"kind": run.kind, "step": it, "metrics": scores, "notes": []})
            if it % cfg.checkpoint_every == 0 or last:
                save(it)
            elif interrupted["signal"] is not None:
                save(it)
            if interrupted["signal"] is not None:
                bar.close()
                run.log(f"interrupted at iteration {it}; checkpoint saved; continue with: ganforge train "
                        f"{run.kind} --resume {run.path}")
                raise KeyboardInterrupt
    bar.close()
    return it
