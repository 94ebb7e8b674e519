"""Static HTML reports (and TensorBoard logs) built only from the files of a run or sweep folder.

    from ganforge.report import write_report
    write_report("runs/00007-cyclegan-apple2windows")   # -> .../report.html

A report never imports training code or touches a live model: it reads
config.json, stats.jsonl, metrics.json, sweep.json and the pictures, and embeds
everything into one report.html that opens from file:// with no network.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import GanforgeError
from ..runs import CONFIG, METRICS, REPORT, STATS
from .files import is_sweep, read_run, read_sweep
from .html import write_page
from .run_page import run_page
from .summary import overview, write_overview
from .sweep_page import sweep_page
from . import tensorboard as tb

__all__ = ["write_report", "write_run_report", "write_sweep_report", "export_tensorboard"]
export_tensorboard = tb.export_tensorboard


def write_run_report(run_dir) -> Path:
    run_dir = Path(run_dir)
    return write_page(run_dir / REPORT, run_page(read_run(run_dir)))


def _stale(run_dir: Path) -> bool:
    """True when a run's report is missing or older than the files it is built from."""
    report = run_dir / REPORT
    if not report.is_file():
        return True
    newest = max((p.stat().st_mtime for p in (run_dir / STATS, run_dir / METRICS,
                                               run_dir / CONFIG, run_dir / "samples", run_dir / "heatmaps")
                  if p.exists()), default=0.0)
    return newest > report.stat().st_mtime


def write_sweep_report(sweep_dir, run_reports: bool = True) -> Path:
    """The sweep's report.html; with run_reports, first each run's own report (where missing or stale)."""
    sweep_dir = Path(sweep_dir)
    data = read_sweep(sweep_dir)
    if run_reports:
        for entry in data["runs"]:
            folder = sweep_dir / entry.get("folder", entry.get("name", ""))
            if (folder / CONFIG).is_file() and _stale(folder):
                write_run_report(folder)
    return write_page(sweep_dir / REPORT, sweep_page(sweep_dir, data))


def write_report(path, tensorboard: bool = False) -> Path:
    """Write PATH/report.html for a run folder, a sweep folder or a folder of runs (an overview); return its path.

    tensorboard=True also exports the run(s) to RUN/tensorboard/ when TensorBoard is installed.
    """
    path = Path(path)
    if tensorboard:
        if not tb.tensorboard_available():
            raise GanforgeError("--tensorboard needs the tensorboard package: pip install 'ganforge[tensorboard]'")
    if not path.is_dir():
        raise GanforgeError(f"{path} is not a folder; give a run folder or a sweep folder")
    if is_sweep(path):
        report = write_sweep_report(path)
        if tensorboard:
            for entry in read_sweep(path)["runs"]:
                folder = path / entry.get("folder", entry.get("name", ""))
                if (folder / CONFIG).is_file():
                    tb.export_tensorboard(folder)
        return report
    if not (path / CONFIG).is_file():
        if overview(path):  # a folder of runs, such as runs/
            return write_overview(path)
        raise GanforgeError(f"{path} is neither a run folder (config.json), a sweep folder (sweep.json) nor a "
                            "folder that holds runs")
    report = write_run_report(path)
    if tensorboard:
        tb.export_tensorboard(path)
    return report
