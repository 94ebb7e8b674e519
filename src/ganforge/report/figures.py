"""Curves drawn with matplotlib into PNG bytes: one small multiple per statistic or metric.

Uses matplotlib's object API (Figure + Agg canvas), so no display and no global
pyplot state is involved.
"""
from __future__ import annotations

import io
import math

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .files import BASELINE_LABELS, MetricInfo

COLS = 4                 # small multiples per row
CELL = (3.1, 2.15)       # inches per small multiple
DPI = 96
BASELINE_STYLE = {"floor": ("#2e9d57", "--"), "identity": ("#b5651d", ":"), "histmatch": ("#8e44ad", "-.")}
LINE_COLORS = ["#2f6fdf", "#e0593d", "#2e9d57", "#8e44ad", "#d4a017", "#16a2b8", "#555f6d", "#c2185b"]


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def _grid(n: int, cols: int = COLS) -> tuple[Figure, list]:
    cols = max(1, min(cols, n))
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(CELL[0] * cols, CELL[1] * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).flatten().tolist()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _style(ax, title: str) -> None:
    ax.set_title(title, fontsize=9.5, loc="left")
    ax.tick_params(labelsize=7.5)
    ax.grid(True, color="#e3e6eb", linewidth=0.7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.xaxis.get_offset_text().set_fontsize(7)
    ax.yaxis.get_offset_text().set_fontsize(7)


def numeric_keys(records: list[dict], skip: tuple = ()) -> list[str]:
    """Keys holding a number in at least one record, in first-seen order."""
    keys: dict[str, None] = {}
    for record in records:
        for key, value in record.items():
            if key in skip or isinstance(value, bool):
                continue
            if isinstance(value, (int, float)):
                keys.setdefault(key, None)
    return list(keys)


def _series(records: list[dict], x_key: str, key: str) -> tuple[list, list]:
    xs, ys = [], []
    for r in records:
        x, y = r.get(x_key), r.get(key)
        if isinstance(x, (int, float)) and isinstance(y, (int, float)) and not isinstance(y, bool):
            xs.append(x)
            ys.append(y)
    return xs, ys


def training_curves(records: list[dict], x_key: str, unit: str) -> bytes | None:
    """One small multiple per training statistic of stats.jsonl, against iteration or epoch."""
    keys = numeric_keys(records, skip=(x_key, "kind"))
    if not records or not keys:
        return None
    fig, axes = _grid(len(keys))
    for ax, key in zip(axes, keys):
        xs, ys = _series(records, x_key, key)
        ax.plot(xs, ys, color=LINE_COLORS[0], linewidth=1.4, marker="o" if len(xs) <= 25 else None, markersize=3)
        _style(ax, key)
        ax.set_xlabel(unit, fontsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    return _png(fig)


def eval_curves(records: list[dict], x_key: str, unit: str, info: MetricInfo) -> bytes | None:
    """One small multiple per evaluation score, with its floor/baselines as dashed lines."""
    keys = numeric_keys(records, skip=(x_key, "kind"))
    main = [k for k in keys if info.is_value(k)]
    if len(records) < 2 or not main:
        return None
    fig, axes = _grid(len(main))
    for ax, key in zip(axes, main):
        xs, ys = _series(records, x_key, key)
        ax.plot(xs, ys, color=LINE_COLORS[0], linewidth=1.5, marker="o" if len(xs) <= 25 else None,
                markersize=3, label="value")
        for role, baseline_key in info.baselines(key).items():
            color, dash = BASELINE_STYLE.get(role, ("#555f6d", "--"))
            bx, by = _series(records, x_key, baseline_key)
            if bx:
                ax.plot(bx, by, color=color, linestyle=dash, linewidth=1.2, label=BASELINE_LABELS[role])
        _style(ax, f"{key} {info.arrow(key)}")
        ax.set_xlabel(unit, fontsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        if len(ax.get_lines()) > 1:
            ax.legend(fontsize=7, frameon=False)
    return _png(fig)


def _positions(values: list) -> tuple[list[float], bool]:
    """x positions for option values: themselves when evenly spaced, else 0, 1, 2, ... (labelled)."""
    values = sorted(set(values))
    if len(values) <= 2:
        return [float(v) for v in values], True
    steps = [b - a for a, b in zip(values, values[1:])]
    even = max(steps) - min(steps) <= 1e-9 * max(abs(v) for v in values)
    return ([float(v) for v in values], True) if even else ([float(i) for i in range(len(values))], False)


def metric_vs_option(points: list[dict], option: str, metrics: list[str], group_label, info: MetricInfo,
                     baselines: dict | None = None) -> bytes | None:
    """Small multiples of each metric against a swept numeric option, one line per group.

    points: {"x": option value, "group": key of the line, "metrics": {name: value}};
    group_label(group) -> legend text; baselines: {metric: {suffix: value}} drawn as flat lines.
    """
    xs_all = [p["x"] for p in points]
    if not points or not metrics:
        return None
    values = sorted(set(xs_all))
    positions, linear = _positions(values)
    where = dict(zip(values, positions))
    groups = sorted({p["group"] for p in points}, key=lambda g: tuple(map(str, g)) if isinstance(g, tuple) else str(g))
    fig, axes = _grid(len(metrics), cols=min(COLS, max(2, len(metrics))))
    for ax, name in zip(axes, metrics):
        for i, group in enumerate(groups):
            pts = sorted((where[p["x"]], p["metrics"].get(name)) for p in points if p["group"] == group)
            pts = [(x, y) for x, y in pts if isinstance(y, (int, float))]
            if pts:
                ax.plot([x for x, _ in pts], [y for _, y in pts], marker="o", markersize=4, linewidth=1.5,
                        color=LINE_COLORS[i % len(LINE_COLORS)], label=group_label(group))
        for suffix, value in (baselines or {}).get(name, {}).items():
            color, dash = BASELINE_STYLE.get(suffix, ("#555f6d", "--"))
            ax.axhline(value, color=color, linestyle=dash, linewidth=1.1, label=BASELINE_LABELS.get(suffix, suffix))
        _style(ax, f"{name} {info.arrow(name)}")
        ax.set_xticks(positions, [_tick(v) for v in values])
        ax.set_xlabel(option + ("" if linear else " (evenly spaced)"), fontsize=8)
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 6), fontsize=8, frameon=False)
    return _png(fig)


def _tick(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
