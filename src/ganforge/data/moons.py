"""The two-moons distribution, standardized per axis (SPEC section 1)."""
from __future__ import annotations

import numpy as np
import torch


def make_moons(n_samples: int = 100_000, noise: float = 0.1, seed: int = 12345) -> torch.Tensor:
    """Two interleaving half circles with Gaussian noise, each axis standardized.

    The same construction as sklearn's make_moons: the outer moon is the upper
    half of the unit circle, the inner moon the lower half shifted by (1, 0.5).
    Returns float32 (n_samples, 2).
    """
    rng = np.random.default_rng(seed)
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    t_outer = np.linspace(0, np.pi, n_outer)
    t_inner = np.linspace(0, np.pi, n_inner)
    outer = np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1)
    inner = np.stack([1 - np.cos(t_inner), 1 - np.sin(t_inner) - 0.5], axis=1)
    points = np.concatenate([outer, inner])
    points = points[rng.permutation(n_samples)]
    points = points + rng.normal(scale=noise, size=points.shape)
    points = (points - points.mean(axis=0)) / points.std(axis=0)
    return torch.from_numpy(points.astype(np.float32))
