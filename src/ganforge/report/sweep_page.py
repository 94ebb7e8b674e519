"""The report of a sweep: samples side by side, a sortable metrics table, metrics against the swept options."""
from __future__ import annotations

import itertools
from pathlib import Path

from ..runs import CONFIG, REPORT
from . import figures
from .files import BASELINE_LABELS, MetricInfo, RunFiles, one_feature_network, read_run
from .html import esc, fmt, img, page, section

EARLY_STEP = 200   # the gallery's "early" picture: iteration 200 (else the first after step 0)


def _value_text(value) -> str:
    return fmt(value) if not isinstance(value, str) else value


def _short_label(info: MetricInfo, name: str) -> str:
    """'apple2windows_l1_translation' -> 'apple→windows l1 ↓' (HTML)."""
    where = info.direction(name).replace(" ", "")
    return f'{esc((where + " " if where else "") + info.label(name).replace("_", " "))} {info.arrow(name)}'


def _metric_header(info: MetricInfo, name: str) -> str:
    """'apple2windows_l1_translation' -> 'l1 ↓' (the direction is in the header row above)."""
    return f'{esc(info.label(name).replace("_", " "))} <span class="better">{info.arrow(name)}</span>'


def _group_starts(info: MetricInfo, names: list[str]) -> set[str]:
    """Metrics that begin a new direction (drawn with a rule on their left)."""
    return {next(members) for _, members in itertools.groupby(names, key=info.direction)}


def _key_metrics(info: MetricInfo, names: list[str]) -> list[str]:
    """The headline scores (declared in the metric registry), the directions of one score side by side."""
    headlines = [n for n in names if info.headline(n)]
    labels = list(dict.fromkeys(info.label(n) for n in headlines))
    return [n for label in labels for n in headlines if info.label(n) == label]


class SweepView:
    """sweep.json plus each configuration's run folder, read once."""

    def __init__(self, path: Path, data: dict):
        self.path, self.data = Path(path), data
        self.kind = data.get("kind", "?")
        self.swept: dict = data.get("swept") or {}
        self.runs: list[tuple[dict, RunFiles | None]] = []
        for entry in data["runs"]:
            folder = self.path / entry.get("folder", entry.get("name", ""))
            try:
                files = read_run(folder) if (folder / CONFIG).is_file() else None
            except Exception:  # a damaged run folder must not hide the others
                files = None
            self.runs.append((entry, files))
        self.info = MetricInfo()
        for _, files in self.runs:
            if files:
                self.info = self.info.merged(files.metric_info)

    @property
    def metric_names(self) -> list[str]:
        """The scores the runs have, but those read through different feature networks (see network_notes)."""
        return one_feature_network(self._infos, self._all_names)[0]

    @property
    def network_notes(self) -> list[str]:
        return one_feature_network(self._infos, self._all_names)[1]

    @property
    def _infos(self) -> list[dict]:
        return [files.metric_info.info for _, files in self.runs if files]

    @property
    def _all_names(self) -> list[str]:
        names: dict[str, None] = {}
        for _, files in self.runs:
            for name in (files.metrics if files else {}):
                if self.info.is_value(name):
                    names.setdefault(name, None)
        return list(names)

    def baselines(self, names: list[str]) -> dict:
        """{metric: {role: value}} from the first run that has them (they depend on the data only)."""
        out: dict[str, dict] = {}
        for _, files in self.runs:
            if not files or not files.metrics:
                continue
            for name in names:
                for role, key in self.info.baselines(name).items():
                    value = files.metrics.get(key)
                    if value is not None:
                        out.setdefault(name, {}).setdefault(role, value)
        return out

    def status(self, entry: dict, files: RunFiles | None) -> str:
        return entry.get("status") or ("done" if files and files.finished else "pending")


def _title(view: SweepView) -> str:
    for _, files in view.runs:
        if files:
            return f"Sweep · {files.title}"
    return f"Sweep · {view.kind}"


def _subtitle(view: SweepView) -> str:
    swept = " × ".join(f"<b>{esc(k)}</b> ∈ {{{esc(', '.join(_value_text(v) for v in vals))}}}"
                       for k, vals in view.swept.items()) or "one configuration"
    fixed = ", ".join(f"{esc(k)}={esc(_value_text(v))}" for k, v in (view.data.get("fixed") or {}).items())
    counts: dict[str, int] = {}
    for entry, files in view.runs:
        s = view.status(entry, files)
        counts[s] = counts.get(s, 0) + 1
    tally = ", ".join(f'<span class="status {esc(s)}">{n} {esc(s)}</span>' for s, n in sorted(counts.items()))
    parts = [f"{len(view.runs)} configurations: {swept}", f"preset <b>{esc(view.data.get('preset') or '–')}</b>"]
    if fixed:
        parts.append(f"fixed: {fixed}")
    parts.append(tally)
    parts.append(f"folder <code>{esc(view.path.name)}</code>")
    return " · ".join(parts)


def _name_cell(view: SweepView, entry: dict) -> str:
    folder = entry.get("folder", entry.get("name", ""))
    name = esc(entry.get("name", folder))
    if (view.path / folder / REPORT).is_file():
        return f'<a class="name" href="{esc(folder)}/{REPORT}">{name}</a>'
    return f'<span class="name">{name}</span>'


def _status_cell(status: str, entry: dict) -> str:
    error = entry.get("error")
    err = f'<div class="error">{esc(error)}</div>' if error and status == "failed" else ""
    return f'<span class="status {esc(status)}">{esc(status)}</span>{err}'


def gallery_section(view: SweepView) -> str:
    directions: list[tuple[str, str]] = []  # (series name, label), in order of first appearance
    for _, files in view.runs:
        for s in files.series if files else []:
            if (s.name, s.label) not in directions:
                directions.append((s.name, s.label))
    if not directions:
        return section("Samples", '<p class="note">No pictures yet.</p>', ident="samples")
    head1 = "".join(f'<th class="dir" colspan="2">{esc(label)}</th>' for _, label in directions)
    key = _key_metrics(view.info, view.metric_names)[:4]  # the first scores, shown beside each name
    rows = []
    for entry, files in view.runs:
        cells = []
        for name, label in directions:
            series = next((s for s in files.series if s.name == name), None) if files else None
            early = series.at_or_first(1 if series.unit == "epoch" else EARLY_STEP) if series else None
            last = series.last if series else None
            if early is None:
                cells.append('<td class="first" colspan="2"></td>')
                continue
            if last[0] == early[0]:  # one picture only (e.g. a 200-iteration run): it is the final one
                pictures, attr = [(last, " (final)")], ' colspan="2"'
            else:
                pictures, attr = [(early, ""), (last, " (final)")], ""
            for i, ((step, path), suffix) in enumerate(pictures):
                caption = f"{series.unit} {step}{suffix}"
                picture = img(path, f"{entry.get('name')}: {label}, {caption}", data_step=step)
                cls = ' class="first"' if i == 0 else ""
                cells.append(f'<td{cls}{attr}>{picture}<div class="cap">{esc(caption)}</div></td>')
        scores = "".join(f'<div class="score"><span>{_short_label(view.info, n)}</span> <b>{fmt(files.metrics.get(n))}</b></div>'
                         for n in key if files and files.metrics.get(n) is not None)
        rows.append(f"<tr><td>{_name_cell(view, entry)}{scores}</td>"
                    f"<td>{_status_cell(view.status(entry, files), entry)}</td>"
                    f"{''.join(cells)}</tr>")
    table = (f'<table class="gallery"><thead><tr><th>configuration</th><th>status</th>{head1}</tr></thead>'
             f'<tbody>{"".join(rows)}</tbody></table>')
    method = next((files.method for _, files in view.runs if files), {})  # method.json of the first run there is
    early = ("the heatmap after the first epoch" if method.get("offers") == "points"
             else f"the grid at iteration {EARLY_STEP} (or the first one)")
    note = f"Per configuration: {early} and the final one."
    if method.get("offers") == "translations":
        third = "reconstruction" if method.get("both_ways") else "true target"
        note += f" Rows of each grid: source | translation | {third}."
    return section("Samples side by side", f'<div class="scroll">{table}</div>', ident="samples", note=note)


def device_text(entry: dict, files: RunFiles | None) -> str:
    """Where a run trained, from its config.json: 'cuda bf16', with the GPU it saw in a sweep of several."""
    if not files:
        return ""
    text = " ".join(str(files.config.get(k, "?")) for k in ("device", "precision"))
    return f"{text}, GPU {entry['gpu']}" if entry.get("gpu") else text


def metrics_section(view: SweepView) -> str:
    names = view.metric_names  # in metrics.json's order: one direction's scores, then the other's
    info = view.info
    starts = _group_starts(info, names)
    options = list(view.swept)
    grouped = any(info.direction(n) for n in names)
    span = ' rowspan="2"' if grouped else ""
    # Header: configuration and option columns, then the metrics (under their direction, when they have one).
    columns = ["configuration"] + options + ["device"]
    top = [f'<th{span} data-col="{i}">{esc(c)}</th>' for i, c in enumerate(columns)]
    top.append(f'<th{span} class="num" data-col="{len(columns)}" title="training seconds per 1,000 iterations">'
               f's / 1k it <span class="better">↓</span></th>')
    bottom = []
    for i, n in enumerate(names, start=len(columns) + 1):
        cls = "num group" if n in starts else "num"
        (bottom if grouped else top).append(
            f'<th class="{cls}" data-col="{i}" title="{esc(n)}">{_metric_header(info, n)}</th>')
    if grouped:  # one header cell over each direction's columns
        for direction, members in itertools.groupby(names, key=info.direction):
            top.append(f'<th class="dir group" colspan="{len(list(members))}">{esc(direction) or "&nbsp;"}</th>')
    head = f"<tr>{''.join(top)}</tr>" + (f"<tr>{''.join(bottom)}</tr>" if grouped else "")
    # Best and worst value of each metric among the configurations.
    extremes = {}
    for n in names:
        values = [f.metrics.get(n) for _, f in view.runs if f and f.metrics.get(n) is not None]
        if len(values) >= 2 and info.higher_is_better(n) is not None:
            best, worst = (max(values), min(values)) if info.higher_is_better(n) else (min(values), max(values))
            extremes[n] = (best, worst) if best != worst else None
    rows = []
    for entry, files in view.runs:
        opts = entry.get("options") or {}
        status = view.status(entry, files)
        chip = f' <span class="status {esc(status)}">{esc(status)}</span>' if status != "done" else ""
        cells = [f'<td data-sort="{esc(entry.get("name", ""))}">{_name_cell(view, entry)}{chip}</td>']
        for o in options:
            v = opts.get(o)
            cells.append(f'<td data-sort="{esc(v if v is not None else "")}">{esc(_value_text(v))}</td>')
        device = device_text(entry, files)
        cells.append(f'<td data-sort="{esc(device)}">{esc(device)}</td>')
        speed = files.seconds_per_1000 if files else None
        cells.append(f'<td class="num" data-sort="{repr(speed) if speed is not None else ""}">{fmt(speed)}</td>')
        for n in names:
            v = files.metrics.get(n) if files else None
            cls = "num group" if n in starts else "num"
            if v is not None and extremes.get(n):
                cls += " best" if v == extremes[n][0] else (" worst" if v == extremes[n][1] else "")
            sort = repr(v) if v is not None else ""
            cells.append(f'<td class="{cls}" data-sort="{sort}" data-metric="{esc(n)}">{fmt(v)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    foot = ""
    baselines = view.baselines(names)
    if baselines:
        cells = ["<td>baseline</td>"] + ["<td></td>"] * (len(options) + 2)
        for n in names:
            b = baselines.get(n, {})
            text = " / ".join(f"{fmt(v)}" for v in b.values())
            title = " / ".join(BASELINE_LABELS[s] for s in b)
            cells.append(f'<td class="num{" group" if n in starts else ""}" title="{esc(title)}">{text}</td>')
        foot = f"<tfoot><tr>{''.join(cells)}</tr></tfoot>"
    table = (f'<table class="sortable metrics"><thead>{head}</thead>'
             f'<tbody>{"".join(rows)}</tbody>{foot}</table>')
    note = ("device: where each run trained and in what precision (its config.json), and the GPU it was given. "
            "s / 1k it: training seconds per 1,000 iterations (scoring and pictures excluded); compare them only "
            "between runs that had the machine to themselves and the same device. "
            "Click a column header to sort (again to reverse). ↓ lower is better, ↑ higher is better; green marks "
            "the best configuration of a column, red the worst. The baseline row gives the real-data floor, or "
            "the do-nothing / recolour-only translators (hover for which).")
    if not names:
        note = "No configuration has metrics yet."
    refused = "".join(f'<p class="note">{esc(n)}</p>' for n in view.network_notes)
    return section("Metrics", f'<div class="scroll">{table}</div>{refused}', ident="metrics", note=note)


def _numeric(values: list) -> bool:
    return len(values) >= 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def curves_section(view: SweepView) -> str:
    numeric = [o for o, vals in view.swept.items() if _numeric(vals)]
    x_options = [o for o in numeric if o != "seed"] or numeric
    metrics = _key_metrics(view.info, view.metric_names)
    if not x_options or not metrics:
        why = "no swept numeric option" if not x_options else "no metrics yet"
        return section("Metrics against the swept options", f'<p class="note">Nothing to draw: {why}.</p>',
                       ident="curves")
    parts = []
    baselines = view.baselines(metrics)
    for option in x_options:
        others = [o for o in view.swept if o != option]
        points = []
        for entry, files in view.runs:
            opts = entry.get("options") or {}
            if not files or not files.metrics or opts.get(option) is None:
                continue
            points.append({"x": opts[option], "group": tuple(opts.get(o) for o in others), "metrics": files.metrics})

        def label(group, others=others):
            return ", ".join(f"{o}={_value_text(v)}" for o, v in zip(others, group)) or "all runs"

        png = figures.metric_vs_option(points, option, metrics, label, view.info, baselines)
        if png:
            parts.append(f"<h3>against {esc(option)}</h3>{img(png, f'key metrics against {option}', cls='plot')}")
    note = ("One line per value of the other swept options (e.g. per seed): where the lines of different seeds "
            "disagree, the difference between settings is within seed noise. Dashed: baselines.")
    body = "".join(parts) or '<p class="note">Nothing to draw yet.</p>'
    return section("Metrics against the swept options", body, ident="curves", note=note)


def failures_section(view: SweepView) -> str:
    failed = [(e, f) for e, f in view.runs if view.status(e, f) == "failed"]
    if not failed:
        return ""
    items = "".join(f'<li><span class="name">{esc(e.get("name"))}</span>: <span class="error">'
                    f'{esc(e.get("error") or "unknown error")}</span></li>' for e, _ in failed)
    return section("Failed configurations", f"<ul>{items}</ul>", ident="failed",
                   note="Rerun the same sweep command to retry them; finished configurations are skipped.")


def sweep_page(path: Path, data: dict) -> str:
    view = SweepView(path, data)
    failures = failures_section(view)
    body = "".join([failures, metrics_section(view), gallery_section(view), curves_section(view)])
    nav = [("failed", "Failed")] if failures else []
    nav += [("metrics", "Metrics"), ("samples", "Samples"), ("curves", "Curves")]
    return page(_title(view), _subtitle(view), body, nav)

