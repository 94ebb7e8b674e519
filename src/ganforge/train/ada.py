"""Adaptive discriminator augmentation (Karras et al., "Training Generative Adversarial Networks with Limited
Data", NeurIPS 2020): every image the discriminator sees, real or generated, goes through one pipeline of
transforms, each applied with probability p, and p follows how sure D is of the real images.

The overfitting heuristic is r_t = E[sign(D(x_real) - threshold)] over the last `interval` batches (0: D no
surer of real images than of anything; 1: it has memorised them). Every `interval` batches p moves by
sign(r_t - target) times a step sized so that p could go from 0 to 1 within `speed_images` images.

The transforms are those of the paper that leak nothing into the generator for emojis at p below about 0.8:
x-flip, 90-degree rotations, integer translation (by up to 1/8 of the side, the border reflected),
isotropic and anisotropic scaling (log2-normal, sigma 0.2), composed into one affine map per image and
applied with grid_sample (differentiable, exact for the pixel-aligned ones); then cutout (a square half the
side, zeroed). Colour transforms (brightness, contrast, saturation) only with colour=True: colour is the
style being learned.

p and the running sums of r_t are buffers of this module: checkpoints keep them, and the random draws come
from torch's global generator, whose state checkpoints keep too, so resumed runs stay exact. Nothing here
reads a value back to the host: the step's statistics carry p and r_t.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

TRANSLATION = 0.125   # integer translation by up to this share of the side
SCALE_STD = 0.2       # log2 of the scale factors: normal with this standard deviation
CUTOUT = 0.5          # the cut-out square's side, a share of the image side
BRIGHTNESS_STD, CONTRAST_STD, SATURATION_STD = 0.2, 0.5, 1.0  # the colour transforms (log2 for the last two)


class AdaptiveAugment(nn.Module):
    """The ADA pipeline with its probability p, adjusted from D's outputs on real images (see the module doc)."""

    stat_names = ("ada_p", "ada_rt")

    def __init__(self, target: float = 0.6, interval: int = 4, speed_images: int = 100_000, batch_size: int = 16,
                 colour: bool = False, p: float = 0.0, max_p: float = 1.0):
        super().__init__()
        self.target, self.interval, self.colour, self.max_p = target, interval, colour, max_p
        self.adjust = batch_size * interval / speed_images  # p's step at each adjustment
        self.register_buffer("p", torch.tensor(float(p)))
        self.register_buffer("sign_sum", torch.zeros(()))      # sum of sign(D(real) - threshold) since the last step
        self.register_buffer("sign_count", torch.zeros(()))    # how many outputs that sum holds
        self.register_buffer("batches", torch.zeros(()))       # how many batches
        self.register_buffer("last_rt", torch.zeros(()))       # r_t at the last adjustment

    @classmethod
    def of(cls, cfg) -> "AdaptiveAugment | None":
        """The pipeline a config asks for (--augment ada with the --ada-* options), or None."""
        if getattr(cfg, "augment", "") != "ada":
            return None
        return cls(cfg.ada_target, cfg.ada_interval, int(cfg.ada_kimg * 1000), cfg.batch_size, cfg.ada_colour,
                   max_p=cfg.ada_max_p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, C, H, W) in [-1, 1], each image transformed with probability p per transform."""
        x = _affine(x, self.p)
        if self.colour:
            x = _colour(x, self.p)
        return _cutout(x, self.p)

    @torch.no_grad()
    def observe(self, d_real: torch.Tensor, threshold: float) -> None:
        """Count D's outputs on a batch of (augmented) real images; every `interval` batches move p."""
        self.sign_sum += torch.sign(d_real.float() - threshold).sum()
        self.sign_count += d_real.numel()
        self.batches += 1
        due = self.batches >= self.interval
        rt = self.sign_sum / self.sign_count.clamp(min=1)
        moved = (self.p + torch.sign(rt - self.target) * self.adjust).clamp(0.0, self.max_p)
        self.p.copy_(torch.where(due, moved, self.p))
        self.last_rt.copy_(torch.where(due, rt, self.last_rt))
        for buffer in (self.sign_sum, self.sign_count, self.batches):
            buffer.copy_(torch.where(due, torch.zeros_like(buffer), buffer))

    def stats(self) -> torch.Tensor:
        """(p, r_t at the last adjustment), for the step's statistics."""
        return torch.stack([self.p, self.last_rt]).detach()


def judged(discriminator: nn.Module, augment: AdaptiveAugment | None):
    """The discriminator as a step calls it: seeing what `augment` makes of every image (itself without one)."""
    return discriminator if augment is None else (lambda x: discriminator(augment(x)))


def _chosen(batch: int, p: torch.Tensor, device) -> torch.Tensor:
    """(B,) bool: which images a transform applies to, each with probability p."""
    return torch.rand(batch, device=device) < p


def _affine(x: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """x-flip, 90-degree rotations, integer translation, isotropic and anisotropic scaling: one map per image.

    The map takes output coordinates to input coordinates in grid_sample's normalized [-1, 1] square, so
    a pixel-aligned map (flips, quarter turns, whole-pixel shifts) samples pixel centres exactly."""
    b, _, h, w = x.shape
    dev = x.device
    eye = torch.eye(3, device=dev).expand(b, 3, 3)
    m = eye.clone()
    # x-flip.
    flip = torch.where(_chosen(b, p, dev), -1.0, 1.0)
    m = m @ _diag(flip, torch.ones_like(flip))
    # Rotations by a multiple of 90 degrees.
    turns = torch.where(_chosen(b, p, dev), torch.randint(0, 4, (b,), device=dev), torch.zeros(b, device=dev,
                                                                                                   dtype=torch.long))
    angle = turns.float() * (math.pi / 2)
    cos, sin = torch.cos(angle).round(), torch.sin(angle).round()
    m = m @ _matrix(cos, -sin, sin, cos)
    # Integer translation (in pixels, up to TRANSLATION of the side), in normalized units.
    shift = torch.round((torch.rand(b, 2, device=dev) * 2 - 1) * TRANSLATION * torch.tensor([w, h], device=dev))
    shift = shift * _chosen(b, p, dev).unsqueeze(1)
    m = m @ _shift(2 * shift[:, 0] / w, 2 * shift[:, 1] / h)
    # Isotropic, then anisotropic scaling.
    iso = torch.where(_chosen(b, p, dev), torch.exp2(torch.randn(b, device=dev) * SCALE_STD), torch.ones(b, device=dev))
    m = m @ _diag(1 / iso, 1 / iso)
    aniso = torch.where(_chosen(b, p, dev), torch.exp2(torch.randn(b, device=dev) * SCALE_STD), torch.ones(b, device=dev))
    m = m @ _diag(1 / aniso, aniso)
    grid = F.affine_grid(m[:, :2, :].to(x.dtype), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


def _cutout(x: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """Zero a square of side CUTOUT x the side, centred anywhere, in the chosen images."""
    b, _, h, w = x.shape
    dev = x.device
    cy, cx = torch.rand(b, 1, 1, device=dev) * h, torch.rand(b, 1, 1, device=dev) * w
    ys = torch.arange(h, device=dev).view(1, h, 1) + 0.5
    xs = torch.arange(w, device=dev).view(1, 1, w) + 0.5
    inside = ((ys - cy).abs() < CUTOUT * h / 2) & ((xs - cx).abs() < CUTOUT * w / 2)
    inside = inside & _chosen(b, p, dev).view(b, 1, 1)
    return x * (~inside).unsqueeze(1).to(x.dtype)


def _colour(x: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """Brightness (added), contrast (scaled about the image mean), saturation (scaled about the grey value)."""
    b, dev = x.shape[0], x.device
    bright = torch.randn(b, 1, 1, 1, device=dev) * BRIGHTNESS_STD * _chosen(b, p, dev).view(b, 1, 1, 1)
    x = x + bright.to(x.dtype)
    contrast = torch.where(_chosen(b, p, dev), torch.exp2(torch.randn(b, device=dev) * CONTRAST_STD),
                           torch.ones(b, device=dev)).view(b, 1, 1, 1).to(x.dtype)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * contrast + mean
    saturation = torch.where(_chosen(b, p, dev), torch.exp2(torch.randn(b, device=dev) * SATURATION_STD),
                             torch.ones(b, device=dev)).view(b, 1, 1, 1).to(x.dtype)
    grey = x.mean(dim=1, keepdim=True)
    return (x - grey) * saturation + grey


def _matrix(a, b, c, d) -> torch.Tensor:
    """(B, 3, 3) [[a, b, 0], [c, d, 0], [0, 0, 1]]."""
    zero, one = torch.zeros_like(a), torch.ones_like(a)
    return torch.stack([torch.stack([a, b, zero], 1), torch.stack([c, d, zero], 1), torch.stack([zero, zero, one], 1)],
                       1)


def _diag(sx: torch.Tensor, sy: torch.Tensor) -> torch.Tensor:
    zero = torch.zeros_like(sx)
    return _matrix(sx, zero, zero, sy)


def _shift(tx: torch.Tensor, ty: torch.Tensor) -> torch.Tensor:
    one, zero = torch.ones_like(tx), torch.zeros_like(tx)
    m = _matrix(one, zero, zero, one).clone()
    m[:, 0, 2], m[:, 1, 2] = tx, ty
    return m
