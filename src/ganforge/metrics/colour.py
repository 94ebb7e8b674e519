"""Colour fidelity of translations: the mean-colour error against the true target, in CIELAB.

Paired L1 can hide a hue swap: a blue banana and a yellow one differ only where the
banana is, and the white background dominates the mean. The mean-colour error looks
only at the drawing: per image, the mean CIELAB colour of its non-background pixels
(those that differ from the background colour by more than BACKGROUND_TOLERANCE in some
channel), and the distance (Delta E*ab, CIE 1976) between a translation's and its true
target's. A Delta E of about 2.3 is a just-noticeable difference; a hue swap is tens.
"""
from __future__ import annotations

import torch

from .common import as_images, same_shape
from .registry import register

BACKGROUND_TOLERANCE = 10 / 255   # a pixel within this of the background colour, in every channel, is background
_RGB_TO_XYZ = torch.tensor([[0.4124564, 0.3575761, 0.1804375],   # linear sRGB -> XYZ, D65 white
                            [0.2126729, 0.7151522, 0.0721750],
                            [0.0193339, 0.1191920, 0.9503041]], dtype=torch.float64)
_WHITE = torch.tensor([0.95047, 1.0, 1.08883], dtype=torch.float64)


def rgb_to_lab(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB in [0, 1], channels in dim 1 -> CIELAB (L in [0, 100]), float64, same shape."""
    c = rgb.double()
    linear = torch.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = torch.einsum("kc,bc...->bk...", _RGB_TO_XYZ, linear) / _WHITE.view(1, 3, *([1] * (rgb.ndim - 2)))
    delta = 6 / 29
    f = torch.where(xyz > delta ** 3, xyz.clamp_min(0) ** (1 / 3), xyz / (3 * delta ** 2) + 4 / 29)
    return torch.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], 1)


def mean_lab(images: torch.Tensor, background=(255, 255, 255)) -> torch.Tensor:
    """(N, 3, H, W) uint8 or [-1, 1] -> (N, 3): each image's mean CIELAB colour over its non-background pixels.

    An image that is all background (nothing drawn) is averaged over all its pixels.
    """
    rgb = (as_images(images, "images").double() + 1) / 2                              # (N, 3, H, W) in [0, 1]
    bg = torch.tensor(background, dtype=torch.float64).view(1, 3, 1, 1) / 255
    drawn = ((rgb - bg).abs() > BACKGROUND_TOLERANCE).any(1, keepdim=True)           # (N, 1, H, W)
    drawn = torch.where(drawn.flatten(1).any(1).view(-1, 1, 1, 1), drawn, torch.ones_like(drawn))
    lab = rgb_to_lab(rgb)
    weights = drawn.double()
    return (lab * weights).sum((2, 3)) / weights.sum((2, 3))                          # (N, 3)


@register("mean_colour_error", "translation", "CIELAB distance (Delta E) between the mean colour of each "
          "translation's drawn (non-background) pixels and that of its true target, averaged; a hue swap shows "
          "here even where paired L1 hides it", higher_is_better=False, baselines=("identity", "histmatch"),
          headline=True)
def mean_colour_error(candidate: torch.Tensor, target: torch.Tensor, background=(255, 255, 255)) -> float:
    same_shape(as_images(candidate, "candidate"), as_images(target, "target"), "candidate", "target")
    return float((mean_lab(candidate, background) - mean_lab(target, background)).norm(dim=1).mean())
