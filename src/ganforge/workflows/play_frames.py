"""What `ganforge play` shows: a frame (D's heatmap, G's points and the push of G's loss on them, the curves), drawn
between two iterations without touching the training's random numbers, and published whole."""
from __future__ import annotations

import base64
import math
from dataclasses import dataclass

import numpy as np
import torch

from ..models.modes import eval_mode
from ..models.noise import noise_for
from ..pictures.moons import EXTENT, discriminator_grid, to_probability
from ..scoring.moons import score_points

# Grid points per axis of a frame's heatmap; the page smooths it. 32 and not more: D's output at 64 x 64
# points took 120 ms of the radboud discriminator (1024 wide) on two AVX2 cores, so frames came 1.3 a second;
# at 32 x 32 it takes 25 ms (2026-12-06).
HEATMAP_RESOLUTION = 32
MANIFOLD = 24             # noise grid points per axis of the manifold view (1-D noise: MANIFOLD_LINE points)
MANIFOLD_LINE = 200
DIVERGENCE_POINTS = 500   # points per set for the divergence curves (KL, JS, MMD, precision, recall)
DIVERGENCES = ("grid_kl", "grid_js", "mmd2_biased", "precision", "recall")
N_FAKE = 500              # generated points per frame, from fixed noise: they move only when G does
ARROWS = 250              # of them, the first this many carry the arrow of G's gradient (half the cost of 500)
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
    arrows: str               # base64 float32 (ARROWS, 2): minus the gradient of G's loss at the first ARROWS points
    real: str                 # base64 float32 (N_REAL, 2): real points
    history: list             # the generation's records (a list that is only ever appended to)
    history_len: int          # how many of them belong to this frame
    notice: str               # the latest event every tab should see (a save, a divergence)
    notice_number: int
    manifold: str = ""        # base64 float32 (rows, cols, 2): the noise grid through G
    manifold_shape: tuple = (0, 0)
    manifold_mass: str = ""   # base64 float32 ((rows-1)(cols-1)): each input cell's share of the noise's mass
    phase: str = ""           # slow motion: the update this frame shows the effect of
    floors: dict | None = None  # the divergences between two real samples

    def payload(self, history_from: int = 0, with_real: bool = True) -> dict:
        """The frame as JSON-able data, with the records from `history_from` on (and the real points)."""
        data = {name: getattr(self, name) for name in ("number", "generation", "iteration", "running", "settings",
                                                       "stat_names", "fake", "arrows", "notice", "notice_number",
                                                       "manifold", "manifold_shape", "phase", "floors")}
        data.update(epoch=round(self.epoch, 4), rate=round(self.rate, 1), step_ms=round(self.step_ms, 3),
                    extent=EXTENT, heatmap={"resolution": HEATMAP_RESOLUTION, "data": self.heatmap},
                    history_from=history_from, history=self.history[history_from:self.history_len])
        if with_real:
            data["real"], data["manifold_mass"] = self.real, self.manifold_mass
        return data


class FrameInputs:
    """What every frame of one training draws from: fixed noise for G's points, a fixed sample of real points,
    the noise grid of the manifold view, and the real-vs-real floors of the divergences."""

    def __init__(self, real: torch.Tensor, real_ref: torch.Tensor, generator, device):
        rng = torch.Generator().manual_seed(FRAME_SEED)
        self.noise = noise_for(generator, N_FAKE, device, generator=rng)  # (N_FAKE, noise_size)
        self.real = real[torch.randperm(len(real), generator=rng)[:N_REAL].to(device)].float().cpu()
        self.real_ref = real_ref[:N_REAL].float().cpu()
        self.real_b64 = b64(self.real.numpy())
        self.grid, self.grid_shape, mass = manifold_grid(generator.input_size, getattr(generator, "noise", "uniform"))
        self.grid = self.grid.to(device)
        self.mass_b64 = b64(mass)
        floors = score_points(self.real, self.real_ref, self.real_ref, seed=FRAME_SEED, n=DIVERGENCE_POINTS).values
        self.floors = {name: finite(floors[f"{name}_floor"]) for name in DIVERGENCES if f"{name}_floor" in floors}

    def divergences(self, fake: torch.Tensor) -> dict:
        """The divergence curves' values for the generated points `fake` (the frames' fixed noise through G)."""
        values = score_points(self.real, fake.float().cpu(), self.real_ref, seed=FRAME_SEED, n=DIVERGENCE_POINTS,
                              floor=False).values
        return {f"div_{name}": finite(values[name]) for name in DIVERGENCES if name in values}


def manifold_grid(size: int, kind: str) -> tuple[torch.Tensor, tuple[int, int], np.ndarray]:
    """(noise (rows * cols, size), (rows, cols), each cell's share of the noise's mass): a line of noise values
    for 1-D noise, else a grid over the first two coordinates (the others 0, their mean)."""
    reach = 1.0 if kind == "uniform" else 2.5  # the gaussian's grid covers +-2.5 standard deviations
    edges = torch.linspace(-reach, reach, MANIFOLD_LINE if size == 1 else MANIFOLD)
    if kind == "uniform":
        density = torch.ones_like(edges)
    else:
        density = torch.exp(-edges ** 2 / 2)
    mid = (density[1:] + density[:-1]) / 2  # each cell's mass along one axis, up to a constant
    if size == 1:
        grid, shape, mass = edges.view(-1, 1), (1, len(edges)), mid / mid.sum()
    else:
        a, b = torch.meshgrid(edges, edges, indexing="ij")
        grid = torch.zeros(a.numel(), size)
        grid[:, 0], grid[:, 1] = a.flatten(), b.flatten()
        shape, mass = (len(edges), len(edges)), torch.outer(mid, mid).flatten() / mid.sum() ** 2
    return grid, shape, mass.numpy().astype(np.float32)


def draw(nets, step, loss: str, inputs: FrameInputs, hw, rng_devices) -> tuple[str, str, str, str, torch.Tensor]:
    """(heatmap, fake, arrows, manifold), base64, and the fake points: D's output on the grid, G's points from the
    fixed noise, where G's loss pushes each point, and the noise grid through G.

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
                manifold = G(inputs.grid).float()  # (rows * cols, 2)
        points = fake[:ARROWS].detach().requires_grad_(True)
        with torch.enable_grad(), hw.autocast():
            push = step.generator_loss(D(points)) * len(points)
        (grad,) = torch.autograd.grad(push, points)
    heatmap = (np.nan_to_num(grid, nan=0.5).clip(0, 1) * 255).round().astype(np.uint8)
    return (b64(heatmap), b64(np.nan_to_num(fake.cpu().numpy()).astype(np.float32)),
            b64(np.nan_to_num((-grad).float().cpu().numpy()).astype(np.float32)),
            b64(np.nan_to_num(manifold.cpu().numpy()).astype(np.float32)), fake)
