"""Image grids written as PNG files."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ..fileio import write_atomically


def grid_array(images: torch.Tensor, ncol: int, pad: int = 2, scale: int = 2, fill: int = 255) -> np.ndarray:
    """uint8 (N, 3, H, W) -> one (rows*H', ncol*W', 3) array, each image enlarged `scale` times."""
    images = images.cpu()
    if scale > 1:
        images = images.repeat_interleave(scale, dim=2).repeat_interleave(scale, dim=3)
    n, _, h, w = images.shape
    nrow = -(-n // ncol)
    out = np.full((nrow * (h + pad) + pad, ncol * (w + pad) + pad, 3), fill, dtype=np.uint8)
    for i in range(n):
        r, c = divmod(i, ncol)
        y, x = pad + r * (h + pad), pad + c * (w + pad)
        out[y:y + h, x:x + w] = images[i].permute(1, 2, 0).numpy()
    return out


def save_grid(images: torch.Tensor, path: Path, ncol: int, **kwargs) -> Path:
    """Write the grid atomically: a half-written PNG never appears under the final name."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    array = grid_array(images, ncol, **kwargs)
    return write_atomically(path, lambda tmp: Image.fromarray(array).save(tmp, format="PNG"))


def interleave(*columns: torch.Tensor) -> torch.Tensor:
    """[a0, b0, c0, a1, b1, c1, ...]: rows of (source | translation | reconstruction)."""
    return torch.stack(columns, dim=1).flatten(0, 1)


def save_figure(fig, path: Path, dpi: int = 100) -> Path:
    """Write a matplotlib Figure as a PNG, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomically(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format="png"))
