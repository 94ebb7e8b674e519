"""The comparison of translation methods (`ganforge compare`), built from its folder's compare.json and grid.

Two renderings of the same tables: report.html (self-contained) and README.md (for docs/).
"""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import GanforgeError
from ..fileio import write_text_atomically
from ..runs import REPORT
from .files import BASELINE_LABELS, MetricInfo, one_feature_network
from .html import fmt, img, page, section, table, write_page

TIME_ROW = "seconds per 1,000 iterations"


def _read(folder: Path) -> dict:
    try:
        data = json.loads((folder / "compare.json").read_text())
    except FileNotFoundError:
        raise GanforgeError(f"{folder} holds no compare.json; run `ganforge compare RUN_DIR... --out {folder}`") from None
    return data


def _info(data: dict) -> MetricInfo:
    merged = {}
    for entry in data["runs"]:
        merged.update({k: v for k, v in entry.get("metric_info", {}).items() if k not in merged})
    info = MetricInfo(merged)
    info.add_missing({k for entry in data["runs"] for k in entry["metrics"]})
    return info


def _rows(columns: list[dict], info: MetricInfo, names: list[str]) -> list[dict]:
    """One row per headline score: its label, arrow, value per column, and the do-nothing / real-target values."""
    rows = []
    for name in names:
        values = [c["metrics"].get(name) for c in columns]
        if all(v is None for v in values):
            continue
        bases = info.baselines(name)
        first = next((c["metrics"] for c in columns if c["metrics"].get(name) is not None), {})
        rows.append({"label": f"{info.label(name).replace('_', ' ')} {info.arrow(name)}", "values": values,
                     "identity": first.get(bases.get("identity")), "floor": first.get(bases.get("floor"))})
    times = [((c.get("timing") or {}).get("seconds_per_1000_iterations")) for c in columns]
    if any(t is not None for t in times):
        rows.append({"label": TIME_ROW, "values": times, "identity": None, "floor": None})
    return rows


def _mean_by_group(runs: list[dict]) -> list[dict]:
    """The mean of each method's runs (its seeds): one column per group of runs that share a label."""
    groups: dict[str, list[dict]] = {}
    for entry in runs:
        groups.setdefault(entry["group"], []).append(entry)
    out = []
    for label, members in groups.items():
        names = {k for m in members for k in m["metrics"]}
        means = {}
        for name in names:
            values = [m["metrics"].get(name) for m in members]
            if all(isinstance(v, (int, float)) for v in values):
                means[name] = sum(values) / len(values)
        times = [(m.get("timing") or {}).get("seconds_per_1000_iterations") for m in members]
        timing = {"seconds_per_1000_iterations": sum(times) / len(times)} if all(t is not None for t in times) else None
        seeds = ", ".join(str(m.get("seed")) for m in members)
        out.append({"label": f"{label} (seeds {seeds})", "metrics": means, "timing": timing})
    return out


def _headlines(data: dict, info: MetricInfo) -> tuple[list[str], list[str]]:
    """(the headline scores to set side by side, notes on those that cannot be: other feature networks)."""
    names = []
    for entry in data["runs"]:
        names += [k for k in entry["metrics"] if info.is_value(k) and info.headline(k) and k not in names]
    return one_feature_network([entry.get("metric_info", {}) for entry in data["runs"]], names)


def _html_table(columns: list[dict], rows: list[dict]) -> str:
    head = ["metric"] + [c["label"] for c in columns] + [BASELINE_LABELS["identity"], "real target"]
    body = [[r["label"]] + [fmt(v) for v in r["values"]] + [fmt(r["identity"]), fmt(r["floor"])] for r in rows]
    return table(head, body)


def compare_page(folder: Path) -> str:
    data = _read(folder)
    info = _info(data)
    names, refused = _headlines(data, info)
    src, dst = data["direction"]
    grid = img(folder / data["grid"], f"{src} to {dst} by every run", cls="plot")
    columns = " | ".join(data["columns"])
    body = section("Translations", grid, ident="grid",
                   note=f"Rows: {len(data['emojis'])} test emojis never seen in training. Columns: {columns}.")
    body += section("Scores", _html_table(data["runs"], _rows(data["runs"], info, names)), ident="scores",
                    note=f"{src} → {dst}, from each run's metrics.json. ↓ lower is better, ↑ higher is better; "
                         "do-nothing is the source itself, real target the true target emojis scored the same way."
                         + "".join(f" {n[0].upper()}{n[1:]}." for n in refused))
    grouped = _mean_by_group(data["runs"])
    if len(grouped) < len(data["runs"]):
        body += section("Mean over seeds", _html_table(grouped, _rows(grouped, info, names)), ident="means")
    return page(f"Translation methods: {src} → {dst}", f"{len(data['runs'])} runs", body,
                [("grid", "Translations"), ("scores", "Scores")])


def compare_markdown(folder: Path) -> str:
    data = _read(folder)
    info = _info(data)
    names, refused = _headlines(data, info)
    src, dst = data["direction"]

    def md_table(columns):
        rows = _rows(columns, info, names)
        head = ["metric"] + [c["label"] for c in columns] + [BASELINE_LABELS["identity"], "real target"]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in rows:
            cells = [r["label"]] + [fmt(v) for v in r["values"]] + [fmt(r["identity"]), fmt(r["floor"])]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)

    text = [f"# Translation methods: {src} -> {dst}", "",
            f"Written by `ganforge compare` from {len(data['runs'])} runs. Rows of the picture: "
            f"{len(data['emojis'])} test emojis never seen in training; columns: {' | '.join(data['columns'])}.", "",
            f"![{src} to {dst} by every run]({data['grid']})", "", "## Scores", "", md_table(data["runs"]), ""]
    text += [f"{n[0].upper()}{n[1:]}." for n in refused] + ([""] if refused else [])
    grouped = _mean_by_group(data["runs"])
    if len(grouped) < len(data["runs"]):
        text += ["## Mean over seeds", "", md_table(grouped), ""]
    text += ["Runs, by the command that trained each:", ""] + [
        f"- {e['label']}, seed {e.get('seed')}: `{e.get('command') or e.get('folder') or e.get('path')}`"
        for e in data["runs"]]
    return "\n".join(text) + "\n"


def write_compare_report(folder) -> Path:
    folder = Path(folder)
    write_text_atomically(folder / "README.md", compare_markdown(folder))
    return write_page(folder / REPORT, compare_page(folder))
