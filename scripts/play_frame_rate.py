"""Frames a second that `ganforge play` delivers to a page while it trains, and its iterations a second.

    python scripts/play_frame_rate.py [METHOD] [--seconds 20] [--warmup 3] [PLAY OPTIONS ...]

Starts `ganforge play METHOD --no-browser --port 0` (moons when METHOD is left out), opens the page in
headless Chromium (tests/chromium.py: /usr/bin/chromium or $GANFORGE_CHROMIUM), presses Play, waits
`--warmup` seconds, then counts the frames the page received and the iterations the server ran over
`--seconds`. Every other option goes to `ganforge play`. The browser runs on the same machine, so it shares the cores with the training: what a
learner on a laptop sees. Prints one line of JSON.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from chromium import Browser  # noqa: E402

FRAME = "window.ganforgePlay.frame"


def start_server(method: str | None, options: list[str], out: Path) -> tuple[subprocess.Popen, str]:
    cmd = [sys.executable, "-m", "ganforge", "play", *([method] if method else []), "--no-browser", "--port", "0",
           "--out", str(out), *options]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in proc.stdout:
        if match := re.search(r"http://\S+/", line):
            return proc, match.group(0)
    raise SystemExit(f"ganforge play ended without a page address: {' '.join(cmd)}")


def measure(browser: Browser, warmup: float, seconds: float) -> dict:
    browser.wait_for(f"{FRAME} !== null", what="the first frame")
    browser.evaluate("document.getElementById('play').click()")
    browser.wait_for(f"{FRAME}.running", what="training to start")
    time.sleep(warmup)
    read = f"[window.ganforgePlay.frames, {FRAME}.iteration, performance.now()]"
    frames0, it0, t0 = browser.evaluate(read)
    time.sleep(seconds)
    frames1, it1, t1 = browser.evaluate(read)
    elapsed = (t1 - t0) / 1000
    return {"frames_per_s": round((frames1 - frames0) / elapsed, 2),
            "iterations_per_s": round((it1 - it0) / elapsed, 1), "seconds": round(elapsed, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    argv = sys.argv[1:]
    method = argv.pop(0) if argv and not argv[0].startswith("-") else None
    args, options = parser.parse_known_args(argv)
    with tempfile.TemporaryDirectory(prefix="ganforge-fps-") as tmp:
        proc, url = start_server(method, options, Path(tmp) / "runs")
        browser = Browser(Path(tmp) / "profile", width=1200, height=1000)
        try:
            browser.open(url)
            result = measure(browser, args.warmup, args.seconds)
        finally:
            browser.close()
            proc.terminate()
            proc.wait(timeout=30)
    print(json.dumps({"method": method or "moons", "options": options, **result}))


if __name__ == "__main__":
    main()
