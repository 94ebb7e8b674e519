"""Scoring a moons generator: its points against fresh real points, with the real-vs-real floor."""
from __future__ import annotations

import torch

from ..data.points import real_points
from ..errors import GanforgeError
from ..metrics import metrics_in
from ..models.modes import eval_mode
from ..models.noise import noise_for
from ..models.rejection import TooFewKept, rejection_sample
from ..runs import Scores
from .engine import EVAL_SEED, Inputs, score_metrics

MOONS_POINTS = 2000    # points per set for the moons metrics
REJECTION = "rejection_"  # key prefix of the scores of rejection-sampled points


def score_points(real: torch.Tensor, fake: torch.Tensor, real_ref: torch.Tensor, seed: int = 0,
                 n: int = 2000, floor: bool = True) -> Scores:
    """Every registered point metric on seeded subsamples of n points.

    value: real vs fake. floor: real vs real_ref, an independent real sample, on
    the same real subsample, so the two numbers differ only in the second set.
    floor=False scores the values only (a second generator against the same floors).
    """
    sets = {"real": real, "fake": fake, "real_ref": real_ref}
    for what, x in sets.items():
        if x.ndim != 2 or x.shape[1] != 2:
            raise GanforgeError(f"{what} must be a point set of shape (N, 2); got {tuple(x.shape)}")
        if x.shape[0] < n:
            raise GanforgeError(f"{what} holds {x.shape[0]} points; scoring draws n = {n} "
                                f"(pass a smaller n or more points)")
    gen = torch.Generator().manual_seed(seed)
    real, fake, real_ref = (x.detach().cpu()[torch.randperm(x.shape[0], generator=gen)[:n]] for x in sets.values())
    candidates = {"value": fake, "floor": real_ref} if floor else {"value": fake}
    return score_metrics(metrics_in({"points"}), Inputs(reference=real, seed=seed), candidates)


@torch.no_grad()
def score_moons(generator, cfg, discriminator=None) -> Scores:
    """Moons metrics of G's samples against fresh real points (standardized like the training data, fresh seeds).

    With the discriminator, the same metrics again under the prefix rejection_ for the points
    that discriminator rejection sampling keeps, and rejection_acceptance_rate.
    """
    n = max(cfg.n_samples, MOONS_POINTS)
    real = real_points(cfg, n, seed=cfg.seed + 1)
    real_ref = real_points(cfg, n, seed=cfg.seed + 2)
    noise = noise_for(generator, MOONS_POINTS, generator=torch.Generator().manual_seed(EVAL_SEED))
    device = next(generator.parameters()).device
    with eval_mode(generator):
        fake = generator(noise.to(device)).float().cpu()
    scores = score_points(real, fake, real_ref, seed=EVAL_SEED, n=MOONS_POINTS)
    if discriminator is None:
        return scores
    try:
        kept = rejection_sample(generator, discriminator, MOONS_POINTS, loss=cfg.loss,
                                percentile=cfg.rejection_percentile, seed=EVAL_SEED)
    except TooFewKept as error:  # a discriminator sure of nearly every point: the plain scores still stand
        scores.notes.append(f"not scored (rejection_*): {error}")
        return scores
    # The floors are those of the plain scores: score the kept points' values only.
    rejected = score_points(real, kept.points, real_ref, seed=EVAL_SEED, n=MOONS_POINTS, floor=False)
    for key, value in rejected.values.items():
        if rejected.info[key]["role"] == "value":
            scores.values[REJECTION + key] = value
            # Its baselines name the floor keys, which the plain scores already hold.
            info = scores.info[key]
            scores.info[REJECTION + key] = {**info, "label": f"{info['label']} after rejection", "extras": []}
    scores.values[REJECTION + "acceptance_rate"] = kept.acceptance_rate
    scores.info[REJECTION + "acceptance_rate"] = {
        "metric": "rejection_acceptance_rate", "higher_is_better": True, "role": "value", "headline": False,
        "label": "rejection acceptance rate", "baselines": {}, "extras": []}
    return scores
