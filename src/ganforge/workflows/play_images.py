"""`ganforge play dcgan` (or cyclegan, cut, pix2pix, or a method of yours): an image generator or translator
trained live in the page: its sample grids refreshing, its curves, play / pause / step / learning rates / save.

What the page shows follows from what the method's networks offer (its record's data kind):
samples from fixed noise, or translations of fixed test images in every direction the
networks translate; one page for every method. The training is built by the code of
`ganforge train METHOD` (methods.prepare_training), its data loaded once; a session reset
with a seed trains what `ganforge train METHOD --seed SEED` trains, iteration for iteration.
"""
from __future__ import annotations

import base64
import copy
import dataclasses
import json
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from .. import methods
from ..errors import GanforgeError
from ..fileio import write_text_atomically
from ..hardware import CPU_FP32, pick_hardware
from ..methods import Method
from ..pictures.grids import grid_png, save_grid
from ..report import write_report
from ..runs import STATS, Run, checkpoint_name
from ..train import checkpoint
from ..train.images import fixed_noise, sample_grid
from ..train.loop import timing_of
from ..train.translation import sample_sets, training_pairs, translation_grids
from .live import LiveSession, changed_config
from .play_save import FrozenOptimizer

GRID_SCALE = 1   # the page enlarges the grids itself (pixelated); a frame stays small


@dataclass(frozen=True)
class ImageFrame:
    """What the page draws at one moment: published whole, never changed afterwards."""
    number: int
    generation: int
    iteration: int
    running: bool
    rate: float
    step_ms: float
    settings: dict
    stat_names: tuple
    grids: list               # [{"name", "label", "png": base64}]: the sample grid, or one per direction
    history: list
    history_len: int
    notice: str
    notice_number: int
    title: str = ""           # what the run is: "DCGAN · windows"
    epoch: float = 0.0

    def payload(self, history_from: int = 0, with_real: bool = True) -> dict:
        data = {name: getattr(self, name) for name in ("number", "generation", "iteration", "running", "settings",
                                                       "stat_names", "grids", "notice", "notice_number",
                                                       "title")}
        data.update(rate=round(self.rate, 1), step_ms=round(self.step_ms, 3), history_from=history_from,
                    history=self.history[history_from:self.history_len], kind="images")
        return data


def rate_fields(method: Method) -> list[str]:
    """The learning rates of a method's config (lr, lr_gen, lr_disc): what the page may change."""
    return [f.name for f in method.fields() if f.name == "lr" or f.name.startswith("lr_") and f.name != "lr_decay"]


class ImageSession(LiveSession):
    """One live training of an image method (see the module docstring)."""

    CONTROLS = ("play", "pause", "step", "reset", "settings", "save")

    def __init__(self, method: Method, cfg, preset: str | None = None, out="runs", run_dir=None):
        if method.data.offers not in ("samples", "translations"):
            raise GanforgeError(f"{method.name} trains on {method.data.name}; `ganforge play` shows images for "
                                "methods whose networks give samples or translations")
        super().__init__(pick_hardware(cfg.device, cfg.precision, cfg.threads, convolutional=True,
                                       deterministic=cfg.deterministic))
        self.method, self.preset, self.out = method, preset, Path(out)
        self.cfg = dataclasses.replace(cfg, lr_decay="none") if hasattr(cfg, "lr_decay") else cfg
        self.data = method.data.load(self.cfg)
        self._inputs = self._training_data()
        self._reset(cfg.seed)
        if run_dir is not None:
            self._load_run(run_dir)
        self._publish()

    def _training_data(self) -> tuple:
        """The training data as the method's trainer hands it to prepare: on the device, moved once."""
        cfg, dev = self.cfg, self.hw.device
        if self.method.data.offers == "samples":
            return (self.data[cfg.style]["train"].images.to(dev),)
        pairs = training_pairs(self.data, cfg.source, cfg.target) if self.method.data.name == "pairs" else None
        return (self.data[cfg.source]["train"].images.to(dev), self.data[cfg.target]["train"].images.to(dev), pairs)

    def settings(self) -> dict:
        return {**{name: getattr(self.cfg, name) for name in rate_fields(self.method)}, "speed": self.speed,
                "seed": self.cfg.seed}

    # Building the training.
    def _reset(self, seed: int) -> None:
        """Fresh networks from `seed`, as `ganforge train` builds them."""
        self.cfg = dataclasses.replace(self.cfg, seed=seed)
        torch.manual_seed(seed)
        training = methods.prepare_training(self.method, self.cfg, self.hw, self._inputs)
        self.nets, self.step, self._batches = training.networks, training.step, training.batches
        if self.method.data.offers == "samples":
            self._noise = fixed_noise(self.cfg, self.hw.device)
        else:
            self._sets = sample_sets(self.data, self.cfg.source, self.cfg.target, self.cfg.n_sample_images)
        self.iteration, self.train_seconds = 0, 0.0
        self.generation += 1
        self.history = []
        self._start_sums()
        self.running = False
        self._rate, self._step_ms, self._window = 0.0, 0.0, None
        self._events = [f"iteration 0: reset with seed {seed}"]

    def _load_run(self, run_dir) -> None:
        """Continue from a run's latest checkpoint: weights, optimizer states, RNG, iteration, curves."""
        run = Run.open(run_dir)
        if run.kind != self.method.name:
            raise GanforgeError(f"--run {run_dir} is a {run.kind} run, not {self.method.name}")
        path = run.checkpoint_at(None)
        state = checkpoint.load(path, self.nets.as_dict(), self.step.optimizers, restore_rng=True,
                                device=self.hw.device)
        self._set_learning_rates(self.cfg)
        self.iteration = int(state["step"])
        self.history = [r for r in run.read_stats() if r.get("kind") is None and "iter" in r]
        self._events = [f"iteration {self.iteration}: started from {path}"]

    # The trainer thread.
    def _advance(self) -> None:
        started = time.perf_counter()
        self._count(self.step(*self._batches(self.iteration)), self.step.stat_names, started)

    def _grids(self) -> list:
        with torch.random.fork_rng(devices=self._rng_devices):  # drawing never moves the training's RNG
            if self.method.data.offers == "samples":
                grids = [sample_grid(self.nets, self._noise, self.hw)]
            else:
                grids = translation_grids(self.nets, self._sets, self.hw, (self.cfg.source, self.cfg.target))
        return grids

    def _publish(self) -> float:
        started = time.perf_counter()
        if not self.running:
            self._record()  # stepping by hand: show every step in the curves at once
        grids = [{"name": g.name or "samples", "label": g.name.replace("-", " → ") or "samples from fixed noise",
                  "png": base64.b64encode(grid_png(g, scale=GRID_SCALE)).decode("ascii")} for g in self._grids()]
        self._frame_number += 1
        self.frame = ImageFrame(
            number=self._frame_number, generation=self.generation, iteration=self.iteration, running=self.running,
            rate=self._rate if self.running else 0.0, step_ms=self._step_ms, settings=self.settings(),
            stat_names=tuple(self.step.stat_names), grids=grids, history=self.history,
            history_len=len(self.history), notice=self._notice, notice_number=self._notice_number,
            title=self.method.title_of(self.method.to_dict(self.preset, self.cfg)))
        return time.perf_counter() - started

    # Controls.
    def _on_step(self, values: dict) -> dict:
        self._no_values("step", values)
        self.running = False
        self._advance()
        return {"iteration": self.iteration}

    def _on_settings(self, values: dict) -> dict:
        allowed = rate_fields(self.method) + ["speed"]
        unknown = sorted(set(values) - set(allowed))
        if unknown:
            raise GanforgeError(f"unknown setting {unknown[0]!r}; the settings are {', '.join(allowed)}")
        numbers = {}
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise GanforgeError(f"{name} must be a number, got {value!r}")
            numbers[name] = float(value)
        speed = numbers.pop("speed", self.speed)
        if not speed >= 0 or speed == float("inf"):
            raise GanforgeError(f"speed must be >= 0 (iterations a second, 0 for as fast as it goes), got {speed}")
        new = changed_config(self.cfg, numbers, {name: name for name in allowed})
        changes = [f"{k} {getattr(self.cfg, k)} -> {v}" for k, v in numbers.items() if getattr(self.cfg, k) != v]
        self.cfg, self.speed = new, speed
        self._set_learning_rates(new)
        if changes:
            self._events.append(f"iteration {self.iteration}: {', '.join(changes)}")
        return {"settings": self.settings()}

    def _on_save(self, values: dict):
        """Copy the state now; write an ordinary run folder on the save thread (answered when complete)."""
        self._no_values("save", values)
        self._record()
        cfg = dataclasses.replace(self.cfg, compile=False, iters=max(1, self.iteration),
                                  device=self.hw.device.type, precision=self.hw.precision)
        with torch.random.fork_rng(devices=[]):  # building copies must not move the training's RNG
            nets = methods.build_networks(self.method, cfg, CPU_FP32)
        for name, module in nets.as_dict().items():
            module.load_state_dict({k: v.detach().to("cpu", copy=True)
                                    for k, v in self.nets.as_dict()[name].state_dict().items()})
            module.eval()
        optimizers = {name: copy.deepcopy(opt.state_dict()) for name, opt in self.step.optimizers.items()}
        snapshot = (cfg, nets, optimizers, list(self.history), list(self._events), self.iteration,
                    self.train_seconds, [dict(g) for g in self.frame.grids])
        return self._saver.submit(self._save, snapshot)

    def _save(self, snapshot) -> dict:
        cfg, nets, optimizers, history, events, iteration, seconds, _ = snapshot
        config = self.method.to_dict(self.preset, cfg)
        with Run.create_staged(config, f"{self.method.tag(cfg)}-play", root=self.out,
                               method=self.method.describe(config)) as run:
            run.log(f"ganforge play: {self.method.name} on {self.hw.describe()}; what was changed:", echo=False)
            for event in events:
                run.log(f"  {event}", echo=False)
            run.log(f"saved after {iteration} iterations, {seconds:.1f} s of training", echo=False)
            write_text_atomically(run.path / STATS, "".join(json.dumps(r) + "\n" for r in history))
            extra = {"stats_sum": [0.0] * len(self.step.stat_names), "stats_count": 0, "train_seconds": seconds,
                     "saved_by": "ganforge play"}
            checkpoint.save(run.checkpoint_dir, cfg.iters, nets.as_dict(),
                            {name: FrozenOptimizer(state) for name, state in optimizers.items()}, extra)
            for grid in (translation_grids(nets, self._sets, CPU_FP32, (cfg.source, cfg.target))
                         if self.method.data.offers == "translations" else
                         [sample_grid(nets, fixed_noise(cfg, "cpu"), CPU_FP32)]):
                name = f"{cfg.iters:06d}{'-' + grid.name if grid.name else ''}.png"
                save_grid(grid.images, run.path / "samples" / name, ncol=grid.ncol, header=grid.header or None)
            if self.method.data.offers == "samples":
                save_grid(self._inputs[0][:100].cpu(), run.path / "reals.png", ncol=10)
            scores = methods.make_scorer(self.method, cfg)(nets, self.data)
            run.write_metrics(cfg.iters, scores, checkpoint=checkpoint_name(cfg.iters),
                              timing=timing_of(seconds, iteration))
        report = write_report(run.path)
        self._post(lambda: self._tell(f"saved {run.path}"))
        return {"path": str(run.path), "iterations": iteration, "report": str(report)}
