"""`ganforge sample`: a grid of samples from a trained DCGAN."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..data.convert import to_uint8
from ..models.noise import uniform_noise
from ..fileio import unused_path
from ..pictures.grids import save_grid
from .load import load_trained


def sample_images(generator, n: int, seed: int = 0) -> torch.Tensor:
    """n samples (uint8, CPU) from a DCGAN generator, from noise seeded by `seed`."""
    noise = uniform_noise(n, generator.input_size, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        return to_uint8(generator(noise))


def sample_dcgan(run_dir, n: int, out, seed: int = 0, step: int | None = None) -> Path:
    """A grid of n samples from a DCGAN run's generator, written to `out` or, when that exists, beside it."""
    _, nets = load_trained(run_dir, "dcgan", step=step)
    return save_grid(sample_images(nets.generator, n, seed), unused_path(out), ncol=int(np.ceil(np.sqrt(n))))
