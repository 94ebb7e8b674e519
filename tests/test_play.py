"""`ganforge play`: the session (same networks and steps as `ganforge train moons`, controls, saves), the server
(HTTP 400s, Ctrl-C), and the page driven in headless Chromium.

Networks are tiny (32 hidden units, a few thousand points) and torch runs one thread.
"""
from __future__ import annotations

import base64
import json
import math
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import torch
from chromium import Browser, needs_chromium

import ganforge
from ganforge.cli import main
from method_helpers import resolve
from ganforge.data.moons import make_moons
from ganforge.errors import GanforgeError
from ganforge.hardware import pick_hardware
from ganforge.runs import Run, read_stats
from method_helpers import prepare
from ganforge.train.steps import RevGradGAN, TwoStepGAN
from ganforge.workflows.play import PlaySession, play_config
from ganforge.workflows.play_frames import ARROWS

TINY = dict(n_samples=512, batch_size=64, hidden_disc=32, threads=1, heatmap_resolution=20)
SRC = Path(ganforge.__file__).resolve().parents[1]


def have_web_library() -> bool:
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        return False
    return True


needs_web = pytest.mark.skipif(not have_web_library(), reason="the play extra is not installed "
                               "(pip install '.[play]')")


@pytest.fixture
def session(tmp_path):
    opened = []

    def make(**options):
        s = PlaySession(resolve("moons", **{**TINY, **options}), out=tmp_path / "runs").start()
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.close()


def weights(nets) -> dict:
    return {f"{name}.{k}": v.detach().clone() for name, m in nets.as_dict().items() for k, v in m.state_dict().items()}


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


# The steps: "step only D" and "step only G" are parts of the very step `ganforge train moons` takes.
@pytest.mark.parametrize("trainer", ["two-step", "disc-only"])
def test_two_step_is_its_discriminator_step_then_its_generator_step(trainer):
    cfg = resolve("moons", trainer=trainer, **TINY)
    hw = pick_hardware("cpu", "fp32", 1)
    real = make_moons(cfg.n_samples, cfg.noise, cfg.seed)
    runs = []
    for split in (False, True):
        torch.manual_seed(cfg.seed)
        training = prepare("moons", cfg, hw, real)
        step = training.step
        stats = []
        for i in range(5):
            batch = training.batches(i)[0]
            if split:
                d, g = step.discriminator_step(batch), step.generator_step(batch.shape[0])
                stats.append(torch.stack([d[0], g[0], d[1], g[1]]))
            else:
                stats.append(step(batch))
        runs.append((torch.stack(stats), weights(training.networks)))
    assert isinstance(step, TwoStepGAN)
    assert torch.equal(runs[0][0], runs[1][0]) and same(runs[0][1], runs[1][1])


def test_revgrad_can_update_one_network_alone():
    cfg = resolve("moons", trainer="revgrad", **TINY)
    hw = pick_hardware("cpu", "fp32", 1)
    torch.manual_seed(0)
    training = prepare("moons", cfg, hw, make_moons(cfg.n_samples, cfg.noise, cfg.seed))
    step, nets = training.step, training.networks
    assert isinstance(step, RevGradGAN)
    before = weights(nets)
    step.update(training.batches(0)[0], generator=False)
    after = weights(nets)
    assert all(torch.equal(before[k], after[k]) for k in before if k.startswith("generator."))
    assert not all(torch.equal(before[k], after[k]) for k in before if k.startswith("discriminator."))
    step.update(training.batches(1)[0], discriminator=False)
    last = weights(nets)
    assert all(torch.equal(after[k], last[k]) for k in after if k.startswith("discriminator."))
    assert not all(torch.equal(after[k], last[k]) for k in after if k.startswith("generator."))


# The session.
def test_the_session_trains_what_train_moons_trains_frames_and_all(session):
    s = session()
    for _ in range(12):
        s.control("step")  # a frame is drawn after each, between the steps
    time.sleep(0.2)
    assert s.frame.iteration == 12 and s.frame.number > 12

    cfg = resolve("moons", **TINY)
    hw = pick_hardware(cfg.device, cfg.precision, cfg.threads)
    torch.manual_seed(cfg.seed)
    training = prepare("moons", cfg, hw, make_moons(cfg.n_samples, cfg.noise, cfg.seed))
    for i in range(12):
        training.step(*training.batches(i))
    assert same(weights(training.networks), weights(s.nets))


def test_bad_values_are_refused_saying_what_was_expected_and_training_goes_on(session):
    s = session()
    s.control("play")
    refused = {
        "settings": [({"lr_gen": -1}, "lr_gen (the generator's learning rate) must be > 0"),
                     ({"batch_size": 0}, "batch_size (the batch size) must be >= 1, got 0"),
                     ({"batch_size": 2.5}, "batch_size (the batch size) must be a whole number"),
                     ({"trainer": "nope"}, "trainer (the trainer) must be one of two-step, disc-only, revgrad"),
                     ({"lr": "fast"}, "lr (revgrad's learning rate) must be a number, got 'fast'"),
                     ({"speed": -2}, "speed (the speed in iterations a second"),
                     ({"momentum": 0.9}, "unknown setting 'momentum'")],
        "step": [({"what": "both networks"}, "what must be one of both, disc, gen")],
        "reset": [({"seed": -1}, "seed must be a whole number >= 0")],
    }
    for action, cases in refused.items():
        for values, message in cases:
            with pytest.raises(GanforgeError, match=re.escape(message)):
                s.control(action, values)
    with pytest.raises(GanforgeError, match="unknown control"):
        s.control("jump")
    assert s.settings()["lr_gen"] == 1e-3 and s.settings()["batch_size"] == 64
    seen = s.frame.iteration
    time.sleep(0.3)
    assert s.frame.running and s.frame.iteration > seen


def test_step_d_moves_the_heatmap_and_leaves_the_generated_points(session):
    s = session()
    frame = s.frame
    for _ in range(3):
        s.control("step", {"what": "disc"})
    time.sleep(0.2)
    after = s.frame
    assert after.iteration == 3 and after.fake == frame.fake and after.heatmap != frame.heatmap
    assert set(after.history[-1]) == {"iter", "epoch", "disc_loss", "disc_acc"}
    s.control("step", {"what": "gen"})
    time.sleep(0.2)
    assert s.frame.fake != after.fake
    arrows = np.frombuffer(base64.b64decode(s.frame.arrows), np.float32).reshape(-1, 2)
    assert arrows.shape == (ARROWS, 2) and np.isfinite(arrows).all() and np.abs(arrows).sum() > 0


def test_switching_trainers_keeps_the_discriminator_and_puts_the_generator_aside(session):
    s = session()
    s.control("step")
    generator, discriminator = s.nets.generator, s.nets.discriminator
    s.control("settings", {"trainer": "disc-only", "lr_disc": 0.002})
    assert type(s.nets.generator).__name__ == "UniformMoonGenerator" and s.nets.discriminator is discriminator
    assert s.step.opt_disc.param_groups[0]["lr"] == 0.002
    s.control("step")
    s.control("settings", {"trainer": "revgrad", "loss": "lsgan"})
    assert s.nets.generator is generator and isinstance(s.step, RevGradGAN) and s.step.loss.name == "lsgan"
    s.control("step")
    time.sleep(0.2)
    assert s.frame.stat_names == ("loss", "acc_real", "acc_fake")
    assert {"loss", "acc_real"} <= set(s.frame.history[-1])


def test_two_tabs_steering_at_once_leave_one_consistent_session(session):
    """Controls from two tabs are applied whole, one at a time, by the trainer thread: whatever order they come
    in, the optimizers carry the learning rates the settings show, and the step matches the trainer."""
    s = session()
    s.control("play")
    errors = []

    def tab(trainer, lr):
        try:
            for i in range(15):
                s.control("settings", {"trainer": trainer, "lr_gen": lr * (i + 1), "lr_disc": lr, "lr": lr})
                s.control("step", {"what": ["both", "disc", "gen"][i % 3]})
                s.control("play")
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    tabs = [threading.Thread(target=tab, args=args) for args in (("two-step", 1e-3), ("revgrad", 2e-3))]
    for t in tabs:
        t.start()
    for t in tabs:
        t.join(60)
    assert errors == []
    s.control("pause")
    settings = s.settings()
    if settings["trainer"] == "revgrad":
        assert isinstance(s.step, RevGradGAN) and s.step.optimizer.param_groups[0]["lr"] == settings["lr"]
    else:
        assert isinstance(s.step, TwoStepGAN)
        assert s.step.opt_gen.param_groups[0]["lr"] == settings["lr_gen"]
        assert s.step.opt_disc.param_groups[0]["lr"] == settings["lr_disc"]
    time.sleep(0.2)
    assert s.frame.settings == settings and s.frame.stat_names == s.step.stat_names


@pytest.mark.slow
def test_save_writes_a_run_that_eval_report_and_play_read(session, tmp_path, capsys):
    s = session()
    for what in ["both"] * 20 + ["disc", "gen"]:
        s.control("step", {"what": what})
    s.control("settings", {"lr_gen": 5e-4})
    reply = s.control("save")
    run = Path(reply["path"])
    assert run.parent == tmp_path / "runs" and run.name == "00001-moons-two-step-play"
    assert reply["iterations"] == 22
    config = json.loads((run / "config.json").read_text())
    assert config["kind"] == "moons" and config["lr_gen"] == 5e-4 and config["epochs"] == 2
    stats = [json.loads(line) for line in (run / "stats.jsonl").read_text().splitlines()]
    assert stats and all("epoch" in r and "iter" not in r for r in stats)
    assert (run / "heatmaps" / "epoch-0002.png").stat().st_size > 1000
    assert "lr_gen 0.001 -> 0.0005" in (run / "log.txt").read_text()
    assert (run / "report.html").is_file()
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == [run.name]  # nothing half-written beside it

    assert main(["eval", str(run)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert json.loads((run / "metrics.json").read_text())["checkpoint"] == "step-000002"
    assert main(["report", str(run)]) == 0

    cfg, preset = play_config(None, {"threads": 1}, run)
    again = PlaySession(cfg, preset, out=tmp_path / "runs", run_dir=run)
    assert again.iteration == 22 and same(weights(again.nets), weights(s.nets))
    assert again.settings()["lr_gen"] == 5e-4 and len(again.history) == len(stats)


@pytest.mark.slow
def test_play_starts_from_a_train_moons_run(tmp_path, small_moons):
    result = ganforge.train_moons(out=tmp_path / "trained", **{**small_moons, "hidden_disc": 16, "threads": 1})
    cfg, _ = play_config(None, {}, tmp_path / "trained")
    s = PlaySession(cfg, out=tmp_path / "runs", run_dir=tmp_path / "trained")
    assert s.iteration == 2 * 8 and same(weights(s.nets), weights(result.networks))
    assert [r["iter"] for r in s.history] == [8, 16]
    with pytest.raises(GanforgeError, match="drop --preset"):
        play_config("radboud", {}, tmp_path / "trained")


@pytest.mark.slow
def test_play_continues_a_run_with_decayed_rates_at_the_constant_ones(tmp_path, small_moons):
    ganforge.train_moons(out=tmp_path / "decayed", lr_decay="linear", **{**small_moons, "hidden_disc": 16})
    cfg, _ = play_config(None, {}, tmp_path / "decayed")
    assert cfg.lr_decay == "none"
    s = PlaySession(cfg, out=tmp_path / "runs", run_dir=tmp_path / "decayed")
    # The checkpoint's rates were 1/16 of the configured ones (iteration 15 of 16); play trains at the config's.
    assert [o.param_groups[0]["lr"] for o in s.step.optimizers.values()] == [cfg.lr_gen, cfg.lr_disc]
    assert play_config(None, {"lr_decay": "linear"})[0].lr_decay == "none"


def test_a_staged_run_folder_appears_whole_or_not_at_all(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with Run.create_staged({"kind": "moons"}, "moons-x", root=tmp_path) as run:
            (run.path / "stats.jsonl").write_text("{}\n")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
    with Run.create_staged({"kind": "moons"}, "moons-x", root=tmp_path) as run:
        assert run.path.name.startswith(".moons-x.partial-")
    assert run.path == tmp_path / "00001-moons-x" and (run.path / "config.json").is_file()


def test_closing_during_a_save_leaves_no_half_written_run(session, tmp_path):
    s = session()
    s.control("step")
    future = s.submit("save")
    s.close()
    try:
        future.result(30)  # refused, or stopped at its next stage, unless it finished first
    except GanforgeError as e:
        assert "shutting down" in str(e) or "interrupted" in str(e)
    runs = tmp_path / "runs"
    entries = list(runs.iterdir()) if runs.exists() else []
    assert not [e.name for e in entries if e.name.startswith(".")]
    for entry in entries:  # only a save that finished before the close
        assert (entry / "metrics.json").is_file()


# The server, started as `ganforge play` is.
SMALL_MOONS = ("--hidden-disc", "32", "--n-samples", "2000", "--batch-size", "64")


class Server:
    """`ganforge play [method]` in a process of its own: small moons unless other options are given."""

    def __init__(self, tmp_path: Path, *options: str, method: tuple[str, ...] = ()):
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
        self.out = tmp_path / "runs"
        self.stderr = open(tmp_path / "server-stderr.txt", "w+")
        options = options if method else SMALL_MOONS + options
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ganforge", "play", *method, "--no-browser", "--port", "0", "--threads", "1",
             "--out", str(self.out), *options],
            stdout=subprocess.PIPE, stderr=self.stderr, text=True, cwd=tmp_path, env=env)
        lines: queue.Queue = queue.Queue()
        self.reader = threading.Thread(target=lambda: [lines.put(line) for line in self.proc.stdout], daemon=True)
        self.reader.start()
        self.output = []
        deadline = time.monotonic() + 60
        while True:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                self.stop()
                raise AssertionError(f"ganforge play did not start: {self.errors()}") from None
            self.output.append(line)
            if match := re.search(r"http://\S+/", line):
                self.url = match.group(0)
                break
        self.lines = lines

    def errors(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()

    def post(self, action: str, values=None, headers=None) -> tuple[int, dict]:
        request = urllib.request.Request(f"{self.url}api/{action}", data=json.dumps(values or {}).encode(),
                                         headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def interrupt(self, timeout: float = 30) -> int:
        """Ctrl-C; the exit code (the rest of stdout lands in self.output)."""
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout)
        self.reader.join(5)
        while not self.lines.empty():
            self.output.append(self.lines.get())
        return code

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.stderr.close()


def _answer_or_none(post, action):
    """A request the server may cut short as it stops: its answer, or None when there is none."""
    try:
        return post(action)
    except (OSError, ValueError):  # connection reset, or an empty body where JSON was expected
        return None


@pytest.mark.slow
@needs_web
def test_ctrl_c_stops_the_server_cleanly_even_during_a_save(tmp_path):
    server = Server(tmp_path)
    try:
        stream = urllib.request.urlopen(f"{server.url}api/frames", timeout=30)  # an open stream must not hold it up
        assert b"event: frame" in stream.read(200)
        assert server.post("settings", {"batch_size": 0}) == (400, {"error": "batch_size (the batch size) must be "
                                                                              ">= 1, got 0"})
        status, reply = server.post("pause", headers={"Origin": "http://example.com"})
        assert status == 403 and "own page" in reply["error"]
        assert server.post("play") == (200, {"running": True})
        time.sleep(0.5)
        threading.Thread(target=_answer_or_none, args=(server.post, "save"), daemon=True).start()
        time.sleep(0.1)
        assert server.interrupt() == 0, server.errors()
        stream.close()
    finally:
        server.stop()
    assert server.output[-1] == "ganforge play: stopped\n"
    entries = list(server.out.iterdir()) if server.out.exists() else []
    assert not [e.name for e in entries if e.name.startswith(".")], "a half-written run folder was left"
    for entry in entries:  # a save that finished before the Ctrl-C is complete
        assert (entry / "metrics.json").is_file() and list((entry / "checkpoints").iterdir())


# The page in headless Chromium.
HEATMAP_HASH_JS = """(() => {
  const c = document.getElementById('heatmap');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let h = 0;
  for (let i = 0; i < d.length; i += 4) h = (Math.imul(h, 31) + d[i] + (d[i + 1] << 8) + (d[i + 2] << 16)) | 0;
  return h;
})()"""
FRAME = "window.ganforgePlay.frame"


def click(browser, element_id: str) -> None:
    browser.evaluate(f"document.getElementById({element_id!r}).click()")


def save_run(browser) -> Path:
    """Click save and wait for the page to name the run folder it wrote."""
    click(browser, "save")
    message = browser.wait_for("document.getElementById('message').textContent.startsWith('saved ') && "
                               "document.getElementById('message').textContent", timeout=120, what="the save")
    return Path(re.match(r"saved (\S+) ", message).group(1))


def screenshot(browser, name: str) -> None:
    """The page as a PNG under $GANFORGE_SCREENSHOTS, where set (how the README's pictures are taken)."""
    shots = os.environ.get("GANFORGE_SCREENSHOTS")
    if shots:
        browser.screenshot(Path(shots) / name)


def change(browser, element_id: str, value: str) -> None:
    browser.evaluate(f"(() => {{ const el = document.getElementById({element_id!r}); el.value = {value!r}; "
                     "el.dispatchEvent(new Event('change')); })()")


@pytest.mark.slow
@needs_web
@needs_chromium
def test_the_page_in_headless_chromium(tmp_path, capsys):
    server = Server(tmp_path)
    browser = Browser(tmp_path / "profile", width=1100, height=900)
    try:
        browser.open(server.url)
        browser.wait_for(f"{FRAME} !== null", what="the first frame")
        assert browser.evaluate(f"{FRAME}.iteration") == 0

        # Play: the step count rises and the heatmap's pixels change.
        heat = browser.evaluate(HEATMAP_HASH_JS)
        click(browser, "play")
        browser.wait_for(f"{FRAME}.running && {FRAME}.iteration > 100", what="training to run")
        browser.wait_for(f"({HEATMAP_HASH_JS}) !== {heat}", what="the heatmap to change")
        assert int(browser.evaluate("document.getElementById('step').textContent")) > 0

        # Pause: nothing changes.
        click(browser, "play")
        browser.wait_for(f"!{FRAME}.running", what="the pause")
        time.sleep(0.3)
        paused = browser.evaluate(f"[{FRAME}.iteration, {HEATMAP_HASH_JS}, window.ganforgePlay.frames]")
        time.sleep(1.0)
        assert browser.evaluate(f"[{FRAME}.iteration, {HEATMAP_HASH_JS}, window.ganforgePlay.frames]") == paused

        # Step only D: the generated points stay where they were while the heatmap moves.
        iteration, heat = paused[0], paused[1]
        fake = browser.evaluate(f"{FRAME}.fake")
        for k in range(1, 6):
            click(browser, "step-disc")
            browser.wait_for(f"{FRAME}.iteration === {iteration + k}", what=f"D step {k}")
        assert browser.evaluate(f"{FRAME}.fake") == fake
        assert browser.evaluate(HEATMAP_HASH_JS) != heat
        click(browser, "step-gen")
        browser.wait_for(f"{FRAME}.iteration === {iteration + 6}", what="the G step")
        assert browser.evaluate(f"{FRAME}.fake") != fake

        # Revgrad trains too.
        change(browser, "trainer", "revgrad")
        browser.wait_for(f"{FRAME}.settings.trainer === 'revgrad' && {FRAME}.stat_names.includes('acc_real')",
                         what="the switch to revgrad")
        iteration, heat = browser.evaluate(f"{FRAME}.iteration"), browser.evaluate(HEATMAP_HASH_JS)
        click(browser, "play")
        browser.wait_for(f"{FRAME}.iteration > {iteration + 100}", what="revgrad to train")
        browser.wait_for(f"({HEATMAP_HASH_JS}) !== {heat}", what="the revgrad heatmap to change")
        browser.wait_for("window.ganforgePlay.history.some(r => typeof r.acc_real === 'number')",
                         what="revgrad's statistics in the curves")
        click(browser, "play")
        browser.wait_for(f"!{FRAME}.running", what="the pause")

        # A bad learning rate: the server's 400 message on the page; the setting and training go on.
        change(browser, "lr", "-1")
        message = browser.wait_for("document.getElementById('message').className === 'error' && "
                                   "document.getElementById('message').textContent", what="the 400 message")
        assert "refused (400)" in message and "lr (revgrad's learning rate) must be > 0" in message
        assert browser.evaluate(f"[{FRAME}.settings.lr, document.getElementById('lr').value]") == [0.001, "0.001"]
        iteration = browser.evaluate(f"{FRAME}.iteration")
        click(browser, "step-both")
        browser.wait_for(f"{FRAME}.iteration === {iteration + 1}", what="a step after the refusal")

        # Save: a run folder that `ganforge eval` scores.
        run = save_run(browser)
        assert run.parent == server.out and (run / "config.json").is_file()
        browser.wait_for(f"{FRAME}.notice === {json.dumps(f'saved {run}')}", what="the notice to every tab")

        screenshot(browser, "play.png")
        # Chromium logs the refused control's 400 as a failed load; nothing else may fail.
        errors = browser.errors()
        assert [e for e in errors if "status of 400 (Bad Request)" not in e] == [] and len(errors) == 1, errors
    finally:
        browser.close()
        code = server.interrupt() if server.proc.poll() is None else server.proc.returncode
        server.stop()
    assert code == 0, server.errors()
    assert main(["eval", str(run)]) == 0
    assert (run / "metrics.json").is_file() and "wrote" in capsys.readouterr().out


CANVAS_HASH_JS = """((id) => {
  const c = document.getElementById(id);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let h = 0;
  for (let i = 0; i < d.length; i += 4) h = (Math.imul(h, 31) + d[i] + (d[i + 1] << 8) + (d[i + 2] << 16)
                                              + (d[i + 3] << 24)) | 0;
  return h;
})"""


def draw_stroke(browser, points) -> None:
    """Drag the pointer along `points` (pixel offsets inside the plane's canvas)."""
    browser.evaluate("""((pts) => {
      const c = document.getElementById('points'), box = c.getBoundingClientRect();
      const at = (type, [x, y]) => c.dispatchEvent(new PointerEvent(type, {clientX: box.left + x,
                                                   clientY: box.top + y, bubbles: true}));
      at('pointerdown', pts[0]);
      pts.slice(1).forEach((p) => at('pointermove', p));
      window.dispatchEvent(new PointerEvent('pointerup', {bubbles: true}));
    })(%s)""" % json.dumps(points))


@pytest.mark.slow
@needs_web
@needs_chromium
def test_gan_labs_controls_in_chromium_and_the_run_repeats_on_the_command_line(tmp_path, capsys):
    """The ring, a drawn distribution, depth and width, Gaussian noise, 3 D steps per G step, SGD; the manifold
    and divergence views draw; the saved run's config.json repeats it all, and `ganforge train moons` with those
    options trains the same first 50 iterations (the page's records of 10 iterations are its epochs here)."""
    server = Server(tmp_path, "--n-samples", "640")
    browser = Browser(tmp_path / "profile", width=1100, height=1400)
    try:
        browser.open(server.url)
        browser.wait_for(f"{FRAME} !== null", what="the first frame")
        change(browser, "dataset", "ring")
        browser.wait_for(f"{FRAME}.settings.dataset === 'ring'", what="the ring")
        click(browser, "draw")
        circle = [[260 + 120 * math.cos(t / 10), 260 + 60 * math.sin(t / 10)] for t in range(0, 63)]
        draw_stroke(browser, [[int(x), int(y)] for x, y in circle])
        assert browser.evaluate("window.ganforgePlay.drawn.length") > 20
        click(browser, "draw-use")
        browser.wait_for(f"{FRAME}.settings.dataset === 'drawn' && {FRAME}.settings.points.length > 20",
                         what="the drawn distribution")
        for element, value in (("gen_depth", "1"), ("gen_width", "24"), ("disc_depth", "1"), ("hidden_disc", "48"),
                               ("noise_size", "2"), ("noise_dist", "gaussian"), ("d_steps", "3"),
                               ("optimizer_gen", "sgd"), ("optimizer_disc", "sgd"), ("lr_gen", "0.05"),
                               ("lr_disc", "0.05")):
            change(browser, element, value)
            browser.wait_for(f"String({FRAME}.settings.{element}) === {value!r}", what=element)
        # The manifold: the noise grid through G, drawn over the plane.
        plain = browser.evaluate(f"{CANVAS_HASH_JS}('points')")
        click(browser, "show-manifold")
        browser.wait_for(f"{CANVAS_HASH_JS}('points') !== {plain}", what="the manifold")
        # Slow motion: each of the 3 D updates and the G update in turn.
        divergence = browser.evaluate(f"{CANVAS_HASH_JS}('div-chart')")
        click(browser, "slow")
        browser.wait_for(f"{FRAME}.settings.slow === true", what="slow motion")
        click(browser, "play")
        browser.wait_for("document.getElementById('phase').textContent.includes('D updated (2 of 3)')",
                         what="the second D update in slow motion")
        browser.wait_for("document.getElementById('phase').textContent.includes('G updated (1 of 1)')",
                         what="the G update in slow motion")
        click(browser, "play")
        browser.wait_for(f"!{FRAME}.running", what="the pause")
        click(browser, "slow")
        browser.wait_for(f"{FRAME}.settings.slow === false", what="slow motion off")
        # From the seed again, 60 iterations as `ganforge train moons` would train them.
        browser.evaluate("document.getElementById('seed').value = '7'")
        click(browser, "reset")
        browser.wait_for(f"{FRAME}.settings.seed === 7 && {FRAME}.iteration === 0", what="the reset")
        click(browser, "play")
        browser.wait_for(f"{FRAME}.iteration >= 60", timeout=120, what="60 iterations")
        click(browser, "play")
        browser.wait_for(f"!{FRAME}.running", what="the pause")
        browser.wait_for(f"{CANVAS_HASH_JS}('div-chart') !== {divergence}", what="the divergence curves")
        history = browser.evaluate("window.ganforgePlay.history")
        assert any("div_grid_kl" in r and "div_recall" in r for r in history)
        run = save_run(browser)
        screenshot(browser, "play-ganlab.png")
    finally:
        browser.close()
        server.interrupt() if server.proc.poll() is None else None
        server.stop()
    config = json.loads((run / "config.json").read_text())
    wanted = dict(dataset="drawn", gen_depth=1, gen_width=24, disc_depth=1, hidden_disc=48, noise_size=2,
                  noise_dist="gaussian", d_steps=3, g_steps=1, optimizer_gen="sgd", optimizer_disc="sgd", seed=7)
    assert {k: config[k] for k in wanted} == wanted and config["points"].count(";") > 20
    # The same options on the command line: the first 50 iterations, in epochs of 10 (640 points, batch 64).
    options = [f"--{k.replace('_', '-')}={v}" for k, v in config.items()
               if k not in ("kind", "preset", "epochs", "plot_every", "device", "precision") and not isinstance(v, bool)]
    assert main(["train", "moons", *options, "--epochs", "5", "--plot-every", "0", "--threads", "1",
                 "--out", str(tmp_path / "cli")]) == 0
    capsys.readouterr()
    cli = [r for r in read_stats(tmp_path / "cli" / "stats.jsonl")]
    page = [r for r in history if r["iter"] <= 50]
    assert [r["iter"] for r in page] == [10, 20, 30, 40, 50] and [r["epoch"] for r in cli] == [1, 2, 3, 4, 5]
    for on_page, on_cli in zip(page, cli):
        for name in ("disc_loss", "gen_loss", "disc_acc", "gen_acc"):
            assert on_page[name] == pytest.approx(on_cli[name], rel=1e-5, abs=1e-7), (on_page["iter"], name)


GRID_HASH_JS = """(() => {
  const img = document.querySelector('#grids img');
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let h = 0;
  for (let i = 0; i < d.length; i += 4) h = (Math.imul(h, 31) + d[i] + (d[i + 1] << 8) + (d[i + 2] << 16)) | 0;
  return h;
})()"""


@pytest.mark.slow
@needs_web
@needs_chromium
def test_a_dcgan_trains_live_in_chromium_and_its_saved_run_is_read_by_eval_and_sample(tmp_path, capsys):
    from emoji_fakes import write_archive_layout

    data = write_archive_layout(tmp_path / "emojis", n_train=24, n_test=8)
    server = Server(tmp_path, "--data-dir", str(data), "--conv-dim", "8", "--batch-size", "8", method=("dcgan",))
    browser = Browser(tmp_path / "profile", width=1200, height=1000)
    try:
        browser.open(server.url)
        browser.wait_for(f"{FRAME} !== null && document.querySelector('#grids img') !== null "
                         "&& document.querySelector('#grids img').complete", what="the first grid")
        assert browser.evaluate("document.title").startswith("ganforge play · DCGAN")
        assert browser.evaluate("document.getElementById('lr_gen') !== null && "
                                "document.getElementById('lr_disc') !== null")   # the method's own rates
        grid = browser.evaluate(GRID_HASH_JS)
        click(browser, "play")
        browser.wait_for(f"{FRAME}.iteration > 20", timeout=120, what="the DCGAN to train")
        browser.wait_for(f"({GRID_HASH_JS}) !== {grid}", timeout=60, what="the grid's pixels to change")
        click(browser, "play")
        browser.wait_for(f"!{FRAME}.running", what="the pause")
        change(browser, "lr_gen", "-1")
        message = browser.wait_for("document.getElementById('message').className === 'error' && "
                                   "document.getElementById('message').textContent", what="the 400 message")
        assert "lr_gen must be > 0" in message
        browser.wait_for("window.ganforgePlay.history.some(r => typeof r.disc_loss === 'number')",
                         what="the curves")
        run = save_run(browser)
        screenshot(browser, "play-dcgan.png")
    finally:
        browser.close()
        server.interrupt() if server.proc.poll() is None else None
        server.stop()
    assert json.loads((run / "config.json").read_text())["kind"] == "dcgan"
    assert main(["eval", str(run)]) == 0
    assert main(["sample", "--run", str(run), "--n", "9"]) == 0 and (run / "samples-9.png").is_file()


@pytest.mark.parametrize("kind, directions", [("cyclegan", 2), ("pix2pix", 1)])
def test_a_translator_trains_live_and_saves_a_run_that_translate_reads(tmp_path, monkeypatch, kind, directions):
    from emoji_fakes import patch_emoji_data
    from ganforge import methods
    from ganforge.workflows.play_images import ImageSession

    patch_emoji_data(monkeypatch)
    method = methods.get(kind)
    cfg = method.resolve(conv_dim=4, batch_size=8, n_sample_images=4, precision="fp32", threads=1)
    session = ImageSession(method, cfg, out=tmp_path / "runs").start()
    try:
        for _ in range(3):
            session.control("step")
        session.control("settings", {"lr": 1e-4})
        with pytest.raises(GanforgeError, match="lr must be > 0"):
            session.control("settings", {"lr": 0})
        time.sleep(0.3)
        assert session.frame.iteration == 3 and len(session.frame.grids) == directions
        assert {g["name"] for g in session.frame.grids} >= {"apple-windows"}
        reply = session.control("save")
    finally:
        session.close()
    run = Path(reply["path"])
    assert json.loads((run / "config.json").read_text())["lr"] == 1e-4
    assert main(["translate", "--run", str(run), "--test-set", "--out", str(tmp_path / "t")]) == 0
