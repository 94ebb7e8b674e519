"""The Python API for notebooks: the same runs as the CLI, returning Python objects.

    import ganforge
    result = ganforge.train_moons(trainer="revgrad", epochs=2)
    result.path, result.config, result.stats, result.networks

`train(method, ...)` trains any method by name, and `train_<name>(...)` is the same for
each method there is (train_moons, train_dcgan, train_cyclegan, train_cut, train_pix2pix,
and one for every method a package or `register_method` adds: train_wgan_gp for "wgan-gp").
Every training function returns a TrainingResult with the same fields for every method
(path, config, stats, networks; generator and discriminator where a method has one).
Networks of your own go in as generator= / discriminator= (a class or a factory).
`load_run` opens a finished run the same way; `translate`, `sample` and `evaluate`
take a run folder or a result.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np
import torch

from . import methods
from .data.images import load_image
from .errors import GanforgeError
from .inference import evaluate_run, load_trained
from .inference.sample import sample_images
from .inference.translate import parse_direction, translate_images, translator
from .methods import Method
from .pictures.moons import moons_figure
from .runs import Run
from .train.result import TrainingResult
from .workflows.training import train as _train


def _in_python(fn):
    """Errors that name command-line options (--lambda-cycle) name the keywords instead (lambda_cycle), except in
    the commands they quote (`ganforge data build --styles ...`)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except GanforgeError as e:
            parts = str(e).split("`")  # the odd parts are quoted commands
            parts[::2] = [_FLAG.sub(lambda m: m.group(1).replace("-", "_"), part) for part in parts[::2]]
            raise GanforgeError("`".join(parts)) from None
    return wrapper


_FLAG = re.compile(r"(?<![\w-])--(?!no-)([a-z][a-z0-9-]*)")


@_in_python
def train(method: str, preset: str | None = None, out=None, root="runs", resume=None, trust_code: bool = False,
          **options) -> TrainingResult:
    """Train a run of `method` (e.g. "dcgan"; the CLI's options as keywords, networks of yours as
    generator=/discriminator=), or continue `resume`; score it and write its report."""
    return _train(method, preset, out, root, resume, trust_code=trust_code, **options)


def _trainer(method: Method):
    def train_method(preset: str | None = None, out=None, root="runs", resume=None, trust_code: bool = False,
                     **options) -> TrainingResult:
        return train(method.name, preset, out, root, resume, trust_code=trust_code, **options)

    train_method.__name__ = train_method.__qualname__ = f"train_{method.name.replace('-', '_')}"
    train_method.__doc__ = f"Train {method.title}: {method.summary}. Options: ganforge train {method.name} --help."
    return train_method


def __getattr__(name: str):
    """train_<method>: the training function of each method there is (PEP 562)."""
    if name.startswith("train_"):
        for method in methods.all_methods():
            if method.name.replace("-", "_") == name[len("train_"):]:
                return _trainer(method)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def register_method(method: Method, replace: bool = False) -> Method:
    """Add a method from a notebook: then train(method.name, ...), train_<name>(...) and the CLI know it."""
    return methods.register(method, replace=replace)


def _path(run) -> Path:
    return run.path if isinstance(run, TrainingResult) else Path(run)


@_in_python
def load_run(run, step: int | None = None, trust_code: bool = False, **networks) -> TrainingResult:
    """A finished (or interrupted) run: its folder, config and stats, and its networks from the checkpoint
    at `step` (default: the latest), in eval mode on the CPU.

    networks: your classes for a run trained with them from a notebook (load_run(run, generator=MyGenerator));
    trust_code: run the code a run folder carries even when it is not known to be your own file.
    """
    _, nets = load_trained(_path(run), step=step, code=networks, trust_code=trust_code)
    return TrainingResult(Run.open(_path(run)), nets)


@_in_python
def translate(run, images, direction: str | None = None, step: int | None = None, trust_code: bool = False,
              **networks) -> torch.Tensor:
    """Translations (uint8 (N, 3, S, S)) of `images`: image file paths, or a uint8 tensor (N, 3, S, S).

    direction: e.g. "windows2apple" (default: the run's own, source to target).
    """
    cfg, nets = load_trained(_path(run), "translations", step=step, code=networks, trust_code=trust_code)
    generator = translator(nets, parse_direction(direction, cfg), _path(run))
    if not torch.is_tensor(images):
        arrays = [load_image(path, cfg.image_size, cfg.background) for path in images]  # (S, S, 3) each
        images = torch.from_numpy(np.ascontiguousarray(np.stack(arrays).transpose(0, 3, 1, 2)))
    return translate_images(generator, images)


@_in_python
def sample(run, n: int = 64, seed: int = 0, step: int | None = None, trust_code: bool = False,
           **networks) -> torch.Tensor:
    """n samples (uint8 (n, 3, 32, 32)) of an image generator's run, from noise seeded by `seed`."""
    _, nets = load_trained(_path(run), "samples", step=step, code=networks, trust_code=trust_code)
    return sample_images(nets.sampler(), n, seed)


@_in_python
def evaluate(run, step: int | None = None, trust_code: bool = False, draws: int | None = None, **networks) -> dict:
    """Score a run's checkpoint (default: the latest); writes metrics.json and returns its values by name.
    draws: sets of samples from noise to score and average (default: the run's eval_draws);
    networks and trust_code: as for load_run."""
    return evaluate_run(_path(run), step=step, code=networks, trust_code=trust_code, draws=draws).values


__all__ = ["train", "train_moons", "train_dcgan", "train_cyclegan", "train_cut", "train_pix2pix", "load_run",
           "translate", "sample", "evaluate", "register_method", "moons_figure", "TrainingResult"]
