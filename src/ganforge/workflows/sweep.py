"""Sweeps: the cross product of option values, one run folder each, on a local process pool or on Ray.

    ganforge sweep cyclegan --lambda-cycle 0,0.015,0.1 --seed 2,4 --workers 2 --out sweeps/lambda

writes sweeps/lambda/lambda_cycle=0,seed=2/ ... (ordinary run folders), sweep.json
(the configurations, their folders and status) and report.html. Running the same
command again skips finished runs, resumes interrupted ones from their latest
checkpoint and retries failed ones. Every worker gets max(1, free cores // workers)
torch threads, on either backend, so runs neither oversubscribe the cores nor
depend on the backend: on CPU the same seed gives the same metrics.

GPUs: the local backend gives each worker process one of the GPUs this process sees, in
turn (its own CUDA_VISIBLE_DEVICES); on Ray, --gpus-per-run asks Ray for a GPU share per
run, since Ray hides every GPU from a task that asks for none.
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import itertools
import json
import math
import multiprocessing as mp
import os
import re
import shutil
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path

from .. import config as config_mod
from .. import methods
from ..errors import GanforgeError
from ..fileio import write_json_atomically
from ..hardware import free_cores, visible_gpus
from ..inference import evaluate_run
from ..report import write_report
from ..runs import CONFIG, METRICS, checkpoint_step, list_checkpoints
from .training import train

SWEEP_FILE = "sweep.json"
NOT_SWEPT = ("threads",)       # decided by the sweep (cores // workers), never part of a run's name
# Where and with what arithmetic a run computes: --resume may change them, so a folder whose run differs in them
# only is the same run (config.json records the device and precision it settled on, not "auto").
HARDWARE = ("device", "precision", "deterministic")
BACKENDS = ("local", "ray")
_UNSAFE = re.compile(r"[^A-Za-z0-9._=,+-]")
_TRUE, _FALSE = ("true", "yes", "1", "on"), ("false", "no", "0", "off")


# Options: parsing, the cross product, names.
def _field(kind: str, name: str) -> dataclasses.Field:
    for f in methods.get(kind).fields():
        if f.name == name:
            return f
    raise GanforgeError(f"unknown option {config_mod.option_name(name)} for {kind}")


def parse_values(kind: str, name: str, text: str) -> list:
    """'0,0.015,0.1' -> [0.0, 0.015, 0.1], typed like the config field; errors name the option."""
    flag = config_mod.option_name(name)
    kind_of = config_mod.field_type(_field(kind, name))
    items = [item.strip() for item in str(text).split(",")]
    if any(item == "" for item in items):
        raise GanforgeError(f"{flag} has an empty value in {text!r}; give a comma-separated list such as 1,2,3")
    values = []
    for item in items:
        if kind_of is int:
            try:
                values.append(int(item))
            except ValueError:
                raise GanforgeError(f"{flag} expects whole numbers, got {item!r}") from None
        elif kind_of is float:
            try:
                values.append(float(item))
            except ValueError:
                raise GanforgeError(f"{flag} expects numbers, got {item!r}") from None
        elif kind_of is bool:
            if item.lower() not in _TRUE + _FALSE:
                raise GanforgeError(f"{flag} expects true or false, got {item!r}")
            values.append(item.lower() in _TRUE)
        else:
            values.append(item)
    return values


def split_options(kind: str, options: dict) -> tuple[dict, dict]:
    """{name: value or list} -> (swept {name: [values]} with 2+ values, fixed {name: value})."""
    swept, fixed = {}, {}
    for name, value in options.items():
        if value is None:
            continue
        _field(kind, name)
        if name in NOT_SWEPT:
            raise GanforgeError(f"{config_mod.option_name(name)} is set by the sweep (cores // workers); "
                                "use the sweep's own --threads to override it")
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        if not values:
            raise GanforgeError(f"{config_mod.option_name(name)} lists no values")
        repeated = sorted({format_value(v) for v in values if values.count(v) > 1})
        if repeated:
            raise GanforgeError(f"{config_mod.option_name(name)} lists {', '.join(repeated)} more than once")
        if len(values) > 1:
            swept[name] = values
        else:
            fixed[name] = values[0]
    return {n: swept[n] for n in sorted(swept, key=lambda n: (n == "seed", n))}, fixed


def format_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def run_name(values: dict) -> str:
    """A readable, file-safe folder name: 'lambda_cycle=0.015,seed=2' ('run' when nothing is swept)."""
    if not values:
        return "run"
    name = ",".join(f"{k}={format_value(v)}" for k, v in values.items())
    name = _UNSAFE.sub("_", name)
    if len(name) > 120:  # long string values (paths): keep it short, unique by a digest
        name = f"{name[:100]}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"
    return name


@dataclass
class Configuration:
    name: str
    values: dict          # the swept options' values of this configuration (preset included when swept)
    config: dict          # the full resolved config (config.json), threads included
    preset: str | None = None

    def differences(self, existing: dict) -> list[str]:
        """Settings in which a folder's config.json differs from this configuration (threads and hardware may;
        "code" records the copies of the user's networks that the settings name)."""
        existing = _with_defaults(existing)
        keys = (set(existing) | set(self.config)) - set(NOT_SWEPT) - set(HARDWARE) - {"code"}
        return sorted(k for k in keys if existing.get(k) != self.config.get(k))

    def hardware_changes(self, existing: dict) -> dict:
        """The hardware options this configuration names (not "auto") that differ from a folder's config.json:
        what resuming that folder passes on, as `--resume RUN --device cpu` would."""
        existing = _with_defaults(existing)
        return {k: self.config[k] for k in HARDWARE
                if k in self.config and self.config[k] != "auto" and existing.get(k) != self.config[k]}


def _with_defaults(config: dict) -> dict:
    """A config.json with the fields it predates filled in by its method's defaults (as it is, where the method
    is not installed here)."""
    method = methods.find(config.get("kind"))
    return method.with_defaults(config) if method is not None else dict(config)


def parse_presets(preset) -> list[str | None]:
    """--preset's value: None (the kind's default), a name, a comma list or a list of names."""
    if preset is None:
        return [None]
    names = [p.strip() for p in preset.split(",")] if isinstance(preset, str) else list(preset)
    if not names or not all(names):
        raise GanforgeError(f"--preset lists an empty name: {preset!r}")
    if len(set(names)) < len(names):
        raise GanforgeError(f"--preset lists a preset more than once: {preset!r}")
    return names


def plan(kind: str, swept: dict, fixed: dict, preset=None, threads: int = 0) -> list[Configuration]:
    """Every configuration of the cross product (presets x swept options), resolved and validated before any run."""
    method = methods.get(kind)
    presets = parse_presets(preset)
    configurations = []
    names = sorted(swept, key=lambda n: (n == "seed", n))  # "lambda_cycle=0.1,seed=2": alphabetical, seed last
    for one_preset, combo in itertools.product(presets, itertools.product(*(swept[n] for n in names))):
        # Several presets: the preset comes first in the folder name (preset=modern,seed=2).
        values = ({"preset": one_preset} if len(presets) > 1 else {}) | dict(zip(names, combo))
        name = run_name(values)
        try:
            cfg = method.resolve(one_preset, **fixed, **dict(zip(names, combo)), threads=threads)
        except GanforgeError as e:
            raise GanforgeError(f"{e}" if not values else f"{e} (in configuration {name})") from None
        configurations.append(Configuration(name, values, method.to_dict(one_preset, cfg), one_preset))
    seen: dict[str, int] = {}
    for c in configurations:  # two values that read the same in a folder name (a/b and a_b)
        if c.name in seen:
            seen[c.name] += 1
            c.name = f"{c.name}-{seen[c.name]}"
        else:
            seen[c.name] = 1
    return configurations


def default_threads(workers: int) -> int:
    """Threads per run: the free cores shared among the workers, at least one each."""
    return max(1, free_cores() // max(1, workers))


# The state of a run folder, and the one function every worker runs.
def final_step(config: dict) -> int:
    return int(config[methods.of_run(config).data.length])


def run_state(folder: Path, config: dict) -> str:
    """'new', 'finished', 'evaluate' (trained, no metrics.json), 'resume' (has a checkpoint) or 'restart'."""
    if not (folder / CONFIG).is_file():
        return "new"
    steps = [checkpoint_step(p) for p in list_checkpoints(folder / "checkpoints")]
    last = steps[-1] if steps else None
    if last == final_step(config):
        return "finished" if (folder / METRICS).is_file() else "evaluate"
    return "resume" if last is not None else "restart"


def run_job(job: dict) -> dict:
    """Train (or resume, or score) one configuration; never raises for a failed run.

    Runs in a spawned process, in a Ray task, or in the sweep's own process
    (one worker); the run's messages go to its log.txt, not to the terminal.
    The result names the GPUs the run could see (CUDA_VISIBLE_DEVICES), where it was set.
    """
    started = time.monotonic()
    folder = Path(job["folder"])
    result = {"name": job["name"], "status": "done", "error": None, "action": job["action"]}
    if os.environ.get("CUDA_VISIBLE_DEVICES"):
        result["gpu"] = os.environ["CUDA_VISIBLE_DEVICES"]
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            if job["action"] == "evaluate":
                evaluate_run(folder)
            elif job["action"] == "resume":
                train(job["kind"], resume=folder, **job.get("resume_options", {}))
            else:
                if folder.exists():  # started before but left no checkpoint: start over in a fresh folder
                    shutil.rmtree(folder)
                train(job["kind"], job["preset"], out=folder, **job["options"])
    except Exception as e:  # noqa: BLE001  (a failed run is recorded; the others go on)
        message = str(e) if isinstance(e, GanforgeError) else f"{type(e).__name__}: {e}"
        result.update(status="failed", error=message[:2000])
        if not isinstance(e, GanforgeError):
            result["traceback"] = traceback.format_exc()[-4000:]
    result["seconds"] = round(time.monotonic() - started, 1)
    return result


def _child_main(job: dict, conn) -> None:
    """Entry point of a spawned worker process: run one job, send back its result."""
    try:
        result = run_job(job)
    except KeyboardInterrupt:
        result = {"name": job["name"], "status": "interrupted", "action": job["action"],
                  "error": "interrupted (a checkpoint was saved where training had started)"}
    conn.send(result)
    conn.close()


# Backends.
def gpu_for_slot(slot: int, gpus: list[str]) -> str | None:
    """The GPU of worker slot `slot`: the visible GPUs in turn (None where there are none)."""
    return gpus[slot % len(gpus)] if gpus else None


@contextlib.contextmanager
def _environment(name: str, value: str | None):
    """os.environ[name] = value inside the block (unchanged when value is None); a spawned child copies it."""
    if value is None:
        yield
        return
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            del os.environ[name]
        else:
            os.environ[name] = before


def _run_local(jobs: list[dict], workers: int, on_done) -> None:
    """At most `workers` spawned processes at a time, one per run.

    A fresh process per run keeps runs independent (threads, memory, a crash that
    kills a process fails only its own run). With one worker the runs go one after
    another in this process, which saves the start-up of a process per run.
    Worker slot k gets the k-th visible GPU (round-robin) as its only one: the child starts
    with that CUDA_VISIBLE_DEVICES, so CUDA never sees the others in it; without a GPU nothing changes.
    """
    if workers <= 1:
        for job in jobs:
            try:
                result = run_job(job)
            except KeyboardInterrupt:  # the run saved a checkpoint where it could; a rerun resumes it
                on_done({"name": job["name"], "status": "interrupted", "action": job["action"], "error": "interrupted"})
                raise
            on_done(result)
        return
    ctx = mp.get_context("spawn")
    gpus = visible_gpus()
    pending, running = list(jobs), {}
    try:
        while pending or running:
            while pending and len(running) < workers:
                job = pending.pop(0)
                slot = min(set(range(workers)) - {s for _, _, s in running.values()})
                receive, send = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_child_main, args=(job, send), name=f"ganforge-sweep {job['name']}")
                with _environment("CUDA_VISIBLE_DEVICES", gpu_for_slot(slot, gpus)):
                    proc.start()  # spawn: the child's environment is a copy of this one, taken now
                send.close()  # the child holds the only write end: its exit reads as EOF here
                running[receive] = (proc, job, slot)
            for receive in wait(list(running)):
                proc, job, _ = running.pop(receive)
                try:
                    result = receive.recv()
                except EOFError:
                    result = None
                receive.close()
                proc.join()
                if result is None:
                    result = {"name": job["name"], "status": "failed", "action": job["action"],
                              "error": f"the worker process died (exit code {proc.exitcode}); out of memory?"}
                on_done(result)
    except KeyboardInterrupt:
        # The workers got the same Ctrl-C: let them save their checkpoints, then stop.
        for receive, (proc, job, _) in running.items():
            proc.join(timeout=120)
            if proc.is_alive():
                proc.terminate()
                proc.join()
            on_done({"name": job["name"], "status": "interrupted", "action": job["action"],
                     "error": "interrupted"})
        raise


def _run_ray(jobs: list[dict], threads: int, address: str | None, on_done, gpus_per_run: float = 0) -> None:
    """One Ray task per configuration, each asking for `threads` CPUs (and using as many torch threads) and
    `gpus_per_run` GPUs: Ray sets each task's CUDA_VISIBLE_DEVICES to the GPU it grants, so 0.5 packs two runs
    on a GPU, and a task that asks for none sees no GPU at all."""
    try:
        import ray  # the optional extra (pip install ganforge[ray]): only for --backend ray
    except ImportError:
        raise GanforgeError("--backend ray needs Ray, which is not installed: pip install 'ganforge[ray]'") from None
    started_here = not ray.is_initialized()
    if started_here:
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
        except (ConnectionError, ValueError, RuntimeError) as e:
            where = f"the Ray cluster at {address}" if address else "a local Ray instance"
            raise GanforgeError(f"cannot start or reach {where} ({e})") from None
    try:
        task = ray.remote(num_cpus=threads, num_gpus=gpus_per_run, max_retries=0)(run_job)
        refs = {task.remote(job): job for job in jobs}
        while refs:
            done, _ = ray.wait(list(refs), num_returns=1)
            for ref in done:
                job = refs.pop(ref)
                try:
                    result = ray.get(ref)
                except Exception as e:  # noqa: BLE001  (the worker died: that run failed, not the sweep)
                    result = {"name": job["name"], "status": "failed", "action": job["action"],
                              "error": f"the Ray task failed: {type(e).__name__}: {str(e)[:1000]}"}
                on_done(result)
    finally:
        if started_here:
            ray.shutdown()


# The sweep.
@dataclass
class SweepResult:
    path: Path
    runs: list[dict]
    report: Path | None = None

    @property
    def failed(self) -> list[dict]:
        return [r for r in self.runs if r["status"] != "done"]

    @property
    def ok(self) -> bool:
        return not self.failed


def _check_gpus_per_run(gpus_per_run: float, backend: str) -> None:
    if not (isinstance(gpus_per_run, (int, float)) and math.isfinite(gpus_per_run) and gpus_per_run >= 0):
        raise GanforgeError(f"--gpus-per-run must be a number >= 0, got {gpus_per_run}")
    if gpus_per_run > 1 and not float(gpus_per_run).is_integer():
        raise GanforgeError(f"--gpus-per-run above 1 must be a whole number (Ray grants whole GPUs then), "
                            f"got {gpus_per_run:g}")
    if gpus_per_run > 0 and backend != "ray":
        raise GanforgeError("--gpus-per-run needs --backend ray; the local backend gives each worker one of the "
                            "visible GPUs in turn")


def _ray_gpu_note(configurations: list[Configuration], gpus_per_run: float) -> str | None:
    """Refuse cuda runs in Ray tasks that get no GPU; say where "auto" runs will train."""
    devices = {c.config.get("device") for c in configurations}
    if gpus_per_run > 0 or devices == {"cpu"}:
        return None
    if "cuda" in devices:
        raise GanforgeError("--device cuda with --backend ray needs --gpus-per-run (e.g. 1, or 0.5 for two runs "
                            "per GPU): Ray hides every GPU from a task that asks for none")
    return ("sweep: the Ray tasks ask for no GPU (--gpus-per-run 0): Ray hides any GPU from them, so they train on "
            "the CPU")


def run_sweep(kind: str, swept: dict, fixed: dict | None = None, preset: str | None = None, out="sweep",
              workers: int = 1, backend: str = "local", ray_address: str | None = None,
              threads: int | None = None, report: bool = True, echo=print, gpus_per_run: float = 0) -> SweepResult:
    """Train every configuration of swept x fixed options into `out`; write sweep.json and report.html.

    swept: {option: [values]} (the cross product is trained); fixed: {option: value}
    for every run. Values are validated for every configuration before any run starts.
    gpus_per_run: the GPUs each Ray task asks for (fractions share a GPU); the local backend spreads its
    workers over the visible GPUs instead.
    """
    if backend not in BACKENDS:
        raise GanforgeError(f"--backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
    if ray_address and backend != "ray":
        raise GanforgeError("--ray-address needs --backend ray")
    _check_gpus_per_run(gpus_per_run, backend)
    if not isinstance(workers, int) or workers < 1:
        raise GanforgeError(f"--workers must be >= 1, got {workers}")
    if threads is not None and threads < 1:
        raise GanforgeError(f"--threads must be >= 1, got {threads}")
    swept, single = split_options(kind, {**(fixed or {}), **swept})
    threads = threads or default_threads(workers)
    configurations = plan(kind, swept, single, preset, threads)
    ray_note = _ray_gpu_note(configurations, gpus_per_run) if backend == "ray" else None
    out = Path(out)

    # Decide what each configuration needs, refusing folders that hold a different run.
    states, resume_options = {}, {}
    for c in configurations:
        folder = out / c.name
        if (folder / "config.json").is_file():
            try:
                existing = json.loads((folder / "config.json").read_text())
            except (OSError, json.JSONDecodeError):
                existing = None
            changed = c.differences(existing) if isinstance(existing, dict) else []
            if changed:
                raise GanforgeError(f"{folder} holds a run with other settings ({', '.join(changed[:4])} differ); "
                                    "give the sweep another --out, or the same options as before")
            resume_options[c.name] = c.hardware_changes(existing) if isinstance(existing, dict) else {}
        states[c.name] = run_state(folder, c.config)

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise GanforgeError(f"cannot create the sweep folder {out} ({e.strerror})") from None
    entries = {c.name: {"name": c.name, "folder": c.name, "options": c.values,
                        "status": "done" if states[c.name] == "finished" else "pending",
                        "action": "skipped" if states[c.name] == "finished" else None,
                        "error": None, "seconds": None} for c in configurations}
    presets = parse_presets(preset)
    if len(presets) > 1:  # the presets are a swept option of the page: a column, a row per preset
        swept = {"preset": presets, **swept}
    preset_text = configurations[0].config.get("preset") if len(presets) == 1 else ",".join(presets)
    summary = {"kind": kind, "preset": preset_text, "swept": swept, "fixed": single,
               "backend": backend, "workers": workers, "threads": threads, "gpus_per_run": gpus_per_run,
               "runs": list(entries.values())}

    def save() -> None:
        summary["updated"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        write_json_atomically(out / SWEEP_FILE, summary)

    save()
    action = {"new": "train", "restart": "train", "resume": "resume", "evaluate": "evaluate"}
    # Absolute folders: a Ray worker need not share this process's working directory.
    jobs = [{"name": c.name, "kind": kind, "preset": c.preset, "folder": str((out / c.name).resolve()),
             "options": {k: v for k, v in c.config.items() if k not in ("kind", "preset")},
             "action": action[states[c.name]], "resume_options": resume_options.get(c.name, {})}
            for c in configurations if states[c.name] != "finished"]
    skipped = len(configurations) - len(jobs)
    echo(f"sweep: {len(configurations)} configurations in {out} ({len(jobs)} to run"
         f"{f', {skipped} finished already' if skipped else ''}); {backend} backend, "
         f"{workers} worker{'s' if workers > 1 else ''} x {threads} thread{'s' if threads > 1 else ''}"
         f"{_gpu_text(backend, workers, gpus_per_run)}")
    if ray_note:
        echo(ray_note)
    finished = [skipped]

    def on_done(result: dict) -> None:
        entry = entries[result["name"]]
        entry.update(status=result["status"], action=result.get("action"), error=result.get("error"),
                     seconds=result.get("seconds"))
        if result.get("gpu"):
            entry["gpu"] = result["gpu"]  # the CUDA_VISIBLE_DEVICES the run saw
        save()
        finished[0] += 1
        took = f" in {result['seconds']:.0f} s" if result.get("seconds") is not None else ""
        line = f"[{finished[0]}/{len(configurations)}] {result['status']:<6} {result['name']}{took}"
        echo(line + (f": {result['error']}" if result.get("error") else ""))

    if jobs:
        if backend == "ray":
            _run_ray(jobs, threads, ray_address, on_done, gpus_per_run)
        else:
            _run_local(jobs, workers, on_done)

    result = SweepResult(out, list(entries.values()))
    if report:
        try:
            result.report = write_report(out)
        except Exception as e:  # noqa: BLE001  (the runs are done and recorded; the report can be redone)
            echo(f"sweep: warning: report.html could not be written ({type(e).__name__}: {e}); "
                 f"try: ganforge report {out}")
    done = sum(r["status"] == "done" for r in result.runs)
    echo(f"sweep: {done} done, {len(result.failed)} not done" + (f"; report: {result.report}" if result.report else ""))
    return result


def _gpu_text(backend: str, workers: int, gpus_per_run: float) -> str:
    """The GPU part of the sweep's first line."""
    if backend == "ray":
        return f", {gpus_per_run:g} GPU per run" if gpus_per_run else ""
    gpus = visible_gpus() if workers > 1 else []
    return f", GPUs {','.join(gpus)} in turn" if gpus else ""


# The command line's options (used by cli.py's `sweep` command).
def add_sweep_arguments(parser, kind: str) -> None:
    """--preset, --out, --workers, --backend, ... and one VALUES option per config field."""
    method = methods.get(kind)
    parser.add_argument("--preset", default=None,
                        help=f"named settings ({', '.join(method.presets) or 'none'}) [default: {method.default_preset}]; "
                        "a comma list is swept, the other options applied to each")
    parser.add_argument("--out", required=True, help="sweep folder: one run folder per configuration, sweep.json, "
                        "report.html; the same --out again skips finished runs")
    parser.add_argument("--workers", type=int, default=1, help="runs at the same time [default: 1]")
    parser.add_argument("--backend", default="local", choices=BACKENDS,
                        help="local: a process pool on this machine; ray: Ray tasks (pip install 'ganforge[ray]') "
                        "[default: local]")
    parser.add_argument("--ray-address", default=None, metavar="ADDR",
                        help="Ray cluster to use (e.g. ray://host:10001) [default: a local Ray instance]")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads per run [default: max(1, free cores // workers): the cores other work "
                        "does not keep busy, shared]")
    parser.add_argument("--gpus-per-run", type=float, default=0.0, metavar="G",
                        help="with --backend ray: GPUs each run's task asks Ray for; a fraction shares a GPU (0.25: "
                        "four runs on one). Ray hides the GPUs from tasks that ask for none. The local backend "
                        "gives its workers the visible GPUs in turn instead [default: 0]")
    parser.add_argument("--no-report", action="store_true", help="do not write report.html at the end")
    for f in method.fields():
        if f.name in NOT_SWEPT:
            continue
        help_text = f.metadata.get("help", "")
        if f.metadata.get("choices"):
            help_text += f" ({'|'.join(map(str, f.metadata['choices']))})"
        help_text += f" [{method.defaults_text(f.name)}]; a comma list is swept".replace("%", "%%")
        flag = config_mod.option_name(f.name)
        if config_mod.field_type(f) is bool:
            parser.add_argument(flag, nargs="?", const="true", default=None, metavar="BOOL[,BOOL]", help=help_text)
        else:
            parser.add_argument(flag, default=None, metavar="V[,V...]", help=help_text)


def options_from_args(args, kind: str) -> dict:
    """{option: [values]} of the options given on the command line."""
    out = {}
    for f in methods.get(kind).fields():
        text = getattr(args, f.name, None)
        if f.name not in NOT_SWEPT and text is not None:
            out[f.name] = parse_values(kind, f.name, text)
    return out
