"""Reports: built from a folder's files only, every picture embedded, sliders, sortable tables, TensorBoard."""
from __future__ import annotations

import ast
import base64
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from ganforge.cli import main
from ganforge.errors import GanforgeError
from ganforge.report import export_tensorboard, write_report
from ganforge.report import tensorboard as tb

REPORT_DIR = Path(__file__).resolve().parents[1] / "src" / "ganforge" / "report"
IMG_SRC = re.compile(r'<img src="([^"]+)"')


# Run and sweep folders written by hand: the report must need nothing but these files.
def _png(path: Path, colour, size=(40, 30)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)


def fake_cyclegan_run(path: Path, seed: int, lambda_cycle: float, iters: int = 400, finished: bool = True) -> Path:
    path.mkdir(parents=True)
    config = {"kind": "cyclegan", "preset": "toronto", "seed": seed, "threads": 1, "iters": iters,
              "source": "apple", "target": "windows", "lambda_cycle": lambda_cycle, "data_dir": ""}
    (path / "config.json").write_text(json.dumps(config))
    records = [{"iter": i, "d_loss_real": 1.0 / i, "g_loss_adv": 0.5 + 0.001 * i} for i in (100, 200, 300, 400)]
    records += [{"iter": i, "kind": "eval", "apple2windows_l1_translation": 0.3 - i / 4000,
                 "apple2windows_l1_identity": 0.25} for i in (200, 400)]
    (path / "stats.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records) + '{"iter": 5')  # cut short
    for step in (200, 400):
        _png(path / "samples" / f"{step:06d}-apple-windows.png", (step % 255, 120, 40))
        _png(path / "samples" / f"{step:06d}-windows-apple.png", (40, step % 255, 120))
    if finished:
        (path / "checkpoints" / f"step-{iters:06d}").mkdir(parents=True)
        (path / "checkpoints" / f"step-{iters:06d}" / "state.json").write_text("{}")
        metrics = {"apple2windows_l1_translation": 0.2 + lambda_cycle + seed / 100, "apple2windows_l1_identity": 0.25,
                   "apple2windows_l1_histmatch": 0.22, "apple2windows_cycle_psnr": 20 + 10 * lambda_cycle,
                   "windows2apple_l1_translation": 0.21 + lambda_cycle, "windows2apple_l1_identity": 0.25,
                   "windows2apple_swd": 100.0 - seed, "windows2apple_swd_floor": 50.0}
        (path / "metrics.json").write_text(json.dumps({"kind": "cyclegan", "step": iters, "metrics": metrics,
                                                       "notes": ["no feature network"]}))
    (path / "log.txt").write_text("iter 100/400: ...\n<done>\n")
    return path


def fake_sweep(root: Path) -> Path:
    runs = []
    for lam in (0.0, 0.015, 0.1):
        for seed in (2, 4):
            name = f"lambda_cycle={lam:g},seed={seed}"
            failed = (lam, seed) == (0.1, 4)
            fake_cyclegan_run(root / name, seed, lam, finished=not failed)
            runs.append({"name": name, "folder": name, "options": {"lambda_cycle": lam, "seed": seed},
                         "status": "failed" if failed else "done",
                         "error": "training diverged at iteration 300: <g_loss> is nan" if failed else None})
    (root / "sweep.json").write_text(json.dumps({
        "kind": "cyclegan", "preset": "toronto", "swept": {"lambda_cycle": [0.0, 0.015, 0.1], "seed": [2, 4]},
        "fixed": {"iters": 400}, "runs": runs}))
    return root


def embedded_images(html: str) -> list[Image.Image]:
    """Every <img> of a page, decoded; fails on anything not embedded as a data URI."""
    out = []
    for src in IMG_SRC.findall(html):
        assert src.startswith("data:image/"), f"an image is not embedded: {src[:80]}"
        header, data = src.split(",", 1)
        image = Image.open(io.BytesIO(base64.b64decode(data)))
        image.load()
        assert image.width > 0 and image.height > 0
        out.append(image)
    return out


def assert_self_contained(html: str) -> None:
    assert "<script src" not in html and "<link" not in html and "@import" not in html and "url(" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html), "the page must not fetch anything"


# Run reports.
def test_run_report_embeds_pictures_slider_gif_and_tables(tmp_path):
    run = fake_cyclegan_run(tmp_path / "run", seed=4, lambda_cycle=0.015)
    report = write_report(run)
    assert report == run / "report.html"
    html = report.read_text()
    assert_self_contained(html)
    images = embedded_images(html)
    # 2 directions x 2 grids (slider frames) + 2 GIFs + training curves + eval curves
    assert len(images) == 8
    assert sum(getattr(i, "n_frames", 1) == 2 for i in images) == 2  # the GIFs: one frame per grid
    assert html.count('<input type="range"') == 2 and "iteration 400" in html
    for text in ("lambda_cycle", "0.015", "do-nothing", "recolour only", "real-data floor", "apple → windows",
                 "no feature network", "&lt;done&gt;"):
        assert text in html
    # The score stands next to its baselines in one row.
    row = re.search(r"<tr><td title=\"apple2windows_l1_translation\">l1 .*?</tr>", html).group(0)
    assert "0.255" in row and "0.25" in row and "0.22" in row


def test_run_report_of_an_unfinished_run(tmp_path):
    run = fake_cyclegan_run(tmp_path / "run", seed=2, lambda_cycle=0.0, finished=False)
    html = write_report(run).read_text()
    assert "unfinished" in html and "No metrics.json yet" in html
    assert len(embedded_images(html)) >= 4  # the sample grids written so far are shown


@pytest.mark.slow
def test_real_moons_run_report(tmp_path, small_moons):
    from ganforge.api import train_moons

    train_moons(out=tmp_path / "m", **small_moons, threads=1)
    html = write_report(tmp_path / "m").read_text()
    assert_self_contained(html)
    # Heatmaps of epochs 0-2, their GIF, the curves, and the final one beside rejection sampling's.
    assert len(embedded_images(html)) == 3 + 1 + 1 + 2
    assert "discriminator rejection sampling" in html and "rejection_mmd2" in html
    assert html.count('<input type="range"') == 1 and "epoch 2" in html
    assert "mmd2" in html and "real-data floor" in html


# Sweep reports.
def test_sweep_report_gallery_sortable_table_and_curves(tmp_path):
    sweep = fake_sweep(tmp_path / "sweep")
    html = write_report(sweep).read_text()
    assert_self_contained(html)
    embedded_images(html)
    # Gallery: every configuration shows iteration 200 and its final grid, both directions
    # (the failed one too: its pictures tell how it went wrong).
    gallery = html[html.index('class="gallery"'):html.index("</table>", html.index('class="gallery"'))]
    assert gallery.count("<img") == 6 * 2 * 2
    assert gallery.count(">iteration 200<") == 12 and gallery.count(">iteration 400 (final)<") == 12
    # Sortable metrics table: one row per configuration, numbers to sort by, the failure named.
    table = html[html.index('class="sortable'):]
    table = table[:table.index("</table>")]
    assert table.count("<tr>") == 2 + 6 + 1  # header (directions, then scores), configurations, baseline row
    # sortable: configuration, 2 options, device, seconds per 1k, 4 scores
    assert table.count('data-col="') == 3 + 1 + 1 + 4
    assert "s / 1k it" in table
    assert 'data-sort="0.255"' in table  # 0.2 + 0.015 + 0.04
    assert "tBodies" in html and "aria-sort" in html  # the inline sorting script
    assert "training diverged at iteration 300: &lt;g_loss&gt; is nan" in html
    # Curves of key metrics against lambda_cycle, one line per seed.
    assert "against lambda_cycle" in html
    # Each run got its own report, linked from the sweep's.
    assert (sweep / "lambda_cycle=0.015,seed=2" / "report.html").is_file()
    assert 'href="lambda_cycle=0.015,seed=2/report.html"' in html


def test_report_cli_and_errors(tmp_path, capsys):
    run = fake_cyclegan_run(tmp_path / "run", seed=2, lambda_cycle=0.1)
    assert main(["report", str(run)]) == 0
    assert capsys.readouterr().out.strip() == str(run / "report.html")
    assert main(["report", str(tmp_path / "missing")]) == 2
    (tmp_path / "empty").mkdir()
    assert main(["report", str(tmp_path / "empty")]) == 2
    assert "neither a run folder" in capsys.readouterr().err
    with pytest.raises(GanforgeError, match="sweep.json"):
        (tmp_path / "bad").mkdir()
        (tmp_path / "bad" / "sweep.json").write_text("{}")
        write_report(tmp_path / "bad")


# TensorBoard.
def test_tensorboard_export_absent_is_none(tmp_path, monkeypatch):
    run = fake_cyclegan_run(tmp_path / "run", seed=2, lambda_cycle=0.1)
    monkeypatch.setattr(tb, "tensorboard_available", lambda: False)
    assert export_tensorboard(run) is None
    assert not (run / "tensorboard").exists()
    with pytest.raises(GanforgeError, match="pip install"):
        write_report(run, tensorboard=True)


@pytest.mark.skipif(not tb.tensorboard_available(), reason="the tensorboard package is not installed "
                    "(pip install 'ganforge[tensorboard]')")
def test_tensorboard_export_writes_scalars_and_images(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run = fake_cyclegan_run(tmp_path / "run", seed=2, lambda_cycle=0.1)
    target = export_tensorboard(run)
    assert target == run / "tensorboard"
    export_tensorboard(run)  # again: replaced, not appended
    events = EventAccumulator(str(target), size_guidance={"images": 0, "scalars": 0})
    events.Reload()
    tags = events.Tags()
    assert {"train/d_loss_real", "eval/apple2windows_l1_translation"} <= set(tags["scalars"])
    assert [e.step for e in events.Scalars("train/d_loss_real")] == [100, 200, 300, 400]
    assert [e.step for e in events.Images("pictures/apple-windows")] == [200, 400]


needs_tensorboard = pytest.mark.skipif(not tb.tensorboard_available(), reason="the tensorboard package is not "
                                       "installed (pip install 'ganforge[tensorboard]')")


def _events(folder: Path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(folder), size_guidance={"images": 0, "scalars": 0})
    events.Reload()
    return events


@needs_tensorboard
def test_live_mirror_writes_only_what_is_new_at_each_sync(tmp_path):
    run = fake_cyclegan_run(tmp_path / "run", seed=2, lambda_cycle=0.1)
    mirror = tb.LiveMirror(run)
    mirror.sync()
    mirror.sync()  # nothing new: nothing written twice
    with open(run / "stats.jsonl", "w") as f:  # the run goes on: one more record and one more grid
        f.write("".join(json.dumps({"iter": i, "d_loss_real": 1.0 / i}) + "\n" for i in (100, 200, 300, 400, 500)))
    _png(run / "samples" / "000600-apple-windows.png", (1, 2, 3))
    mirror.close()
    events = _events(run / "tensorboard")
    assert [e.step for e in events.Scalars("train/d_loss_real")] == [100, 200, 300, 400, 500]
    assert [e.step for e in events.Images("pictures/apple-windows")] == [200, 400, 600]


@needs_tensorboard
@pytest.mark.slow
def test_training_mirrors_itself_into_tensorboard_while_it_runs(tmp_path, small_moons, monkeypatch):
    from ganforge import api
    from ganforge.runs import Run

    seen_live = []
    real_append = Run.append_stats

    def spy(self, record):  # after the first epoch's record the mirror already holds it
        real_append(self, record)
        if record.get("epoch") == 1 and (self.path / "tensorboard").is_dir():
            seen_live.append([e.step for e in _events(self.path / "tensorboard").Scalars("train/disc_loss")])

    monkeypatch.setattr(Run, "append_stats", spy)
    api.train_moons(out=tmp_path / "run", **small_moons)
    assert seen_live == [[1]]
    events = _events(tmp_path / "run" / "tensorboard")
    assert [e.step for e in events.Scalars("train/disc_loss")] == [1, 2]
    assert len(events.Images(events.Tags()["images"][0])) >= 2  # a heatmap per epoch


# Reports read files only.
@pytest.mark.slow
def test_report_modules_import_no_training_code():
    """Reports are built from run folders' files: importing them loads no training, inference, workflow,
    network or feature-network code, and only the TensorBoard export touches torch directly."""
    code = "import sys, ganforge.report; print(' '.join(m for m in sys.modules if m.startswith('ganforge.')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert "ganforge.report.run_page" in loaded
    forbidden = ("ganforge.train", "ganforge.inference", "ganforge.workflows", "ganforge.models",
                 "ganforge.features", "ganforge.api", "ganforge.cli")
    assert [m for m in loaded if m.startswith(forbidden)] == []
    for source in REPORT_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            if any(n.split(".")[0] == "torch" for n in names):
                assert source.name == "tensorboard.py", f"{source.name} imports torch"
