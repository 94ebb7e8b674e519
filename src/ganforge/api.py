"""The Python API for notebooks: the same runs as the CLI, returning Python objects.

    import ganforge
    result = ganforge.train_moons(trainer="revgrad", epochs=2)
    result.path, result.stats, result.generator, result.discriminator
"""
from __future__ import annotations

from .pictures.moons import moons_figure
from .train.result import TrainingResult
from .workflows.training import train


def train_moons(preset: str | None = None, out=None, root="runs", resume=None, **options) -> TrainingResult:
    """Train a moons GAN; e.g. `train_moons(trainer="revgrad", epochs=2)`."""
    return train("moons", preset, out, root, resume, **options)


def train_dcgan(preset: str | None = None, out=None, root="runs", resume=None, **options) -> TrainingResult:
    """Train the DCGAN on one emoji style."""
    return train("dcgan", preset, out, root, resume, **options)


def train_cyclegan(preset: str | None = None, out=None, root="runs", resume=None, **options) -> TrainingResult:
    """Train a CycleGAN between two emoji styles."""
    return train("cyclegan", preset, out, root, resume, **options)


def train_cut(preset: str | None = None, out=None, root="runs", resume=None, **options) -> TrainingResult:
    """Train CUT (contrastive unpaired translation) from one emoji style to another."""
    return train("cut", preset, out, root, resume, **options)


def train_pix2pix(preset: str | None = None, out=None, root="runs", resume=None, **options) -> TrainingResult:
    """Train pix2pix on pairs of the same emoji in two styles."""
    return train("pix2pix", preset, out, root, resume, **options)


TRAINERS = {"moons": train_moons, "dcgan": train_dcgan, "cyclegan": train_cyclegan, "cut": train_cut,
            "pix2pix": train_pix2pix}

__all__ = ["train_moons", "train_dcgan", "train_cyclegan", "train_cut", "train_pix2pix", "moons_figure", "TRAINERS",
           "TrainingResult"]
