"""Frechet distance and kernel inception distance between two sets of feature vectors.

Both take features (N, D), not images: the feature extractor (an Inception network
for FID/KID proper, or any other embedding) is someone else's business. The
numbers are only comparable between runs that use the same extractor.
"""
from __future__ import annotations

import torch

from ..errors import GanforgeError
from .registry import register

KID_SUBSETS = 50  # subsets a scored KID averages over (the 100-image test sets make every subset the whole set)


def _features(x: torch.Tensor, what: str, min_rows: int = 2) -> torch.Tensor:
    if x.ndim != 2:
        raise GanforgeError(f"{what} must be feature vectors of shape (N, D); got {tuple(x.shape)}")
    if x.shape[0] < min_rows:
        raise GanforgeError(f"{what} holds {x.shape[0]} feature vector(s); this metric needs at least {min_rows}")
    return x.detach().to("cpu", torch.float64)


def _sqrt_eigenvalues(values: torch.Tensor) -> torch.Tensor:
    """Square roots of a PSD matrix's eigenvalues, with round-off zeroed first.

    A rank-deficient covariance has eigenvalues of +-1e-16 where it should have 0,
    and sqrt would turn them into errors of 1e-8; below n * eps * the largest one
    an eigenvalue is indistinguishable from 0.
    """
    noise = values.abs().max() * values.numel() * torch.finfo(values.dtype).eps
    return torch.where(values > noise, values, torch.zeros_like(values)).sqrt()


def _psd_sqrt(c: torch.Tensor) -> torch.Tensor:
    """Square root of a symmetric positive semi-definite matrix by eigen-decomposition."""
    values, vectors = torch.linalg.eigh((c + c.T) / 2)
    return (vectors * _sqrt_eigenvalues(values)) @ vectors.T


def frechet_distance_from_stats(mu1: torch.Tensor, cov1: torch.Tensor, mu2: torch.Tensor,
                                cov2: torch.Tensor) -> float:
    """|mu1 - mu2|^2 + tr(C1) + tr(C2) - 2 tr((C1 C2)^(1/2)), the W2^2 between two Gaussians.

    C1 C2 is not symmetric, but it is similar to S C2 S with S = C1^(1/2), which is
    symmetric positive semi-definite: the same eigenvalues, so the same trace of the
    square root, and eigh stays stable where a general sqrtm of C1 C2 goes complex.
    """
    mu1, mu2, cov1, cov2 = (t.to(torch.float64) for t in (mu1, mu2, cov1, cov2))
    s = _psd_sqrt(cov1)
    middle = s @ cov2 @ s
    trace_sqrt = _sqrt_eigenvalues(torch.linalg.eigvalsh((middle + middle.T) / 2)).sum()
    value = (mu1 - mu2).square().sum() + cov1.trace() + cov2.trace() - 2 * trace_sqrt
    return max(float(value), 0.0)  # a squared distance; round-off can push it a hair below 0


def frechet_distance(real: torch.Tensor, fake: torch.Tensor, seed: int = 0) -> float:
    """FD between the mean and (unbiased) covariance of each feature set (N, D); float64."""
    x, y = _features(real, "real"), _features(fake, "fake")
    if x.shape[1] != y.shape[1]:
        raise GanforgeError(f"real and fake features differ in length: {x.shape[1]} and {y.shape[1]}")
    return frechet_distance_from_stats(x.mean(0), torch.cov(x.T).reshape(x.shape[1], -1),
                                       y.mean(0), torch.cov(y.T).reshape(y.shape[1], -1))


def _mmd2_polynomial(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Unbiased MMD^2 with the cubic kernel k(a, b) = (a.b / d + 1)^3."""
    m, d = x.shape
    k_xx = (x @ x.T / d + 1) ** 3
    k_yy = (y @ y.T / d + 1) ** 3
    k_xy = (x @ y.T / d + 1) ** 3
    within = (k_xx.sum() - k_xx.diagonal().sum() + k_yy.sum() - k_yy.diagonal().sum()) / (m * (m - 1))
    return within - 2 * k_xy.mean()


def kid(real: torch.Tensor, fake: torch.Tensor, seed: int = 0, n_subsets: int = 100,
        subset_size: int = 1000) -> dict[str, float]:
    """KID (Binkowski et al. 2018): {"kid": mean, "kid_std": std over subsets}.

    Each subset draws min(subset_size, n_real, n_fake) vectors from each set without
    replacement (seeded). Unbiased, so it is about 0, and can be negative, for
    samples of one distribution. The std is the population std of the subset values.
    """
    x, y = _features(real, "real"), _features(fake, "fake")
    if x.shape[1] != y.shape[1]:
        raise GanforgeError(f"real and fake features differ in length: {x.shape[1]} and {y.shape[1]}")
    m = min(subset_size, x.shape[0], y.shape[0])
    if m == x.shape[0] == y.shape[0]:
        n_subsets = 1  # every subset would be both whole sets, and the estimate ignores order
    gen = torch.Generator().manual_seed(seed)
    values = []
    for _ in range(n_subsets):
        xs = x[torch.randperm(x.shape[0], generator=gen)[:m]]
        ys = y[torch.randperm(y.shape[0], generator=gen)[:m]]
        values.append(_mmd2_polynomial(xs, ys))
    values = torch.stack(values)
    return {"kid": float(values.mean()), "kid_std": float(values.std(unbiased=False))}


@register("fd", "images", "Frechet distance between Gaussians fitted to StyleNet features (the project's own emoji "
          "network, `ganforge eval train-features`; FID does the same with Inception features)",
          higher_is_better=False, baselines=("floor",), headline=True)
def fd_to_reference(candidate_features: torch.Tensor, reference_features: torch.Tensor) -> float:
    return frechet_distance(reference_features, candidate_features)


@register("kid", "images", "kernel distance between StyleNet features: unbiased MMD^2, cubic polynomial kernel, "
          "mean over subsets (KID with the project's own features)", higher_is_better=False, baselines=("floor",),
          headline=True)
def kid_to_reference(candidate_features: torch.Tensor, reference_features: torch.Tensor, seed: int = 0) -> float:
    return kid(reference_features, candidate_features, seed=seed, n_subsets=KID_SUBSETS)["kid"]
