"""Palette rate: does an image use one style's colours or another's, judged by colours alone?

The style classifier (StyleNet, metrics/style.py) looks at drawing as well as colour, so a
translation that keeps the source's shapes scores low there even when its colours
are right. This probe sees only each image's colour histogram (8 levels per channel,
512 bins, square-rooted so that a large flat background does not drown the rest) and
separates two styles with a logistic regression fitted on their training images.
It needs no downloaded weights and fits in about a second on the emoji sets.

Every fifth training image of each style is held out; the probe's accuracy on those
says how far its rates can be trusted (Apple vs Windows: 0.95).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..errors import GanforgeError
from .common import as_images
from .registry import Extra, register

LEVELS = 8          # per channel: 8 x 8 x 8 = 512 colour bins
L2 = 1e-3           # ridge penalty: many bins are rare, and their weights should not grow without bound
HOLDOUT_EVERY = 5   # every fifth image of each style is kept out of the fit


def colour_histograms(images: torch.Tensor, what: str = "images") -> torch.Tensor:
    """(N, 3, H, W) uint8 or [-1, 1] float -> (N, 512) float64: sqrt of each image's colour-bin shares."""
    x = as_images(images, what)
    if x.shape[1] != 3:
        raise GanforgeError(f"{what}: colour histograms need RGB images (N, 3, H, W); got {x.shape[1]} channels")
    levels = ((x + 1) / 2 * LEVELS).long().clamp(0, LEVELS - 1)  # (N, 3, H, W) bin per channel
    bins = (levels[:, 0] * LEVELS + levels[:, 1]) * LEVELS + levels[:, 2]  # (N, H, W)
    n, per_image = bins.shape[0], bins[0].numel()
    offsets = torch.arange(n).view(n, 1) * LEVELS ** 3
    counts = torch.bincount((bins.flatten(1) + offsets).flatten(), minlength=n * LEVELS ** 3)
    return (counts.view(n, LEVELS ** 3).double() / per_image).sqrt()


@dataclass
class PaletteProbe:
    """A linear classifier on colour histograms: positive means `style`, negative `versus`."""
    style: str
    versus: str
    weight: torch.Tensor     # (512,) float64
    bias: float
    heldout_accuracy: float  # on the held-out fifth of both training sets, equal weight per style

    def scores(self, images: torch.Tensor, what: str = "images") -> torch.Tensor:
        return colour_histograms(images, what) @ self.weight + self.bias

    def rate(self, images: torch.Tensor, what: str = "images") -> float:
        """Share of images whose colours the probe calls `style` rather than `versus`."""
        return float((self.scores(images, what) > 0).double().mean())


def enough_to_hold_out(n_images: int) -> bool:
    """Whether a set is large enough to fit on and still hold images out."""
    return n_images >= HOLDOUT_EVERY


def _split(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    held = torch.arange(n) % HOLDOUT_EVERY == HOLDOUT_EVERY - 1
    return ~held, held


def fit_palette_probe(style_images: torch.Tensor, versus_images: torch.Tensor,
                      style: str = "target", versus: str = "source") -> PaletteProbe:
    """Fit the probe on two styles' training images (deterministic: LBFGS from zero, float64)."""
    pos = colour_histograms(style_images, f"the {style} palette images")
    neg = colour_histograms(versus_images, f"the {versus} palette images")
    for what, hist in ((style, pos), (versus, neg)):
        if not enough_to_hold_out(hist.shape[0]):
            raise GanforgeError(f"the {what} palette images: need at least {HOLDOUT_EVERY} images to fit and "
                                f"hold out; got {hist.shape[0]}")
    (fit_pos, held_pos), (fit_neg, held_neg) = _split(pos.shape[0]), _split(neg.shape[0])
    x = torch.cat([pos[fit_pos], neg[fit_neg]])
    y = torch.cat([torch.ones(int(fit_pos.sum())), torch.zeros(int(fit_neg.sum()))]).double()
    # Weight both styles equally whatever their sizes (Apple has about 20% more emojis than Windows).
    sample_weight = torch.where(y > 0, 0.5 / y.sum(), 0.5 / (1 - y).sum())
    weight = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([weight, bias], max_iter=500, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        logits = x @ weight + bias
        loss = (F.binary_cross_entropy_with_logits(logits, y, reduction="none") * sample_weight).sum()
        loss = loss + L2 * weight.square().sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    weight, bias = weight.detach(), float(bias.detach())
    right_pos = (pos[held_pos] @ weight + bias > 0).double().mean()
    right_neg = (neg[held_neg] @ weight + bias <= 0).double().mean()
    return PaletteProbe(style, versus, weight, bias, heldout_accuracy=float((right_pos + right_neg) / 2))


@register("target_palette_rate", "translation", "share of images whose colour histogram a linear probe, fitted "
          "on the two styles' training images, assigns to the target style", higher_is_better=True,
          baselines=("identity", "floor"), headline=True,
          extras=(Extra("palette_probe_accuracy", "the probe's accuracy on held-out training images of both styles"),))
def target_palette_rate(candidate: torch.Tensor, palette_probe: PaletteProbe, target_style: str) -> dict:
    """The probe judges both directions of a run; it was fitted with one of the two styles as its positive side."""
    share = palette_probe.rate(candidate)
    rate = share if target_style == palette_probe.style else 1 - share
    return {"target_palette_rate": rate, "palette_probe_accuracy": palette_probe.heldout_accuracy}
