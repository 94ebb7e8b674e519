"""Run folders: config.json, log.txt, stats.jsonl, metrics.json, pictures and checkpoints.

A run folder is the only thing training writes and the only thing reports,
scoring and sweeps read. This module owns its layout: file names, the numbering
of checkpoint folders, and the format of stats.jsonl and metrics.json.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import re
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .errors import GanforgeError
from .fileio import fsync_dir, write_json_atomically, write_text_atomically

CONFIG = "config.json"
METHOD = "method.json"   # what the run's method is (its title, what it counts and offers), for reports
STATS = "stats.jsonl"
METRICS = "metrics.json"
LOG = "log.txt"
REPORT = "report.html"
CHECKPOINTS = "checkpoints"

# Everything a run writes in its folder (what Run.discard removes from a folder it did not make).
RUN_FILES = (CONFIG, METHOD, STATS, METRICS, LOG, REPORT, CHECKPOINTS, "code", "samples", "heatmaps", "reals.png",
             "tensorboard")

_NUMBERED = re.compile(r"^(\d{5})-")
_CHECKPOINT = re.compile(r"^step-(\d{6,})$")


# Checkpoint folders: checkpoints/step-000200/.
def checkpoint_name(step: int) -> str:
    return f"step-{step:06d}"


def checkpoint_step(path) -> int:
    """The step of a checkpoint folder: checkpoints/step-000200 -> 200."""
    match = _CHECKPOINT.match(Path(path).name)
    if match is None:
        raise GanforgeError(f"{path} is not a checkpoint folder (expected a name such as step-000200)")
    return int(match.group(1))


def list_checkpoints(folder) -> list[Path]:
    """Complete checkpoints under `folder`, oldest first (a folder appears only when complete)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _CHECKPOINT.match(p.name)) and p.is_dir()]
    return [p for _, p in sorted(found)]


# stats.jsonl: one JSON object per log step; evaluation records carry "kind": "eval".
def read_stats(path) -> list[dict]:
    """The records of a stats.jsonl file; a line cut short by a crash ends the list."""
    records = []
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        return records
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            break  # everything after a cut line is unreliable
        if isinstance(record, dict):
            records.append(record)
    return records


def _finite_or_none(record: dict) -> dict:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in record.items()}


@dataclass
class Scores:
    """What one scoring pass found: metric values, what each of them is, and what could not be scored.

    info[name] describes values[name] (its metric, direction, role and companions);
    metrics.json carries both, so reports read directions instead of guessing them.
    """
    values: dict[str, float] = field(default_factory=dict)
    info: dict[str, dict] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def feature_networks(self) -> list[str]:
        """The feature networks (digests) some of these values were read through."""
        return sorted({i["feature_network"] for i in self.info.values() if i.get("feature_network")})


def _next_numbered_dir(root: Path, tag: str) -> Path:
    """Create and return root/NNNNN-tag with the next free number (race-safe)."""
    root.mkdir(parents=True, exist_ok=True)
    while True:
        numbers = [int(m.group(1)) for p in root.iterdir() if (m := _NUMBERED.match(p.name))]
        path = root / f"{max(numbers, default=0) + 1:05d}-{tag}"
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue  # another process took this number; look again


def _check_writable(path: Path) -> None:
    probe = path / f".write-test-{os.getpid()}"
    try:
        probe.write_text("")
        probe.unlink()
    except OSError as e:
        raise GanforgeError(f"cannot write to the output folder {path} ({e.strerror})") from None


class Run:
    """An open run folder."""

    def __init__(self, path: Path, config: dict, made_folder: bool = False):
        self.path = Path(path)
        self.config = config
        self.on_stats: list = []  # callables run after each stats record is written (live mirrors)
        self.made_folder = made_folder  # the folder did not exist before this run was created in it

    # Creating and opening.
    @classmethod
    def create(cls, config: dict, tag: str, out: str | os.PathLike | None = None,
               root: str | os.PathLike = "runs", method: dict | None = None) -> "Run":
        """Make a new run folder and write config.json (and method.json, the method's description); never reuse a
        folder that holds a run."""
        try:
            if out is None:
                path, made = _next_numbered_dir(Path(root), tag), True
            else:
                path = Path(out)
                made = not path.exists()
                path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            where = out if out is not None else root
            raise GanforgeError(f"cannot create the output folder {where} ({e.strerror})") from None
        _check_writable(path)
        try:
            # O_EXCL: two runs started with the same --out cannot both claim it.
            fd = os.open(path / CONFIG, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            raise GanforgeError(f"--out {path} already holds a run ({CONFIG}); "
                                "use --resume to continue it, or choose another folder") from None
        with os.fdopen(fd, "w") as f:
            json.dump(config, f, indent=2)
            f.write("\n")
        run = cls(path, config, made_folder=made)
        if method is not None:
            run.write_json(METHOD, method)
        return run

    def discard(self) -> None:
        """Remove a run that failed before it saved anything worth keeping (no checkpoint), so that the same
        command, corrected, can start again in the same place: the whole folder where the run made it,
        else only what a run writes there."""
        if self.latest_checkpoint() is not None:
            return
        if self.made_folder:
            shutil.rmtree(self.path, ignore_errors=True)
            return
        for name in RUN_FILES:
            target = self.path / name
            if target.is_dir():
                shutil.rmtree(target, ignore_errors=True)
            else:
                target.unlink(missing_ok=True)

    @classmethod
    @contextlib.contextmanager
    def create_staged(cls, config: dict, tag: str, root: str | os.PathLike = "runs",
                      method: dict | None = None) -> Iterator["Run"]:
        """A new auto-numbered run folder, filled in the `with` block under a temporary name and renamed
        into place whole when the block ends; run.path follows the rename.

        An exception in the block (Ctrl-C included) removes the temporary folder: readers see the
        complete run folder or nothing. A SIGKILL can leave only a hidden `.TAG.partial-*` folder,
        which nothing reads. Used where a whole run is written at once (`ganforge play`'s Save).
        """
        root = Path(root)
        try:
            root.mkdir(parents=True, exist_ok=True)
            staging = root / f".{tag}.partial-{os.getpid()}-{secrets.token_hex(4)}"
            staging.mkdir()  # with the usual permissions (mkdtemp's would be private)
        except OSError as e:
            raise GanforgeError(f"cannot create a run folder in {root} ({e.strerror})") from None
        run = cls(staging, config)
        try:
            (staging / CONFIG).write_text(json.dumps(config, indent=2) + "\n")
            if method is not None:
                (staging / METHOD).write_text(json.dumps(method, indent=2) + "\n")
            yield run
            fsync_dir(staging)
            path = _next_numbered_dir(root, tag)  # claim the number (race-safe), then put the folder in its place
            try:
                os.rename(staging, path)  # replaces the empty folder just claimed
            except OSError:
                path.rmdir()
                raise
            fsync_dir(root)
            run.path = path
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    @classmethod
    def open(cls, path: str | os.PathLike) -> "Run":
        path = Path(path)
        config_file = path / CONFIG
        if not path.exists():
            raise GanforgeError(f"{path} does not exist")
        if not config_file.is_file():
            raise GanforgeError(f"{path} is not a run folder (no {CONFIG})")
        try:
            config = json.loads(config_file.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise GanforgeError(f"{config_file} is not valid JSON ({e})") from None
        if not isinstance(config, dict) or "kind" not in config:
            raise GanforgeError(f"{config_file} does not describe a ganforge run (no 'kind')")
        return cls(path, config)

    @property
    def kind(self) -> str:
        return self.config["kind"]

    # Text outputs.
    def log(self, message: str, echo: bool = True) -> None:
        if echo:
            print(message, flush=True)
        with open(self.path / LOG, "a") as f:
            f.write(message + "\n")

    def append_stats(self, record: dict) -> None:
        with open(self.path / STATS, "a") as f:
            f.write(json.dumps(_finite_or_none(record)) + "\n")
        for listener in self.on_stats:
            listener()

    def read_stats(self) -> list[dict]:
        return read_stats(self.path / STATS)

    def truncate_stats(self, key: str, last: int) -> None:
        """Keep only stats records with record[key] <= last (used when resuming)."""
        kept = [r for r in self.read_stats() if r.get(key, 0) <= last]
        write_text_atomically(self.path / STATS, "".join(json.dumps(r) + "\n" for r in kept))

    def write_json(self, name: str, data) -> Path:
        return write_json_atomically(self.path / name, data)

    def write_metrics(self, step: int, scores: Scores, checkpoint: str | None = None,
                      timing: dict | None = None) -> Path:
        """metrics.json: the values of one scoring pass, with what each value is (metric_info) and, when
        known, how long training took (timing: train_seconds, iterations, seconds_per_1000_iterations)."""
        data = {"kind": self.kind, "step": step}
        if checkpoint is not None:
            data["checkpoint"] = checkpoint
        data.update(metrics=_finite_or_none(scores.values), notes=list(scores.notes), metric_info=scores.info)
        if scores.feature_networks():  # which network FD, KID and the style rates were read through
            data["feature_network"] = ", ".join(scores.feature_networks())
        if timing:
            data["timing"] = timing
        return self.write_json(METRICS, data)

    def read_metrics(self) -> dict:
        """metrics.json's content ({} when there is none or it cannot be read)."""
        try:
            data = json.loads((self.path / METRICS).read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    # Checkpoints.
    @property
    def checkpoint_dir(self) -> Path:
        return self.path / CHECKPOINTS

    def checkpoints(self) -> list[Path]:
        return list_checkpoints(self.checkpoint_dir)

    def latest_checkpoint(self) -> Path | None:
        found = self.checkpoints()
        return found[-1] if found else None

    def checkpoint_at(self, step: int | None) -> Path:
        """The checkpoint of `step` (None: the latest); an error names the steps there are."""
        found = self.checkpoints()
        if not found:
            raise GanforgeError(f"{self.path} has no checkpoint yet")
        if step is None:
            return found[-1]
        for path in found:
            if checkpoint_step(path) == step:
                return path
        steps = ", ".join(str(checkpoint_step(p)) for p in found)
        raise GanforgeError(f"{self.path} has no checkpoint at step {step}; it has {steps}")
