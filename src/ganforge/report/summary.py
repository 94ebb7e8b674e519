"""Text summaries built from run folders: the end of a training's output, and `ganforge report runs/`."""
from __future__ import annotations

from pathlib import Path

from ..fileio import write_text_atomically
from ..runs import CONFIG, REPORT
from .files import BASELINE_LABELS, RunFiles, read_run
from .html import esc, fmt, page, section, table, write_page



def headline_groups(run: RunFiles) -> dict[str, list[str]]:
    """{direction ('' for none): ['l1 0.253 (do-nothing 0.336)', ...]}: each headline score with its baselines."""
    info, groups = run.metric_info, {}
    for name, value in run.metrics.items():
        if value is None or not info.is_value(name) or not info.headline(name):
            continue
        bases = [f"{BASELINE_LABELS[role]} {fmt(run.metrics.get(key), 3)}"
                 for role, key in info.baselines(name).items() if run.metrics.get(key) is not None]
        text = f"{info.label(name).replace('_', ' ')} {fmt(value, 3)}" + (f" ({', '.join(bases)})" if bases else "")
        groups.setdefault(info.direction(name).replace("→", "->"), []).append(text)
    return groups


def beyond_floor(run: RunFiles) -> list[str]:
    """Notes for the headline scores better than their real-data floor: real images scored the same way do worse,
    so the score is fooled (a probe taken in by something that is not the style) or measured on too few samples."""
    info, notes = run.metric_info, []
    for name, value in run.metrics.items():
        floor = run.metrics.get(info.baselines(name).get("floor", ""))
        up = info.higher_is_better(name)
        if value is None or floor is None or up is None or not info.headline(name) or not info.is_value(name):
            continue
        if (value > floor) if up else (value < floor):
            where = f"{info.direction(name).replace('→', '->')}: " if info.direction(name) else ""
            notes.append(f"{where}{info.label(name).replace('_', ' ')} {fmt(value, 3)} is better than real images score "
                         f"({fmt(floor, 3)}): the measure is being fooled, or has too few samples here; do not read "
                         "it as better than real")
    return notes


def headline_lines(run: RunFiles) -> list[str]:
    """'apple -> windows: l1 0.253 (do-nothing 0.336); ...': one line per direction."""
    return [f"{d + ': ' if d else ''}{'; '.join(parts)}" for d, parts in headline_groups(run).items()]


def end_of_run(run_dir) -> list[str]:
    """What a person wants at the end of a training: the scores, what is missing and why, where the report is."""
    run = read_run(run_dir)
    lines = ["scores:" if run.metrics else "scores: none (no metrics.json)"]
    for direction, scores in headline_groups(run).items():  # one score a line, under its direction
        lines += ([f"  {direction}"] if direction else []) + [f"    {score}" for score in scores]
    lines += [f"note: {note}" for note in run.notes + beyond_floor(run)]
    return lines + [f"report: {Path(run_dir) / REPORT}"]


def _runs_below(folder: Path) -> list[Path]:
    return sorted(p.parent for p in folder.rglob(CONFIG) if (p.parent / "stats.jsonl").exists()
                  or (p.parent / "checkpoints").is_dir())


def overview(folder) -> list[dict]:
    """One row per run folder below `folder`: name, kind, key settings, headline scores."""
    rows = []
    for path in _runs_below(Path(folder)):
        try:
            run = read_run(path)
        except Exception:  # a damaged folder must not hide the others  # noqa: BLE001
            continue
        keys = run.method.get("key_settings", ())  # the settings that tell its runs apart
        settings = ", ".join(f"{k} {run.config.get(k)}" for k in keys if k in run.config)
        rows.append({"path": path, "name": str(path.relative_to(folder)), "kind": run.kind, "settings": settings,
                     "state": "finished" if run.finished else f"{run.unit} {run.reached} of {run.total_steps}",
                     "scores": headline_lines(run)})
    return rows


def write_overview(folder) -> Path:
    """FOLDER/report.html: every run below FOLDER with its kind, key settings and headline scores (and a text copy)."""
    folder = Path(folder)
    rows = overview(folder)
    cells = [[f'<a href="{esc(r["name"])}/{REPORT}">{esc(r["name"])}</a>', esc(r["kind"]), esc(r["settings"]),
              esc(r["state"]), "<br>".join(esc(s) for s in r["scores"]) or "–"] for r in rows]
    body = section("Runs", table(["run", "kind", "settings", "state", "headline scores (baselines)"], cells, raw=True),
                   ident="runs", note="Every run folder below this one; each name links to the run's own report.")
    write_text_atomically(folder / "runs.txt", "".join(
        f"{r['name']}\t{r['kind']}\t{r['settings']}\t{r['state']}\t{' | '.join(r['scores'])}\n" for r in rows))
    return write_page(folder / REPORT, page(f"Runs in {folder.name or folder}", f"{len(rows)} runs", body,
                                            [("runs", "Runs")]))
