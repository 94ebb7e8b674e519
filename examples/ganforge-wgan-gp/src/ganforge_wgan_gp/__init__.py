"""WGAN-GP (Gulrajani et al., NeurIPS 2017) on emojis, as a ganforge method that lives outside ganforge.

A critic without batch norm scores real images high and generated ones low; it is kept
1-Lipschitz by a penalty on its gradient at points between real and generated images
((|grad| - 1)^2, weight gp_weight). Each iteration takes n_critic critic updates, on n_critic
real batches, then one generator update. The generator is ganforge's DCGenerator (the
Toronto handout's), so samples compare with `ganforge train dcgan` one for one.

Everything ganforge needs is the record METHOD at the end; the package's pyproject.toml
names it under the entry-point group "ganforge.methods".
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ganforge.config import ImageGenerationConfig, opt
from ganforge.data.batches import BatchSampler
from ganforge.hardware import adam
from ganforge.methods import IMAGES, Benchmark, Method
from ganforge.models.dcgan import DCGenerator
from ganforge.models.nets import GANNets, average_of
from ganforge.models.noise import uniform_noise
from ganforge.train.ema import EMA
from ganforge.train.updates import descend, frozen


@dataclass
class WGANGPConfig(ImageGenerationConfig):
    n_critic: int = opt(5, "critic updates per generator update (each on a real batch of its own)", min=1)
    gp_weight: float = opt(10.0, "weight of the gradient penalty (|grad D(x_hat)| - 1)^2", min=0.0)
    lr: float = opt(1e-4, "Adam learning rate of the generator and the critic", min=0.0, min_exclusive=True)
    ema: float = opt(0.999, "decay of a moving average of the generator's weights, used for samples and scores "
                     "(0: off)", min=0.0, max=0.99999)


class Critic(nn.Module):
    """Images (B, 3, 32, 32) -> scores (B, 1); layer norm instead of batch norm, which the penalty forbids."""

    def __init__(self, conv_dim: int = 32):
        super().__init__()
        c = conv_dim
        self.net = nn.Sequential(
            nn.Conv2d(3, c, 4, 2, 1), nn.LeakyReLU(0.2),                                   # (B, c, 16, 16)
            nn.Conv2d(c, 2 * c, 4, 2, 1), nn.GroupNorm(1, 2 * c), nn.LeakyReLU(0.2),       # (B, 2c, 8, 8)
            nn.Conv2d(2 * c, 4 * c, 4, 2, 1), nn.GroupNorm(1, 4 * c), nn.LeakyReLU(0.2),   # (B, 4c, 4, 4)
            nn.Conv2d(4 * c, 1, 4, 1, 0), nn.Flatten(),                                     # (B, 1)
        )

    def forward(self, x):
        return self.net(x)


def gradient_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """E[(|grad critic(x_hat)| - 1)^2] at x_hat on the segments between real and fake images."""
    alpha = torch.rand(real.shape[0], 1, 1, 1, device=real.device)
    between = (alpha * real.float() + (1 - alpha) * fake.float()).requires_grad_(True)
    grad, = torch.autograd.grad(critic(between).float().sum(), between, create_graph=True)
    return (grad.flatten(1).norm(dim=1) - 1).square().mean()


class WGANGPStep:
    """n_critic critic updates on n_critic real batches, then one generator update."""

    stat_names = ("critic_loss", "gen_loss", "wasserstein", "gradient_penalty")
    headline_stats = stat_names

    def __init__(self, nets: GANNets, cfg: WGANGPConfig, hw):
        self.nets, self.cfg, self.hw = nets, cfg, hw
        betas = (cfg.beta1, cfg.beta2)
        self.opt_gen = adam(nets.generator.parameters(), cfg.lr, betas)
        self.opt_critic = adam(nets.discriminator.parameters(), cfg.lr, betas)
        self.ema = EMA(nets.generator, nets.generator_ema, cfg.ema) if nets.generator_ema is not None else None

    @property
    def optimizers(self) -> dict:
        return {"gen": self.opt_gen, "critic": self.opt_critic}

    def _noise(self, batch: int) -> torch.Tensor:
        return uniform_noise(batch, self.cfg.noise_size, self.hw.device)

    def __call__(self, *reals: torch.Tensor) -> torch.Tensor:
        G, D = self.nets.generator, self.nets.discriminator
        critic_losses, distances, penalties = [], [], []
        for real in reals:
            # Update the critic: real scores up, generated scores down, gradient norm near 1.
            with self.hw.autocast():
                with torch.no_grad():
                    fake = G(self._noise(real.shape[0]))
                distance = D(real).float().mean() - D(fake).float().mean()
                penalty = gradient_penalty(D, real, fake)
                loss = -distance + self.cfg.gp_weight * penalty
            descend(self.opt_critic, loss)
            critic_losses.append(loss.detach())
            distances.append(distance.detach())
            penalties.append(penalty.detach())
        # Update the generator: its images' scores up.
        with frozen(D):
            with self.hw.autocast():
                gen_loss = -D(G(self._noise(reals[0].shape[0]))).float().mean()
            descend(self.opt_gen, gen_loss)
        if self.ema is not None:
            self.ema.update()
        return torch.stack([torch.stack(critic_losses).mean(), gen_loss.detach(), torch.stack(distances).mean(),
                            torch.stack(penalties).mean()])


def networks(cfg: WGANGPConfig, build) -> GANNets:
    generator = DCGenerator(cfg.noise_size, cfg.conv_dim, cfg.upconv)
    return GANNets(generator, Critic(cfg.conv_dim), average_of(generator) if cfg.ema > 0 else None)


def batches(cfg: WGANGPConfig, hw, images):
    """n_critic real batches an iteration: iteration i takes batches i * n_critic ... i * n_critic + n_critic - 1."""
    sampler = BatchSampler(images, cfg.batch_size, cfg.seed, hw.channels_last, name=f"the {cfg.style} training set")
    return lambda it: tuple(sampler.batch(it * cfg.n_critic + k) for k in range(cfg.n_critic))


METHOD = Method(
    name="wgan-gp", title="WGAN-GP", summary="a DCGAN generator against a gradient-penalised critic (Gulrajani "
    "et al. 2017), on 32x32 emojis of one style",
    config=WGANGPConfig, data=IMAGES, networks=networks, step=lambda cfg, nets, hw: WGANGPStep(nets, cfg, hw),
    batches=batches,
    # The paper's settings for its DCGAN experiments.
    presets={"gulrajani": dict(n_critic=5, gp_weight=10.0, lr=1e-4, beta1=0.0, beta2=0.9, iters=5000,
                               batch_size=64)},
    default_preset="gulrajani", key_settings=("style", "n_critic", "iters"),
    benchmarks=(Benchmark("wgan-gp", full_run_iters=5000, options=dict(batch_size=16)),),
)

__all__ = ["METHOD", "WGANGPConfig", "Critic", "WGANGPStep", "gradient_penalty"]
