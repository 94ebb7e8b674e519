"""The Python API for notebooks: the same runs as the CLI, returning Python objects.

    import ganforge
    result = ganforge.train_moons(trainer="revgrad", epochs=2)
    result.path, result.config, result.stats, result.networks

Every training function returns a TrainingResult with the same fields for every kind
(path, config, stats, networks; generator and discriminator where a kind has one).
`load_run` opens a finished run the same way; `translate`, `sample` and `evaluate`
take a run folder or a result.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from .config import TRANSLATION_KINDS
from .data.images import load_image
from .inference import evaluate_run, load_trained
from .inference.sample import sample_images
from .inference.translate import parse_direction, translate_images, translator
from .pictures.moons import moons_figure
from .runs import Run
from .train.result import TrainingResult
from .workflows.training import train


def train_moons(preset: str | None = None, out=None, root="runs", resume=None, **options) -> TrainingResult:
    """Train a moons GAN; e.g. `train_moons(trainer="revgrad", epochs=2)`."""
    return train("moons", preset, out, root, resume, **options)


def train_dcgan(preset: str | None = None, out=None, root="runs", resume=None, **options) -> TrainingResult:
    """Train the DCGAN on one emoji style (or, with data_dir=, one folder of images)."""
    return train("dcgan", preset, out, root, resume, **options)


def train_cyclegan(preset: str | None = None, out=None, root="runs", resume=None, **options) -> TrainingResult:
    """Train a CycleGAN between two emoji styles (or two folders of images)."""
    return train("cyclegan", preset, out, root, resume, **options)


def train_cut(preset: str | None = None, out=None, root="runs", resume=None, **options) -> TrainingResult:
    """Train CUT (contrastive unpaired translation) from one style to another."""
    return train("cut", preset, out, root, resume, **options)


def train_pix2pix(preset: str | None = None, out=None, root="runs", resume=None, **options) -> TrainingResult:
    """Train pix2pix on pairs of the same emoji (or the same file name) in two styles."""
    return train("pix2pix", preset, out, root, resume, **options)


TRAINERS = {"moons": train_moons, "dcgan": train_dcgan, "cyclegan": train_cyclegan, "cut": train_cut,
            "pix2pix": train_pix2pix}


def _path(run) -> Path:
    return run.path if isinstance(run, TrainingResult) else Path(run)


def load_run(run, step: int | None = None) -> TrainingResult:
    """A finished (or interrupted) run: its folder, config and stats, and its networks from the checkpoint
    at `step` (default: the latest), in eval mode on the CPU."""
    _, networks = load_trained(_path(run), step=step)
    return TrainingResult(Run.open(_path(run)), networks)


def translate(run, images, direction: str | None = None, step: int | None = None) -> torch.Tensor:
    """Translations (uint8 (N, 3, S, S)) of `images`: image file paths, or a uint8 tensor (N, 3, S, S).

    direction: e.g. "windows2apple" (default: the run's own, source to target).
    """
    cfg, networks = load_trained(_path(run), TRANSLATION_KINDS, step=step)
    generator = translator(networks, parse_direction(direction, cfg), _path(run))
    if not torch.is_tensor(images):
        arrays = [load_image(path, cfg.image_size, cfg.background) for path in images]  # (S, S, 3) each
        images = torch.from_numpy(np.ascontiguousarray(np.stack(arrays).transpose(0, 3, 1, 2)))
    return translate_images(generator, images)


def sample(run, n: int = 64, seed: int = 0, step: int | None = None) -> torch.Tensor:
    """n DCGAN samples (uint8 (n, 3, 32, 32)) from noise seeded by `seed`."""
    _, networks = load_trained(_path(run), "dcgan", step=step)
    return sample_images(networks.sampler(), n, seed)


def evaluate(run, step: int | None = None) -> dict:
    """Score a run's checkpoint (default: the latest); writes metrics.json and returns its values by name."""
    return evaluate_run(_path(run), step=step).values


__all__ = ["train_moons", "train_dcgan", "train_cyclegan", "train_cut", "train_pix2pix", "load_run", "translate",
           "sample", "evaluate", "moons_figure", "TRAINERS", "TrainingResult"]
