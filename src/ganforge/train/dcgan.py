"""The Toronto DCGAN on one emoji style (seed's gan_training_loop)."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ..config import DCGANConfig
from ..evaluate import FeatureSpace, dcgan_scores
from ..grids import save_grid
from ..hardware import pick_hardware
from ..losses import adversarial_loss
from ..models.dcgan import DCDiscriminator, DCGenerator
from ..runs import Run
from .batches import BatchSampler, load_emoji_splits, to_uint8
from .common import adam, compile_networks
from .loop import run_iterations
from .steps import TwoStepGAN


@dataclass
class DCGANResult:
    run: Run
    generator: torch.nn.Module
    discriminator: torch.nn.Module

    @property
    def path(self):
        return self.run.path


def build_dcgan(cfg: DCGANConfig, hw):
    fmt = torch.channels_last if hw.channels_last else torch.contiguous_format
    generator = DCGenerator(cfg.noise_size, cfg.conv_dim).to(hw.device, memory_format=fmt)
    discriminator = DCDiscriminator(cfg.conv_dim).to(hw.device, memory_format=fmt)
    compile_networks([generator, discriminator], cfg.compile)
    return generator, discriminator


def fixed_noise(cfg: DCGANConfig, device, n: int = 100) -> torch.Tensor:
    """The same 100 noise vectors for every sample grid of a run (its own generator: no RNG drift)."""
    gen = torch.Generator().manual_seed(cfg.seed)
    return (torch.rand(n, cfg.noise_size, generator=gen) * 2 - 1).to(device)


def train_dcgan(cfg: DCGANConfig, run: Run, resume: bool = False) -> DCGANResult:
    hw = pick_hardware(cfg.device, cfg.precision, cfg.threads, convolutional=True)
    torch.manual_seed(cfg.seed)
    splits = load_emoji_splits(cfg, [cfg.style])[cfg.style]
    train_set = splits["train"]
    images = train_set.images.to(hw.device)  # (N, 3, 32, 32) uint8, moved once
    sampler = BatchSampler(images, cfg.batch_size, cfg.seed, hw.channels_last, name=f"the {cfg.style} training set")
    generator, discriminator = build_dcgan(cfg, hw)
    betas = (cfg.beta1, cfg.beta2)
    opt_gen, opt_disc = adam(generator.parameters(), cfg.lr_gen, betas), adam(discriminator.parameters(), cfg.lr_disc, betas)
    # Batch norm sees real and fake batches separately, as in the seed, so no joint D pass.
    gan_step = TwoStepGAN(generator, discriminator, opt_gen, opt_disc, adversarial_loss(cfg.loss), hw,
                          joint_disc_pass=False)
    noise = fixed_noise(cfg, hw.device)
    run.log(f"dcgan on {cfg.style}: {images.shape[0]} training images, {hw.describe()}, {cfg.iters} iterations")
    save_grid(images[:100].cpu(), run.path / "reals.png", ncol=10)

    @torch.no_grad()
    def sample(it: int) -> None:
        generator.eval()
        with hw.autocast():
            fake = generator(noise)
        generator.train()
        save_grid(to_uint8(fake), run.path / "samples" / f"{it:06d}.png", ncol=10)

    space = FeatureSpace(cfg.cache or None)

    def evaluate(it: int) -> dict:
        return dcgan_scores(generator, cfg.style, train_set.images, splits["test"].images, space)

    run_iterations(run, cfg, lambda it: gan_step(sampler.batch(it)), gan_step.stat_names,
                   {"generator": generator, "discriminator": discriminator},
                   {"gen": opt_gen, "disc": opt_disc}, sample, hw.device, resume, desc="dcgan", evaluate=evaluate)
    run.log(f"done: samples in {run.path / 'samples'}")
    return DCGANResult(run, generator, discriminator)
