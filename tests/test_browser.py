"""Reports opened in a real headless Chromium: every picture loads, no console errors, the inline JS works.

The browser is driven by tests/chromium.py (the DevTools pipe, standard library only);
skipped where /usr/bin/chromium is absent (Debian: `apt-get install chromium`).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from chromium import Browser, needs_chromium

pytestmark = [pytest.mark.slow, needs_chromium]

# Waits for every <img> (shown or hidden) to finish loading, then describes them.
IMAGES_JS = """
(async () => {
  const imgs = Array.from(document.images);
  await Promise.all(imgs.map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; })));
  return imgs.map(i => ({alt: i.alt, width: i.naturalWidth, complete: i.complete,
                         embedded: i.src.startsWith('data:')}));
})()
"""

# Moves every slider to its first frame and reports which frame is visible and the caption.
SLIDER_JS = """
Array.from(document.querySelectorAll('.slider')).map(box => {
  const input = box.querySelector('input[type=range]');
  const before = box.querySelector('output').textContent;
  input.value = '0';
  input.dispatchEvent(new Event('input'));
  const shown = Array.from(box.querySelectorAll('.frames figure')).map(f => !f.hidden);
  const after = box.querySelector('output').textContent;
  input.value = input.max;
  input.dispatchEvent(new Event('input'));
  return {before, after, shown, n: shown.length};
})
"""


def check_page(report: Path, shots: Path, name: str, profile: Path) -> dict:
    """Open a report; assert pictures load and nothing errs; save screenshots; return page facts."""
    shots.mkdir(parents=True, exist_ok=True)
    browser = Browser(profile)
    try:
        browser.open(report.resolve().as_uri())
        images = browser.evaluate(IMAGES_JS)
        sliders = browser.evaluate(SLIDER_JS)
        facts = {"images": images, "sliders": sliders, "title": browser.evaluate("document.title")}
        facts["sort"] = browser.evaluate(SORT_JS)
        browser.screenshot(shots / f"{name}.png")
        browser.screenshot(shots / f"{name}-full.png", full_page=True)
        errors = browser.errors()
    finally:
        browser.close()
    assert images, "the report shows no pictures"
    broken = [i["alt"] for i in images if not (i["complete"] and i["width"] > 0)]
    assert not broken, f"pictures that did not load: {broken}"
    assert all(i["embedded"] for i in images), "every picture is embedded as a data URI"
    assert not errors, f"console errors: {errors}"
    return facts


# Clicks the first metric header of a sortable table twice; returns the column's values each time.
SORT_JS = """
(() => {
  const table = document.querySelector('table.sortable');
  if (!table) return null;
  const head = table.querySelector('thead th.num[data-col]');
  const col = Number(head.getAttribute('data-col'));
  const values = () => Array.from(table.tBodies[0].rows).map(r => r.cells[col].getAttribute('data-sort'));
  head.click();
  const first = values();
  head.click();
  return {first, second: values(), sorted: head.getAttribute('aria-sort')};
})()
"""


def _numbers(values):
    return [float(v) for v in values if v not in ("", None)]


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = os.environ.get("GANFORGE_SCREENSHOTS")
    return Path(folder) if folder else tmp_path_factory.mktemp("screenshots")


def test_run_report_in_chromium(tmp_path, shots):
    from ganforge.api import train_moons
    from ganforge.report import write_report

    train_moons(out=tmp_path / "moons", n_samples=512, epochs=2, hidden_disc=16, heatmap_resolution=20, threads=1)
    report = write_report(tmp_path / "moons")
    facts = check_page(report, shots, "run-moons", tmp_path / "profile")
    assert "moons" in facts["title"]
    (heatmaps,) = facts["sliders"]
    assert heatmaps["n"] == 3 and heatmaps["before"] == "epoch 2" and heatmaps["after"] == "epoch 0"
    assert heatmaps["shown"] == [True, False, False]


def test_sweep_report_in_chromium(tmp_path, shots):
    from emoji_fakes import write_archive_layout
    from ganforge.workflows.sweep import run_sweep

    data = write_archive_layout(tmp_path / "archive", n_train=16, n_test=4)
    result = run_sweep("cyclegan", {"lambda_cycle": [0.0, 0.1], "seed": [2, 3]},
                       dict(data_dir=str(data), iters=4, batch_size=8, conv_dim=8, precision="fp32",
                            sample_every=2, n_sample_images=4),
                       out=tmp_path / "sweep", workers=1, threads=1, echo=lambda *_: None)
    assert result.ok
    facts = check_page(tmp_path / "sweep" / "report.html", shots, "sweep-cyclegan", tmp_path / "profile")
    # 4 configurations x 2 directions x (early, final) in the gallery, plus the curves.
    assert len([i for i in facts["images"] if "iteration" in i["alt"]]) == 16
    sort = facts["sort"]
    assert sort["sorted"] == "descending"
    assert _numbers(sort["first"]) == sorted(_numbers(sort["first"]))
    assert _numbers(sort["second"]) == sorted(_numbers(sort["second"]), reverse=True)
    # The run reports the sweep links to open as well.
    check_page(tmp_path / "sweep" / "lambda_cycle=0.1,seed=2" / "report.html", shots, "run-cyclegan",
               tmp_path / "profile")
