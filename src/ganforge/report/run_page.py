"""The report of one run: config, metrics with their baselines, curves, sample grids over training."""
from __future__ import annotations

import json

from . import figures
from .animation import progression_gif, thin
from .files import BASELINE_LABELS, RunFiles, grouped_metrics
from .summary import beyond_floor
from .html import esc, fmt, img, page, section, slider
MAX_SLIDER_FRAMES = 51   # 10,000 iterations sampled every 200, plus one; longer series are thinned evenly


def status_line(run: RunFiles) -> str:
    total = run.total_steps
    reached = run.reached
    if run.finished:
        state = '<span class="status done">finished</span>'
    else:
        state = '<span class="status unfinished">unfinished</span>'
    c = run.config
    parts = [f"preset <b>{esc(c.get('preset', '–'))}</b>", f"seed <b>{esc(c.get('seed', '–'))}</b>",
             f"{run.unit} {fmt(reached)} of {fmt(total)}", state, f"folder <code>{esc(run.path.name)}</code>"]
    return " · ".join(parts)


def metrics_section(run: RunFiles) -> str:
    if not run.metrics:
        return section("Metrics", '<p class="note">No metrics.json yet: the run has not finished '
                       "(or run <code>ganforge eval RUN_DIR</code>).</p>", ident="metrics")
    info = run.metric_info
    rows = grouped_metrics(run.metrics, info)
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(info.direction(row["name"]), []).append(row)
    suffixes = [s for s in BASELINE_LABELS if any(s in r for r in rows)]
    tables = []
    for title, items in groups.items():
        head = "".join(f'<th class="num">{esc(BASELINE_LABELS[s])}</th>' for s in suffixes)
        body = []
        for row in items:
            up = info.higher_is_better(row["name"])
            value = row["value"]
            cls = "num"
            baselines = [row[s] for s in ("identity", "histmatch") if row.get(s) is not None]
            past_floor = (value is not None and up is not None and row.get("floor") is not None
                          and (value > row["floor"] if up else value < row["floor"]))
            if past_floor:  # better than real images: fooled, or too few samples; never shown as good
                cls += " doubtful"
            elif value is not None and baselines and up is not None:
                beats = all(value > b if up else value < b for b in baselines)
                cls += " best" if beats else " worst"
            cells = "".join(f'<td class="num">{fmt(row.get(s))}</td>' for s in suffixes)
            body.append(f'<tr><td title="{esc(row["name"])}">{esc(info.label(row["name"]).replace("_", " "))} '
                        f'<span class="better">{info.arrow(row["name"])}</span></td>'
                        f'<td class="{cls}" data-metric="{esc(row["name"])}">{fmt(value)}</td>{cells}</tr>')
        table = (f'<table class="metrics"><thead><tr><th>metric</th><th class="num">value</th>{head}</tr></thead>'
                 f'<tbody>{"".join(body)}</tbody></table>')
        tables.append(f"<div>{f'<h3>{esc(title)}</h3>' if title else ''}{table}</div>")
    step = f" at {run.unit} {fmt(run.metrics_step)}" if run.metrics_step is not None else ""
    notes = "".join(f"<li>{esc(n)}</li>" for n in run.notes + beyond_floor(run))
    meaning = {"floor": "the <i>real-data floor</i> (the metric between two real samples)",
               "identity": "the <i>do-nothing</i> translator", "histmatch": "<i>recolour only</i> (histogram matching)"}
    against = ", ".join(meaning[s] for s in suffixes)
    note = f"Scores{step}; ↓ lower is better, ↑ higher is better."
    if against:
        note += f" Each value stands next to what it is read against: {against}."
    if "identity" in suffixes or "histmatch" in suffixes:
        note += " Green: better than the do-nothing and recolour-only translators; red: not."
    if "floor" in suffixes:
        note += (" Grey, marked ?: better than real images score (the floor): the measure is being fooled, or has "
                 "too few samples; not a good result.")
    return section("Metrics", f'<div class="row">{"".join(tables)}</div>' + (f"<ul>{notes}</ul>" if notes else ""),
                   ident="metrics", note=note)


def pictures_section(run: RunFiles) -> str:
    if not run.series:
        return section("Samples", '<p class="note">No pictures yet.</p>', ident="samples")
    blocks = []
    for series in run.series:
        frames = [(f"{series.unit} {step}", img(path, f"{series.label}, {series.unit} {step}", data_step=step))
                  for step, path in thin(series.frames, MAX_SLIDER_FRAMES)]
        gif = progression_gif(series.frames, series.unit)
        gif_html = (f'<div class="gif"><h3>animated</h3>{img(gif, f"{series.label} over training", mime="image/gif")}'
                    "</div>") if gif else ""
        heading = f"<h3>{esc(series.label)}</h3>" if len(run.series) > 1 else ""
        width = "wide" if series.name == "heatmaps" else ""
        blocks.append(f'<div class="series">{heading}<div class="row"><div class="{width}">'
                      f'{slider(frames, series.unit, f"slider-{series.name}")}</div>{gif_html}</div></div>')
    if all(len(series.frames) < 2 for series in run.series):  # one grid each, no animation: side by side
        blocks = [f'<div class="row">{"".join(blocks)}</div>']
    reals = run.path / "reals.png"
    if reals.is_file():
        blocks.append(f"<h3>real training images</h3>{img(reals, 'real training images', cls='reals')}")
    rejection = run.path / "heatmaps" / "final-rejection.png"
    heatmaps = next((series for series in run.series if series.name == "heatmaps" and series.frames), None)
    if rejection.is_file() and heatmaps is not None:
        step, final = heatmaps.last
        blocks.append('<h3>the final generator: plain samples | discriminator rejection sampling</h3><div class="row">'
                      f'<div class="wide">{img(final, f"epoch {step}, plain samples")}</div>'
                      f'<div class="wide">{img(rejection, "the same, the points rejection sampling keeps")}</div></div>')
    title, note = pictures_caption(run)
    return section(title, "".join(blocks), ident="samples", note=note)


def pictures_caption(run: RunFiles) -> tuple[str, str]:
    """(title, note) of a run's pictures, from what its method's networks offer."""
    if run.offers == "points":
        return "Discriminator heatmaps", ("Left: D(x), the discriminator's probability that a point is real, with "
                                          "generated points; right: real (red) and generated (blue) points. Drag the "
                                          "slider to move through the epochs. Below: the final generator's points as "
                                          "drawn, and those discriminator rejection sampling keeps (their scores: the "
                                          "rejection_ rows of the metrics).")
    if run.offers == "translations":
        return "Translations", translation_rows(run.method) + " Drag the slider to move through training."
    return "Samples", "Generated from the same fixed noise at every step. Drag the slider to move through training."


def translation_rows(method: dict) -> str:
    """What the rows of a translator's sample grids hold (method: method.json's description)."""
    if method.get("both_ways"):
        return ("Rows of source | translation | reconstruction, from fixed test images, so every grid is "
                "comparable.")
    return "Rows of source | translation | true target emoji, from fixed test emojis never seen in training."


def curves_section(run: RunFiles) -> str:
    parts = []
    train_png = figures.training_curves(run.train_records, run.step_key, run.unit)
    if train_png:
        parts.append(f"<h3>training statistics (stats.jsonl)</h3>{img(train_png, 'training statistics', cls='plot')}")
    if 0 < len(run.train_records) < 3 and "log_every" in run.config:
        parts.append(f'<p class="note">{len(run.train_records)} record(s) of the training statistics only: each '
                     f"averages --log-every {run.config['log_every']} iterations; a smaller --log-every draws curves "
                     "of a short run.</p>")
    networks = sorted({str(r["feature_network"]) for r in run.eval_records if r.get("feature_network")}
                      | {str(i["feature_network"]) for i in run.metric_info.info.values() if i.get("feature_network")})
    if len(networks) > 1:
        parts.append(f'<p class="note">FD, KID and the style rates of this run were read through more than one '
                     f"feature network ({esc(', '.join(networks))}): values from different ones are on different "
                     "scales. <code>ganforge eval RUN_DIR</code> scores the run again through the one there is now."
                     "</p>")
    eval_png = figures.eval_curves(run.eval_records, run.step_key, run.unit, run.metric_info)
    if eval_png:
        parts.append(f"<h3>evaluations during training</h3>{img(eval_png, 'evaluation scores', cls='plot')}")
    elif run.eval_records:
        parts.append('<p class="note">One evaluation only (at the end); <code>--eval-every N</code> adds '
                     "curves of the scores over training.</p>")
    if not parts:
        parts.append('<p class="note">No statistics yet.</p>')
    return section("Curves", "".join(parts), ident="curves")


def config_section(run: RunFiles) -> str:
    cells = "".join(f'<div><span class="k">{esc(k)}</span><span class="v">{esc(_raw(v))}</span></div>'
                    for k, v in run.config.items())
    return section("Config", f'<div class="kv">{cells}</div>', ident="config",
                   note="The full resolved config (config.json).")


def _raw(value) -> str:
    """A config value as config.json has it ('' shown as empty quotes)."""
    return value if isinstance(value, str) and value else json.dumps(value)


def log_section(run: RunFiles) -> str:
    if not run.log_tail:
        return ""
    text = esc("\n".join(run.log_tail))
    return section("Log", f'<details><summary>last {len(run.log_tail)} lines of log.txt</summary>'
                   f'<pre class="log">{text}</pre></details>', ident="log")


def run_page(run: RunFiles) -> str:
    body = "".join([metrics_section(run), pictures_section(run), curves_section(run), config_section(run),
                    log_section(run)])
    nav = [("metrics", "Metrics"), ("samples", "Pictures"), ("curves", "Curves"), ("config", "Config")]
    if run.log_tail:
        nav.append(("log", "Log"))
    return page(f"{run.title} — {run.path.name}", status_line(run), body, nav)
