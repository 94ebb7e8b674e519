"""Reports opened in a real headless Chromium: every picture loads, no console errors, the inline JS works.

Talks to Chromium over --remote-debugging-pipe (the DevTools protocol as NUL-separated
JSON on file descriptors 3 and 4), so it needs nothing beyond the standard library.
Skipped where /usr/bin/chromium is absent (Debian: `apt-get install chromium`).
"""
from __future__ import annotations

import base64
import fcntl
import json
import os
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("GANFORGE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not HAVE_CHROMIUM, reason=f"headless Chromium not found at {CHROMIUM} "
                                 "(Debian: apt-get install chromium)")]

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio"]
WIDTH, HEIGHT = 1280, 2000


class Browser:
    """Headless Chromium driven over the DevTools pipe; one page, its console errors collected."""

    def __init__(self, user_data_dir: Path, timeout: float = 60.0):
        self.timeout = timeout
        cmd_read, self._cmd_write = os.pipe()     # we write commands, Chromium reads them on fd 3
        self._res_read, res_write = os.pipe()     # Chromium writes replies on fd 4, we read them

        def wire_fds():  # in the child, before exec: put the pipe ends on fds 3 and 4
            a = fcntl.fcntl(cmd_read, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(res_write, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={user_data_dir}", f"--window-size={WIDTH},{HEIGHT}",
             "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            close_fds=False, preexec_fn=wire_fds)
        os.close(cmd_read)
        os.close(res_write)
        self._next_id = 0
        self._replies: dict[int, dict] = {}
        self.events: list[dict] = []
        self._inbox: queue.Queue = queue.Queue()
        threading.Thread(target=self._reader, daemon=True).start()
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=WIDTH, height=HEIGHT,
                  deviceScaleFactor=1, mobile=False)

    def _reader(self) -> None:
        buffer = b""
        while True:
            chunk = os.read(self._res_read, 1 << 16)
            if not chunk:
                self._inbox.put(None)
                return
            buffer += chunk
            while b"\0" in buffer:
                message, buffer = buffer.split(b"\0", 1)
                self._inbox.put(json.loads(message))

    def _pump(self, until) -> None:
        deadline = time.monotonic() + self.timeout
        while not until():
            try:
                message = self._inbox.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError("Chromium did not answer in time") from None
            if message is None:
                raise RuntimeError("Chromium closed the DevTools pipe")
            if "id" in message:
                self._replies[message["id"]] = message
            else:
                self.events.append(message)

    def call(self, method: str, session: bool = False, **params) -> dict:
        self._next_id += 1
        ident = self._next_id
        message = {"id": ident, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._cmd_write, json.dumps(message).encode() + b"\0")
        self._pump(lambda: ident in self._replies)
        reply = self._replies.pop(ident)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def open(self, url: str) -> None:
        seen = len(self.events)
        self.call("Page.navigate", session=True, url=url)
        self._pump(lambda: any(e.get("method") == "Page.loadEventFired" for e in self.events[seen:]))

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True,
                           awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and failed loads reported so far."""
        out = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                out.append(json.dumps(params.get("exceptionDetails", {}))[:500])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                out.append(json.dumps(params.get("args", []))[:500])
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                out.append(params["entry"].get("text", "")[:500])
        return out

    def screenshot(self, path: Path, full_page: bool = False) -> Path:
        params = {"format": "png"}
        if full_page:
            size = self.call("Page.getLayoutMetrics", session=True)["cssContentSize"]
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": WIDTH, "height": min(size["height"], 16000), "scale": 1})
        data = self.call("Page.captureScreenshot", session=True, **params)["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._cmd_write)


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
