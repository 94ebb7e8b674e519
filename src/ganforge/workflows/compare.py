"""`ganforge compare RUN_DIR... --out DIR`: translation methods side by side on the same test emojis.

Writes DIR/translations.png (one row per test emoji: source | each run's translation |
true target), DIR/compare.json (each run's scores for the direction, with what each is
read against, and its training time), DIR/report.html and DIR/README.md (the same
comparison as a Markdown page that can be committed beside the picture).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import torch

from .. import methods
from ..data.emoji import datasets as emoji_datasets
from ..data.emoji import paired_indices
from ..errors import GanforgeError
from ..fileio import write_json_atomically
from ..inference import load_trained
from ..inference.translate import direction_styles, parse_direction, translate_images
from ..pictures.grids import save_grid
from ..report.compare_page import write_compare_report
from ..runs import Run
from ..scoring import direction_prefix

GRID = "translations.png"
SUMMARY = "compare.json"
N_EMOJIS = 16


def run_label(config: dict) -> str:
    """What a person calls a run: its method and the settings that make it differ from the method's defaults."""
    method, preset = methods.of_run(config), config.get("preset")
    defaults = {**method.with_defaults({}), **method.preset_values(preset)}
    # Left out: what a run was called, where and how long it ran, and how its arithmetic was laid out
    # (upconv's forms compute the same function), none of which makes it a different method.
    skip = {"kind", "preset", "seed", "source", "target", "iters", "threads", "device", "precision", "out",
            "sample_every", "log_every", "checkpoint_every", "eval_every", "eval_draws", "cache", "data_dir",
            "n_sample_images", "upconv", "compile", "deterministic", "code"}
    changed = [f"{k.replace('lambda_', 'λ_')} {v:g}" if isinstance(v, float) else f"{k} {v}"
               for k, v in config.items() if k not in skip and defaults.get(k) != v]
    name = method.title + (f" {preset}" if preset else "")
    return name + (f" ({', '.join(changed)})" if changed else "")


def _translator(nets, cfg, source: str, target: str):
    """The run's translator from `source` to `target`, or None when it has no such direction."""
    for direction, (there, _) in nets.translators().items():
        if direction_styles(cfg, direction) == (source, target):
            return there
    return None


def compare(run_dirs: list, out, labels: list[str] | None = None, n: int = N_EMOJIS,
            direction: str | None = None, trust_code: bool = False) -> Path:
    """Compare translation runs on one direction (`direction`, default the first run's); return the report's path."""
    if not run_dirs:
        raise GanforgeError("compare needs at least one run folder")
    runs = [Run.open(d) for d in run_dirs]
    for run in runs:
        if methods.of_run(run.config).data.offers != "translations":
            able = [m.name for m in methods.all_methods() if m.data.offers == "translations"]
            raise GanforgeError(f"{run.path} is a {run.kind} run; compare takes translation runs ({', '.join(able)})")
    if labels is not None and len(labels) != len(runs):
        raise GanforgeError(f"--labels names {len(labels)} runs, but {len(runs)} run folders were given")
    _, _, first_cfg = methods.from_dict(runs[0].config)
    source, target = first_cfg.source, first_cfg.target
    if parse_direction(direction, first_cfg) == "backward":
        source, target = target, source
    data = emoji_datasets.load_emoji_splits(first_cfg, [source, target])
    idx_a, idx_b = paired_indices(data[source]["test"], data[target]["test"])
    if len(idx_a) == 0:  # no pairs: the first test images, and no true target to show (or score against)
        idx_a = torch.arange(min(n, len(data[source]["test"])))
    sources = data[source]["test"].images[idx_a[:n]]
    targets = data[target]["test"].images[idx_b[:n]] if len(idx_b) else None
    names = [data[source]["test"].names[i] for i in idx_a[:n]]

    columns, entries = [sources], []
    given = labels or differing_labels([run.config for run in runs])
    for i, run in enumerate(runs):
        cfg, nets = load_trained(run.path, trust_code=trust_code)
        there = _translator(nets, cfg, source, target)
        if there is None:
            raise GanforgeError(f"{run.path} translates {run.config['source']} -> {run.config['target']} only; "
                                f"the comparison is {source} -> {target}")
        columns.append(translate_images(there, sources))
        # A column per run; the report's means group the runs of one method and settings (their seeds).
        entries.append(_entry(run, given[i], labels[i] if labels else run_label(run.config), source, target))
    headers = ["source"] + [e["label"] for e in entries] + (["true target"] if targets is not None else [])
    if targets is not None:
        columns.append(targets)

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    save_grid(torch.stack(columns, 1).flatten(0, 1), out / GRID, ncol=len(columns), scale=3, header=headers)
    write_json_atomically(out / SUMMARY, {"direction": [source, target], "emojis": names, "grid": GRID,
                                          "columns": headers, "paired": targets is not None, "runs": entries})
    return write_compare_report(out)


def differing_labels(configs: list[dict]) -> list[str]:
    """Each run's label, with the settings that tell apart runs whose labels would read the same (the seed
    among them): 'CycleGAN toronto (seed 2)' and 'CycleGAN toronto (seed 4)'."""
    labels = [run_label(c) for c in configs]
    out = []
    for label, config in zip(labels, configs):
        twins = [c for lab, c in zip(labels, configs) if lab == label]
        keys = [k for k in config if k not in ("threads", "device", "code") and
                len({json.dumps(t.get(k), sort_keys=True) for t in twins}) > 1]
        extra = ", ".join(f"{k} {config.get(k)}" for k in keys)
        out.append(label if not extra else (f"{label[:-1]}, {extra})" if label.endswith(")") else f"{label} ({extra})"))
    return out


def _entry(run: Run, label: str, group: str, source: str, target: str) -> dict:
    """A run's scores of the direction (prefix stripped), what each is read against, and its training time."""
    metrics_file = run.read_metrics()
    if not metrics_file.get("metrics"):
        raise GanforgeError(f"{run.path} has no metrics.json yet: finish the run or `ganforge eval {run.path}`")
    prefix = direction_prefix(source, target)
    values = {k[len(prefix):]: v for k, v in metrics_file["metrics"].items() if k.startswith(prefix)}
    info = {k[len(prefix):]: _strip(v, prefix) for k, v in (metrics_file.get("metric_info") or {}).items()
            if k.startswith(prefix)}
    return {"label": label, "folder": run.path.name, "command": methods.of_run(run.config).command(run.config),
            "kind": run.kind, "seed": run.config.get("seed"),
            "group": re.sub(r"\s+", " ", group), "step": metrics_file.get("step"), "metrics": values,
            "metric_info": info, "timing": metrics_file.get("timing")}


def _strip(entry: dict, prefix: str) -> dict:
    """A metric_info entry with the direction prefix taken off the keys it names."""
    out = dict(entry)
    if "baselines" in out:
        out["baselines"] = {role: key[len(prefix):] for role, key in out["baselines"].items()}
    if "of" in out:
        out["of"] = out["of"][len(prefix):]
    if "extras" in out:
        out["extras"] = [key[len(prefix):] for key in out["extras"]]
    return out
