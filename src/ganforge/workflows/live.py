"""A training that web pages watch and steer live (`ganforge play`): the trainer thread, the controls, the curves.

A LiveSession owns one training. One trainer thread does everything to the training
state: it runs the iterations, applies the controls and draws the frames. Other threads
(the web server's) only submit controls and read the latest frame:
  * a control is a command on a queue; the trainer validates and applies it as one unit
    between two iterations and answers through a Future (a GanforgeError for a bad
    value, which the web layer turns into HTTP 400);
  * a frame is drawn by the trainer between iterations and published by replacing one
    reference; readers never wait for the trainer, and the trainer never waits for a
    reader. Frames come FRAME_RATE times a second at most, and less often when drawing
    them would take more than FRAME_SHARE of the trainer's time;
  * Save copies the state between two iterations (milliseconds) and writes the run folder
    on a thread of its own while training goes on.

Two tabs. There is one session per server, and every tab watches and steers it: the
training is this machine's CPU, so a session per tab would split the cores between
trainings nobody compares, and a second tab (or a reload) would silently start over.
Controls are applied whole, one at a time, in order, by the only thread that touches the
training; every frame carries the settings it was drawn with, so each tab's controls
follow the other tab's changes; and each tab receives the curves' records from its own
position.

Subclasses (play.py: 2-D points; play_images.py: image generators and translators) say
what an iteration is (_advance), what a frame holds (_publish), which settings and
controls there are, and how a run folder is saved.
"""
from __future__ import annotations

import concurrent.futures
import dataclasses
import math
import queue
import threading
import time

import torch

from .. import config as config_mod
from ..errors import GanforgeError

FRAME_RATE = 6.0          # frames a second at most while training runs (a page should see at least 5)
FRAME_SHARE = 1 / 3       # the most of the trainer's time that drawing frames may take
LOG_EVERY = 10            # iterations averaged into one record of the curves and of a saved stats.jsonl


def finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


class LiveSession:
    """The trainer thread, the controls and the curves of one live training (see the module docstring)."""

    CONTROLS: tuple[str, ...] = ("play", "pause")

    def __init__(self, hw):
        self.hw = hw
        self.speed = 0.0
        self.running = False
        self.generation = 0
        self.frame = None
        self.iteration = 0
        self.train_seconds = 0.0
        self.history: list[dict] = []
        self._commands: queue.SimpleQueue = queue.SimpleQueue()
        self._submit_lock = threading.Lock()
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._saver = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="ganforge-play-save")
        self._rng_devices = [hw.device] if hw.device.type == "cuda" else []
        self._frame_number = 0
        self._notice, self._notice_number = "", 0
        self._events: list[str] = []
        self._dirty = False       # a control changed something: draw a frame now
        self._rate, self._step_ms, self._window = 0.0, 0.0, None
        self._thread = threading.Thread(target=self._loop, name="ganforge-play-trainer", daemon=True)

    # The public side: start, stop, controls, status.
    def start(self) -> "LiveSession":
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
        handler = getattr(self, f"_on_{action}", None) if action in self.CONTROLS else None
        if handler is None:
            raise GanforgeError(f"unknown control {action!r}; the controls are {', '.join(self.CONTROLS)}")
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

    def status(self) -> dict:
        """The latest frame's numbers, without its pictures."""
        f = self.frame
        return {"iteration": f.iteration, "epoch": round(f.epoch, 4), "running": f.running,
                "rate": round(f.rate, 1), "step_ms": round(f.step_ms, 3), "settings": f.settings,
                "device": self.hw.describe(), "threads": torch.get_num_threads(), "frames": f.number}

    # What a subclass says.
    def _advance(self) -> None:
        """While running: one iteration (or a part of one)."""
        raise NotImplementedError

    def _publish(self) -> float:
        """Draw a frame and publish it; return the seconds it took."""
        raise NotImplementedError

    def _pause_after_advance(self) -> float | None:
        """Seconds to wait after each advance whatever the speed (slow motion), or None."""
        return None

    def _before_control(self) -> None:
        """Finish what must be whole before a control applies (a slow-motion iteration)."""

    def _record_extras(self) -> dict:
        """More values for a record of the curves (e.g. divergences), or none."""
        return {}

    def _epoch(self) -> float | None:
        """Passes over the training data so far, for the records (None: not counted)."""
        return None

    # The trainer thread.
    def _loop(self) -> None:
        due = time.perf_counter()  # when the next iteration may start (the speed setting)
        last_frame, interval = 0.0, 1 / FRAME_RATE
        advance_time = 0.0  # how long the last iteration took
        while not self._closing.is_set():
            was_running = self.running
            self._apply_commands()
            now = time.perf_counter()
            if self.running and not was_running:
                due = now
            if self.running and now >= due:
                self._guarded(self._advance)
                advance_time = time.perf_counter() - now
                pause = self._pause_after_advance()
                if pause is not None:
                    due = time.perf_counter() + pause
                else:
                    due = max(due + 1 / self.speed, now - 1.0) if self.speed else now
            # A frame can only come between iterations: draw it at the boundary nearest its time, not the one after.
            if self._dirty or (self.running and time.perf_counter() - last_frame >= interval - advance_time / 2):
                last_frame = time.perf_counter()  # frames are spaced start to start, so drawing one does not delay the next
                cost = self._guarded(self._publish)
                # Frames take at most FRAME_SHARE of the time: an expensive frame waits longer for the next.
                interval = max(1 / FRAME_RATE, (cost or 0.0) / FRAME_SHARE)
                self._dirty = False
            if not self.running or self.speed or self._pause_after_advance() is not None:
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
            self._before_control()
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

    # The curves.
    def _start_sums(self) -> None:
        """Zero the statistics summed since the last record (one sum and one count per statistic)."""
        names = self.step.stat_names
        self._sums = torch.zeros(len(names), device=self.hw.device)
        self._counts = [0] * len(names)

    def _count(self, values: torch.Tensor, which: tuple, started: float) -> None:
        """Sum an iteration's statistics (`which` of them), count the iteration, record every LOG_EVERY."""
        names = self.step.stat_names
        if tuple(which) == tuple(names):  # the usual case: every statistic, no index to build
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
        record = {"iter": self.iteration}
        if self._epoch() is not None:
            record["epoch"] = round(self._epoch(), 5)
        for name, total, count in zip(self.step.stat_names, sums, self._counts):
            if count:
                record[name] = finite(total / count)
        record.update(self._record_extras())
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

    def _on_reset(self, values: dict) -> dict:
        """New networks (and data) from `seed` (default: the current one), keeping the other settings; pauses."""
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

    def _reset(self, seed: int) -> None:
        """Fresh networks (and data) from `seed`, as the method's training builds them."""
        raise NotImplementedError

    def _set_learning_rates(self, cfg) -> None:
        """The optimizers' rates from the config: lr_gen for "gen", lr_disc for "disc", lr for the others."""
        for name, optimizer in self.step.optimizers.items():
            rate = getattr(cfg, f"lr_{name}", None) or getattr(cfg, "lr")
            for group in optimizer.param_groups:
                group["lr"] = rate


def _chain(done: concurrent.futures.Future, future: concurrent.futures.Future) -> None:
    """Copy the outcome of `done` into `future`."""
    error = done.exception() if not done.cancelled() else GanforgeError("the save was cancelled by the shutdown")
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(done.result())


def changed_config(cfg, changes: dict, labels: dict[str, str]):
    """cfg with `changes`, validated as any config is; a refusal names the page's control (labels: field ->
    how the page calls it) instead of the command-line option the message would name."""
    new = dataclasses.replace(cfg, **changes)
    try:
        config_mod.validate(new)
    except GanforgeError as e:
        message = str(e)
        for name, label in labels.items():
            message = message.replace(config_mod.option_name(name) + " ", f"{label} ", 1)
        raise GanforgeError(message) from None
    return new
