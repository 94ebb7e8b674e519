"""The moons experiments: two-step, discriminator-only and gradient-reversal training (the Radboud handout)."""
from __future__ import annotations

import torch

from ..config import MoonsConfig
from ..data.batches import PointBatches
from ..data.moons import make_moons
from ..hardware import Hardware, pick_hardware
from ..models.build import GANNets, build_networks
from ..models.rejection import TooFewKept, rejection_sample
from ..pictures.grids import save_figure
from ..pictures.moons import moons_figure, to_probability
from ..runs import Run
from .ema import EMA
from .loop import Schedule, Training, run_iterations
from .lr_decay import with_lr_decay
from .losses import adversarial_loss
from .result import TrainingResult
from .steps import RevGradGAN, TwoStepGAN


def moons_step(cfg: MoonsConfig, nets: GANNets, hw: Hardware) -> TwoStepGAN | RevGradGAN:
    """The step of cfg.trainer over `nets`, with fresh optimizers."""
    loss = adversarial_loss(cfg.loss)
    ema = EMA(nets.generator, nets.generator_ema, cfg.ema) if nets.generator_ema is not None else None
    if cfg.trainer == "revgrad":
        return RevGradGAN(nets.generator, nets.discriminator, loss, hw, lr=cfg.lr, ema=ema)
    # two-step, and disc-only (its uniform generator is never updated)
    return TwoStepGAN(nets.generator, nets.discriminator, loss, hw, lr_gen=cfg.lr_gen, lr_disc=cfg.lr_disc,
                      joint_disc_pass=True, ema=ema)


def prepare_moons(cfg: MoonsConfig, hw: Hardware, real: torch.Tensor) -> Training:
    """The networks, the step of cfg.trainer and the batches of `real` points (on hw's device)."""
    nets = build_networks("moons", cfg, hw)
    step = moons_step(cfg, nets, hw)
    batches = PointBatches(real, cfg.batch_size, cfg.shuffle)
    return Training(nets, step, lambda it: (batches.batch(it),), hw.device)


def save_rejection_heatmap(cfg: MoonsConfig, nets, real: torch.Tensor, path) -> None:
    """The final heatmap with the points discriminator rejection sampling keeps, to set beside the plain one."""
    kept = rejection_sample(nets.sampler(), nets.discriminator, 1000, loss=cfg.loss,
                            percentile=cfg.rejection_percentile, seed=cfg.seed)
    fig = moons_figure(nets.discriminator, nets.sampler(), real, resolution=cfg.heatmap_resolution,
                       to_prob=to_probability(cfg.loss), fake=kept.points,
                       title=f"{cfg.trainer}, rejection sampling at percentile {cfg.rejection_percentile:g} "
                             f"(keeps {kept.acceptance_rate:.0%})")
    save_figure(fig, path)


def train_moons(cfg: MoonsConfig, run: Run, resume: bool = False, score=None) -> TrainingResult:
    """Train on the moons for cfg.epochs; write stats, heatmaps, checkpoints and (with `score`) metrics.json."""
    hw = pick_hardware(cfg.device, cfg.precision, cfg.threads, deterministic=cfg.deterministic)
    torch.manual_seed(cfg.seed)
    real = make_moons(cfg.n_samples, cfg.noise, cfg.seed).to(hw.device)  # (N, 2), on the device once
    batches_per_epoch = PointBatches(real, cfg.batch_size).per_epoch  # the last batch may be short, as in the handout
    training = with_lr_decay(prepare_moons(cfg, hw, real), cfg.lr_decay, cfg.epochs * batches_per_epoch)
    nets = training.networks
    run.log(f"moons {cfg.trainer} on {hw.describe()}: {cfg.n_samples} points, batch {cfg.batch_size}, "
            f"{cfg.epochs} epochs")

    def plot(epoch: int) -> None:
        fig = moons_figure(nets.discriminator, nets.sampler(), real, resolution=cfg.heatmap_resolution,
                           to_prob=to_probability(cfg.loss), title=f"{cfg.trainer}, after epoch {epoch}")
        save_figure(fig, run.path / "heatmaps" / f"epoch-{epoch:04d}.png")

    # One step is one epoch: a record, a heatmap and a checkpoint per epoch, as the handout logs it;
    # the scores go only into metrics.json at the end.
    schedule = Schedule(total=cfg.epochs, per_step=batches_per_epoch, unit="epoch", log_every=1,
                        sample_every=cfg.plot_every, checkpoint_every=1, record_scores=False, sample_at_start=True)
    run_iterations(run, training, schedule, plot, score=score and (lambda step: score(nets, None)), resume=resume,
                   desc=f"moons {cfg.trainer}")
    try:
        save_rejection_heatmap(cfg, nets, real, run.path / "heatmaps" / "final-rejection.png")
    except TooFewKept as error:  # the run itself is fine; only this picture cannot be drawn
        run.log(f"no rejection-sampling heatmap: {error}")
    run.log(f"done: {run.path} (final heatmap {run.path / 'heatmaps' / f'epoch-{cfg.epochs:04d}.png'})")
    return TrainingResult(run, nets)
