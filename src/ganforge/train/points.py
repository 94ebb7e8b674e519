"""Training on 2-D points (the moons): one step an epoch, a heatmap of the discriminator per epoch.

What is trained (networks, step, batches) comes from the method's prepare(cfg, hw, real);
this file owns the rest: the data, the schedule, the heatmaps and the final rejection
heatmap. The config is a moons config (ganforge.methods.moons.MoonsConfig or a subclass).
"""
from __future__ import annotations

from typing import Callable

import torch

from ..data.batches import PointBatches
from ..data.points import real_points
from ..hardware import pick_hardware
from ..models.rejection import TooFewKept, rejection_sample
from ..pictures.grids import save_figure
from ..pictures.moons import moons_figure, to_probability
from ..runs import Run
from .loop import Schedule, Training, run_iterations
from .lr_decay import with_lr_decay
from .result import TrainingResult

# prepare(cfg, hw, real) -> Training: the networks, the step and the batches of `real` points (on hw's device).
PreparePoints = Callable[..., Training]


def save_heatmap(run: Run, cfg, nets, real: torch.Tensor, epoch: int, title: str, rng=None) -> None:
    """heatmaps/epoch-NNNN.png: D's output with the sampler's points, beside the real points.

    rng: where the drawn points' noise comes from (default: the global generator, as the
    handout's plot_generator draws them, which moves the training's random numbers)."""
    fig = moons_figure(nets.discriminator, nets.sampler(), real, resolution=cfg.heatmap_resolution,
                       to_prob=to_probability(cfg.loss), title=title, rng=rng)
    save_figure(fig, run.path / "heatmaps" / f"epoch-{epoch:04d}.png")


def save_rejection_heatmap(run: Run, cfg, nets, real: torch.Tensor) -> None:
    """heatmaps/final-rejection.png: the final heatmap with the points discriminator rejection sampling keeps, to
    set beside the plain one (draws from its own generator); where D is too sure for it, a log line says why."""
    try:
        kept = rejection_sample(nets.sampler(), nets.discriminator, 1000, loss=cfg.loss,
                                percentile=cfg.rejection_percentile, seed=cfg.seed)
    except TooFewKept as error:  # the run itself is fine; only this picture cannot be drawn
        run.log(f"no rejection-sampling heatmap: {error}")
        return
    fig = moons_figure(nets.discriminator, nets.sampler(), real, resolution=cfg.heatmap_resolution,
                       to_prob=to_probability(cfg.loss), fake=kept.points,
                       title=f"{cfg.trainer}, rejection sampling at percentile {cfg.rejection_percentile:g} "
                             f"(keeps {kept.acceptance_rate:.0%})")
    save_figure(fig, run.path / "heatmaps" / "final-rejection.png")


def train_points(cfg, run: Run, prepare: PreparePoints, resume: bool = False, score=None,
                 name: str = "moons") -> TrainingResult:
    """Train on the moons for cfg.epochs; write stats, heatmaps, checkpoints and (with `score`) metrics.json."""
    hw = pick_hardware(cfg.device, cfg.precision, cfg.threads, deterministic=cfg.deterministic)
    torch.manual_seed(cfg.seed)
    real = real_points(cfg).to(hw.device)  # (N, 2), on the device once
    batches_per_epoch = PointBatches.per_epoch_of(len(real), cfg.batch_size)  # the last may be short, as in the handout
    training = with_lr_decay(prepare(cfg, hw, real), cfg.lr_decay, cfg.epochs * batches_per_epoch)
    nets = training.networks
    run.log(f"{name} {cfg.trainer} on {hw.describe()}: {cfg.n_samples} points ({cfg.dataset}), "
            f"batch {cfg.batch_size}, {cfg.epochs} epoch{'s' if cfg.epochs != 1 else ''}")

    def plot(epoch: int) -> None:
        save_heatmap(run, cfg, nets, real, epoch, f"{cfg.trainer}, after epoch {epoch}")

    # One step is one epoch: a record, a heatmap and a checkpoint per epoch, as the handout logs it;
    # the scores go only into metrics.json at the end.
    # The heatmaps draw their points from the global RNG, as the handout's plots do, so they move the training's
    # random numbers; with --plot-every 0 none is drawn before the end, and the run trains what `ganforge play`
    # trains with the same settings, iteration for iteration.
    schedule = Schedule(total=cfg.epochs, per_step=batches_per_epoch, unit="epoch", log_every=1,
                        sample_every=cfg.plot_every, checkpoint_every=1, record_scores=False,
                        sample_at_start=cfg.plot_every > 0)
    run_iterations(run, training, schedule, plot, score=score and (lambda step: score(nets, None)), resume=resume,
                   desc=f"{name} {cfg.trainer}")
    save_rejection_heatmap(run, cfg, nets, real)
    run.log(f"done: {run.path} (final heatmap {run.path / 'heatmaps' / f'epoch-{cfg.epochs:04d}.png'})")
    return TrainingResult(run, nets)
