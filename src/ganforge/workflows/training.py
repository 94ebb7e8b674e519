"""Training as the CLI and the notebook API start it: a run folder, the trainer, its scoring hook, the report.

    options -> config -> run folder -> train (data + networks -> step -> loop) -> scores -> report.html
"""
from __future__ import annotations

import dataclasses

import torch

from .. import config as config_mod
from ..errors import GanforgeError
from ..hardware import resolve_device, resolve_precision
from ..report import write_report
from ..report.summary import end_of_run
from ..report.tensorboard import live_mirror
from ..runs import CONFIG, Run, checkpoint_step
from ..scoring import direction_name
from ..scoring.hooks import scorer_for
from ..train.cut import train_cut
from ..train.cyclegan import train_cyclegan
from ..train.dcgan import train_dcgan
from ..train.moons import train_moons
from ..train.pix2pix import train_pix2pix
from ..train.result import TrainingResult

# What --resume may change: how long, where and with what arithmetic (device, precision, deterministic kernels),
# and how often to report. Anything else would change what is trained.
RESUMABLE = ("iters", "epochs", "threads", "device", "precision", "deterministic", "log_every", "sample_every",
             "checkpoint_every", "eval_every", "plot_every")

TRAINERS = {"moons": train_moons, "dcgan": train_dcgan, "cyclegan": train_cyclegan, "cut": train_cut,
            "pix2pix": train_pix2pix}


def run_tag(kind: str, cfg) -> str:
    """The readable part of an auto-numbered run folder's name."""
    if kind == "moons":
        return f"moons-{cfg.trainer}"
    if kind == "dcgan":
        return f"dcgan-{cfg.style}"
    return f"{kind}-{direction_name(cfg.source, cfg.target)}"


def settle_hardware(cfg, strict: bool = True):
    """cfg with "auto" device and precision replaced by what this machine uses for them.

    config.json records these, so a run resumed on another machine continues with the
    arithmetic it started with instead of what "auto" means there.
    """
    device = resolve_device(cfg.device, strict)
    if device == "cuda" and not torch.cuda.is_available():  # not strict (--dry-run): what cuda means is unknown here
        return dataclasses.replace(cfg, device=device)
    return dataclasses.replace(cfg, device=device, precision=resolve_precision(device, cfg.precision))


def start_run(kind: str, preset: str | None, out=None, root="runs", tag: str | None = None, **options):
    """Resolve a config (device and precision settled on this machine) and create its run folder; return (cfg, run)."""
    cfg = settle_hardware(config_mod.resolve(kind, preset, **options))
    run = Run.create(config_mod.to_dict(kind, preset, cfg), tag or run_tag(kind, cfg), out=out, root=root)
    return cfg, run


def reopen_run(path, kind: str, changes: dict | None = None):
    """Open an existing run folder of `kind` for --resume, with `changes` to the options RESUMABLE names
    (a longer --iters, other --threads, --device cpu, ...); config.json records them. Return (cfg, run).

    The run continues on the device and in the precision config.json records unless `changes` name others;
    a config.json from before they were recorded ("auto") gets what "auto" means on this machine.
    """
    run = Run.open(path)
    if run.kind != kind:
        raise GanforgeError(f"--resume {path} is a {run.kind} run, not {kind}")
    changes = {k: v for k, v in (changes or {}).items() if v is not None}
    refused = sorted(set(changes) - set(RESUMABLE))
    if refused:
        allowed = ", ".join(config_mod.option_name(k) for k in RESUMABLE if k in config_mod.field_names(kind))
        raise GanforgeError(f"{config_mod.option_name(refused[0])} cannot change when resuming: it would change "
                            f"the training itself; --resume may change {allowed}")
    _, preset, cfg = config_mod.from_dict(run.config)
    recorded = (cfg.device, cfg.precision)
    if changes:
        cfg = config_mod.resolve(kind, preset, **{**{k: v for k, v in run.config.items()
                                                     if k in config_mod.field_names(kind)}, **changes})
        _check_not_shorter(run, cfg, kind)
    if cfg.device == "cuda" and "device" not in changes and not torch.cuda.is_available():
        raise GanforgeError(f"{path} trained on cuda, and torch sees no CUDA device here; add --device cpu to "
                            "continue it on the CPU")
    cfg = settle_hardware(cfg)
    if changes or (cfg.device, cfg.precision) != recorded:
        run.config = config_mod.to_dict(kind, preset, cfg)
        run.write_json(CONFIG, run.config)
    if changes:
        run.log(f"resuming with {', '.join(f'{config_mod.option_name(k)} {v}' for k, v in changes.items())}")
    _log_hardware_change(run, recorded, cfg)
    return cfg, run


def _log_hardware_change(run: Run, recorded: tuple[str, str], cfg) -> None:
    """Say in the log when the rest of the run computes on another device or in another precision."""
    now = (cfg.device, cfg.precision)
    if now == recorded:
        return
    if "auto" in recorded:
        run.log(f"resuming on {' '.join(now)}: config.json said device {recorded[0]}, precision {recorded[1]} "
                "(what this machine picks for them)")
    else:
        run.log(f"resuming on {' '.join(now)}; trained so far on {' '.join(recorded)}: from here on the "
                "arithmetic differs from an uninterrupted run's")


def _check_not_shorter(run: Run, cfg, kind: str) -> None:
    """A run cannot be cut below the step it has reached (its checkpoints would lie beyond the end)."""
    latest = run.latest_checkpoint()
    total = cfg.epochs if kind == "moons" else cfg.iters
    if latest is not None and checkpoint_step(latest) > total:
        option = "--epochs" if kind == "moons" else "--iters"
        raise GanforgeError(f"{option} {total} is below the step {checkpoint_step(latest)} that {run.path} has "
                            "reached; give a larger one")


def train(kind: str, preset: str | None = None, out=None, root="runs", resume=None, **options) -> TrainingResult:
    """Train a new run of `kind` (or continue `resume`), score it, and write its report."""
    if resume is not None:
        if preset or out is not None:
            raise GanforgeError("--resume continues a run in its own folder with its saved config; "
                                "give no --preset or --out")
        cfg, run = reopen_run(resume, kind, options)
    else:
        cfg, run = start_run(kind, preset, out=out, root=root, **options)
    result = _with_live_tensorboard(run, lambda: TRAINERS[kind](cfg, run, resume=resume is not None,
                                                                score=scorer_for(kind, cfg)))
    # The report, and the summary printed at the end, are built from the finished run folder's files alone.
    write_report(run.path)
    for line in end_of_run(run.path):
        run.log(line)
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
