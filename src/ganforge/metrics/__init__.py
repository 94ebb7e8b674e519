"""Metrics that need no downloaded weights: pure functions of tensors, one module per family.

Each family registers its metrics in METRICS (registry.py) with their direction and
their baselines; importing this package imports every family, in the order their
values appear in metrics.json.

    from ganforge.metrics import list_metrics
    for m in list_metrics():
        print(m.name, m.scope, m.better, m.description)
"""
from .registry import BASELINES, METRICS, SCOPES, Extra, Metric, get_metric, list_metrics, metrics_in, register
from .translation import histogram_match, l1_translation, ssim_translation, cycle_psnr
from .colour import mean_colour_error, mean_lab, rgb_to_lab
from .style import share_classified_as, style_rate, target_style_rate
from .palette import PaletteProbe, colour_histograms, enough_to_hold_out, fit_palette_probe, target_palette_rate
from .swd import laplacian_pyramid, swd
from .fd import frechet_distance, frechet_distance_from_stats, kid
from .moons import coverage, density, energy_distance, grid_js, grid_kl, mmd2, mmd2_biased, precision, recall
from .ssim import psnr, ssim

__all__ = [
    "BASELINES", "METRICS", "SCOPES", "Extra", "Metric", "get_metric", "list_metrics", "metrics_in", "register",
    "histogram_match", "l1_translation", "ssim_translation", "cycle_psnr", "mean_colour_error", "mean_lab",
    "rgb_to_lab",
    "share_classified_as", "style_rate", "target_style_rate",
    "PaletteProbe", "colour_histograms", "enough_to_hold_out", "fit_palette_probe", "target_palette_rate",
    "swd", "laplacian_pyramid", "frechet_distance", "frechet_distance_from_stats", "kid",
    "mmd2", "mmd2_biased", "energy_distance", "grid_kl", "grid_js", "precision", "recall", "density", "coverage",
    "ssim", "psnr",
]
