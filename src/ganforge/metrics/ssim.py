"""SSIM and PSNR between paired images, one value per image.

`ssim` and `psnr` take float images in [0, data_range] (map [-1, 1] images with
(x + 1) / 2) or uint8 images, which are divided by 255 first. Computed in float64.
The translation metrics (translation.py) report their means.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..errors import GanforgeError
from .common import same_shape

WINDOW = 11   # Gaussian window side (Wang et al. 2004)
SIGMA = 1.5   # its standard deviation in pixels
K1, K2 = 0.01, 0.03  # stabilizing constants: C1 = (K1 L)^2, C2 = (K2 L)^2 for data range L
MAX_PSNR = 100.0  # dB; identical images would give infinity, which JSON cannot hold


def _unit(x: torch.Tensor, what: str) -> torch.Tensor:
    if x.ndim != 4:
        raise GanforgeError(f"{what} must be an image batch of shape (N, C, H, W); got {tuple(x.shape)}")
    if x.dtype == torch.uint8:
        return x.double() / 255
    return x.detach().double()


def _gaussian_filter(x: torch.Tensor) -> torch.Tensor:
    """Separable Gaussian blur per channel, 'valid' only: no padding invents border pixels."""
    c = x.shape[1]
    t = torch.arange(WINDOW, dtype=x.dtype, device=x.device) - (WINDOW - 1) / 2
    g = torch.exp(-t ** 2 / (2 * SIGMA ** 2))
    g = g / g.sum()
    x = F.conv2d(x, g.view(1, 1, 1, WINDOW).repeat(c, 1, 1, 1), groups=c)
    return F.conv2d(x, g.view(1, 1, WINDOW, 1).repeat(c, 1, 1, 1), groups=c)


def ssim(a: torch.Tensor, b: torch.Tensor, data_range: float = 1.0) -> torch.Tensor:
    """Mean SSIM over channels and window positions: (N,) float64, 1 for identical images.

    The local means, variances and covariance use an 11x11 Gaussian window (sigma 1.5)
    at every position where it fits wholly inside the image (22x22 places for 32x32).
    """
    a, b = _unit(a, "a"), _unit(b, "b")
    same_shape(a, b, "a", "b")
    if min(a.shape[-2:]) < WINDOW:
        raise GanforgeError(f"ssim needs images of at least {WINDOW}x{WINDOW} pixels; got {tuple(a.shape[-2:])}")
    c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    mu_a, mu_b = _gaussian_filter(a), _gaussian_filter(b)
    var_a = _gaussian_filter(a * a) - mu_a ** 2
    var_b = _gaussian_filter(b * b) - mu_b ** 2
    cov = _gaussian_filter(a * b) - mu_a * mu_b
    ssim_map = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    return ssim_map.flatten(1).mean(dim=1)


def psnr(a: torch.Tensor, b: torch.Tensor, data_range: float = 1.0) -> torch.Tensor:
    """10 log10(L^2 / MSE) per image: (N,) float64 in dB, capped at MAX_PSNR for identical images."""
    a, b = _unit(a, "a"), _unit(b, "b")
    same_shape(a, b, "a", "b")
    mse = ((a - b) ** 2).flatten(1).mean(dim=1)
    floor = data_range ** 2 * 10 ** (-MAX_PSNR / 10)  # the MSE at which PSNR reaches the cap
    return 10 * torch.log10(data_range ** 2 / mse.clamp_min(floor))
