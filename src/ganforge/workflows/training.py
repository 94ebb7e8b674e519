"""Training as the CLI and the notebook API start it: a run folder, the trainer, its scoring hook, the report.

    options -> config -> run folder -> train (data + networks -> step -> loop) -> scores -> report.html
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Mapping

import torch

from .. import config as config_mod
from .. import methods
from ..errors import GanforgeError
from ..hardware import resolve_device, resolve_precision
from ..methods import Method, user_code
from ..report import write_report
from ..report.summary import end_of_run
from ..report.tensorboard import live_mirror
from ..runs import CONFIG, METHOD, Run, checkpoint_step
from ..train.result import TrainingResult

# What --resume may change: how long, where and with what arithmetic (device, precision, deterministic kernels),
# and how often (and on how many draws) to report. Anything else would change what is trained.
RESUMABLE = ("iters", "epochs", "threads", "device", "precision", "deterministic", "log_every", "sample_every",
             "checkpoint_every", "eval_every", "eval_draws", "plot_every")


def settle_hardware(cfg, strict: bool = True):
    """cfg with "auto" device and precision replaced by what this machine uses for them.

    config.json records these, so a run resumed on another machine continues with the
    arithmetic it started with instead of what "auto" means there.
    """
    device = resolve_device(cfg.device, strict)
    if device == "cuda" and not torch.cuda.is_available():  # not strict (--dry-run): what cuda means is unknown here
        return dataclasses.replace(cfg, device=device)
    return dataclasses.replace(cfg, device=device, precision=resolve_precision(device, cfg.precision))


def given_code(method: Method, options: dict) -> tuple[dict, dict]:
    """(options, {field: class or factory}): networks handed over in Python (generator=MyGenerator) taken out of
    the options, which name them as config.json will (nets.py:MyGenerator)."""
    given = {k: v for k, v in options.items() if k in method.own_networks and callable(v)}
    unknown = sorted(k for k, v in options.items() if callable(v) and k not in given)
    if unknown:
        raise GanforgeError(f"{unknown[0]} takes a value, not code; the {method.name} method takes networks of "
                            f"yours as {', '.join(method.own_networks) or 'nothing'}")
    return {**options, **{k: user_code.spec_of(v)[0] for k, v in given.items()}}, given


def start_run(method: Method, preset: str | None, out=None, root="runs", tag: str | None = None,
              code: Mapping[str, Callable] | None = None, **options):
    """Resolve a config (device and precision settled on this machine), create its run folder with copies of the
    user's code, and return (cfg, run, {field: the user's class or factory})."""
    cfg = settle_hardware(method.resolve(preset, **options))
    if method.settle is not None:
        cfg = method.settle(cfg)
    found = user_code.sources(method, cfg, code or {})
    config = method.to_dict(preset, cfg)
    run = Run.create(config, tag or method.tag(cfg), out=out, root=root, method=method.describe(config))

    def with_code():
        if found:  # copy the files, then record them (config.json names only files that are there)
            run.config["code"] = user_code.install(run.path, found)
            run.write_json(CONFIG, run.config)
        return cfg, run, user_code.load(run.path, run.config, code, trust=True)

    return _discarded_on_error(with_code, run)


def reopen_run(path, method: Method, changes: dict | None = None):
    """Open an existing run folder of `method` for --resume, with `changes` to the options RESUMABLE names
    (a longer --iters, other --threads, --device cpu, ...); config.json records them. Return (cfg, run).

    The run continues on the device and in the precision config.json records unless `changes` name others;
    a config.json from before they were recorded ("auto") gets what "auto" means on this machine.
    """
    run = Run.open(path)
    preset, before = run.config.get("preset"), method.from_dict(run.config)
    recorded = (before.device, before.precision)
    cfg, changes = _resumed_config(path, run, method, changes)
    if cfg.device == "cuda" and "device" not in changes and not torch.cuda.is_available():
        raise GanforgeError(f"{path} trained on cuda, and torch sees no CUDA device here; add --device cpu to "
                            "continue it on the CPU")
    cfg = settle_hardware(cfg)
    if changes or (cfg.device, cfg.precision) != recorded:
        run.config = {**run.config, **method.to_dict(preset, cfg)}
        run.write_json(CONFIG, run.config)
    if not (run.path / METHOD).is_file():  # a run folder from before method.json existed
        run.write_json(METHOD, method.describe(run.config))
    if changes:
        run.log(f"resuming with {', '.join(f'{config_mod.option_name(k)} {v}' for k, v in changes.items())}")
    _log_hardware_change(run, recorded, cfg)
    return cfg, run


def _resumed_config(path, run: Run, method: Method, changes: dict | None):
    """The config `run` continues with under `changes` (refused where an option may not change), and the
    changes that were given; nothing is written."""
    if run.kind != method.name:
        raise GanforgeError(f"--resume {path} is a {run.kind} run, not {method.name}")
    changes = {k: v for k, v in (changes or {}).items() if v is not None}
    refused = sorted(set(changes) - set(RESUMABLE))
    if refused:
        allowed = ", ".join(config_mod.option_name(k) for k in RESUMABLE if k in method.field_names())
        raise GanforgeError(f"{config_mod.option_name(refused[0])} cannot change when resuming: it would change "
                            f"the training itself; --resume may change {allowed}")
    cfg = method.from_dict(run.config)
    if changes:
        cfg = method.resolve(run.config.get("preset"),
                             **{**{k: v for k, v in run.config.items() if k in method.field_names()}, **changes})
        _check_not_shorter(run, cfg, method)
    return cfg, changes


def check_resume_alone(preset, out) -> None:
    if preset or out is not None:
        raise GanforgeError("--resume continues a run in its own folder with its saved config; "
                            "give no --preset or --out")


def resumed_config(path, method: Method, changes: dict | None = None) -> dict:
    """What config.json would hold after --resume with `changes` (for --dry-run): refused as --resume refuses."""
    run = Run.open(path)
    cfg, _ = _resumed_config(path, run, method, changes)
    return method.to_dict(run.config.get("preset"), cfg)


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


def _check_not_shorter(run: Run, cfg, method: Method) -> None:
    """A run cannot be cut below the step it has reached (its checkpoints would lie beyond the end)."""
    latest = run.latest_checkpoint()
    total = method.length(cfg)
    if latest is not None and checkpoint_step(latest) > total:
        raise GanforgeError(f"{config_mod.option_name(method.data.length)} {total} is below the step "
                            f"{checkpoint_step(latest)} that {run.path} has reached; give a larger one")


def train(kind: str, preset: str | None = None, out=None, root="runs", resume=None, trust_code: bool = False,
          **options) -> TrainingResult:
    """Train a new run of the method `kind` (or continue `resume`), score it, and write its report.

    Networks of the user's come as options naming their code (generator="nets.py:DCGenerator") or, from
    Python, as the class or factory itself (generator=DCGenerator); trust_code: on --resume, import the
    run's copy of them even when it is not known to be the user's own file (methods/user_code.py).
    """
    method = methods.get(kind)
    options, code = given_code(method, options)
    if resume is not None:
        check_resume_alone(preset, out)
        cfg, run = reopen_run(resume, method, {k: v for k, v in options.items() if k not in code})
        code = user_code.load(run.path, run.config, code, trust_code)
    else:
        cfg, run, code = start_run(method, preset, out=out, root=root, code=code, **options)
    score = methods.make_scorer(method, cfg)
    # A new run that fails before its first checkpoint (its data, its networks) leaves nothing behind.
    result = _discarded_on_error(lambda: _with_live_tensorboard(run, lambda: methods.train_method(
        method, cfg, run, resume=resume is not None, score=score, code=code)), run if resume is None else None)
    # The report, and the summary printed at the end, are built from the finished run folder's files alone.
    write_report(run.path)
    for line in end_of_run(run.path):
        run.log(line)
    return result


def _discarded_on_error(work, run: Run | None):
    """work(); when it raises, the run's folder goes (Run.discard: only without a checkpoint), then the error."""
    try:
        return work()
    except BaseException:
        if run is not None:
            run.discard()
        raise


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
