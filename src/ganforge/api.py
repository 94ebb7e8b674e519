"""The Python API for notebooks: the same runs as the CLI, returning Python objects."""
from __future__ import annotations

from . import config as config_mod
from .errors import GanforgeError
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
    if kind == "dcgan":
        return f"dcgan-{cfg.style}"
    return f"cyclegan-{cfg.source}2{cfg.target}"


def _train(kind: str, loop, preset, out, root, resume, options):
    if resume is not None:
        if options or preset or out is not None:
            raise GanforgeError("--resume continues a run with its saved config; give no other options")
        cfg, run = reopen_run(resume)
        if run.kind != kind:
            raise GanforgeError(f"--resume {resume} is a {run.kind} run, not {kind}")
    else:
        cfg, run = start_run(kind, preset, out=out, root=root, **options)
    result = _with_live_tensorboard(run, lambda: loop(cfg, run, resume=resume is not None))
    # The report is built from the finished run folder's files alone.
    from .report import write_report

    run.log(f"report: {write_report(run.path)}")
    return result


def _with_live_tensorboard(run: Run, train):
    """Run train() while RUN/tensorboard/ follows the run's files (when TensorBoard is installed)."""
    from .report.tensorboard import live_mirror

    mirror = live_mirror(run.path)
    if mirror is None:
        return train()
    run.on_stats.append(mirror.sync)
    try:
        return train()
    finally:
        run.on_stats.remove(mirror.sync)
        mirror.close()


def train_moons(preset: str | None = None, out=None, root="runs", resume=None, **options):
    """Train a moons GAN; e.g. `train_moons(trainer="revgrad", epochs=2)` returns a MoonsResult."""
    from .train.gan import train_moons as loop

    return _train("moons", loop, preset, out, root, resume, options)


def train_dcgan(preset: str | None = None, out=None, root="runs", resume=None, **options):
    """Train the DCGAN on one emoji style; returns a DCGANResult."""
    from .train.dcgan import train_dcgan as loop

    return _train("dcgan", loop, preset, out, root, resume, options)


def train_cyclegan(preset: str | None = None, out=None, root="runs", resume=None, **options):
    """Train a CycleGAN between two emoji styles; returns a CycleGANResult."""
    from .train.cycle import train_cyclegan as loop

    return _train("cyclegan", loop, preset, out, root, resume, options)


TRAINERS = {"moons": train_moons, "dcgan": train_dcgan, "cyclegan": train_cyclegan}
