"""`ganforge play`: the moons GANs of `ganforge train moons`, trained live for a web page to watch and steer.

A PlaySession owns one training: the config, the moons data, the networks and the
step of cfg.trainer, built by the same code as `ganforge train moons`
(methods/moons.py, through methods.prepare_training), so what the page shows is what the
assignment trains. Frames and saves draw no training randomness, so a session reset
with a seed trains, iteration for iteration, what `ganforge train moons --seed SEED`
trains (saving disc-only is the exception: its dummy generator draws its points from
torch's global generator, as it does in training).

Threads. One trainer thread does everything to the training state: it runs the
iterations, applies the controls and draws the frames. Other threads (the web
server's) only submit controls and read the latest frame:
  * a control is a command on a queue; the trainer validates and applies it as
    one unit between two iterations and answers through a Future (a
    GanforgeError for a bad value, which the web layer turns into HTTP 400);
  * a frame (heatmap, points, arrows, the curves' new records) is drawn by the
    trainer between iterations and published by replacing one reference;
    readers never wait for the trainer, and the trainer never waits for a reader.
    Frames come FRAME_RATE times a second at most, and less often when drawing
    them would take more than FRAME_SHARE of the trainer's time.
  * Save copies the state between two iterations (milliseconds) and writes the
    run folder on a thread of its own while training goes on.

Two tabs. There is one session per server, and every tab watches and steers it.
We decided so because the training is this machine's CPU: a session per tab
would split the cores between trainings nobody compares, and a second tab
(or a reload) would silently start over. One shared session means one training,
one step count and one saved run that all tabs saw. Tabs cannot corrupt each
other's state: controls are applied whole, one at a time, in the order they
arrive, by the only thread that touches the training; every frame carries the
settings it was drawn with, so each tab's controls follow the other tab's
changes; and each tab receives the curves' records from its own position.
"""
from __future__ import annotations

import concurrent.futures
import copy
import dataclasses
import math
import queue
import threading
import time
from pathlib import Path

import torch

from .. import config as config_mod
from .. import methods
from ..data.batches import PointBatches
from ..data.moons import make_moons
from ..errors import GanforgeError
from ..hardware import CPU_FP32, pick_hardware
from ..methods.moons import METHOD as MOONS
from ..methods.moons import MoonsConfig, moon_generator
from ..models.moons import UniformMoonGenerator
from ..models.nets import GANNets
from ..runs import Run
from ..train import checkpoint
from ..train.losses import adversarial_loss
from ..train.steps import RevGradGAN
from .play_frames import Frame, FrameInputs, draw, finite
from .play_save import Snapshot, write_play_run

FRAME_RATE = 5.0          # frames a second at most while training runs
FRAME_SHARE = 0.2         # the most of the trainer's time that drawing frames may take
LOG_EVERY = 10            # iterations averaged into one record of the curves and of a saved stats.jsonl

# The settings a page may change, with what a message calls them.
SETTINGS = {
    "trainer": "the trainer",
    "loss": "the loss",
    "lr_gen": "the generator's learning rate",
    "lr_disc": "the discriminator's learning rate",
    "lr": "revgrad's learning rate",
    "batch_size": "the batch size",
    "speed": "the speed in iterations a second, 0 for as fast as it goes",
}
STEPS = {"both": (True, True), "disc": (False, True), "gen": (True, False)}  # what: (generator, discriminator)


def play_config(preset: str | None, options: dict, run_dir=None) -> tuple[MoonsConfig, str]:
    """The session's starting config and preset: preset + options, or a moons run's config + options."""
    if run_dir is None:
        cfg = _constant_rates(MOONS.resolve(preset, **options))
        return cfg, preset or MOONS.default_preset
    if preset is not None:
        raise GanforgeError("--run starts from the run's saved config; drop --preset")
    run = Run.open(run_dir)
    if run.kind != MOONS.name:
        raise GanforgeError(f"--run {run_dir} is a {run.kind} run; ganforge play needs a {MOONS.name} run")
    cfg = _constant_rates(dataclasses.replace(MOONS.from_dict(run.config), **options))
    config_mod.validate(cfg)
    return cfg, run.config.get("preset") or MOONS.default_preset


def _constant_rates(cfg: MoonsConfig) -> MoonsConfig:
    """The playground trains for as long as it is left running, so rates cannot fall to zero by a last
    iteration (--lr-decay): it trains at the configured constant rates, and its saves say so."""
    return dataclasses.replace(cfg, lr_decay="none")


class PlaySession:
    """One live moons training that web pages watch and steer (see the module docstring)."""

    def __init__(self, cfg: MoonsConfig, preset: str = "radboud", out="runs", run_dir=None):
        self.preset, self.out = preset, Path(out)
        self.hw = pick_hardware(cfg.device, cfg.precision, cfg.threads, deterministic=cfg.deterministic)
        self.cfg = cfg
        self.speed = 0.0
        self.running = False
        self.generation = 0
        self.frame: Frame | None = None
        self._commands: queue.SimpleQueue = queue.SimpleQueue()
        self._submit_lock = threading.Lock()
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._saver = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="ganforge-play-save")
        self._rng_devices = [self.hw.device] if self.hw.device.type == "cuda" else []
        self._frame_number = 0
        self._notice, self._notice_number = "", 0
        self._events: list[str] = []
        self._dirty = False       # a control changed something: draw a frame now
        self._reset(cfg.seed)
        if run_dir is not None:
            self._load_run(run_dir)
        self._publish()
        self._thread = threading.Thread(target=self._loop, name="ganforge-play-trainer", daemon=True)

    # The public side: start, stop, controls, status.
    def start(self) -> "PlaySession":
        self._thread.start()
        return self

    def close(self, timeout: float = 60.0) -> None:
        """Stop training; a save in progress stops at its next stage and leaves no run folder behind."""
        with self._submit_lock:
            self._closing.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._saver.shutdown(wait=True, cancel_futures=True)
        self._refuse_waiting_commands()

    def submit(self, action: str, values: dict | None = None) -> concurrent.futures.Future:
        """Ask the trainer to apply one control between two iterations; the Future gives its reply (a dict)
        or raises GanforgeError for a value it refuses."""
        handler = getattr(self, f"_on_{action}", None) if action in ("play", "pause", "step", "reset",
                                                                      "settings", "save") else None
        if handler is None:
            raise GanforgeError(f"unknown control {action!r}; the controls are play, pause, step, reset, "
                                "settings and save")
        if not isinstance(values, (dict, type(None))):
            raise GanforgeError(f"the {action} control takes a JSON object, got {type(values).__name__}")
        future: concurrent.futures.Future = concurrent.futures.Future()
        with self._submit_lock:
            if self._closing.is_set():
                raise GanforgeError("the playground is shutting down")
            self._commands.put((handler, dict(values or {}), future))
        self._wake.set()
        return future

    def control(self, action: str, values: dict | None = None, timeout: float = 120.0) -> dict:
        """submit() and wait for the reply (the notebook's and the tests' way)."""
        return self.submit(action, values).result(timeout)

    def settings(self) -> dict:
        cfg = self.cfg
        return {"trainer": cfg.trainer, "loss": cfg.loss, "lr_gen": cfg.lr_gen, "lr_disc": cfg.lr_disc,
                "lr": cfg.lr, "batch_size": cfg.batch_size, "speed": self.speed, "seed": cfg.seed}

    def status(self) -> dict:
        """The latest frame's numbers, without its pictures."""
        f = self.frame
        return {"iteration": f.iteration, "epoch": round(f.epoch, 4), "running": f.running,
                "rate": round(f.rate, 1), "step_ms": round(f.step_ms, 3), "settings": f.settings,
                "device": self.hw.describe(), "threads": torch.get_num_threads(), "frames": f.number}

    # Building the training.
    def _reset(self, seed: int) -> None:
        """Fresh networks, data and curves from `seed`, exactly as `ganforge train moons` builds them."""
        cfg = dataclasses.replace(self.cfg, seed=seed)
        torch.manual_seed(seed)
        self.real = make_moons(cfg.n_samples, cfg.noise, seed).to(self.hw.device)  # (N, 2)
        training = methods.prepare_training(MOONS, cfg, self.hw, (self.real,))
        self.nets, self.step, self._batches = training.networks, training.step, training.batches
        self._spare_generator = None   # the trained generator, put aside while disc-only uses the dummy
        self.cfg = cfg
        self.iteration = self.points_seen = self._batch_index = 0
        self.train_seconds = 0.0
        self._frame_inputs = FrameInputs(self.real, cfg.noise_size, self.hw.device)
        self.generation += 1
        self.history: list[dict] = []
        self._start_sums()
        self.running = False
        self._rate, self._step_ms, self._window = 0.0, 0.0, None
        self._events = [f"iteration 0: reset with seed {seed} ({self._describe()})"]

    def _describe(self) -> str:
        c = self.cfg
        return (f"{c.trainer}, {c.loss}, lr_gen {c.lr_gen:g}, lr_disc {c.lr_disc:g}, lr {c.lr:g}, "
                f"batch {c.batch_size}")

    def _load_run(self, run_dir) -> None:
        """Continue from a moons run's latest checkpoint: weights, optimizer states, RNG, step count, curves."""
        run = Run.open(run_dir)
        path = run.checkpoint_at(None)
        state = checkpoint.load(path, self.nets.as_dict(), self.step.optimizers, restore_rng=True,
                                device=self.hw.device)
        # The optimizers' saved rates are where a decaying run left them (near zero at its end); play's are
        # the config's constant ones.
        self._set_learning_rates(self.cfg)
        extra, epochs = state["extra"], int(state["step"])
        per_epoch = PointBatches.per_epoch_of(self.cfg.n_samples, self.cfg.batch_size)
        self.iteration = int(extra.get("iterations", epochs * per_epoch))
        self.points_seen = int(extra.get("points_seen", epochs * self.cfg.n_samples))
        self._batch_index = int(extra.get("batch_index", 0))
        self.train_seconds = float(extra.get("train_seconds", 0.0))
        for record in run.read_stats():
            if record.get("kind") is None and isinstance(record.get("epoch"), (int, float)):
                self.history.append({"iter": round(record["epoch"] * per_epoch), **record})
        self._events = [f"iteration {self.iteration}: started from {path} ({self._describe()})"]

    def _start_sums(self) -> None:
        """Zero the statistics summed since the last record (one sum and one count per statistic)."""
        names = self.step.stat_names
        self._sums = torch.zeros(len(names), device=self.hw.device)
        self._counts = [0] * len(names)

    # The trainer thread.
    def _loop(self) -> None:
        due = time.perf_counter()  # when the next iteration may start (the speed setting)
        last_frame, interval = 0.0, 1 / FRAME_RATE
        while not self._closing.is_set():
            was_running = self.running
            self._apply_commands()
            now = time.perf_counter()
            if self.running and not was_running:
                due = now
            if self.running and now >= due:
                self._guarded(self._iterate, True, True)
                due = max(due + 1 / self.speed, now - 1.0) if self.speed else now
            if self._dirty or (self.running and time.perf_counter() - last_frame >= interval):
                cost = self._guarded(self._publish)
                last_frame = time.perf_counter()
                # Frames take at most FRAME_SHARE of the time: an expensive frame waits longer for the next.
                interval = max(1 / FRAME_RATE, (cost or 0.0) * (1 - FRAME_SHARE) / FRAME_SHARE)
                self._dirty = False
            if not self.running or self.speed:
                now = time.perf_counter()
                until = [last_frame + interval - now] if self.running else []
                if self.running:
                    until.append(due - now)
                self._wake.wait(max(0.0, min(until, default=0.5)))
                self._wake.clear()

    def _guarded(self, fn, *args):
        """Run fn; an error pauses training and tells every tab instead of ending the trainer thread."""
        try:
            return fn(*args)
        except Exception as e:  # noqa: BLE001 - the trainer must outlive any one step or frame
            self.running = False
            self._tell(f"training paused: {type(e).__name__}: {e}")
            self._dirty = True
            return None

    def _apply_commands(self) -> None:
        while True:
            try:
                handler, values, future = self._commands.get_nowait()
            except queue.Empty:
                return
            if not future.set_running_or_notify_cancel():
                continue
            try:
                reply = handler(values)
            except Exception as e:  # noqa: BLE001 - refused (GanforgeError) or failed: the page is told either way
                future.set_exception(e)
            else:
                if isinstance(reply, concurrent.futures.Future):  # Save: answered when the folder is written
                    reply.add_done_callback(lambda done, future=future: _chain(done, future))
                else:
                    future.set_result(reply)
            self._dirty = True

    def _post(self, fn) -> None:
        """Have the trainer thread call fn() between two iterations (for the save thread's news)."""
        self._commands.put((lambda values: fn(), {}, concurrent.futures.Future()))
        self._wake.set()

    def _refuse_waiting_commands(self) -> None:
        while True:
            try:
                _, _, future = self._commands.get_nowait()
            except queue.Empty:
                return
            if future.set_running_or_notify_cancel():
                future.set_exception(GanforgeError("the playground is shutting down"))

    def _iterate(self, generator: bool, discriminator: bool) -> None:
        """One step of the current trainer (both networks, or one of them), its statistics summed."""
        started = time.perf_counter()
        step, names, size = self.step, self.step.stat_names, self.cfg.batch_size
        if isinstance(step, RevGradGAN) or discriminator:
            real, = self._batches(self._batch_index)  # (B, 2); a G-only two-step needs no real points
            self._batch_index += 1
            self.points_seen += real.shape[0]
        if isinstance(step, RevGradGAN):
            values, which = step.update(real, generator, discriminator), names
        elif generator and discriminator:
            values, which = step(real), names
        elif discriminator:
            values, which = step.discriminator_step(real), ("disc_loss", "disc_acc")
        else:
            values, which = step.generator_step(size), ("gen_loss", "gen_acc")
        if which is names:  # the usual case: every statistic, no index to build
            self._sums += values
            self._counts = [c + 1 for c in self._counts]
        else:
            index = [names.index(n) for n in which]
            self._sums[index] += values
            for i in index:
                self._counts[i] += 1
        self.iteration += 1
        now = time.perf_counter()
        self.train_seconds += now - started
        self._measure(now, now - started)
        if self.iteration % LOG_EVERY == 0:
            self._record()

    def _measure(self, now: float, seconds: float) -> None:
        """Iterations a second (frames included) and milliseconds an iteration, over windows of a second."""
        if self._window is None or not self.running:
            self._window = [now, self.iteration, 0.0]
            return
        self._window[2] += seconds
        elapsed = now - self._window[0]
        if elapsed >= 1.0:
            done = self.iteration - self._window[1]
            self._rate, self._step_ms = done / elapsed, 1000 * self._window[2] / max(done, 1)
            self._window = [now, self.iteration, 0.0]

    def _record(self) -> None:
        """Append the mean statistics since the last record to the curves; a non-finite one pauses training."""
        if not any(self._counts):
            return
        sums = self._sums.tolist()  # the only host-device sync between records
        record = {"iter": self.iteration, "epoch": round(self.points_seen / self.cfg.n_samples, 5)}
        for name, total, count in zip(self.step.stat_names, sums, self._counts):
            if count:
                record[name] = finite(total / count)
        self.history.append(record)
        self._start_sums()
        bad = [name for name, v in record.items() if v is None]
        if bad and self.running:
            self.running = False
            self._tell(f"training paused at iteration {self.iteration}: {', '.join(bad)} is not finite; "
                       "lower the learning rates or reset")

    def _tell(self, notice: str) -> None:
        self._notice, self._notice_number = notice, self._notice_number + 1
        self._events.append(f"iteration {self.iteration}: {notice}")

    # Frames.
    def _publish(self) -> float:
        """Draw a frame and publish it; return the seconds it took."""
        started = time.perf_counter()
        if not self.running:
            self._record()  # stepping by hand: show every step in the curves at once
        heatmap, fake, arrows = draw(self.nets, self.step, self.cfg.loss, self._frame_inputs, self.hw, self._rng_devices)
        self._frame_number += 1
        self.frame = Frame(
            number=self._frame_number, generation=self.generation, iteration=self.iteration,
            epoch=self.points_seen / self.cfg.n_samples, running=self.running,
            rate=self._rate if self.running else 0.0, step_ms=self._step_ms, settings=self.settings(),
            stat_names=tuple(self.step.stat_names),
            heatmap=heatmap, fake=fake, arrows=arrows, real=self._frame_inputs.real_b64, history=self.history, history_len=len(self.history),
            notice=self._notice, notice_number=self._notice_number)
        return time.perf_counter() - started

    # Controls, applied by the trainer thread between two iterations.
    @staticmethod
    def _no_values(action: str, values: dict) -> None:
        if values:
            raise GanforgeError(f"the {action} control takes no values; got {', '.join(sorted(values))}")

    def _on_play(self, values: dict) -> dict:
        self._no_values("play", values)
        if not self.running:
            self.running, self._rate, self._window = True, 0.0, None
        return {"running": True}

    def _on_pause(self, values: dict) -> dict:
        self._no_values("pause", values)
        self.running = False
        return {"running": False}

    def _on_step(self, values: dict) -> dict:
        """One step (pausing first): what = both (the trainer's step), disc (D only) or gen (G only)."""
        unknown = sorted(set(values) - {"what"})
        if unknown:
            raise GanforgeError(f"the step control takes only 'what'; got {', '.join(unknown)}")
        what = values.get("what", "both")
        if what not in STEPS:
            raise GanforgeError(f"what must be one of {', '.join(STEPS)}; got {what!r}")
        self.running = False
        self._iterate(*STEPS[what])
        return {"iteration": self.iteration}

    def _on_reset(self, values: dict) -> dict:
        """New networks and data from `seed` (default: the current one), keeping the other settings; pauses."""
        unknown = sorted(set(values) - {"seed"})
        if unknown:
            raise GanforgeError(f"the reset control takes only 'seed'; got {', '.join(unknown)}")
        seed = values.get("seed", self.cfg.seed)
        if isinstance(seed, float) and seed.is_integer():
            seed = int(seed)
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise GanforgeError(f"seed must be a whole number >= 0, got {seed!r}")
        self._reset(seed)
        return {"seed": seed, "iteration": 0}

    def _on_settings(self, values: dict) -> dict:
        new, speed = self._checked(values)
        old = self.cfg
        changes = [f"{name} {old_value} -> {new_value}" for name, old_value, new_value in
                   [(n, getattr(old, n), getattr(new, n)) for n in SETTINGS if n != "speed"] if old_value != new_value]
        if speed != self.speed:
            changes.append(f"speed {self.speed:g} -> {speed:g}")
        if new.trainer != old.trainer:
            self._record()
            self._switch_trainer(new)
            self._start_sums()  # other statistics from here on
        else:
            if new.loss != old.loss:
                self.step.loss = adversarial_loss(new.loss)
            self._set_learning_rates(new)
        if new.batch_size != old.batch_size:
            self._batches = MOONS.data.batches(new, self.hw, self.real)
            self._batch_index = 0  # a new pass over the points in batches of the new size
        self.cfg, self.speed = new, speed
        if changes:
            self._events.append(f"iteration {self.iteration}: {', '.join(changes)}")
        return {"settings": self.settings()}

    def _checked(self, values: dict) -> tuple[MoonsConfig, float]:
        """The config and speed `values` ask for, or a GanforgeError saying what was expected."""
        unknown = sorted(set(values) - set(SETTINGS))
        if unknown:
            raise GanforgeError(f"unknown setting {unknown[0]!r}; the settings are {', '.join(SETTINGS)}")
        types = {f.name: config_mod.field_type(f) for f in dataclasses.fields(MoonsConfig)}
        changes = {}
        for name, value in values.items():
            kind = types.get(name, float)
            if kind is int and isinstance(value, float) and value.is_integer():
                value = int(value)
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if kind in (int, float) and (isinstance(value, bool) or not isinstance(value, kind)):
                expected = "a whole number" if kind is int else "a number"
                raise GanforgeError(f"{name} ({SETTINGS[name]}) must be {expected}, got {value!r}")
            changes[name] = value
        speed = changes.pop("speed", self.speed)
        if not (math.isfinite(speed) and speed >= 0):
            raise GanforgeError(f"speed ({SETTINGS['speed']}) must be >= 0, got {speed}")
        new = dataclasses.replace(self.cfg, **changes)
        try:
            config_mod.validate(new)
        except GanforgeError as e:  # name the control, not the command-line option
            message = str(e)
            for name, what in SETTINGS.items():
                message = message.replace(config_mod.option_name(name) + " ", f"{name} ({what}) ", 1)
            raise GanforgeError(message) from None
        if new.batch_size > new.n_samples:
            raise GanforgeError(f"batch_size ({SETTINGS['batch_size']}) must be <= {new.n_samples}, the number of "
                                f"real points; got {new.batch_size}")
        return new, float(speed)

    def _switch_trainer(self, new: MoonsConfig) -> None:
        """The step of new.trainer over the same discriminator (fresh optimizers, as its own run would start).

        disc-only puts the generator aside for the handout's uniform dummy, and gets it back when left.
        """
        G, D = self.nets.generator, self.nets.discriminator
        if new.trainer == "disc-only":
            if not isinstance(G, UniformMoonGenerator):
                self._spare_generator = G
            G = self._placed(UniformMoonGenerator(new.noise_size))
        elif isinstance(G, UniformMoonGenerator):
            G = self._spare_generator or self._placed(moon_generator(new))
            self._spare_generator = None
        self.nets = GANNets(G, D)
        self.step = MOONS.step(new, self.nets, self.hw)

    def _placed(self, module: torch.nn.Module) -> torch.nn.Module:
        module.to(self.hw.device)
        if self.cfg.compile:
            module.compile()
        return module

    def _set_learning_rates(self, new: MoonsConfig) -> None:
        rates = {"gen": new.lr_gen, "disc": new.lr_disc, "all": new.lr}
        for name, optimizer in self.step.optimizers.items():
            for group in optimizer.param_groups:
                group["lr"] = rates[name]

    def _on_save(self, values: dict) -> concurrent.futures.Future:
        """Copy the state now; write the run folder on the save thread (answered when it is complete)."""
        self._no_values("save", values)
        self._record()
        cpu_cfg = dataclasses.replace(self.cfg, compile=False)
        with torch.random.fork_rng(devices=[]):  # building copies must not move the training's RNG
            nets = methods.build_networks(MOONS, cpu_cfg, CPU_FP32)
        for name, module in nets.as_dict().items():
            module.load_state_dict({k: v.detach().to("cpu", copy=True)
                                    for k, v in self.nets.as_dict()[name].state_dict().items()})
            module.eval()
        optimizers = {name: copy.deepcopy(opt.state_dict()) for name, opt in self.step.optimizers.items()}
        snapshot = Snapshot(self.cfg, self.preset, nets, optimizers, list(self.history), list(self._events),
                            self.iteration, self.points_seen, self._batch_index, self.train_seconds,
                            tuple(self.step.stat_names))
        return self._saver.submit(self._save, snapshot)

    def _save(self, snapshot: Snapshot) -> dict:
        """On the save thread: write the run folder, then tell every tab."""
        reply = write_play_run(snapshot, self.hw, self.out, self._closing.is_set)
        self._post(lambda: self._tell(f"saved {reply['path']}"))
        return reply

def _chain(done: concurrent.futures.Future, future: concurrent.futures.Future) -> None:
    """Copy the outcome of `done` into `future`."""
    error = done.exception() if not done.cancelled() else GanforgeError("the save was cancelled by the shutdown")
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(done.result())
