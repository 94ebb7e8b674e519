"""Discriminator rejection sampling (Azadi et al., ICLR 2019): keep a generator's samples where D believes them.

At its optimum a GAN discriminator's logit is log p_data(x) / p_g(x), so accepting a sample
with probability proportional to exp(logit) turns p_g into p_data where p_g covers it. The
paper makes this practical with a shifted score

    F(x) = D~(x) - M - log(1 - exp(D~(x) - M - eps)),

where D~ is the logit and M the largest logit seen, and accepts x with probability
sigmoid(F(x) - gamma). gamma, a percentile of F over a burn-in sample, trades how
many points are kept against how strictly: a higher percentile keeps fewer, better ones.
gamma = -inf keeps everything. F only grows with D~, so a point with a higher logit is
always at least as likely to be kept.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..errors import GanforgeError
from .modes import eval_mode
from .noise import noise_for

EPSILON = 1e-6     # keeps log(1 - exp(.)) finite at the largest logit
BURN_IN = 10_000   # samples that fix M and gamma
MAX_ROUNDS = 200   # draws of `batch` samples before giving up on a generator D rejects almost entirely


def density_logit(d_out: torch.Tensor, loss: str) -> torch.Tensor:
    """D's output as log p_data / p_g: the logit itself for BCE; log(d / (1 - d)) for least squares (0/1 targets)."""
    if loss == "bce":
        return d_out.float()
    if loss == "lsgan":
        d = d_out.float().clamp(EPSILON, 1 - EPSILON)
        return torch.log(d) - torch.log1p(-d)
    raise ValueError(f"rejection sampling reads D's output for the bce and lsgan losses, not {loss!r}")


def shifted_score(logit: torch.Tensor, max_logit: float) -> torch.Tensor:
    """The paper's F(x): increasing in the logit, with +inf at M + eps (values above M are clamped to it)."""
    shifted = (logit - max_logit).clamp(max=0.0) - EPSILON
    return shifted - torch.log1p(-torch.exp(shifted))


def accept(score: torch.Tensor, gamma: float, uniform: torch.Tensor) -> torch.Tensor:
    """Which samples are kept: uniform < sigmoid(F - gamma) (bool mask)."""
    return uniform < torch.sigmoid(score - gamma)


@dataclass
class Rejection:
    points: torch.Tensor     # the kept samples, (n, ...) on the CPU
    acceptance_rate: float   # kept / drawn after the burn-in
    gamma: float


class TooFewKept(GanforgeError):
    """The discriminator rejected so much that MAX_ROUNDS of draws did not yield the samples asked for."""


@torch.no_grad()
def rejection_sample(generator, discriminator, n: int, *, loss: str, percentile: float, seed: int,
                     batch: int = 4096) -> Rejection:
    """n samples of `generator` that D's rejection sampling kept; percentile 0 keeps every sample (gamma = -inf)."""
    rng = torch.Generator().manual_seed(seed)
    device = next(discriminator.parameters()).device

    def draw(m: int):
        x = generator(noise_for(generator, m, generator=rng).to(device))
        return x, density_logit(discriminator(x), loss).view(-1)

    with eval_mode(generator, discriminator):
        _, burn_logits = draw(BURN_IN)
        max_logit = burn_logits.max().item()
        gamma = (-math.inf if percentile <= 0 else
                 torch.quantile(shifted_score(burn_logits, max_logit).cpu(), percentile / 100).item())
        kept, drawn = [], 0
        for _ in range(MAX_ROUNDS):
            x, logits = draw(batch)
            max_logit = max(max_logit, logits.max().item())  # the paper raises M when a larger logit appears
            mask = accept(shifted_score(logits, max_logit).cpu(), gamma, torch.rand(batch, generator=rng))
            kept.append(x.float().cpu()[mask])
            drawn += batch
            if sum(k.shape[0] for k in kept) >= n:
                break
        points = torch.cat(kept)
    if points.shape[0] < n:
        raise TooFewKept(f"rejection sampling kept {points.shape[0]} of {drawn} samples, fewer than the {n} asked "
                         f"for; lower --rejection-percentile")
    return Rejection(points[:n], points.shape[0] / drawn, gamma)
