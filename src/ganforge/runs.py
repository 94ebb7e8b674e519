"""Run folders: config.json, log.txt, stats.jsonl, pictures and checkpoints.

A run folder is the only thing training writes and the only thing reports,
metrics and sweeps read.
"""
from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

from . import checkpoint
from .errors import GanforgeError

_NUMBERED = re.compile(r"^(\d{5})-")


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

    def __init__(self, path: Path, config: dict):
        self.path = Path(path)
        self.config = config
        self.on_stats: list = []  # callables run after each stats record is written (live mirrors)

    # Creating and opening.
    @classmethod
    def create(cls, config: dict, tag: str, out: str | os.PathLike | None = None,
               root: str | os.PathLike = "runs") -> "Run":
        """Make a new run folder and write config.json; never reuse a folder that holds a run."""
        try:
            if out is None:
                path = _next_numbered_dir(Path(root), tag)
            else:
                path = Path(out)
                path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            where = out if out is not None else root
            raise GanforgeError(f"cannot create the output folder {where} ({e.strerror})") from None
        _check_writable(path)
        try:
            # O_EXCL: two runs started with the same --out cannot both claim it.
            fd = os.open(path / "config.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            raise GanforgeError(f"--out {path} already holds a run (config.json); "
                                "use --resume to continue it, or choose another folder") from None
        with os.fdopen(fd, "w") as f:
            json.dump(config, f, indent=2)
            f.write("\n")
        return cls(path, config)

    @classmethod
    def open(cls, path: str | os.PathLike) -> "Run":
        path = Path(path)
        config_file = path / "config.json"
        if not config_file.is_file():
            raise GanforgeError(f"{path} is not a run folder (no config.json)")
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
        with open(self.path / "log.txt", "a") as f:
            f.write(message + "\n")

    def append_stats(self, record: dict) -> None:
        clean = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in record.items()}
        with open(self.path / "stats.jsonl", "a") as f:
            f.write(json.dumps(clean) + "\n")
        for listener in self.on_stats:
            listener()

    def read_stats(self) -> list[dict]:
        stats_file = self.path / "stats.jsonl"
        if not stats_file.exists():
            return []
        records = []
        for line in stats_file.read_text().splitlines():
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                break  # a line cut short by a crash; everything after it is unreliable
        return records

    def truncate_stats(self, key: str, last: int) -> None:
        """Keep only stats records with record[key] <= last (used when resuming)."""
        kept = [r for r in self.read_stats() if r.get(key, 0) <= last]
        tmp = self.path / "stats.jsonl.tmp"
        tmp.write_text("".join(json.dumps(r) + "\n" for r in kept))
        os.replace(tmp, self.path / "stats.jsonl")

    def write_json(self, name: str, data) -> Path:
        target = self.path / name
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n")
        os.replace(tmp, target)
        return target

    # Pictures.
    def save_figure(self, fig, relpath: str) -> Path:
        import matplotlib.pyplot as plt

        target = self.path / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(target, dpi=100)
        plt.close(fig)
        return target

    # Checkpoints.
    @property
    def checkpoint_dir(self) -> Path:
        return self.path / "checkpoints"

    def save_checkpoint(self, step: int, modules: dict, optimizers: dict, extra: dict | None = None) -> Path:
        return checkpoint.save(self.checkpoint_dir, step, modules, optimizers, extra)

    def latest_checkpoint(self) -> Path | None:
        found = checkpoint.list_checkpoints(self.checkpoint_dir)
        return found[-1] if found else None
