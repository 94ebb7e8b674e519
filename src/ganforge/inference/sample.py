"""`ganforge sample`: a grid of samples from a trained image generator (DCGAN), or points from a moons generator."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..data.convert import to_uint8
from ..models.noise import noise_for
from ..fileio import unused_path, write_text_atomically
from ..models.rejection import rejection_sample
from ..pictures.grids import save_figure, save_grid
from ..pictures.moons import moons_figure, to_probability
from .load import load_trained


def sample_images(generator, n: int, seed: int = 0) -> torch.Tensor:
    """n samples (uint8, CPU) from a DCGAN generator, from noise seeded by `seed`."""
    noise = noise_for(generator, n, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        return to_uint8(generator(noise))


def sample_grid(run_dir, n: int, out, seed: int = 0, step: int | None = None, trust_code: bool = False) -> Path:
    """A grid of n samples from an image generator's run, written to `out` or, when that exists, beside it."""
    _, nets = load_trained(run_dir, "samples", step=step, trust_code=trust_code)
    return save_grid(sample_images(nets.sampler(), n, seed), unused_path(out), ncol=int(np.ceil(np.sqrt(n))))


def sample_points(run_dir, n: int, out, seed: int = 0, step: int | None = None, rejection: bool = False,
                 trust_code: bool = False) -> list[Path]:
    """n points from a moons run's generator (kept by discriminator rejection sampling with `rejection`).

    Writes the points as CSV (x,y per line) and, beside it, the heatmap with them; an existing
    file is kept and a numbered name used instead. Returns both paths.
    """
    cfg, nets = load_trained(run_dir, "points", step=step, trust_code=trust_code)
    generator = nets.sampler()  # the moving average, when the run keeps one
    if rejection:
        points = rejection_sample(generator, nets.discriminator, n, loss=cfg.loss,
                                  percentile=cfg.rejection_percentile, seed=seed).points
    else:
        noise = noise_for(generator, n, generator=torch.Generator().manual_seed(seed))
        with torch.no_grad():
            points = generator(noise.to(next(generator.parameters()).device)).float().cpu()
    csv_path = unused_path(Path(out).with_suffix(".csv"))
    write_text_atomically(csv_path, "x,y\n" + "".join(f"{x:.6f},{y:.6f}\n" for x, y in points.tolist()))
    what = f"rejection sampling at percentile {cfg.rejection_percentile:g}" if rejection else "plain samples"
    fig = moons_figure(nets.discriminator, generator, to_prob=to_probability(cfg.loss), fake=points,
                       title=f"{n} points, {what}")
    png_path = unused_path(csv_path.with_suffix(".png"))
    save_figure(fig, png_path)
    return [csv_path, png_path]
