"""Training a generator of images of one style (the Toronto handout's gan_training_loop, and methods like it).

What is trained (networks, step, batches) comes from the method's prepare(cfg, hw, images);
this file owns the rest: the data, the fixed noise of the sample grids, the schedule.
The config is an ImageGenerationConfig (config.py): cfg.style and cfg.noise_size.
"""
from __future__ import annotations

from typing import Callable

import torch

from ..data.convert import to_uint8
from ..data.emoji import datasets as emoji_datasets
from ..hardware import pick_hardware
from ..models.modes import eval_mode
from ..models.noise import uniform_noise
from ..pictures.grids import Grid, save_grid
from ..runs import Run
from .loop import Schedule, Training, run_iterations
from .lr_decay import with_lr_decay
from .result import TrainingResult

# prepare(cfg, hw, images) -> Training: the networks, the step and batches of `images` (uint8, on hw's device).
PrepareImages = Callable[..., Training]


def fixed_noise(cfg, device, n: int = 100) -> torch.Tensor:
    """The same 100 noise vectors for every sample grid of a run (its own generator: no RNG drift)."""
    return uniform_noise(n, cfg.noise_size, device, generator=torch.Generator().manual_seed(cfg.seed))


@torch.no_grad()
def sample_grid(networks, noise: torch.Tensor, hw) -> Grid:
    """The samples of the fixed noise, 10 a row; from the moving average where the run keeps one."""
    generator = networks.sampler()
    with eval_mode(generator), torch.no_grad(), hw.autocast():
        fake = generator(noise)
    return Grid("", to_uint8(fake), 10)


def train_images(cfg, run: Run, prepare: PrepareImages, resume: bool = False, score=None,
                 name: str = "dcgan") -> TrainingResult:
    """Train for cfg.iters on the images of cfg.style; sample grids, stats, checkpoints, scores."""
    hw = pick_hardware(cfg.device, cfg.precision, cfg.threads, convolutional=True, deterministic=cfg.deterministic)
    torch.manual_seed(cfg.seed)
    data = emoji_datasets.load_emoji_splits(cfg, [cfg.style])
    images = data[cfg.style]["train"].images.to(hw.device)  # (N, 3, 32, 32) uint8, moved once
    training = with_lr_decay(prepare(cfg, hw, images), cfg.lr_decay, cfg.iters)
    noise = fixed_noise(cfg, hw.device)
    run.log(f"{name} on {cfg.style}: {images.shape[0]} training images, {hw.describe()}, {cfg.iters} iterations")
    save_grid(images[:100].cpu(), run.path / "reals.png", ncol=10)

    def sample(it: int) -> None:
        grid = sample_grid(training.networks, noise, hw)
        save_grid(grid.images, run.path / "samples" / f"{it:06d}.png", ncol=grid.ncol)

    schedule = Schedule(total=cfg.iters, log_every=cfg.log_every, sample_every=cfg.sample_every,
                        checkpoint_every=cfg.checkpoint_every, score_every=cfg.eval_every)
    run_iterations(run, training, schedule, sample, score=score and (lambda it: score(training.networks, data)),
                   resume=resume, desc=name)
    run.log(f"done: samples in {run.path / 'samples'}")
    return TrainingResult(run, training.networks)
