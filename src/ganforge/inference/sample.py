"""`ganforge sample`: a grid of samples from a trained DCGAN."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..data.convert import to_uint8
from ..models.noise import uniform_noise
from ..pictures.grids import save_grid
from .load import load_trained


def sample_dcgan(run_dir, n: int, out, seed: int = 0) -> Path:
    """A grid of n samples from a DCGAN run's generator."""
    cfg, nets = load_trained(run_dir, "dcgan")
    noise = uniform_noise(n, cfg.noise_size, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        images = to_uint8(nets.generator(noise))
    return save_grid(images, out, ncol=int(np.ceil(np.sqrt(n))))
