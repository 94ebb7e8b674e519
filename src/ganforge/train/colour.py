"""Colour terms for unpaired translators: a low-frequency colour anchor and a palette loss.

- The colour anchor keeps each translation's coarse chroma at its input's: the mean
  U and V (YUV, BT.601) of every 4x4 block, compared by L1. A hue permutation (the
  handouts' CycleGAN paints a yellow banana blue) moves block chroma a lot; a redrawing
  that keeps the colours does not, so the anchor forbids the first without pinning
  pixels as the identity loss does.
- The palette loss pulls the colours of a batch of translations toward those of a batch
  of real target images: a differentiable (soft) 8x8x8 RGB histogram of each batch,
  compared by the Hellinger distance (after the histogram loss of HistoGAN, Afifi et
  al. 2021, here on RGB bins like the palette probe's).

Images are in the model range [-1, 1].
"""
from __future__ import annotations

import functools

import torch
import torch.nn.functional as F

# BT.601: U and V of RGB in [0, 1]. Y is left out: brightness is the drawing, not the palette.
_UV = torch.tensor([[-0.14713, -0.28886, 0.436],
                    [0.615, -0.51499, -0.10001]])
ANCHOR_BLOCK = 4      # pixels per side of the blocks whose mean chroma is kept
HISTOGRAM_BINS = 8    # per channel: 8 x 8 x 8 = 512 colour bins
HISTOGRAM_SIGMA = 0.5  # kernel width in bins: a pixel's weight spreads to its neighbouring bins
HISTOGRAM_POOL = 2     # the palette loss reads 2x2-averaged images: 4x less work, the same flat colours


@functools.cache
def _uv_on(device: torch.device) -> torch.Tensor:
    """_UV on `device`, copied there once rather than at every step."""
    return _UV.to(device)


def chroma(images: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) in [-1, 1] -> (B, 2, H, W): the U and V of YUV."""
    rgb = (images.float() + 1) / 2
    return torch.einsum("kc,bchw->bkhw", _uv_on(rgb.device), rgb)


def colour_anchor_loss(source: torch.Tensor, translated: torch.Tensor, block: int = ANCHOR_BLOCK) -> torch.Tensor:
    """L1 between the mean chroma of each block of the source and of its translation."""
    return F.l1_loss(F.avg_pool2d(chroma(translated), block), F.avg_pool2d(chroma(source), block))


def soft_histogram(images: torch.Tensor, bins: int = HISTOGRAM_BINS, sigma: float = HISTOGRAM_SIGMA) -> torch.Tensor:
    """The batch's colour histogram, (bins, bins, bins), summing to 1, differentiable in the pixels.

    Each channel value spreads over the bins with inverse-quadratic weights 1 / (1 + (d / sigma)^2),
    d its distance to a bin centre in bins, normalized to 1 per value (HistoGAN's kernel: its long
    tails still pull colours that sit far from every target colour, where a Gaussian's gradient
    vanishes); a pixel adds the outer product of its three channels' weights. As sigma shrinks it
    becomes the hard histogram of which bin each value is in.
    """
    x = ((images.float() + 1) / 2).clamp(0, 1).permute(1, 0, 2, 3).flatten(1)   # (3, P) in [0, 1]
    centres = (torch.arange(bins, device=x.device, dtype=x.dtype) + 0.5) / bins  # (bins,)
    weights = 1 / (1 + ((x[..., None] - centres) * bins / sigma) ** 2)           # (3, P, bins)
    weights = weights / weights.sum(-1, keepdim=True)
    hist = torch.einsum("pi,pj,pk->ijk", weights[0], weights[1], weights[2])    # (bins, bins, bins)
    return hist / x.shape[1]


def hellinger(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """Hellinger distance between two histograms that sum to 1: in [0, 1], 0 when equal."""
    # The small offset keeps the gradient of sqrt finite at empty bins.
    return torch.sqrt(0.5 * (torch.sqrt(p + 1e-10) - torch.sqrt(q + 1e-10)).square().sum() + 1e-12)


def palette_loss(translated: torch.Tensor, real_target: torch.Tensor, pool: int = HISTOGRAM_POOL) -> torch.Tensor:
    """Hellinger distance between the soft colour histograms of the translations and of real target images."""
    translated, real_target = F.avg_pool2d(translated.float(), pool), F.avg_pool2d(real_target.float(), pool)
    return hellinger(soft_histogram(translated), soft_histogram(real_target).detach())


class ColourTerms:
    """The colour terms a translator's generator loss adds, with the statistics they log (when on)."""

    def __init__(self, lambda_colour: float, lambda_palette: float):
        self.lambda_colour, self.lambda_palette = lambda_colour, lambda_palette

    @property
    def stat_names(self) -> tuple[str, ...]:
        return (("colour_loss",) if self.lambda_colour > 0 else ()) + (("palette_loss",) if self.lambda_palette > 0 else ())

    def __call__(self, source: torch.Tensor, translated: torch.Tensor, real_target: torch.Tensor):
        """(weighted sum to add to the generator's loss, [the detached terms in stat_names order]).

        Computed in fp32 even inside an autocast region: histograms of bf16 weights lose the small bins.
        With both terms off: (0.0, []), and no work.
        """
        if not self.stat_names:
            return 0.0, []
        with torch.autocast(translated.device.type, enabled=False):
            return self._terms(source, translated.float(), real_target)

    def _terms(self, source, translated, real_target):
        total, stats = translated.new_zeros(()), []
        if self.lambda_colour > 0:
            anchor = colour_anchor_loss(source, translated)
            total, stats = total + self.lambda_colour * anchor, stats + [anchor.detach()]
        if self.lambda_palette > 0:
            palette = palette_loss(translated, real_target)
            total, stats = total + self.lambda_palette * palette, stats + [palette.detach()]
        return total, stats
