"""`ganforge play`: the 2-D GANs of `ganforge train moons`, trained live for a web page to watch and steer.

A PlaySession owns one training (live.py says how the trainer thread, the controls and the
tabs work): the config, the points, the networks and the step of cfg.trainer, built by the
same code as `ganforge train moons` (methods/moons.py, through methods.prepare_training),
so what the page shows is what the assignment trains. Frames and saves draw no training
randomness, so a session reset with a seed trains, iteration for iteration, what
`ganforge train moons --seed SEED --plot-every 0` trains (saving disc-only is the
exception: its dummy generator draws its points from torch's global generator, as it does
in training). Beyond the handout, GAN Lab's views and controls: data sets and a drawn
distribution, layers and widths, noise, steps per iteration, optimizers, the generator's
manifold, slow motion, divergence curves and a trained model per data set.
"""
from __future__ import annotations

import concurrent.futures
import copy
import dataclasses
import hashlib
import json
import math
import shutil
import subprocess
import sys
import time
from pathlib import Path

import torch

from .. import config as config_mod
from .. import methods
from ..data.batches import PointBatches
from ..data.points import parse_points, points_text, real_points
from ..errors import GanforgeError
from ..fileio import cache_root
from ..hardware import CPU_FP32, pick_hardware
from ..methods.moons import METHOD as MOONS
from ..methods.moons import MoonsConfig, moon_generator
from ..models.modes import eval_mode
from ..models.moons import UniformMoonGenerator
from ..models.nets import GANNets
from ..runs import Run
from ..train import checkpoint
from ..train.losses import adversarial_loss
from ..train.steps import RevGradGAN, finish
from .play_frames import N_REAL as FRAME_REAL
from .live import LiveSession, changed_config
from .play_frames import Frame, FrameInputs, draw
from .play_save import Snapshot, write_play_run

DIVERGENCE_EVERY = 5      # records between two points of the divergence curves (KL, JS, MMD, precision, recall)
SLOW_PAUSE = 0.7          # seconds each update of an iteration stays on the page in slow motion
PRETRAINED = dict(n_samples=20_000, epochs=10)  # how a data set's trained model is trained, once per machine

# The settings a page may change, with what a message calls them.
SETTINGS = {
    "trainer": "the trainer",
    "loss": "the loss",
    "lr_gen": "the generator's learning rate",
    "lr_disc": "the discriminator's learning rate",
    "lr": "revgrad's learning rate",
    "batch_size": "the batch size",
    "optimizer_gen": "the generator's optimizer",
    "optimizer_disc": "the discriminator's optimizer",
    "d_steps": "the discriminator's updates per iteration",
    "g_steps": "the generator's updates per iteration",
    "dataset": "the data set",
    "points": "the drawn distribution",
    "gen_depth": "the generator's hidden layers",
    "gen_width": "the generator's layer width",
    "disc_depth": "the discriminator's hidden layers",
    "hidden_disc": "the discriminator's layer width",
    "noise_size": "the noise's dimensions",
    "noise_dist": "the noise's distribution",
    "speed": "the speed in iterations a second, 0 for as fast as it goes",
    "slow": "slow motion (each update of an iteration shown in turn)",
}
SESSION = ("speed", "slow")  # settings of the session, not of the training (no config field)
# Settings that change the data or the networks' shape: the session starts again (same seed, new networks).
RESETTING = ("dataset", "points", "gen_depth", "gen_width", "disc_depth", "hidden_disc", "noise_size", "noise_dist")
# Settings of the step itself: a fresh step (and optimizers) over the same networks.
RESTEPPING = ("trainer", "optimizer_gen", "optimizer_disc", "d_steps", "g_steps")
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


class PlaySession(LiveSession):
    """One live 2-D GAN training that web pages watch and steer (see the module docstring)."""

    CONTROLS = ("play", "pause", "step", "reset", "settings", "save", "pretrained")

    
    def __init__(self, cfg: MoonsConfig, preset: str = "radboud", out="runs", run_dir=None):
        super().__init__(pick_hardware(cfg.device, cfg.precision, cfg.threads, deterministic=cfg.deterministic))
        self.preset, self.out, self.cfg = preset, Path(out), cfg
        self.slow = False
        self._parts, self._phase = None, ""   # slow motion: the iteration under way, the update just made
        self._reset(cfg.seed)
        if run_dir is not None:
            self._load_run(run_dir)
        self._publish()

    def settings(self) -> dict:
        """Every setting the page shows, with its value now (the drawn points as a list of [x, y])."""
        values = {name: getattr(self.cfg, name) for name in SETTINGS if name not in SESSION}
        values["points"] = parse_points(self.cfg.points).round(4).tolist() if self.cfg.points else []
        return {**values, "speed": self.speed, "slow": self.slow, "seed": self.cfg.seed}

    # Building the training.
    def _reset(self, seed: int) -> None:
        """Fresh networks, data and curves from `seed`, exactly as `ganforge train moons` builds them."""
        cfg = dataclasses.replace(self.cfg, seed=seed)
        torch.manual_seed(seed)
        self.real = real_points(cfg).to(self.hw.device)  # (N, 2)
        training = methods.prepare_training(MOONS, cfg, self.hw, (self.real,))
        self.nets, self.step, self._batches = training.networks, training.step, training.batches
        self._spare_generator = None   # the trained generator, put aside while disc-only uses the dummy
        self.cfg = cfg
        self.iteration = self.points_seen = self._batch_index = 0
        self.train_seconds = 0.0
        real_ref = real_points(cfg, FRAME_REAL, seed=cfg.seed + 2)  # another sample: the divergences' floors
        self._frame_inputs = FrameInputs(self.real, real_ref, self.nets.generator, self.hw.device)
        self._parts, self._phase = None, ""
        self.generation += 1
        self.history: list[dict] = []
        self._start_sums()
        self.running = False
        self._rate, self._step_ms, self._window = 0.0, 0.0, None
        self._events = [f"iteration 0: reset with seed {seed} ({self._describe()})"]

    def _describe(self) -> str:
        c = self.cfg
        return (f"{c.dataset}, {c.trainer}, {c.loss}, lr_gen {c.lr_gen:g}, lr_disc {c.lr_disc:g}, lr {c.lr:g}, "
                f"batch {c.batch_size}, G {c.gen_depth}x{c.gen_width}, D {c.disc_depth}x{c.hidden_disc}, "
                f"noise {c.noise_size}-d {c.noise_dist}, {c.d_steps} D / {c.g_steps} G steps, "
                f"{c.optimizer_gen}/{c.optimizer_disc}")

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
        per_epoch = PointBatches.per_epoch_of(run.config.get("n_samples", self.cfg.n_samples),
                                              run.config.get("batch_size", self.cfg.batch_size))
        self.iteration = int(extra.get("iterations", epochs * per_epoch))
        self.points_seen = int(extra.get("points_seen", epochs * self.cfg.n_samples))
        self._batch_index = int(extra.get("batch_index", 0))
        self.train_seconds = float(extra.get("train_seconds", 0.0))
        for record in run.read_stats():
            if record.get("kind") is None and isinstance(record.get("epoch"), (int, float)):
                self.history.append({"iter": round(record["epoch"] * per_epoch), **record})
        self._events = [f"iteration {self.iteration}: started from {path} ({self._describe()})"]

    def _advance(self) -> None:
        """While running: one iteration, or in slow motion one update of it (a frame shows each)."""
        if not self.slow:
            self._iterate(True, True)
            return
        if self._parts is None:
            self._parts = (self.step.parts(self._next_real()), time.perf_counter())
        parts, started = self._parts
        try:
            self._phase = next(parts)
        except StopIteration as done:  # the last update was made and shown: count the iteration
            self._parts, self._phase = None, ""
            self._count(done.value, self.step.stat_names, started)
        self._dirty = True

    def _pause_after_advance(self) -> float | None:
        return SLOW_PAUSE if self.slow else None

    def _before_control(self) -> None:
        self._finish_parts()  # a control applies between whole iterations, also in slow motion

    def _epoch(self) -> float:
        return self.points_seen / self.cfg.n_samples

    def _record_extras(self) -> dict:
        return self._divergences() if len(self.history) % DIVERGENCE_EVERY == 0 else {}

    def _finish_parts(self) -> None:
        """Make the rest of a slow-motion iteration's updates at once (before a control applies)."""
        if self._parts is not None:
            parts, started = self._parts
            self._parts, self._phase = None, ""
            self._count(finish(parts), self.step.stat_names, started)

    def _next_real(self) -> torch.Tensor:
        real, = self._batches(self._batch_index)  # (B, 2)
        self._batch_index += 1
        self.points_seen += real.shape[0]
        return real

    def _iterate(self, generator: bool, discriminator: bool) -> None:
        """One step of the current trainer (both networks, or one of them), its statistics summed."""
        started = time.perf_counter()
        step, names, size = self.step, self.step.stat_names, self.cfg.batch_size
        if isinstance(step, RevGradGAN) or discriminator:
            real = self._next_real()  # a G-only two-step needs no real points
        if isinstance(step, RevGradGAN):
            values, which = step.update(real, generator, discriminator), names
        elif generator and discriminator:
            values, which = step(real), names
        elif discriminator:
            values, which = step.discriminator_step(real), ("disc_loss", "disc_acc")
        else:
            values, which = step.generator_step(size), ("gen_loss", "gen_acc")
        self._count(values, which, started)

    def _divergences(self) -> dict:
        """KL and JS on a grid, MMD^2, precision and recall of G's points (from the fixed noise) against real ones."""
        G = self.nets.generator
        with eval_mode(G), torch.no_grad(), torch.random.fork_rng(devices=self._rng_devices), self.hw.autocast():
            fake = G(self._frame_inputs.noise).float()
        return self._frame_inputs.divergences(fake)

    # Frames.
    def _publish(self) -> float:
        """Draw a frame and publish it; return the seconds it took."""
        started = time.perf_counter()
        if not self.running:
            self._record()  # stepping by hand: show every step in the curves at once
        inputs = self._frame_inputs
        heatmap, fake, arrows, manifold, _ = draw(self.nets, self.step, self.cfg.loss, inputs, self.hw,
                                                  self._rng_devices)
        self._frame_number += 1
        self.frame = Frame(
            number=self._frame_number, generation=self.generation, iteration=self.iteration,
            epoch=self.points_seen / self.cfg.n_samples, running=self.running,
            rate=self._rate if self.running else 0.0, step_ms=self._step_ms, settings=self.settings(),
            stat_names=tuple(self.step.stat_names),
            heatmap=heatmap, fake=fake, arrows=arrows, real=inputs.real_b64, history=self.history,
            history_len=len(self.history), notice=self._notice, notice_number=self._notice_number,
            manifold=manifold, manifold_shape=inputs.grid_shape, manifold_mass=inputs.mass_b64, phase=self._phase,
            floors=inputs.floors)
        return time.perf_counter() - started

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

    def _on_settings(self, values: dict) -> dict:
        new, speed, slow = self._checked(values)
        old = self.cfg
        changes = [f"{name} {_shown(name, old_value)} -> {_shown(name, new_value)}" for name, old_value, new_value in
                   [(n, getattr(old, n), getattr(new, n)) for n in SETTINGS if n not in SESSION]
                   if old_value != new_value]
        self.slow = slow
        if speed != self.speed:
            changes.append(f"speed {self.speed:g} -> {speed:g}")
        if any(getattr(new, n) != getattr(old, n) for n in RESETTING):
            self.cfg, self.speed = new, speed
            self._reset(new.seed)  # new data or networks of another shape: start again from the seed
            self._events.append(f"iteration 0: {', '.join(changes)}: new networks from seed {new.seed}")
            self._tell(f"{', '.join(changes)}: the networks start again from seed {new.seed}")
            return {"settings": self.settings(), "reset": True}
        if any(getattr(new, n) != getattr(old, n) for n in RESTEPPING):
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
        types = {**{f.name: config_mod.field_type(f) for f in dataclasses.fields(MoonsConfig)}, "speed": float,
                 "slow": bool}
        changes = {}
        for name, value in values.items():
            if name == "points":  # the page sends [[x, y], ...]; the config holds "x,y;x,y"
                value = _points_setting(value)
            kind = types.get(name, float)
            if kind is int and isinstance(value, float) and value.is_integer():
                value = int(value)
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if kind in (int, float) and (isinstance(value, bool) or not isinstance(value, kind)):
                expected = "a whole number" if kind is int else "a number"
                raise GanforgeError(f"{name} ({SETTINGS[name]}) must be {expected}, got {value!r}")
            if kind is bool and not isinstance(value, bool):
                raise GanforgeError(f"{name} ({SETTINGS[name]}) must be true or false, got {value!r}")
            changes[name] = value
        speed = changes.pop("speed", self.speed)
        if not (math.isfinite(speed) and speed >= 0):
            raise GanforgeError(f"speed ({SETTINGS['speed']}) must be >= 0, got {speed}")
        slow = changes.pop("slow", self.slow)
        if not isinstance(slow, bool):
            raise GanforgeError(f"slow ({SETTINGS['slow']}) must be true or false, got {slow!r}")
        new = changed_config(self.cfg, changes, {name: f"{name} ({what})" for name, what in SETTINGS.items()})
        if new.batch_size > new.n_samples:
            raise GanforgeError(f"batch_size ({SETTINGS['batch_size']}) must be <= {new.n_samples}, the number of "
                                f"real points; got {new.batch_size}")
        return new, float(speed), slow

    def _switch_trainer(self, new: MoonsConfig) -> None:
        """The step of new.trainer (its optimizers and steps per iteration) over the same discriminator (fresh
        optimizers, as its own run would start).

        disc-only puts the generator aside for the handout's uniform dummy, and gets it back when left.
        """
        G, D = self.nets.generator, self.nets.discriminator
        if new.trainer == "disc-only":
            if not isinstance(G, UniformMoonGenerator):
                self._spare_generator = G
            G = self._placed(UniformMoonGenerator(new.noise_size, noise=new.noise_dist))
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

    def _on_pretrained(self, values: dict):
        """A trained model for this data set and these settings: from this machine's cache, or trained once
        (PRETRAINED: `ganforge train moons` in a process of its own, the session paused) and cached."""
        self._no_values("pretrained", values)
        self.running = False
        cfg = dataclasses.replace(self.cfg, **PRETRAINED, plot_every=0, lr_decay="none")
        folder = pretrained_folder(MOONS.to_dict(self.preset, cfg))
        if (folder / "metrics.json").is_file():
            return self._load_pretrained(folder)
        self._tell(f"training a model for the {cfg.dataset} once ({cfg.n_samples} points, {cfg.epochs} epochs); "
                   f"it is kept in {folder.parent} for the next time")
        return self._saver.submit(self._pretrain, cfg, folder)

    def _pretrain(self, cfg: MoonsConfig, folder: Path) -> dict:
        """On the save thread: train the model with the CLI, in a process of its own, then load it here."""
        options = [(config_mod.option_name(k) if v else f"--no-{k.replace('_', '-')}") if isinstance(v, bool)
                   else f"{config_mod.option_name(k)}={v}" for k, v in dataclasses.asdict(cfg).items()
                   if k not in ("device", "precision", "compile", "deterministic")]
        staging = folder.with_name(f".{folder.name}.partial")
        shutil.rmtree(staging, ignore_errors=True)
        done = subprocess.run([sys.executable, "-m", "ganforge", "train", "moons", *options, "--out", str(staging)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise GanforgeError(f"training the model failed: {done.stderr.strip().splitlines()[-1:]}")
        staging.rename(folder)
        reply = concurrent.futures.Future()
        self._post(lambda: reply.set_result(self._load_pretrained(folder)))
        return reply.result(timeout=60)

    def _load_pretrained(self, folder: Path) -> dict:
        self._reset(self.cfg.seed)
        self._load_run(folder)
        self._tell(f"loaded the trained model {folder}")
        return {"path": str(folder), "iteration": self.iteration}

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

def _points_setting(value) -> str:
    """The drawn distribution as the page sends it ([[x, y], ...]) in the config's form ("x,y;x,y")."""
    if isinstance(value, str):
        return value
    try:
        return points_text(value) if value else ""
    except (TypeError, ValueError):
        raise GanforgeError(f"points ({SETTINGS['points']}) must be a list of [x, y] pairs, got {str(value)[:60]}") \
            from None


def _shown(name: str, value) -> str:
    """A setting's value in the log of a saved run (a drawn distribution by its size)."""
    return f"({len(value.split(';'))} drawn points)" if name == "points" and value else str(value)


def pretrained_folder(config: dict) -> Path:
    """Where this machine keeps the trained model of a config: <cache>/play-trained/<data set>-<digest>/."""
    kept = {k: v for k, v in config.items() if k not in ("threads", "device", "precision", "compile")}
    digest = hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()[:12]
    return cache_root() / "play-trained" / f"{config['dataset']}-{digest}"
