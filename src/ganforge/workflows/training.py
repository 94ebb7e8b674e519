"""Training as the CLI and the notebook API start it: a run folder, the trainer, its scoring hook, the report.

    options -> config -> run folder -> train (data + networks -> step -> loop) -> scores -> report.html
"""
from __future__ import annotations

from .. import config as config_mod
from ..errors import GanforgeError
from ..report import write_report
from ..report.tensorboard import live_mirror
from ..runs import Run
from ..scoring.hooks import scorer_for
from ..train.cut import train_cut
from ..train.cyclegan import train_cyclegan
from ..train.dcgan import train_dcgan
from ..train.moons import train_moons
from ..train.pix2pix import train_pix2pix
from ..train.result import TrainingResult

TRAINERS = {"moons": train_moons, "dcgan": train_dcgan, "cyclegan": train_cyclegan, "cut": train_cut,
            "pix2pix": train_pix2pix}


def run_tag(kind: str, cfg) -> str:
    """The readable part of an auto-numbered run folder's name."""
    if kind == "moons":
        return f"moons-{cfg.trainer}"
    if kind == "dcgan":
        return f"dcgan-{cfg.style}"
    return f"{kind}-{cfg.source}2{cfg.target}"


def start_run(kind: str, preset: str | None, out=None, root="runs", tag: str | None = None, **options):
    """Resolve a config and create its run folder; return (cfg, run)."""
    cfg = config_mod.resolve(kind, preset, **options)
    run = Run.create(config_mod.to_dict(kind, preset, cfg), tag or run_tag(kind, cfg), out=out, root=root)
    return cfg, run


def reopen_run(path, kind: str):
    """Open an existing run folder of `kind` for --resume; return (cfg, run)."""
    run = Run.open(path)
    if run.kind != kind:
        raise GanforgeError(f"--resume {path} is a {run.kind} run, not {kind}")
    _, _, cfg = config_mod.from_dict(run.config)
    return cfg, run


def train(kind: str, preset: str | None = None, out=None, root="runs", resume=None, **options) -> TrainingResult:
    """Train a new run of `kind` (or continue `resume`), score it, and write its report."""
    if resume is not None:
        if options or preset or out is not None:
            raise GanforgeError("--resume continues a run with its saved config; give no other options")
        cfg, run = reopen_run(resume, kind)
    else:
        cfg, run = start_run(kind, preset, out=out, root=root, **options)
    result = _with_live_tensorboard(run, lambda: TRAINERS[kind](cfg, run, resume=resume is not None,
                                                                score=scorer_for(kind, cfg)))
    # The report is built from the finished run folder's files alone.
    run.log(f"report: {write_report(run.path)}")
    return result


def _with_live_tensorboard(run: Run, fit):
    """Run fit() while RUN/tensorboard/ follows the run's files (when TensorBoard is installed)."""
    mirror = live_mirror(run.path)
    if mirror is None:
        return fit()
    run.on_stats.append(mirror.sync)
    try:
        return fit()
    finally:
        run.on_stats.remove(mirror.sync)
        mirror.close()
