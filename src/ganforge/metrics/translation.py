"""Paired translation metrics: how close G(x) comes to the true target y.

The emoji styles pair images by codepoint, so every source x has its true
translation y. A score only means something next to baselines that need no
learning, so scoring also calls these with other candidates:

- identity: x itself, the translator that does nothing;
- histmatch: x with its colours mapped onto the target style's colour distribution
  (`histogram_match`), the translator that only recolours.

All inputs are (N, 3, H, W), uint8 or float in [-1, 1]. L1 is the mean absolute
difference in [-1, 1] units (the scale of the cycle loss); SSIM and PSNR are on
images mapped to [0, 1].
"""
from __future__ import annotations

import torch

from ..errors import GanforgeError
from .common import as_images
from .registry import register
from .ssim import psnr, ssim


def histogram_match(images: torch.Tensor, reference_images: torch.Tensor) -> torch.Tensor:
    """Map each image's per-channel colour distribution onto the reference set's pooled one.

    Every pixel value goes to the reference quantile at its own quantile within its
    image and channel (mid-rank, so tied pixels, like a flat background, move
    together). The reference must be a separate set of target-style images: matching
    each x to its own y would hand the baseline the answer.
    Returns float32 (N, C, H, W) in the reference's range.
    """
    x = as_images(images, "images")
    ref = as_images(reference_images, "reference_images")
    if x.shape[1] != ref.shape[1]:
        raise GanforgeError(f"images have {x.shape[1]} channels but reference_images {ref.shape[1]}")
    flat = x.flatten(2)  # (N, C, H*W)
    ordered = flat.sort(dim=2).values
    below = torch.searchsorted(ordered, flat, right=False)
    up_to = torch.searchsorted(ordered, flat, right=True)
    quantile = (below + up_to).double() / (2 * flat.shape[2])  # mid-rank CDF, in (0, 1)
    out = torch.empty_like(flat)
    for c in range(x.shape[1]):
        target = ref[:, c].flatten().sort().values  # (M,) the pooled reference distribution
        m = target.numel()
        # Quantile q sits at position q*m - 0.5 among m sorted values: self-matching is exact.
        pos = (quantile[:, c] * m - 0.5).clamp(0, m - 1)
        lo = pos.floor().long()
        hi = (lo + 1).clamp(max=m - 1)
        frac = (pos - lo).float()
        out[:, c] = target[lo] * (1 - frac) + target[hi] * frac
    return out.view_as(x)


def _l1(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().double().mean())


def _mean_ssim(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(ssim((a + 1) / 2, (b + 1) / 2).mean())


@register("l1_translation", "translation", "mean |G(x) - y| per pixel in [-1, 1] units, y the true target",
          higher_is_better=False, baselines=("identity", "histmatch"), stem="l1", headline=True)
def l1_translation(candidate: torch.Tensor, target: torch.Tensor) -> float:
    return _l1(as_images(candidate, "candidate"), as_images(target, "target"))


@register("ssim_translation", "translation", "mean SSIM of G(x) against the true target y; 1 is perfect",
          higher_is_better=True, baselines=("identity",), stem="ssim", headline=True)
def ssim_translation(candidate: torch.Tensor, target: torch.Tensor) -> float:
    return _mean_ssim(as_images(candidate, "candidate"), as_images(target, "target"))


@register("cycle_psnr", "translation", "mean PSNR in dB of the cycle F(G(x)) against x (capped at 100)",
          higher_is_better=True, headline=True)
def cycle_psnr(source: torch.Tensor, reconstructed: torch.Tensor) -> float:
    x, r = as_images(source, "source"), as_images(reconstructed, "reconstructed")
    return float(psnr((r + 1) / 2, (x + 1) / 2).mean())
