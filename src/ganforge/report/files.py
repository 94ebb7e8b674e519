"""Reading a run or sweep folder: only its files, never training code or live models.

Everything a report shows comes through these functions, so a report can be
written for a finished run, a run still in progress, or one copied from elsewhere.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import GanforgeError

_SAMPLE = re.compile(r"^(\d{6,})(?:-(.+))?\.png$")      # samples/000200.png, samples/000200-apple-windows.png
_HEATMAP = re.compile(r"^epoch-(\d{4,})\.png$")          # heatmaps/epoch-0003.png
_CHECKPOINT = re.compile(r"^step-(\d{6,})$")             # checkpoints/step-000200/


@dataclass
class Series:
    """Pictures of one kind over training: (step, file) pairs, oldest first."""

    name: str    # "apple-windows", "samples" or "heatmaps"
    label: str   # what a person reads: "apple → windows"
    unit: str    # "iteration" or "epoch"
    frames: list[tuple[int, Path]] = field(default_factory=list)

    def at_or_first(self, step: int) -> tuple[int, Path] | None:
        """The frame at `step`, else the earliest frame after step 0 (else the very first)."""
        for frame in self.frames:
            if frame[0] == step:
                return frame
        later = [f for f in self.frames if f[0] > 0]
        return (later or self.frames or [None])[0]

    @property
    def last(self) -> tuple[int, Path] | None:
        return self.frames[-1] if self.frames else None


@dataclass
class RunFiles:
    """What a run folder holds, parsed."""

    path: Path
    config: dict
    train_records: list[dict]
    eval_records: list[dict]
    metrics: dict           # name -> value (floats; None where missing)
    metrics_step: int | None
    notes: list[str]
    series: list[Series]    # sample grids per direction, or heatmaps for moons
    checkpoints: list[int]  # steps with a complete checkpoint
    log_tail: list[str]

    @property
    def kind(self) -> str:
        return self.config.get("kind", "?")

    @property
    def step_key(self) -> str:
        return "epoch" if self.kind == "moons" else "iter"

    @property
    def unit(self) -> str:
        return "epoch" if self.kind == "moons" else "iteration"

    @property
    def total_steps(self) -> int | None:
        value = self.config.get("epochs" if self.kind == "moons" else "iters")
        return int(value) if isinstance(value, (int, float)) else None

    @property
    def reached(self) -> int:
        """The last step that training recorded (stats or checkpoint)."""
        steps = [r.get(self.step_key, 0) for r in self.train_records] + self.checkpoints
        return max((s for s in steps if isinstance(s, (int, float))), default=0)

    @property
    def finished(self) -> bool:
        total = self.total_steps
        return bool(self.metrics) and total is not None and total in self.checkpoints

    @property
    def title(self) -> str:
        c = self.config
        if self.kind == "moons":
            return f"moons · {c.get('trainer', '?')}"
        if self.kind == "dcgan":
            return f"DCGAN · {c.get('style', '?')}"
        if self.kind == "cyclegan":
            return f"CycleGAN · {c.get('source', '?')} ↔ {c.get('target', '?')}"
        return str(self.kind)


def _read_json(path: Path, what: str):
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise GanforgeError(f"{path} is not valid JSON ({e}); the {what} cannot be shown") from None


def _finite(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def read_stats(path: Path) -> list[dict]:
    """stats.jsonl records; a line cut short by a crash ends the list."""
    records = []
    try:
        text = path.read_text()
    except FileNotFoundError:
        return records
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            break
        if isinstance(record, dict):
            records.append(record)
    return records


def _series(path: Path, kind: str) -> list[Series]:
    if kind == "moons":
        folder = path / "heatmaps"
        frames = sorted((int(m.group(1)), p) for p in _files(folder) if (m := _HEATMAP.match(p.name)))
        return [Series("heatmaps", "discriminator heatmap", "epoch", frames)] if frames else []
    groups: dict[str, list] = {}
    for p in _files(path / "samples"):
        if m := _SAMPLE.match(p.name):
            groups.setdefault(m.group(2) or "samples", []).append((int(m.group(1)), p))
    out = []
    for name in sorted(groups):
        label = name.replace("-", " → ") if name != "samples" else "generated samples"
        out.append(Series(name, label, "iteration", sorted(groups[name])))
    return out


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []


def read_run(path) -> RunFiles:
    path = Path(path)
    config = _read_json(path / "config.json", "config")
    if not isinstance(config, dict) or "kind" not in config:
        raise GanforgeError(f"{path} is not a run folder (no config.json naming its kind)")
    records = read_stats(path / "stats.jsonl")
    metrics_file = _read_json(path / "metrics.json", "metrics") or {}
    metrics = {k: _finite(v) for k, v in (metrics_file.get("metrics") or {}).items()}
    checkpoints = sorted(int(m.group(1)) for p in (path / "checkpoints").glob("step-*")
                         if (m := _CHECKPOINT.match(p.name)) and (p / "state.json").is_file())
    try:
        log_tail = (path / "log.txt").read_text(errors="replace").splitlines()[-40:]
    except FileNotFoundError:
        log_tail = []
    return RunFiles(
        path=path, config=config,
        train_records=[r for r in records if r.get("kind") != "eval"],
        eval_records=[r for r in records if r.get("kind") == "eval"],
        metrics=metrics, metrics_step=metrics_file.get("step"), notes=list(metrics_file.get("notes") or []),
        series=_series(path, config["kind"]), checkpoints=checkpoints, log_tail=log_tail)


def is_sweep(path) -> bool:
    return (Path(path) / "sweep.json").is_file()


def read_sweep(path) -> dict:
    data = _read_json(Path(path) / "sweep.json", "sweep")
    if not isinstance(data, dict) or not isinstance(data.get("runs"), list):
        raise GanforgeError(f"{path}/sweep.json does not describe a ganforge sweep (no 'runs' list)")
    return data


# Metric names: a score and the baselines it is read against.
BASELINE_SUFFIXES = {"floor": "real-data floor", "identity": "do-nothing", "histmatch": "recolour only"}
# Lower-is-better unless the name ends with one of these.
HIGHER_IS_BETTER = ("ssim", "psnr", "style_rate", "palette_rate", "precision", "recall", "density", "coverage", "accuracy")


def split_metric(name: str) -> tuple[str, str | None]:
    """'apple2windows_l1_identity' -> ('apple2windows_l1', 'identity'); 'swd' -> ('swd', None)."""
    for suffix in BASELINE_SUFFIXES:
        if name.endswith("_" + suffix):
            return name[: -len(suffix) - 1], suffix
    return name, None


def metric_stem(name: str) -> str:
    """The name a score and its baselines share: '..._l1_translation' and '..._l1_identity' -> '..._l1'."""
    stem, _ = split_metric(name)
    return stem[: -len("_translation")] if stem.endswith("_translation") else stem


def higher_is_better(name: str) -> bool:
    """ssim, psnr, style and palette rates, precision/recall/density/coverage; every other score is a distance."""
    return metric_stem(name).endswith(HIGHER_IS_BETTER)


def grouped_metrics(metrics: dict) -> list[dict]:
    """Rows {'name', 'stem', 'value', 'floor', 'identity', 'histmatch'} in the file's order."""
    rows: dict[str, dict] = {}
    for name, value in metrics.items():
        stem, suffix = split_metric(name)
        key = metric_stem(name)
        row = rows.setdefault(key, {"stem": key, "name": None, "value": None})
        if suffix is None:
            row["name"], row["value"] = name, value
        else:
            row[suffix] = value
    return [r for r in rows.values() if r["name"] is not None]


def is_baseline(name: str) -> bool:
    return split_metric(name)[1] is not None
