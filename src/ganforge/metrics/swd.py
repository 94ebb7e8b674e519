"""Sliced Wasserstein distance on Laplacian pyramid patches (Karras et al. 2018, ProGAN).

The recipe: build a Laplacian pyramid of every image with the 5-tap binomial filter,
from full size down to 16x16; at each level cut 7x7 neighbourhoods at random places
(128 per image); normalize each colour channel of the descriptors; project them on
512 random unit directions; sort the projections of each set and average the
absolute differences. Sorting gives the exact 1-D Wasserstein distance per direction.

Choices where the ProGAN description leaves room, or where we depart from it:
- Levels: full size down to 16 (ProGAN's lowest level). For 32x32 images that is
  two levels: "swd_32", the band-pass detail image - up(down(image)), and "swd_16",
  the 16x16 low-pass residual (a Laplacian pyramid ends with the Gaussian level).
- Normalization: ProGAN normalizes each set by its own per-channel mean and std,
  which makes the score blind to a global colour or contrast shift. We normalize
  both sets by the *real* set's statistics, so such a shift counts. The metric is
  therefore not symmetric: the first argument is the reference.
- Patch places are drawn from the seed alone and are the same for both sets, so a
  set against itself scores exactly 0, and two sets must hold equally many images.
- Values are reported x1e3, as ProGAN's tables do; "swd" is the mean over levels.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..errors import GanforgeError
from .common import as_images
from .registry import register

PATCH = 7  # neighbourhood side in pixels
BINOMIAL = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16
DIRECTION_CHUNK = 128  # directions projected and sorted at once; bounds memory, not the result


def _blur(x: torch.Tensor) -> torch.Tensor:
    """Separable 5x5 binomial blur per channel, reflecting at the borders (as shifted sums)."""
    h, w = x.shape[-2:]
    x = F.pad(x, (2, 2, 2, 2), mode="reflect")
    x = sum(weight * x[..., i:i + h, :] for i, weight in enumerate(BINOMIAL.tolist()))  # blur rows
    return sum(weight * x[..., :, i:i + w] for i, weight in enumerate(BINOMIAL.tolist()))  # blur columns


def _down(x: torch.Tensor) -> torch.Tensor:
    return _blur(x)[..., ::2, ::2]  # (N, C, H/2, W/2)


def _up(x: torch.Tensor) -> torch.Tensor:
    n, c, h, w = x.shape
    up = x.new_zeros(n, c, 2 * h, 2 * w)
    up[..., ::2, ::2] = x
    return _blur(up) * 4  # a quarter of the pixels are non-zero, so the gain restores brightness


def laplacian_pyramid(images: torch.Tensor, min_resolution: int = 16) -> list[torch.Tensor]:
    """[detail at H, detail at H/2, ..., low-pass at min_resolution] for square (N, C, H, H) images.

    Each detail level is x - up(down(x)), so the levels sum back to the image exactly.
    """
    levels, x = [], images
    while x.shape[-1] > min_resolution and x.shape[-1] % 2 == 0:
        low = _down(x)
        levels.append(x - _up(low))
        x = low
    levels.append(x)
    return levels


def _descriptors(level: torch.Tensor, patches_per_image: int, seed: int) -> torch.Tensor:
    """(N * patches_per_image, 49, C) neighbourhoods at seeded random places."""
    n, c, h, w = level.shape
    gen = torch.Generator().manual_seed(seed)
    count = n * patches_per_image
    img = torch.arange(n).repeat_interleave(patches_per_image)
    ys = torch.randint(0, h - PATCH + 1, (count,), generator=gen)
    xs = torch.randint(0, w - PATCH + 1, (count,), generator=gen)
    offsets = (torch.arange(PATCH)[:, None] * w + torch.arange(PATCH)[None, :]).flatten()  # (49,)
    pixels = (ys * w + xs)[:, None] + offsets[None, :]  # (P, 49) flat index of each neighbourhood pixel
    return level.flatten(2)[img[:, None].to(level.device), :, pixels.to(level.device)]  # (P, 49, C)


def _sorted_projections(desc: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
    """(D, P): each row the sorted projections of all descriptors on one direction."""
    proj = directions.T @ desc.T  # (D, P), contiguous
    if proj.device.type == "cpu":  # numpy's vectorized sort is several times faster than torch's on CPU
        proj.numpy().sort(axis=1)  # in place
        return proj
    return proj.sort(dim=1).values


def swd(real: torch.Tensor, fake: torch.Tensor, seed: int = 0, patches_per_image: int = 128,
        n_directions: int = 512, min_resolution: int = 16) -> dict[str, float]:
    """SWD per pyramid level and its mean, x1e3: {"swd": .., "swd_32": .., "swd_16": ..}.

    real, fake: (N, 3, H, W) uint8 or float in [-1, 1], equally many images.
    Deterministic given the seed; swd(x, x) is exactly 0.
    """
    real, fake = as_images(real, "real"), as_images(fake, "fake")
    if real.shape != fake.shape:
        raise GanforgeError(f"swd compares equally many images of one size; got real {tuple(real.shape)} "
                            f"and fake {tuple(fake.shape)}")
    if patches_per_image < 1 or n_directions < 1:
        raise GanforgeError(f"swd needs patches_per_image and n_directions >= 1; got {patches_per_image} "
                            f"and {n_directions}")
    if min(real.shape[-2:]) < PATCH:
        raise GanforgeError(f"swd needs images of at least {PATCH}x{PATCH} pixels; got {tuple(real.shape[-2:])}")
    results = {}
    for i, (level_real, level_fake) in enumerate(zip(laplacian_pyramid(real, min_resolution),
                                                     laplacian_pyramid(fake, min_resolution))):
        # The same places in both sets: a set against itself gives identical descriptors.
        desc_real = _descriptors(level_real, patches_per_image, seed + i)
        desc_fake = _descriptors(level_fake, patches_per_image, seed + i)
        mean = desc_real.mean(dim=(0, 1), keepdim=True)  # per channel: (1, 1, C)
        std = desc_real.std(dim=(0, 1), keepdim=True).clamp_min(1e-8)
        desc_real = ((desc_real - mean) / std).flatten(1)  # (P, 49 * C)
        desc_fake = ((desc_fake - mean) / std).flatten(1)
        gen = torch.Generator().manual_seed(seed + 1000 + i)
        directions = torch.randn(desc_real.shape[1], n_directions, generator=gen).to(desc_real.device)
        directions /= directions.norm(dim=0, keepdim=True)
        total = 0.0
        for chunk in directions.split(DIRECTION_CHUNK, dim=1):
            diff = _sorted_projections(desc_real, chunk) - _sorted_projections(desc_fake, chunk)
            total += float(diff.abs_().mean(dim=1).sum())
        results[f"swd_{level_real.shape[-1]}"] = total / n_directions * 1e3
    results = {"swd": sum(results.values()) / len(results), **results}
    return results


@register("swd", "images", "sliced Wasserstein distance x1e3 between 7x7 Laplacian-pyramid patches of the images "
          "and as many real images of the wanted style, mean over levels (ProGAN)", higher_is_better=False,
          baselines=("floor",), headline=True)
def swd_to_reference(candidate: torch.Tensor, reference: torch.Tensor, seed: int = 0) -> float:
    """SWD of the candidate images against a seeded subset of the reference, as many images as the candidates.

    The subset depends only on the seed and the sizes, so the floor (real held-out
    images as the candidate) is measured against the same reference images.
    """
    order = torch.randperm(reference.shape[0], generator=torch.Generator().manual_seed(seed))[:candidate.shape[0]]
    return swd(reference[order], candidate, seed=seed)["swd"]
