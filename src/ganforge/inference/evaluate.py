"""`ganforge eval RUN_DIR`: score a run's checkpoint into metrics.json."""
from __future__ import annotations

import dataclasses

from .. import methods
from ..errors import GanforgeError
from ..runs import Run, Scores, checkpoint_step
from .load import load_trained


def evaluate_run(run_dir, cache=None, step: int | None = None, code=None, trust_code: bool = False,
                 draws: int | None = None) -> Scores:
    """Score a run's checkpoint at `step` (None: the latest); write metrics.json and return the scores.

    draws: how many sets of samples to score and average (None: the run's --eval-draws).
    """
    run = Run.open(run_dir)
    method = methods.of_run(run.config)
    if draws is not None:  # refused before a checkpoint is loaded
        if draws < 1:
            raise GanforgeError(f"--draws must be >= 1, got {draws}")
        if "eval_draws" not in method.field_names():
            raise GanforgeError(f"--draws: {run_dir} is a {method.name} run, which samples no images from noise; "
                                "draws apply to runs that do (dcgan)")
    path = run.checkpoint_at(step)
    cfg, nets = load_trained(run_dir, step=checkpoint_step(path), code=code, trust_code=trust_code)
    if draws is not None:
        cfg = dataclasses.replace(cfg, eval_draws=draws)
    scores = methods.make_scorer(method, cfg, cache)(nets, method.data.load(cfg))
    # How long training took is known only to the training that wrote metrics.json: keep it.
    timing = run.read_metrics().get("timing")
    run.write_metrics(checkpoint_step(path), scores, checkpoint=path.name, timing=timing)
    return scores
