"""The report of `ganforge reproduce`: one page, a section per question of the assignment, in its order.

Built only from the reproduce folder's files: reproduce.json (what was run, facts
measured without training), the run and sweep folders and figures/. Every summary
sentence is generated from those numbers.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

from matplotlib.figure import Figure

from ..errors import GanforgeError
from ..metrics import get_metric, metrics_in
from ..runs import CONFIG, REPORT
from ..scoring import direction_prefix
from . import figures as figs
from .files import BASELINE_LABELS, MetricInfo, grouped_metrics, read_run, read_sweep
from .html import esc, fmt, img, page, section, slider, table, write_page
_COLORS = ["#2f6fdf", "#e0593d", "#2e9d57", "#8e44ad"]
GRID_STYLE = "width:380px;height:auto"   # sample grids shown side by side


# Sentences from numbers.
def _num(value, digits: int = 3) -> str:
    return fmt(float(value), digits) if isinstance(value, (int, float)) else "–"


def trend(records: list[dict], key: str, step_key: str, unit: str, label: str | None = None) -> str | None:
    """'disc_acc fell from 0.73 in epoch 1 to 0.54 in epoch 10', or None when the key was never logged."""
    points = [(r[step_key], r[key]) for r in records if isinstance(r.get(key), (int, float)) and step_key in r]
    if not points:
        return None
    (s0, v0), (s1, v1) = points[0], points[-1]
    label = label or key
    if len(points) == 1:
        return f"{label} was {_num(v0)} in {unit} {s0}"
    if abs(v1 - v0) <= 1e-3 * max(abs(v0), abs(v1), 1e-12):
        return f"{label} stayed at {_num(v1)} from {unit} {s0} to {unit} {s1}"
    verb = "rose" if v1 > v0 else "fell"
    return f"{label} {verb} from {_num(v0)} in {unit} {s0} to {_num(v1)} in {unit} {s1}"


def headline_phrases(run, prefix: str = "") -> list[str]:
    """'label value (baseline value, ...)' for each headline score of the run (of one direction, by prefix)."""
    info, metrics = run.metric_info, run.metrics
    out = []
    for name, value in metrics.items():
        if not (name.startswith(prefix) and info.is_value(name) and info.headline(name)) or value is None:
            continue
        bases = [f"{BASELINE_LABELS[role]} {_num(metrics[key])}" for role, key in info.baselines(name).items()
                 if metrics.get(key) is not None]
        out.append(f"{info.label(name)} {_num(value)}" + (f" ({', '.join(bases)})" if bases else ""))
    return out


def _sentence(parts: list[str | None]) -> str:
    parts = [p for p in parts if p]
    if not parts:
        return "No numbers were recorded for this section."
    text = "; ".join(parts)
    first = text.split(" ", 1)[0]
    if first.isalpha() and first.islower():  # never "Swd" or "Cycle_loss_a": names keep their spelling
        text = text[0].upper() + text[1:]
    return text + "."


def summary(parts: list[str | None]) -> str:
    return f'<p class="summary">{esc(_sentence(parts))}</p>'


# The paired translation error, read against its do-nothing companion in the reconstruction study.
L1 = get_metric("l1_translation")
L1_IDENTITY = L1.companion("identity")
# What the lambda_cycle studies draw: every headline score of a translation.
TRANSLATION_HEADLINES = [m.name for m in metrics_in({"translation", "images"}) if m.headline]


# Pictures and tables.
def _plot(data: bytes | Path | None, alt: str) -> str:
    if data is None:
        return ""
    return img(data, alt, cls="plot", mime="image/png" if isinstance(data, bytes) else None)


def _series(run, name: str | None = None):
    for s in run.series:
        if name is None or s.name == name:
            return s
    return None


def _heatmap_slider(run, ident: str) -> str:
    s = _series(run, "heatmaps")
    if s is None:
        return ""
    frames = [(f"epoch {step}", img(path, f"discriminator heatmap, epoch {step}", cls="plot")) for step, path in s.frames]
    return slider(frames, "epoch", ident)


def metrics_table(run) -> str:
    rows = []
    for r in grouped_metrics(run.metrics, run.metric_info):
        rows.append([r["name"], fmt(r["value"]), fmt(r.get("floor")), fmt(r.get("identity"))])
    if not rows:
        return ""
    headers = ["metric", "value", "real-data floor", "do-nothing"]
    keep_cols = [i for i in range(len(headers)) if i < 2 or any(row[i] != "–" for row in rows)]
    return table([headers[i] for i in keep_cols], [[row[i] for i in keep_cols] for row in rows])


def _curves(run, keys: list[str] | None = None) -> str:
    step_key, unit = run.step_key, run.unit
    records = run.train_records
    if keys:
        records = [{k: v for k, v in r.items() if k in keys or k == step_key} for r in records]
    return _plot(figs.training_curves(records, step_key, unit), f"training curves of {run.title}")


def _row(*cells: str) -> str:
    return '<div class="row">' + "".join(f"<div>{c}</div>" for c in cells if c) + "</div>"


def _captioned(caption: str, body: str) -> str:
    return f"<h3>{esc(caption)}</h3>{body}" if body else ""


# The reproduce folder.
class Folder:
    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.manifest = json.loads((self.path / "reproduce.json").read_text())
        except FileNotFoundError:
            raise GanforgeError(f"{self.path} holds no reproduce.json; run `ganforge reproduce` first") from None
        self.facts = self.manifest.get("facts", {})

    def figure(self, name: str, alt: str) -> str:
        rel = self.manifest.get("figures", {}).get(name)
        if rel and (self.path / rel).is_file():
            return img(self.path / rel, alt, cls="plot")
        return ""

    def run(self, name: str):
        rel = self.manifest.get("runs", {}).get(name)
        if rel and (self.path / rel / CONFIG).is_file():
            return read_run(self.path / rel)
        return None

    def sweep_runs(self, name: str) -> list[tuple[dict, object]]:
        """[(swept values, RunFiles)] of a sweep's runs that exist, in sweep order."""
        rel = self.manifest.get("sweeps", {}).get(name)
        if not rel or not (self.path / rel / "sweep.json").is_file():
            return []
        data = read_sweep(self.path / rel)
        out = []
        for entry in data["runs"]:
            folder = self.path / rel / entry.get("folder", entry["name"])
            if (folder / CONFIG).is_file():
                values = dict(entry.get("options") or {})
                run = read_run(folder)
                for key in ("lambda_cycle", "seed"):
                    values.setdefault(key, run.config.get(key))
                out.append((values, run))
        return out


def _directions(run) -> list[tuple[str, str]]:
    a, b = run.config.get("source"), run.config.get("target")
    return [(a, b), (b, a)]


def _direction_metrics(run, src: str, dst: str) -> dict:
    prefix = direction_prefix(src, dst)
    return {k[len(prefix):]: v for k, v in run.metrics.items() if k.startswith(prefix)}


def _moons_section(folder: Folder, name: str, ident: str, title: str, question: str) -> str:
    run = folder.run(name)
    if run is None:
        return section(title, summary([f"the run {name} is missing"]), ident)
    records = run.train_records
    parts = []
    if run.config.get("trainer") == "revgrad":
        parts += [trend(records, "acc_real", "epoch", "epoch", "accuracy on real points"),
                  trend(records, "acc_fake", "epoch", "epoch", "accuracy on generated points")]
        last = records[-1] if records else {}
        if isinstance(last.get("acc_real"), (int, float)) and isinstance(last.get("acc_fake"), (int, float)):
            acc = (last["acc_real"] + last["acc_fake"]) / 2
            parts.append(f"the final discriminator accuracy (mean of both) is {_num(acc)}, "
                         f"{_num(abs(acc - 0.5))} from 0.5")
    else:
        parts.append(trend(records, "disc_acc", "epoch", "epoch", "discriminator accuracy"))
        parts.append(trend(records, "gen_loss", "epoch", "epoch", "generator loss"))
        last = next((r["disc_acc"] for r in reversed(records) if isinstance(r.get("disc_acc"), (int, float))), None)
        if last is not None:
            parts.append(f"the final discriminator accuracy is {_num(last)}, {_num(abs(last - 0.5))} from 0.5")
    metric_text = headline_phrases(run)
    if metric_text:
        parts.append("moons metrics after training: " + ", ".join(metric_text))
    body = (f'<p class="note">{esc(question)}</p>'
            + _row(_heatmap_slider(run, f"{ident}-heatmaps"), _curves(run))
            + metrics_table(run) + summary(parts))
    return section(title, body, ident)


def _points_text(stats: dict, what: str) -> str | None:
    if not stats:
        return None
    return (f"{what}: {stats['n']} points with x in [{_num(stats['x_min'])}, {_num(stats['x_max'])}] and y in "
            f"[{_num(stats['y_min'])}, {_num(stats['y_max'])}], standard deviations {_num(stats['std_x'])} (x) "
            f"and {_num(stats['std_y'])} (y)")


def _samples_pair(run, step: int) -> str:
    """Early (at `step`, else the first after 0) and final sample grids of each series, side by side."""
    cells = []
    for s in run.series:
        early, last = s.at_or_first(step), s.last
        if early is None or last is None:
            continue
        cells.append(_captioned(f"{s.label}: iteration {early[0]}", img(early[1], f"{s.label} {early[0]}", style=GRID_STYLE)))
        cells.append(_captioned(f"{s.label}: iteration {last[0]}", img(last[1], f"{s.label} {last[0]}", style=GRID_STYLE)))
    return _row(*cells)


def _eval_trend(run, key: str, step: int, label: str | None = None) -> str | None:
    """How an evaluated metric changed from the evaluation at/after `step` to the final metrics."""
    evals = [r for r in run.eval_records if isinstance(r.get(key), (int, float))]
    early = next((r for r in evals if r.get("iter", 0) >= step), evals[0] if evals else None)
    final = run.metrics.get(key)
    if early is None or final is None:
        return None
    s0, s1 = early.get("iter"), run.metrics_step
    key_label = label or key
    if s0 == s1:
        return f"{key_label} was {_num(final)} at iteration {s1}"
    verb = "fell" if final < early[key] else "rose"
    return f"{key_label} {verb} from {_num(early[key])} at iteration {s0} to {_num(final)} at iteration {s1}"


def _cycle_text(run) -> list[str]:
    parts = []
    for src, dst in _directions(run):
        bits = headline_phrases(run, direction_prefix(src, dst))
        if bits:
            parts.append(f"{src}→{dst}: " + ", ".join(bits))
    return parts


def _loss_trends(run) -> list[str | None]:
    a, b = run.config.get("source"), run.config.get("target")
    r = run.train_records
    return [trend(r, "cycle_loss_a", "iter", "iteration", f"the cycle loss of {a} images"),
            trend(r, "cycle_loss_b", "iter", "iteration", f"the cycle loss of {b} images"),
            trend(r, "d_loss_real", "iter", "iteration", "the discriminators' loss on real images")]


def _lambda_points(runs) -> list[dict]:
    points = []
    for values, run in runs:
        for src, dst in _directions(run):
            points.append({"x": float(values.get("lambda_cycle") or 0.0), "group": f"{src}→{dst}",
                           "metrics": _direction_metrics(run, src, dst)})
    return points


def _lambda_text(runs, metric: str, label: str) -> list[str]:
    parts = []
    points = _lambda_points(runs)
    for group in sorted({p["group"] for p in points}):
        pts = sorted((p["x"], p["metrics"].get(metric)) for p in points if p["group"] == group)
        pts = [(x, y) for x, y in pts if isinstance(y, (int, float))]
        if len(pts) < 2:
            continue
        (x0, y0), (x1, y1) = pts[0], pts[-1]
        lo = min(pts, key=lambda p: p[1])
        hi = max(pts, key=lambda p: p[1])
        verb = "rose" if y1 > y0 else "fell" if y1 < y0 else "stayed"
        parts.append(f"{group}: as lambda_cycle went from {x0:g} to {x1:g}, {label} {verb} from {_num(y0)} to "
                     f"{_num(y1)} (lowest {_num(lo[1])} at {lo[0]:g}, highest {_num(hi[1])} at {hi[0]:g})")
    return parts


def _lambda_section(folder: Folder, ident: str, title: str, metrics: list[str], texts: list[tuple[str, str]],
                    note: str) -> str:
    runs = folder.sweep_runs("lambda")
    if not runs:
        return section(title, summary(["the lambda_cycle study is missing"]), ident)
    points = _lambda_points(runs)
    present = [m for m in metrics if any(p["metrics"].get(m) is not None for p in points)]
    info = MetricInfo()
    info.add_missing(present)
    plot = _plot(figs.metric_vs_option(points, "lambda_cycle", present, str, info), "metrics against lambda_cycle")
    rows, gallery = [], []
    for values, run in runs:
        lam = values.get("lambda_cycle")
        for src, dst in _directions(run):
            m = _direction_metrics(run, src, dst)
            rows.append([fmt(lam), f"{src}→{dst}"] + [fmt(m.get(k)) for k in present])
        cells = [_captioned(f"lambda_cycle={fmt(lam)} · {s.label} · iteration {s.last[0]}",
                            img(s.last[1], f"lambda {lam} {s.label}", style=GRID_STYLE)) for s in run.series if s.last]
        gallery.append(_row(*cells))
    parts = []
    for metric, label in texts:
        parts += _lambda_text(runs, metric, label)
    body = (f'<p class="note">{esc(note)}</p>' + plot + table(["lambda_cycle", "direction"] + present, rows)
            + "<details><summary>final samples of every lambda_cycle</summary>" + "".join(gallery) + "</details>"
            + summary(parts))
    return section(title, body, ident)


def _stego_section(folder: Folder, ident: str, title: str) -> str:
    rel = folder.manifest.get("stego_run")
    path = folder.path / rel / "stego.json" if rel else None
    if path is None or not path.is_file():
        return section(title, summary(["the steganography probe did not run"]), ident)
    data = json.loads(path.read_text())
    cells, tables, parts = [], [], []
    for tag, result in data.items():
        src, dst = tag.split("-", 1)
        image = folder.path / rel / result.get("residual_image", "")
        if image.is_file():
            cells.append(_captioned(f"{src}→{dst}: each translation followed by its 10x high-pass residual",
                                    img(image, f"residuals {tag}")))
        rows = [[r["perturbation"], fmt(r["error_translation"]), fmt(r["error_real_target"]),
                 fmt(r["change_translation"]), fmt(r["change_real_target"]), fmt(r["growth_ratio"])]
                for r in result["rows"]]
        tables.append(_captioned(f"{src}→{dst}", table(["perturbation", "L1(F(G(x)+n), x)", "L1(F(y+n), x)",
                                                         "change around G(x)", "change around y", "growth ratio"],
                                                        rows)))
        parts.append(f"{src}→{dst} {result['verdict']}")
    body = (f'<p class="note">Run probed: {esc(rel)}. A growth ratio far above 1 means the reverse generator reads '
            "information the eye does not see in the translation (Chu et al., 2017).</p>"
            + _row(*cells) + "".join(tables) + summary(parts))
    return section(title, body, ident)


# Radboud.
def radboud_sections(folder: Folder) -> list[tuple[str, str, str]]:
    f = folder.facts
    out = []
    data = f.get("moons_data", {})
    out.append(("q9-1", "9.1 The moons data", folder.figure("moons-data", "moons data")
                + summary([_points_text(data, "the standardized moons data")])))
    gen = f.get("untrained_generator", {})
    gen_text = _points_text(gen, "an untrained MoonGenerator")
    ratio = (f"its spread is {_num(gen['std_x'] / data['std_x'])}x (x) and {_num(gen['std_y'] / data['std_y'])}x "
             "(y) the data's") if gen and data else None
    out.append(("q9-2", "9.2 Samples of an untrained generator",
                folder.figure("untrained-generator", "untrained generator samples") + summary([gen_text, ratio])))
    out.append(("q9-3", "9.3 Samples of the uniform dummy generator",
                folder.figure("uniform-generator", "uniform generator samples")
                + summary([_points_text(f.get("uniform_generator", {}), "UniformMoonGenerator")])))
    two = folder.run("moons-two-step")
    heat = _series(two, "heatmaps") if two else None
    first = heat.frames[0] if heat and heat.frames else None
    d = f.get("untrained_discriminator", {})
    out.append(("q9-4", "9.4 An untrained discriminator",
                (_captioned(f"two-step run, epoch {first[0]} (before training)",
                            img(first[1], "untrained discriminator heatmap", cls="plot")) if first else "")
                + summary([f"a freshly initialized MoonDiscriminator (seed {12345}) outputs D(x) between "
                           f"{_num(d['min'])} and {_num(d['max'])} (mean {_num(d['mean'])}) over [-2.5, 2.5]²"
                           if d else None])))
    out.append(("q9-6", "9.6 Training the discriminator alone",
                _moons_section(folder, "moons-disc-only", "q9-6", "", "Two-step training with the uniform dummy "
                               "generator: only the discriminator learns.")))
    out.append(("q9-7", "9.7 Two-step adversarial training",
                _moons_section(folder, "moons-two-step", "q9-7", "", "D step, then G step per batch; does the "
                               "discriminator accuracy settle near 0.5?")))
    out.append(("q9-8", "9.8 Training through gradient reversal",
                _moons_section(folder, "moons-revgrad", "q9-8", "", "One optimizer over G and D; the gradient "
                               "reversal layer flips the generator's gradient.")))
    e = f.get("emojis", {})
    out.append(("q9-9", "9.9 The emoji data",
                _row(_captioned("Apple", folder.figure("emojis-apple", "Apple emojis")),
                     _captioned("Windows", folder.figure("emojis-windows", "Windows emojis")))
                + summary([f"{e['apple']} Apple and {e['windows']} Windows training images; the grids show "
                           f"{e['shown']} {'emojis with the same codepoint in both styles' if e['paired'] else 'images of each style'}"
                           if e else None])))
    run = folder.run("cyclegan-radboud")
    if run is None:
        body = summary(["the CycleGAN run is missing"])
    else:
        cells = [_captioned(f"{s.label}, iteration {s.last[0]}", img(s.last[1], s.label, style=GRID_STYLE)) for s in run.series if s.last]
        parts = _loss_trends(run) + _cycle_text(run)
        body = (f'<p class="note">A = {esc(run.config.get("source"))}, B = {esc(run.config.get("target"))}; '
                f'{fmt(run.config.get("iters"))} iterations, lambda_cycle {fmt(run.config.get("lambda_cycle"))}. '
                "Sample grids: rows of [source | translation | reconstruction].</p>"
                + _row(*cells) + _curves(run) + metrics_table(run) + summary(parts))
    out.append(("q9-12a", "9.12a CycleGAN training (radboud)", body))
    out.append(("q9-12c", "9.12c The effect of lambda_cycle", _lambda_body(
        folder, TRANSLATION_HEADLINES,
        [("l1_translation", "paired L1"), ("cycle_psnr", "cycle PSNR")],
        "The same CycleGAN trained with each lambda_cycle, 0 (no cycle loss) included.")))
    out.append(("q9-12e", "9.12e Reconstruction vs translation error", _recon_body(folder)))
    out.append(("q9-13c", "9.13c Steganography", _stego_body(folder)))
    return out


def _inner(html: str) -> str:
    """The body of a section built by a helper (its <section> wrapper and heading removed)."""
    start = html.find("</h2>")
    return html[start + 5: html.rfind("</section>")] if start >= 0 else html


def _lambda_body(folder, metrics, texts, note) -> str:
    return _inner(_lambda_section(folder, "", "x", metrics, texts, note))


def _stego_body(folder) -> str:
    return _inner(_stego_section(folder, "", "x"))


def _recon_body(folder: Folder) -> str:
    runs = folder.sweep_runs("lambda")
    main = folder.run("cyclegan-radboud")
    entries = ([("main run", main)] if main else []) + [(f"lambda_cycle={fmt(v.get('lambda_cycle'))}", r)
                                                        for v, r in runs]
    rows, worse, total, psnrs, psnr_points, swd_points = [], 0, 0, [], [], []
    for label, run in entries:
        last = run.train_records[-1] if run.train_records else {}
        for side, (src, dst) in zip("ab", _directions(run)):
            m = _direction_metrics(run, src, dst)
            rows.append([label, f"{src}→{dst}", fmt(m.get("cycle_psnr")), fmt(last.get(f"cycle_l1_{side}")),
                         fmt(m.get(L1.name)), fmt(m.get(L1_IDENTITY))])
            if m.get(L1.name) is not None and m.get(L1_IDENTITY) is not None:
                total += 1
                worse += m[L1.name] > m[L1_IDENTITY]
            if m.get("cycle_psnr") is not None:
                psnrs.append((m["cycle_psnr"], label, f"{src}→{dst}"))
                if m.get(L1.name) is not None:
                    psnr_points.append((m[L1.name], m["cycle_psnr"], label, f"{src}→{dst}",
                                        m.get(L1_IDENTITY)))
                if m.get("swd") is not None:
                    swd_points.append((m["swd"], m["cycle_psnr"], label, f"{src}→{dst}", None))
    parts = []
    if psnrs:
        lo, hi = min(psnrs), max(psnrs)
        parts.append(f"cycle PSNR ranged from {_num(lo[0])} dB ({lo[1]}, {lo[2]}) to {_num(hi[0])} dB "
                     f"({hi[1]}, {hi[2]})")
    if total:
        parts.append(f"in {worse} of {total} run-directions the translation's paired L1 to the true target is "
                     "larger than the do-nothing baseline's")
    body = ('<p class="note">Reconstruction F(G(x)) against x (cycle PSNR on the test pairs; cycle L1 of the last '
            "training batch, per domain) beside translation G(x) against the true target-style emoji (paired L1).</p>"
            + _recon_plot(psnr_points, swd_points)
            + table(["run", "direction", "cycle PSNR (dB)", "cycle L1 (last batch)", "paired L1 translation",
                     "paired L1 do-nothing"], rows) + summary(parts))
    return body


def _recon_plot(paired: list[tuple], unpaired: list[tuple]) -> str:
    """The paired L1 to the true target where the test images are pairs; otherwise (folders that do not
    pair, such as the course archive) the unpaired SWD to the target style's test images stands in."""
    if paired:
        return _plot(_recon_figure(paired, "paired L1 of the translation (lower: closer to the true target)"),
                     "cycle PSNR against paired translation L1")
    if not unpaired:
        return _plot(None, "cycle PSNR against translation error")
    return ('<p class="note">The test images of the two domains are not pairs, so the translation error is '
            "the unpaired SWD to the target style's test images (a distance between sets, not to each "
            "image's true target).</p>"
            + _plot(_recon_figure(unpaired, "SWD of the translations to the target style (lower: closer)"),
                    "cycle PSNR against translation SWD"))


def _recon_figure(points: list[tuple], xlabel: str) -> bytes | None:
    """Each run-direction as a point: translation error (x) against reconstruction quality (y)."""
    if not points:
        return None
    fig = Figure(figsize=(6.4, 3.8), layout="constrained")
    ax = fig.subplots()
    for i, direction in enumerate(sorted({p[3] for p in points})):
        pts = [p for p in points if p[3] == direction]
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], color=_COLORS[i % len(_COLORS)],
                   label=direction, s=22)
        for p in pts:
            ax.annotate(p[2].replace("lambda_cycle=", "λ="), (p[0], p[1]), fontsize=7, xytext=(3, 3),
                        textcoords="offset points")
    identity = [p[4] for p in points if p[4] is not None]
    if identity:
        ax.axvline(sum(identity) / len(identity), color="#b5651d", linestyle=":", linewidth=1.1,
                   label="do-nothing paired L1 (mean)")
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel("cycle PSNR in dB (higher: better reconstruction)", fontsize=8)
    ax.set_title("reconstruction vs translation", fontsize=9.5, loc="left")
    ax.grid(True, color="#e3e6eb", linewidth=0.7)
    ax.legend(fontsize=7, frameon=False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96)
    return buf.getvalue()


# Toronto.
def toronto_sections(folder: Folder) -> list[tuple[str, str, str]]:
    out = []
    rows = folder.facts.get("padding", [])
    matches = sum(r["match"] for r in rows)
    out.append(("q1-1-1", "1.1.1 Padding of the DCGAN discriminator",
                '<p class="note">P = ceil(((O − 1)·S + K − W) / 2) for input width W, output width O, kernel K, '
                "stride S, walked over the convolutions of DCDiscriminator() on a 32×32 input.</p>"
                + table(["layer", "channels", "W", "O", "K", "S", "P derived", "P in the model", "match"],
                        [[str(r["layer"]), f"{r['in_channels']}→{r['out_channels']}", str(r["W"]), str(r["O"]),
                          str(r["K"]), str(r["S"]), str(r["P_derived"]), str(r["P_model"]), "yes" if r["match"] else "NO"]
                         for r in rows])
                + summary([f"the derived paddings are {', '.join(str(r['P_derived']) for r in rows)}; "
                           f"{matches} of {len(rows)} convolutions use the derived padding" if rows else None])))
    run = folder.run("dcgan")
    if run is None:
        body = summary(["the DCGAN run is missing"])
    else:
        pair = _samples_pair(run, 200)
        parts = [_eval_trend(run, "swd", 200, "SWD"), _eval_trend(run, "fd", 200, "FD"),
                 _eval_trend(run, "kid", 200, "KID"),
                 trend(run.train_records, "disc_loss", "iter", "iteration", "the discriminator loss"),
                 trend(run.train_records, "gen_loss", "iter", "iteration", "the generator loss")]
        body = (f'<p class="note">DCGAN on {esc(run.config.get("style"))}, {fmt(run.config.get("iters"))} '
                "iterations; samples from the same fixed noise.</p>" + pair + _curves(run)
                + metrics_table(run) + summary(parts))
    out.append(("q1-3", "1.3 DCGAN samples early and late", body))
    seeds = folder.sweep_runs("seeds")
    by_seed = {v.get("seed"): r for v, r in seeds}
    main, second = by_seed.get(4), by_seed.get(2)
    out.append(("q2-3-1", "2.3.1 CycleGAN: iteration 200 and the end", _cycle_body(main, "seed 4")))
    second_body = _cycle_body(second, "seed 2")
    if main is not None and second is not None:
        rows, parts = [], []
        for src, dst in _directions(main):
            prefix, info = direction_prefix(src, dst), main.metric_info
            for key in [k for k in main.metrics if k.startswith(prefix) and info.headline(k)]:
                v4, v2 = main.metrics.get(key), second.metrics.get(key)
                if v4 is not None or v2 is not None:
                    rows.append([f"{src}→{dst}", info.label(key), fmt(v4), fmt(v2)])
            l1 = prefix + "l1_translation"
            if main.metrics.get(l1) is not None and second.metrics.get(l1) is not None:
                lower = "seed 2" if second.metrics[l1] < main.metrics[l1] else "seed 4"
                better = lower if info.higher_is_better(l1) is False else ("seed 4" if lower == "seed 2" else "seed 2")
                parts.append(f"{src}→{dst}: paired L1 {_num(main.metrics[l1])} with seed 4 and "
                             f"{_num(second.metrics[l1])} with seed 2 (better: {better})")
        second_body = (_inner(section("", second_body)) + "<h3>seed 4 against seed 2</h3>"
                       + table(["direction", "metric", "seed 4", "seed 2"], rows) + summary(parts))
    out.append(("q2-3-2", "2.3.2 A second random seed", second_body))
    out.append(("q2-3-3", "2.3.3 The effect of lambda_cycle", _lambda_body(
        folder, TRANSLATION_HEADLINES,
        [("l1_translation", "paired L1"), ("target_style_rate", "the target-style rate")],
        "CycleGAN (toronto preset, seed 4) trained with each lambda_cycle, 0 included.")))
    out.append(("stego", "Steganography probe of the seed-4 CycleGAN", _stego_body(folder)))
    return out


def _cycle_body(run, label: str) -> str:
    if run is None:
        return summary([f"the {label} run is missing"])
    pair = _samples_pair(run, 200)
    parts = []
    for src, dst in _directions(run):
        parts.append(_eval_trend(run, direction_prefix(src, dst) + L1.name, 200, f"the paired L1 of {src}→{dst}"))
    parts += _loss_trends(run) + _cycle_text(run)
    return (f'<p class="note">{esc(label)}: lambda_cycle {fmt(run.config.get("lambda_cycle"))}, '
            f'{fmt(run.config.get("iters"))} iterations; grids of [source | translation] pairs from the fixed '
            "test batch.</p>" + pair + metrics_table(run) + summary(parts))


SECTIONS = {"radboud": radboud_sections, "toronto": toronto_sections}
TITLES = {"radboud": "Radboud NWI-IMC070, assignment 9: GANs on moons, CycleGAN on emojis",
          "toronto": "Toronto CSC421/2516 programming assignment 4: DCGAN and CycleGAN on emojis"}


def assignment_page(path) -> str:
    folder = Folder(path)
    assignment = folder.manifest.get("assignment")
    if assignment not in SECTIONS:
        raise GanforgeError(f"{path}/reproduce.json names an unknown assignment {assignment!r}")
    sections = SECTIONS[assignment](folder)
    body = []
    for ident, title, html in sections:
        if html.startswith("<section"):  # built by a helper with an empty title: give it this one
            html = section(title, _inner(html), ident)
        else:
            html = section(title, html, ident)
        body.append(html)
    m = folder.manifest
    seconds = m.get("seconds", {})
    scale_rows = [[k, ", ".join(f"{o}={v}" for o, v in opts.items())] for k, opts in m.get("scale_options", {}).items()]
    setup = section("Scale and timing",
                    f'<p>{esc(m.get("scale"))}: {esc(m.get("scale_note", ""))}.</p>'
                    + table(["runs", "options on top of the preset"], scale_rows)
                    + table(["step", "seconds"], [[k, fmt(v)] for k, v in seconds.items()]), "scale")
    subtitle = (f"ganforge reproduce {esc(assignment)} · scale {esc(m.get('scale'))}"
                + (f" · data {esc(m['data_dir'])}" if m.get("data_dir") else ""))
    nav = [(ident, title.split(" ")[0]) for ident, title, _ in sections] + [("scale", "scale")]
    return page(TITLES[assignment], subtitle, "".join(body) + setup, nav)


def write_assignment_report(path) -> Path:
    path = Path(path)
    return write_page(path / REPORT, assignment_page(path))
