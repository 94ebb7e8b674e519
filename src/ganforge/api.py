"""The Python API for notebooks: the same runs as the CLI, returning Python objects."""
from __future__ import annotations

from . import config as config_mod
from .runs import Run


def start_run(kind: str, preset: str | None, out=None, root="runs", tag: str | None = None, **options):
    """Resolve a config and create its run folder; return (cfg, run)."""
    cfg = config_mod.resolve(kind, preset, **options)
    run = Run.create(config_mod.to_dict(kind, preset, cfg), tag or run_tag(kind, cfg), out=out, root=root)
    return cfg, run


def reopen_run(path):
    """Open an existing run folder for --resume; return (cfg, run)."""
    run = Run.open(path)
    _, _, cfg = config_mod.from_dict(run.config)
    return cfg, run


def run_tag(kind: str, cfg) -> str:
    """The readable part of an auto-numbered run folder's name."""
    if kind == "moons":
        return f"moons-{cfg.trainer}"
    return kind


def train_moons(preset: str | None = None, out=None, root="runs", resume=None, **options):
    """Train a moons GAN; e.g. `train_moons(trainer="revgrad", epochs=2)` returns a MoonsResult."""
    from .train.gan import train_moons as loop

    if resume is not None:
        cfg, run = reopen_run(resume)
        return loop(cfg, run, resume=True)
    cfg, run = start_run("moons", preset, out=out, root=root, **options)
    return loop(cfg, run)
