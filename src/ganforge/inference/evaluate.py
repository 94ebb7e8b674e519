"""`ganforge eval RUN_DIR`: score a run's checkpoint into metrics.json."""
from __future__ import annotations

from ..config import TRANSLATION_KINDS
from ..data.emoji import datasets as emoji_datasets
from ..runs import Run, Scores, checkpoint_step
from ..scoring.hooks import scorer_for
from .load import load_trained


def run_data(kind: str, cfg) -> dict | None:
    """The data a run of `kind` is scored on: its emoji styles, or nothing (moons makes its own points)."""
    if kind == "dcgan":
        return emoji_datasets.load_emoji_splits(cfg, [cfg.style])
    if kind in TRANSLATION_KINDS:
        return emoji_datasets.load_emoji_splits(cfg, [cfg.source, cfg.target])
    return None


def evaluate_run(run_dir, cache=None, step: int | None = None) -> Scores:
    """Score a run's checkpoint at `step` (None: the latest); write metrics.json and return the scores."""
    run = Run.open(run_dir)
    path = run.checkpoint_at(step)
    cfg, nets = load_trained(run_dir, step=checkpoint_step(path))
    scores = scorer_for(run.kind, cfg, cache)(nets, run_data(run.kind, cfg))
    # How long training took is known only to the training that wrote metrics.json: keep it.
    timing = run.read_metrics().get("timing")
    run.write_metrics(checkpoint_step(path), scores, checkpoint=path.name, timing=timing)
    return scores
