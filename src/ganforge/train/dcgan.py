"""The Toronto DCGAN on one emoji style (the handout's gan_training_loop)."""
from __future__ import annotations

import torch

from ..config import DCGANConfig
from ..data.batches import BatchSampler
from ..data.convert import to_uint8
from ..data.emoji import datasets as emoji_datasets
from ..hardware import Hardware, pick_hardware
from ..models.build import build_networks
from ..models.modes import eval_mode
from ..models.noise import uniform_noise
from ..pictures.grids import save_grid
from ..runs import Run
from .augment import DiffAugment
from .ema import EMA
from .loop import Schedule, Training, run_iterations
from .losses import adversarial_loss
from .result import TrainingResult
from .steps import TwoStepGAN


def prepare_dcgan(cfg: DCGANConfig, hw: Hardware, images: torch.Tensor) -> Training:
    """The networks, the two-step step (LSGAN in the handout) and shuffled batches of `images` (uint8, on hw's device)."""
    nets = build_networks("dcgan", cfg, hw)
    ema = EMA(nets.generator, nets.generator_ema, cfg.ema) if nets.generator_ema is not None else None
    # Batch norm sees real and fake batches separately, as in the handout, so no joint D pass.
    step = TwoStepGAN(nets.generator, nets.discriminator, adversarial_loss(cfg.loss), hw, lr_gen=cfg.lr_gen,
                      lr_disc=cfg.lr_disc, betas=(cfg.beta1, cfg.beta2), joint_disc_pass=False,
                      augment=DiffAugment(cfg.augment) if cfg.augment else None, r1_gamma=cfg.r1_gamma, ema=ema)
    sampler = BatchSampler(images, cfg.batch_size, cfg.seed, hw.channels_last, name=f"the {cfg.style} training set")
    return Training(nets, step, lambda it: (sampler.batch(it),), hw.device)


def fixed_noise(cfg: DCGANConfig, device, n: int = 100) -> torch.Tensor:
    """The same 100 noise vectors for every sample grid of a run (its own generator: no RNG drift)."""
    return uniform_noise(n, cfg.noise_size, device, generator=torch.Generator().manual_seed(cfg.seed))


def train_dcgan(cfg: DCGANConfig, run: Run, resume: bool = False, score=None) -> TrainingResult:
    hw = pick_hardware(cfg.device, cfg.precision, cfg.threads, convolutional=True, deterministic=cfg.deterministic)
    torch.manual_seed(cfg.seed)
    data = emoji_datasets.load_emoji_splits(cfg, [cfg.style])
    images = data[cfg.style]["train"].images.to(hw.device)  # (N, 3, 32, 32) uint8, moved once
    training = prepare_dcgan(cfg, hw, images)
    noise = fixed_noise(cfg, hw.device)
    run.log(f"dcgan on {cfg.style}: {images.shape[0]} training images, {hw.describe()}, {cfg.iters} iterations")
    save_grid(images[:100].cpu(), run.path / "reals.png", ncol=10)

    @torch.no_grad()
    def sample(it: int) -> None:
        generator = training.networks.sampler()  # the moving average, when the run keeps one
        with eval_mode(generator), hw.autocast():
            fake = generator(noise)
        save_grid(to_uint8(fake), run.path / "samples" / f"{it:06d}.png", ncol=10)

    schedule = Schedule(total=cfg.iters, log_every=cfg.log_every, sample_every=cfg.sample_every,
                        checkpoint_every=cfg.checkpoint_every, score_every=cfg.eval_every)
    run_iterations(run, training, schedule, sample, score=score and (lambda it: score(training.networks, data)),
                   resume=resume, desc="dcgan")
    run.log(f"done: samples in {run.path / 'samples'}")
    return TrainingResult(run, training.networks)
