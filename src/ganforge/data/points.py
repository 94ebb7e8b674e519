"""2-D data sets for the toy GANs: the handout's moons, GAN Lab's shapes (a line, two Gaussians, a ring, three
clusters), and a distribution drawn by hand, all inside the square the heatmaps show ([-2.5, 2.5]^2).

Every set is a pure function of (name, n, noise, seed[, the drawn points]): numpy's generator seeded once.
`noise` is the spread added to each set's shape (for the moons the handout's 0.1, before standardizing).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from ..errors import GanforgeError
from .moons import make_moons

DATASETS = ("moons", "line", "gaussians", "ring", "clusters", "drawn")
MAX_DRAWN = 5000   # points a drawn distribution may hold


def make_points(dataset: str, n: int, noise: float, seed: int, drawn: str = "") -> torch.Tensor:
    """float32 (n, 2): n points of `dataset`; `drawn`: the drawn distribution's points ("x,y;x,y;...")."""
    if dataset == "moons":
        return make_moons(n, noise, seed)
    rng = np.random.default_rng(seed)
    if dataset == "line":  # a segment from (-1.5, -1) to (1.5, 1)
        t = rng.uniform(-1, 1, n)
        points = np.stack([1.5 * t, t], 1)
    elif dataset == "gaussians":  # two round clusters
        centres = np.array([[-1.0, -0.6], [1.0, 0.6]])
        points = centres[rng.integers(0, 2, n)] + rng.normal(scale=0.35, size=(n, 2))
    elif dataset == "ring":
        angle = rng.uniform(0, 2 * math.pi, n)
        points = 1.5 * np.stack([np.cos(angle), np.sin(angle)], 1)
    elif dataset == "clusters":  # three small disjoint clusters
        angles = np.radians([90.0, 210.0, 330.0])
        centres = 1.4 * np.stack([np.cos(angles), np.sin(angles)], 1)
        points = centres[rng.integers(0, 3, n)] + rng.normal(scale=0.15, size=(n, 2))
    elif dataset == "drawn":
        base = parse_points(read_points_file(drawn) if drawn.endswith(".csv") else drawn)
        points = base[rng.integers(0, len(base), n)]
    else:
        raise GanforgeError(f"--dataset must be one of {', '.join(DATASETS)}; got {dataset!r}")
    points = points + rng.normal(scale=noise, size=points.shape)
    return torch.from_numpy(points.astype(np.float32))


def parse_points(text: str) -> np.ndarray:
    """(k, 2) float64 from "x,y;x,y;..." (what config.json records of a drawn distribution)."""
    try:
        pairs = [tuple(float(v) for v in item.split(",")) for item in text.split(";") if item.strip()]
    except ValueError:
        pairs = None
    if not pairs or any(len(p) != 2 or not all(math.isfinite(v) for v in p) for p in pairs):
        raise GanforgeError("--points must be x,y pairs separated by ';' (or a CSV file of x,y lines) for "
                            f"--dataset drawn; got {text[:60]!r}")
    if len(pairs) > MAX_DRAWN:
        raise GanforgeError(f"--points holds {len(pairs)} points; a drawn distribution may hold {MAX_DRAWN}")
    return np.array(pairs)


def points_text(points) -> str:
    """"x,y;x,y;...": how a config records a drawn distribution (4 decimals, plenty inside [-2.5, 2.5])."""
    return ";".join(f"{x:.4f},{y:.4f}" for x, y in np.asarray(points, dtype=float).reshape(-1, 2))


def read_points_file(path) -> str:
    """The points of a CSV file of x,y lines (a header line allowed), as points_text gives them."""
    path = Path(path)
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise GanforgeError(f"--points {path}: cannot read it ({e})") from None
    rows = [line for line in lines if line.strip() and not line.lower().startswith("x")]
    return points_text(parse_points(";".join(rows)))


def real_points(cfg, n: int | None = None, seed: int | None = None) -> torch.Tensor:
    """The real points of a moons config (cfg.dataset, cfg.noise, cfg.points): n of them (default
    cfg.n_samples) from `seed` (default cfg.seed)."""
    return make_points(getattr(cfg, "dataset", "moons"), cfg.n_samples if n is None else n, cfg.noise,
                       cfg.seed if seed is None else seed, getattr(cfg, "points", ""))
