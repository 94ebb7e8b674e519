"""Metrics that need no downloaded weights, one module per family, registered by name.

    from ganforge.metrics import list_metrics, moons_metrics
    for name, kind, description in list_metrics():
        print(f"{name:18} {kind:12} {description}")

Importing this package imports every family, which fills METRICS.
"""
from .registry import KINDS, METRICS, Metric, get_metric, list_metrics, register
from .moons import coverage, density, energy_distance, grid_js, grid_kl, mmd2, moons_metrics, precision, recall
from .swd import laplacian_pyramid, swd
from .ssim import psnr, ssim
from .fd import frechet_distance, frechet_distance_from_stats, kid
from .translation import histogram_match, translation_metrics
from .features import fd_style, kid_style
from .palette import PaletteProbe, colour_histograms, fit_palette_probe

__all__ = [
    "KINDS", "METRICS", "Metric", "get_metric", "list_metrics", "register",
    "moons_metrics", "mmd2", "energy_distance", "grid_kl", "grid_js", "precision", "recall", "density", "coverage",
    "swd", "laplacian_pyramid", "ssim", "psnr", "frechet_distance", "frechet_distance_from_stats", "kid",
    "histogram_match", "translation_metrics", "fd_style", "kid_style",
    "PaletteProbe", "colour_histograms", "fit_palette_probe",
]
