"""`ganforge eval RUN_DIR`: score a run's checkpoint into metrics.json."""
from __future__ import annotations

from .. import methods
from ..runs import Run, Scores, checkpoint_step
from .load import load_trained


def evaluate_run(run_dir, cache=None, step: int | None = None, code=None, trust_code: bool = False) -> Scores:
    """Score a run's checkpoint at `step` (None: the latest); write metrics.json and return the scores."""
    run = Run.open(run_dir)
    method = methods.of_run(run.config)
    path = run.checkpoint_at(step)
    cfg, nets = load_trained(run_dir, step=checkpoint_step(path), code=code, trust_code=trust_code)
    scores = methods.make_scorer(method, cfg, cache)(nets, method.data.load(cfg))
    # How long training took is known only to the training that wrote metrics.json: keep it.
    timing = run.read_metrics().get("timing")
    run.write_metrics(checkpoint_step(path), scores, checkpoint=path.name, timing=timing)
    return scores
