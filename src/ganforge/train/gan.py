"""The moons experiments: two-step, discriminator-only and gradient-reversal training."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from ..config import MoonsConfig
from ..data.moons import make_moons
from ..evaluate import moons_scores
from ..hardware import pick_hardware
from ..losses import adversarial_loss
from ..models.toy import MoonDiscriminator, MoonGenerator, UniformMoonGenerator
from ..plots import moons_figure
from ..runs import Run
from .common import adam, check_finite, compile_networks, format_stats, progress, resume_step
from .steps import RevGradGAN, TwoStepGAN


@dataclass
class MoonsResult:
    """What a finished moons run leaves for a notebook: its folder, stats and networks."""

    run: Run
    generator: torch.nn.Module
    discriminator: torch.nn.Module
    stats: list = field(default_factory=list)

    @property
    def path(self):
        return self.run.path


def build_moons(cfg: MoonsConfig, device):
    """The generator, discriminator and the step that trains them."""
    if cfg.trainer == "disc-only":
        generator = UniformMoonGenerator(cfg.noise_size)
    else:
        generator = MoonGenerator(cfg.noise_size)
    discriminator = MoonDiscriminator(2, cfg.hidden_disc)
    generator, discriminator = generator.to(device), discriminator.to(device)
    compile_networks([generator, discriminator], cfg.compile)
    return generator, discriminator


def _make_step(cfg: MoonsConfig, generator, discriminator, hw):
    loss = adversarial_loss(cfg.loss)
    if cfg.trainer == "revgrad":
        optimizer = adam(list(generator.parameters()) + list(discriminator.parameters()), cfg.lr)
        return RevGradGAN(generator, discriminator, optimizer, loss, hw), {"all": optimizer}
    opt_gen = adam(generator.parameters(), cfg.lr_gen)
    opt_disc = adam(discriminator.parameters(), cfg.lr_disc)
    step = TwoStepGAN(generator, discriminator, opt_gen, opt_disc, loss, hw, joint_disc_pass=True)
    return step, {"gen": opt_gen, "disc": opt_disc}


def _to_prob(cfg: MoonsConfig):
    return torch.sigmoid if cfg.loss == "bce" else (lambda d: d.clamp(0, 1))


def plot_moons(run: Run, cfg: MoonsConfig, generator, discriminator, real, epoch: int) -> None:
    fig = moons_figure(discriminator, generator, real, resolution=cfg.heatmap_resolution,
                       to_prob=_to_prob(cfg), title=f"{cfg.trainer}, after epoch {epoch}")
    run.save_figure(fig, f"heatmaps/epoch-{epoch:04d}.png")


def train_moons(cfg: MoonsConfig, run: Run, resume: bool = False) -> MoonsResult:
    """Train on the moons for cfg.epochs; write stats, heatmaps and checkpoints into `run`."""
    hw = pick_hardware(cfg.device, cfg.precision, cfg.threads)
    torch.manual_seed(cfg.seed)
    real = make_moons(cfg.n_samples, cfg.noise, cfg.seed).to(hw.device)  # (N, 2), on the device once
    generator, discriminator = build_moons(cfg, hw.device)
    step, optimizers = _make_step(cfg, generator, discriminator, hw)
    modules = {"generator": generator, "discriminator": discriminator}
    start_epoch = resume_step(run, modules, optimizers, resume)
    run.truncate_stats("epoch", start_epoch)
    run.log(f"moons {cfg.trainer} on {hw.describe()}: {cfg.n_samples} points, batch {cfg.batch_size}, "
            f"{cfg.epochs} epochs")
    if start_epoch == 0:
        plot_moons(run, cfg, generator, discriminator, real, 0)

    n_batches = math.ceil(cfg.n_samples / cfg.batch_size)  # the last batch may be short, as in the seed
    bar = progress(cfg.epochs * n_batches, start_epoch * n_batches, desc=f"moons {cfg.trainer}")
    for epoch in range(start_epoch + 1, cfg.epochs + 1):
        order = torch.randperm(cfg.n_samples, device=hw.device) if cfg.shuffle else None
        totals = torch.zeros(len(step.stat_names), device=hw.device)
        for b in range(n_batches):
            index = slice(b * cfg.batch_size, (b + 1) * cfg.batch_size)
            batch = real[order[index]] if order is not None else real[index]
            totals += step(batch)
            bar.update(1)

        # Report the epoch (the only host-device sync of the epoch).
        means = (totals / n_batches).tolist()
        check_finite(step.stat_names, means, f"epoch {epoch}")
        run.append_stats({"epoch": epoch, **dict(zip(step.stat_names, means))})
        run.log(format_stats(f"epoch {epoch}/{cfg.epochs}:", step.stat_names, means))
        if epoch == cfg.epochs or (cfg.plot_every and epoch % cfg.plot_every == 0):
            plot_moons(run, cfg, generator, discriminator, real, epoch)
        run.save_checkpoint(epoch, modules, optimizers, {"epoch": epoch})
    bar.close()
    scores = moons_scores(generator, cfg)
    run.write_json("metrics.json", {"kind": "moons", "step": cfg.epochs, "metrics": scores, "notes": []})
    final = run.path / "heatmaps" / f"epoch-{cfg.epochs:04d}.png"
    run.log(f"done: {run.path} (final heatmap {final})")
    return MoonsResult(run, generator, discriminator, run.read_stats())
