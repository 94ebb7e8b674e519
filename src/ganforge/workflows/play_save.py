"""`ganforge play`'s Save: the session's state, copied between two iterations, written as an ordinary moons run
folder (complete or not at all) while training goes on."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch

from .. import methods
from ..data.points import real_points
from ..errors import GanforgeError
from ..fileio import write_text_atomically
from ..hardware import Hardware
from ..methods.moons import METHOD as MOONS
from ..methods.moons import MoonsConfig
from ..models.nets import GANNets
from ..report import write_report
from ..runs import STATS, Run, checkpoint_name
from ..train import checkpoint
from ..train.loop import timing_of
from ..train.points import save_heatmap, save_rejection_heatmap
from .play_frames import FRAME_SEED


@dataclass
class Snapshot:
    """What Save needs, copied between two iterations: CPU networks and the optimizers' states."""
    cfg: MoonsConfig
    preset: str
    nets: GANNets
    optimizers: dict          # name -> state dict (a copy)
    history: list
    events: list
    iteration: int
    points_seen: int
    batch_index: int
    train_seconds: float
    stat_names: tuple         # the statistics the step records (the checkpoint keeps a zero sum of each)


class FrozenOptimizer:
    """An optimizer's copied state where checkpoint.save expects an optimizer (it reads only state_dict())."""

    def __init__(self, state: dict):
        self._state = state

    def state_dict(self) -> dict:
        return self._state


def write_play_run(snap: Snapshot, hw: Hardware, out: Path, closing: Callable[[], bool]) -> dict:
    """An ordinary moons run folder, complete or not at all: config.json, log.txt, stats.jsonl, a checkpoint,
    the heatmaps (plain and rejection sampling's), metrics.json (then report.html).

    Moons runs count epochs: the checkpoint's step and config.json's epochs are the
    whole epochs the networks trained (at least 1 in the config), and log.txt and
    the checkpoint say the exact iterations and epochs. closing() true stops the save
    at its next stage (leaving no folder).
    """
    def stop_if_closing() -> None:
        if closing():
            raise GanforgeError("the save was interrupted by the shutdown; no run folder was written")

    cfg = snap.cfg
    epochs = snap.points_seen / cfg.n_samples
    step = int(epochs)
    # config.json records the device and precision the session trained with, not "auto".
    saved_cfg = dataclasses.replace(cfg, epochs=max(1, step), device=hw.device.type, precision=hw.precision)
    config = MOONS.to_dict(snap.preset, saved_cfg)
    with Run.create_staged(config, f"{MOONS.tag(cfg)}-play", root=out, method=MOONS.describe(config)) as run:
        run.log(f"ganforge play: moons on {hw.describe()}, {cfg.n_samples} points; what was changed:", echo=False)
        for event in snap.events:
            run.log(f"  {event}", echo=False)
        run.log(f"saved after {snap.iteration} iterations ({epochs:.4f} epochs; checkpoint {checkpoint_name(step)} "
                f"counts whole epochs), {snap.train_seconds:.1f} s of training", echo=False)
        records = [{k: v for k, v in r.items() if k != "iter"} for r in snap.history]
        write_text_atomically(run.path / STATS, "".join(json.dumps(r) + "\n" for r in records))
        extra = {"stats_sum": [0.0] * len(snap.stat_names), "stats_count": 0,
                 "train_seconds": snap.train_seconds, "iterations": snap.iteration,
                 "points_seen": snap.points_seen, "batch_index": snap.batch_index, "saved_by": "ganforge play"}
        checkpoint.save(run.checkpoint_dir, step, snap.nets.as_dict(),
                        {name: FrozenOptimizer(state) for name, state in snap.optimizers.items()}, extra)
        stop_if_closing()
        # The pictures a trained run ends with; the points from the frames' own generator, never the global one
        # (the trainer thread is using it).
        real = real_points(cfg)
        save_heatmap(run, cfg, snap.nets, real, step, f"{cfg.trainer}, ganforge play after {snap.iteration} "
                     f"iterations ({epochs:.2f} epochs)", rng=torch.Generator().manual_seed(FRAME_SEED))
        save_rejection_heatmap(run, cfg, snap.nets, real)
        stop_if_closing()
        scores = methods.make_scorer(MOONS, saved_cfg)(snap.nets)
        run.write_metrics(step, scores, checkpoint=checkpoint_name(step),
                          timing=timing_of(snap.train_seconds, snap.iteration))
        stop_if_closing()
    report = None if closing() else write_report(run.path)  # from the finished folder's files, as after training
    return {"path": str(run.path), "iterations": snap.iteration, "epochs": round(epochs, 4),
            "report": str(report) if report else None}
