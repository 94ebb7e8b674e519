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
from ..metrics import BASELINES
from ..runs import CONFIG, LOG, METHOD, METRICS, STATS, checkpoint_step, list_checkpoints, read_stats
from ..scoring import describe

_SAMPLE = re.compile(r"^(\d{6,})(?:-(.+))?\.png$")      # samples/000200.png, samples/000200-apple-windows.png
_HEATMAP = re.compile(r"^epoch-(\d{4,})\.png$")          # heatmaps/epoch-0003.png


class MetricInfo:
    """What each metric key is: its direction, role (value, baseline, extra) and companions.

    It comes from metrics.json's metric_info, written by scoring from the metric
    registry; for files written before that existed, and for evaluation records of a
    run still training, the same description is rebuilt from the registry.
    """

    def __init__(self, info: dict | None = None):
        self.info = dict(info or {})

    def add_missing(self, keys) -> None:
        missing = [k for k in keys if k not in self.info]
        if missing:
            self.info.update(describe(missing))

    def merged(self, other: "MetricInfo") -> "MetricInfo":
        return MetricInfo({**other.info, **self.info})

    def is_value(self, name: str) -> bool:
        """A score of its own (not a baseline or an extra); keys nothing describes count as scores."""
        return self.info.get(name, {}).get("role", "value") == "value"

    def higher_is_better(self, name: str) -> bool | None:
        return self.info.get(name, {}).get("higher_is_better")

    def arrow(self, name: str) -> str:
        return {True: "↑", False: "↓"}.get(self.higher_is_better(name), "")

    def baselines(self, name: str) -> dict[str, str]:
        """{baseline role: key} of a score, e.g. {"identity": "apple2windows_l1_identity"}."""
        return dict(self.info.get(name, {}).get("baselines", {}))

    def label(self, name: str) -> str:
        """The short name people read: 'l1' for apple2windows_l1_translation."""
        return self.info.get(name, {}).get("label", name)

    def direction(self, name: str) -> str:
        """'apple → windows' for a translation direction's keys, else ''."""
        pair = self.info.get(name, {}).get("direction")
        return f"{pair[0]} → {pair[1]}" if pair else ""

    def headline(self, name: str) -> bool:
        return bool(self.info.get(name, {}).get("headline"))


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
    metric_info: MetricInfo  # what each metric (and eval record) key is
    metrics_step: int | None
    notes: list[str]
    series: list[Series]    # sample grids per direction, or heatmaps for moons
    checkpoints: list[int]  # steps with a complete checkpoint
    log_tail: list[str]
    method: dict = field(default_factory=dict)  # method.json: what the run's method is (described, for reports)
    timing: dict = field(default_factory=dict)  # metrics.json's timing: train_seconds, seconds_per_1000_iterations

    @property
    def seconds_per_1000(self) -> float | None:
        return _finite(self.timing.get("seconds_per_1000_iterations"))

    @property
    def kind(self) -> str:
        return self.config.get("kind", "?")

    @property
    def counts_epochs(self) -> bool:
        """Whether the run counts epochs (points) rather than iterations."""
        return self.method.get("unit") == "epoch"

    @property
    def offers(self) -> str:
        """What the run's networks give: "points", "samples" or "translations"."""
        return self.method.get("offers", "samples")

    @property
    def step_key(self) -> str:
        return "epoch" if self.counts_epochs else "iter"

    @property
    def unit(self) -> str:
        return "epoch" if self.counts_epochs else "iteration"

    @property
    def total_steps(self) -> int | None:
        value = self.config.get("epochs" if self.counts_epochs else "iters")
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
        return self.method.get("run_title") or str(self.kind)


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


def _series(path: Path) -> list[Series]:
    """Discriminator heatmaps (heatmaps/epoch-NNNN.png), and sample grids per direction (samples/)."""
    out = []
    frames = sorted((int(m.group(1)), p) for p in _files(path / "heatmaps") if (m := _HEATMAP.match(p.name)))
    if frames:
        out.append(Series("heatmaps", "discriminator heatmap", "epoch", frames))
    groups: dict[str, list] = {}
    for p in _files(path / "samples"):
        if m := _SAMPLE.match(p.name):
            groups.setdefault(m.group(2) or "samples", []).append((int(m.group(1)), p))
    for name in sorted(groups):
        label = name.replace("-", " → ") if name != "samples" else "generated samples"
        out.append(Series(name, label, "iteration", sorted(groups[name])))
    return out


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []


def describe_from_files(config: dict, series: list[Series]) -> dict:
    """For a run folder from before method.json: what its files tell of its method."""
    directions = [s.name for s in series if s.name not in ("heatmaps", "samples")]
    offers = "points" if any(s.name == "heatmaps" for s in series) else "translations" if directions else "samples"
    epochs = "epochs" in config and "iters" not in config
    subject = (f"{config.get('source', '?')} {'↔' if len(directions) > 1 else '→'} {config.get('target', '?')}"
               if "source" in config else str(config.get("style", config.get("trainer", "?"))))
    return {"name": config.get("kind"), "title": config.get("kind"), "run_title": f"{config.get('kind')} · {subject}",
            "unit": "epoch" if epochs else "iter", "length": "epochs" if epochs else "iters", "offers": offers,
            "both_ways": len(directions) > 1, "key_settings": []}


def read_run(path) -> RunFiles:
    path = Path(path)
    if not path.exists():
        raise GanforgeError(f"{path} does not exist")
    config = _read_json(path / CONFIG, "config")
    if not isinstance(config, dict) or "kind" not in config:
        raise GanforgeError(f"{path} is not a run folder (no {CONFIG} naming its kind)")
    records = read_stats(path / STATS)
    metrics_file = _read_json(path / METRICS, "metrics") or {}
    metrics = {k: _finite(v) for k, v in (metrics_file.get("metrics") or {}).items()}
    eval_records = [r for r in records if r.get("kind") == "eval"]
    info = MetricInfo(metrics_file.get("metric_info"))
    info.add_missing([*metrics, *{k for r in eval_records for k in r}])
    checkpoints = [checkpoint_step(p) for p in list_checkpoints(path / "checkpoints")]
    series = _series(path)
    try:
        log_tail = (path / LOG).read_text(errors="replace").splitlines()[-40:]
    except FileNotFoundError:
        log_tail = []
    return RunFiles(
        path=path, config=config,
        train_records=[r for r in records if r.get("kind") != "eval"],
        eval_records=eval_records, metric_info=info,
        metrics=metrics, metrics_step=metrics_file.get("step"), notes=list(metrics_file.get("notes") or []),
        timing=dict(metrics_file.get("timing") or {}), series=series, checkpoints=checkpoints, log_tail=log_tail,
        method=_read_json(path / METHOD, "method description") or describe_from_files(config, series))


def is_sweep(path) -> bool:
    return (Path(path) / "sweep.json").is_file()


def read_sweep(path) -> dict:
    data = _read_json(Path(path) / "sweep.json", "sweep")
    if not isinstance(data, dict) or not isinstance(data.get("runs"), list):
        raise GanforgeError(f"{path}/sweep.json does not describe a ganforge sweep (no 'runs' list)")
    return data


def grouped_metrics(metrics: dict, info: MetricInfo) -> list[dict]:
    """One row per score, in the file's order: {'name', 'value', <baseline role>: value, ...}."""
    rows = []
    for name, value in metrics.items():
        if info.is_value(name):
            row = {"name": name, "value": value}
            row.update({role: metrics.get(key) for role, key in info.baselines(name).items()})
            rows.append(row)
    return rows


def one_feature_network(infos: list[dict], names: list[str]) -> tuple[list[str], list[str]]:
    """(names, notes): the scores whose values, across runs, were read through one feature network (or whose
    network is not recorded), and a note naming the rest, which cannot stand side by side.

    infos: each run's metric info ({key: {"feature_network": digest, ...}}). FD, KID and the style
    rates are read through a feature network that each machine trains for itself; values read
    through two networks are on two different scales.
    """
    kept, split = [], {}
    for name in names:
        networks = sorted({str(info.get(name, {}).get("feature_network")) for info in infos
                           if info.get(name, {}).get("feature_network")})
        if len(networks) > 1:
            split.setdefault(", ".join(networks), []).append(name)
        else:
            kept.append(name)
    notes = [f"not set side by side: {', '.join(keys)}, read through different feature networks ({networks}); "
             "`ganforge eval RUN_DIR` on one machine scores every run through its one network"
             for networks, keys in split.items()]
    return kept, notes


BASELINE_LABELS = BASELINES  # role -> what a person reads: "real-data floor", "do-nothing", "recolour only"
