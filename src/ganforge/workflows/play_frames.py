"""What `ganforge play` shows: a frame (D's heatmap, G's points and the push of G's loss on them, the curves), drawn
between two iterations without touching the training's random numbers, and published whole."""
from __future__ import annotations

import base64
import math
from dataclasses import dataclass

import numpy as np
import torch

from ..models.modes import eval_mode
from ..models.noise import uniform_noise
from ..pictures.moons import EXTENT, discriminator_grid, to_probability

HEATMAP_RESOLUTION = 64   # grid points per axis of a frame's heatmap (the page smooths it)
N_FAKE = 500              # generated points per frame, from fixed noise: they move only when G does
N_REAL = 1000             # real points per frame
FRAME_SEED = 0            # seed of the frames' fixed noise and real sample (the same after every reset)


def b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class Frame:
    """What the page draws at one moment: published whole, never changed afterwards."""
    number: int               # frames published so far; a reader sends a frame when this changes
    generation: int           # resets so far: the data and the curves start again at each
    iteration: int            # steps taken (full, D-only and G-only alike)
    epoch: float              # passes over the real points so far (points seen / n_samples)
    running: bool
    rate: float               # iterations a second over the last second of running (0 when paused)
    step_ms: float            # mean milliseconds of one iteration over that second (frames not included)
    settings: dict
    stat_names: tuple
    heatmap: str              # base64 uint8 (R, R): D's output as probability of "real" x 255; row 0 is y = -EXTENT
    fake: str                 # base64 float32 (N_FAKE, 2): generated points
    arrows: str               # base64 float32 (N_FAKE, 2): minus the gradient of G's loss at each point
    real: str                 # base64 float32 (N_REAL, 2): real points
    history: list             # the generation's records (a list that is only ever appended to)
    history_len: int          # how many of them belong to this frame
    notice: str               # the latest event every tab should see (a save, a divergence)
    notice_number: int

    def payload(self, history_from: int = 0, with_real: bool = True) -> dict:
        """The frame as JSON-able data, with the records from `history_from` on (and the real points)."""
        data = {name: getattr(self, name) for name in ("number", "generation", "iteration", "running", "settings",
                                                       "stat_names", "fake", "arrows", "notice", "notice_number")}
        data.update(epoch=round(self.epoch, 4), rate=round(self.rate, 1), step_ms=round(self.step_ms, 3),
                    extent=EXTENT, heatmap={"resolution": HEATMAP_RESOLUTION, "data": self.heatmap},
                    history_from=history_from, history=self.history[history_from:self.history_len])
        if with_real:
            data["real"] = self.real
        return data


class FrameInputs:
    """What every frame of one training draws from: fixed noise for G's points and a fixed sample of real points."""

    def __init__(self, real: torch.Tensor, noise_size: int, device):
        rng = torch.Generator().manual_seed(FRAME_SEED)
        self.noise = uniform_noise(N_FAKE, noise_size, device, generator=rng)  # (N_FAKE, noise_size)
        sample = real[torch.randperm(len(real), generator=rng)[:N_REAL].to(device)]
        self.real_b64 = b64(sample.float().cpu().numpy())


def draw(nets, step, loss: str, inputs: FrameInputs, hw, rng_devices) -> tuple[str, str, str]:
    """(heatmap, fake, arrows), base64: D's output on the grid, G's points from the fixed noise, and where G's loss
    pushes each point.

    The arrow of point x is -d(loss_G)/dx with loss_G summed over the points (the loss is a
    mean, so this is each point's own push). Everything runs inside a forked RNG, so drawing
    a frame never changes the training's random numbers.
    """
    G, D = nets.generator, nets.discriminator
    with eval_mode(G, D), torch.random.fork_rng(devices=rng_devices):
        with hw.autocast():
            grid = discriminator_grid(D, HEATMAP_RESOLUTION, to_probability(loss), hw.device)
            with torch.no_grad():
                fake = G(inputs.noise).float()  # (N_FAKE, 2)
        points = fake.detach().requires_grad_(True)
        with torch.enable_grad(), hw.autocast():
            push = step.generator_loss(D(points)) * len(points)
        (grad,) = torch.autograd.grad(push, points)
    heatmap = (np.nan_to_num(grid, nan=0.5).clip(0, 1) * 255).round().astype(np.uint8)
    return (b64(heatmap), b64(np.nan_to_num(fake.cpu().numpy()).astype(np.float32)),
            b64(np.nan_to_num((-grad).float().cpu().numpy()).astype(np.float32)))
