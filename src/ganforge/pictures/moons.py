"""Moons figures: the discriminator's output as a heatmap with generated and real points on it.

Figures are matplotlib `Figure` objects made without pyplot, so importing this
never changes a notebook's plotting backend; `save_figure` writes them as PNG.
"""
from __future__ import annotations

import numpy as np
import torch
from matplotlib.figure import Figure

from ..data.moons import make_moons
from ..models.modes import eval_mode
from ..models.noise import noise_for

EXTENT = 2.5  # the heatmap covers [-EXTENT, EXTENT]^2, as in the handout


@torch.no_grad()
def discriminator_grid(discriminator, resolution: int = 200, to_prob=torch.sigmoid, device="cpu") -> np.ndarray:
    """D's output mapped to [0, 1] on a resolution x resolution grid; rows are y."""
    axis = torch.linspace(-EXTENT, EXTENT, resolution, device=device)
    yy, xx = torch.meshgrid(axis, axis, indexing="ij")
    points = torch.stack([xx.flatten(), yy.flatten()], dim=1)
    out = torch.cat([to_prob(discriminator(chunk).float()) for chunk in points.split(65536)])
    return out.reshape(resolution, resolution).cpu().numpy()


@torch.no_grad()
def generate_points(generator, n: int = 1000, device="cpu", rng: torch.Generator | None = None) -> np.ndarray:
    """n points of `generator`; the noise comes from `rng` when given (else the global generator)."""
    return generator(noise_for(generator, n, device, generator=rng)).float().cpu().numpy()


def to_probability(loss: str):
    """How D's output reads as 'probability of real' in the heatmap: sigmoid for BCE, clamped for LSGAN."""
    return torch.sigmoid if loss == "bce" else (lambda d: d.clamp(0, 1))


def moons_figure(discriminator, generator, real: torch.Tensor | None = None, *, resolution: int = 200,
                 to_prob=torch.sigmoid, title: str = "", n_fake: int = 1000, n_real: int = 20000,
                 fake: torch.Tensor | None = None, rng: torch.Generator | None = None) -> Figure:
    """Left: D's output as a heatmap with generated points; right: real and generated points.

    real: the real points to draw (default: 20,000 fresh points of the standardized moons).
    fake: the generated points to draw (default: n_fake fresh samples of `generator`), e.g.
    the points that rejection sampling kept.
    rng: where fresh samples' noise comes from (default: the global generator).
    """
    if real is None:
        real = make_moons(n_real, 0.1, seed=0)
    device = next(discriminator.parameters()).device
    with eval_mode(discriminator, generator):
        grid = discriminator_grid(discriminator, resolution, to_prob, device)
        fake = generate_points(generator, n_fake, device, rng) if fake is None else fake.float().cpu().numpy()
    real_np = real[:n_real].float().cpu().numpy()

    fig = Figure(figsize=(10, 4))
    ax_d, ax_r = fig.subplots(1, 2)
    levels = np.linspace(0, 1, 21)
    im = ax_d.contourf(np.linspace(-EXTENT, EXTENT, resolution), np.linspace(-EXTENT, EXTENT, resolution),
                       grid, levels=levels, cmap="viridis")
    fig.colorbar(im, ax=ax_d, label="D(x): probability of 'real'")
    ax_d.plot(fake[:, 0], fake[:, 1], "b.", alpha=0.2, markersize=3)
    ax_d.set_title("discriminator output + generated points")
    ax_r.plot(real_np[:, 0], real_np[:, 1], "r.", alpha=0.05, markersize=3)
    ax_r.plot(fake[:, 0], fake[:, 1], "b.", alpha=0.2, markersize=3)
    ax_r.set_title("real (red) and generated (blue) points")
    for ax in (ax_d, ax_r):
        ax.set_xlim(-EXTENT, EXTENT)
        ax.set_ylim(-EXTENT, EXTENT)
        ax.set_aspect("equal")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def points_figure(points: np.ndarray, title: str = "", color: str = "b", alpha: float = 0.05) -> Figure:
    """A scatter plot of 2-D points over the heatmap's square (handout figures 9.1-9.3)."""
    fig = Figure(figsize=(5, 4))
    ax = fig.subplots()
    ax.plot(points[:, 0], points[:, 1], ".", color=color, alpha=alpha, markersize=3)
    ax.set_title(title)
    ax.set_aspect("equal")
    fig.tight_layout()
    return fig
