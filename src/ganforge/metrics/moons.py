"""Metrics between 2-D point sets: a generator's samples (candidate) against the moons (reference).

Scoring computes every metric twice: against the generated points (the value) and
against an independent real sample of the same size (the floor). A finite sample
never scores a perfect 0 (or 1), so the floor is what "as good as the data" reads.

All metrics work in float64 on the CPU; at n = 2000 the pairwise matrices are
2000 x 2000, a few tens of MB.
"""
from __future__ import annotations

import torch

from ..errors import GanforgeError
from .registry import register

try:  # scipy is optional: without it there is no exact w1
    from scipy.optimize import linear_sum_assignment
except ImportError:
    linear_sum_assignment = None

GRID_LIMIT = 2.5    # histograms cover [-2.5, 2.5]^2, where the standardized moons live
GRID_BINS = 25      # bins per axis: 0.2 wide; 2000 moons points fill about 220 of the 625
PSEUDO_COUNT = 0.5  # added to every bin of both histograms before KL (Krichevsky-Trofimov)


def _points(x: torch.Tensor, what: str) -> torch.Tensor:
    if x.ndim != 2 or x.shape[1] != 2:
        raise GanforgeError(f"{what} must be a point set of shape (N, 2); got {tuple(x.shape)}")
    if x.shape[0] < 2:
        raise GanforgeError(f"{what} holds {x.shape[0]} point(s); a metric needs at least 2")
    return x.detach().to("cpu", torch.float64)


def _cdist(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Exact pairwise distances: the default matmul shortcut rounds, so d(a, a) could
    come out above 0 and d(a, b) differ from d(b, a), flipping k-NN ball tests at the edge."""
    return torch.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist")


def _off_diagonal_mean(m: torch.Tensor) -> torch.Tensor:
    """Mean over i != j: the U-statistic, which makes the estimators unbiased."""
    n = m.shape[0]
    return (m.sum() - m.diagonal().sum()) / (n * (n - 1))


def _rbf_mmd2(reference: torch.Tensor, candidate: torch.Tensor, unbiased: bool) -> float:
    """MMD^2 with k(a, b) = exp(-|a - b|^2 / (2 s^2)), s the median distance between distinct points of
    the pooled sample (so the kernel adapts to the scale of the data)."""
    x, y = _points(reference, "reference"), _points(candidate, "candidate")
    bandwidth = torch.pdist(torch.cat([x, y])).median().clamp_min(1e-12)

    def kernel(a, b):
        return torch.exp(-_cdist(a, b) ** 2 / (2 * bandwidth ** 2))
    within = _off_diagonal_mean if unbiased else torch.mean
    return float(within(kernel(x, x)) + within(kernel(y, y)) - 2 * kernel(x, y).mean())


@register("mmd2", "points", "squared MMD, RBF kernel with median-heuristic bandwidth, unbiased",
          higher_is_better=False, baselines=("floor",))
def mmd2(reference: torch.Tensor, candidate: torch.Tensor, seed: int = 0) -> float:
    """Unbiased MMD^2 (U-statistics within each set): its mean is the true distance, so it can dip below 0,
    and between two real samples it is 0 give or take noise."""
    return _rbf_mmd2(reference, candidate, unbiased=True)


@register("mmd2_biased", "points", "squared MMD as mmd2, biased (V-statistic): never below 0, so its ratio to "
          "its floor reads as 'times the real-vs-real distance'", higher_is_better=False, baselines=("floor",),
          headline=True)
def mmd2_biased(reference: torch.Tensor, candidate: torch.Tensor, seed: int = 0) -> float:
    """MMD^2 with every pair within a set counted, a point with itself included: the unbiased estimate plus
    a positive term that shrinks as 1/n. Two real samples of n points score about that term, the floor;
    the unbiased floor is about 0, so a ratio to it means nothing."""
    return _rbf_mmd2(reference, candidate, unbiased=False)


@register("energy", "points", "energy distance 2E|X-Y| - E|X-X'| - E|Y-Y'|, unbiased",
          higher_is_better=False, baselines=("floor",))
def energy_distance(reference: torch.Tensor, candidate: torch.Tensor, seed: int = 0) -> float:
    """The squared energy distance (Szekely & Rizzo), with U-statistics within sets."""
    x, y = _points(reference, "reference"), _points(candidate, "candidate")
    value = 2 * _cdist(x, y).mean() - _off_diagonal_mean(_cdist(x, x)) - _off_diagonal_mean(_cdist(y, y))
    return float(value)


def _histogram(x: torch.Tensor) -> torch.Tensor:
    """Counts on the fixed GRID_BINS^2 grid; points outside land in the edge bins.

    Clamping rather than dropping keeps every point counted, so a generator that
    throws points far away is penalized instead of ignored.
    """
    width = 2 * GRID_LIMIT / GRID_BINS
    cells = ((x + GRID_LIMIT) / width).floor().long().clamp(0, GRID_BINS - 1)  # (N, 2)
    return torch.bincount(cells[:, 0] * GRID_BINS + cells[:, 1], minlength=GRID_BINS ** 2).double()


def _kl(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """KL(p || q) in nats, with 0 log 0 = 0."""
    mask = p > 0
    return (p[mask] * (p[mask] / q[mask]).log()).sum()


@register("grid_kl", "points", "KL(real || fake) in nats between 25x25 histograms on [-2.5, 2.5]^2, "
          "add-0.5 smoothed", higher_is_better=False, baselines=("floor",))
def grid_kl(reference: torch.Tensor, candidate: torch.Tensor, seed: int = 0) -> float:
    """KL(real || fake) of the grid histograms (GAN Lab's measure).

    A fake histogram with an empty bin where real has mass would make KL infinite,
    so both histograms get PSEUDO_COUNT added to every bin before normalizing.
    """
    p = _histogram(_points(reference, "reference")) + PSEUDO_COUNT
    q = _histogram(_points(candidate, "candidate")) + PSEUDO_COUNT
    return float(_kl(p / p.sum(), q / q.sum()))


@register("grid_js", "points", "Jensen-Shannon divergence in nats (max ln 2) between 25x25 histograms on "
          "[-2.5, 2.5]^2", higher_is_better=False, baselines=("floor",))
def grid_js(reference: torch.Tensor, candidate: torch.Tensor, seed: int = 0) -> float:
    """JS of the raw grid histograms: finite without smoothing, since m > 0 wherever p or q is."""
    p = _histogram(_points(reference, "reference"))
    q = _histogram(_points(candidate, "candidate"))
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2
    return float((_kl(p, m) + _kl(q, m)) / 2)


def _knn_radius(x: torch.Tensor, k: int) -> torch.Tensor:
    """Distance from each point to its k-th nearest neighbour in its own set (self excluded)."""
    if k >= x.shape[0]:
        raise GanforgeError(f"k = {k} nearest neighbours need more than {k} points; got {x.shape[0]}")
    # The k + 1 smallest include the point itself at distance 0; topk beats kthvalue here.
    return _cdist(x, x).topk(k + 1, dim=1, largest=False).values[:, -1]


def _inside(points: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor) -> torch.Tensor:
    """(points, centres) boolean: entry [j, i] says points[j] lies in the closed ball around centres[i]."""
    return _cdist(points, centres) <= radii[None, :]


@register("precision", "points", "fraction of fake points inside the real k-NN balls (k=3, Kynkaanniemi 2019)",
          higher_is_better=True, baselines=("floor",), headline=True)
def precision(reference: torch.Tensor, candidate: torch.Tensor, seed: int = 0, k: int = 3) -> float:
    """How much of the fake sample looks real: fake points within the real manifold estimate."""
    x, y = _points(reference, "reference"), _points(candidate, "candidate")
    return float(_inside(y, x, _knn_radius(x, k)).any(dim=1).double().mean())


@register("recall", "points", "fraction of real points inside the fake k-NN balls (k=3, Kynkaanniemi 2019)",
          higher_is_better=True, baselines=("floor",), headline=True)
def recall(reference: torch.Tensor, candidate: torch.Tensor, seed: int = 0, k: int = 3) -> float:
    """How much of the real sample the generator reaches: falls when modes are dropped."""
    x, y = _points(reference, "reference"), _points(candidate, "candidate")
    return float(_inside(x, y, _knn_radius(y, k)).any(dim=1).double().mean())


@register("density", "points", "mean count of real k-NN balls holding each fake point / k (k=5, Naeem 2020); "
          "about 1 when matched", higher_is_better=True, baselines=("floor",))
def density(reference: torch.Tensor, candidate: torch.Tensor, seed: int = 0, k: int = 5) -> float:
    """Like precision but counts overlapping balls, so a few outlying real points matter less.

    Unbounded above: fake points piled into dense real regions give > 1.
    """
    x, y = _points(reference, "reference"), _points(candidate, "candidate")
    return float(_inside(y, x, _knn_radius(x, k)).double().sum() / (k * y.shape[0]))


@register("coverage", "points", "fraction of real k-NN balls (k=5) holding at least one fake point "
          "(Naeem 2020)", higher_is_better=True, baselines=("floor",))
def coverage(reference: torch.Tensor, candidate: torch.Tensor, seed: int = 0, k: int = 5) -> float:
    """Like recall but built on real balls only, so fake outliers cannot inflate it."""
    x, y = _points(reference, "reference"), _points(candidate, "candidate")
    return float(_inside(y, x, _knn_radius(x, k)).any(dim=0).double().mean())


if linear_sum_assignment is not None:
    @register("w1", "points", "exact 1-Wasserstein distance (optimal matching, up to 1000 points "
              "per set)", higher_is_better=False, baselines=("floor",), headline=True)
    def w1(reference: torch.Tensor, candidate: torch.Tensor, seed: int = 0, max_points: int = 1000) -> float:
        """Mean distance of the optimal one-to-one matching between equal-size subsamples.

        The assignment costs O(n^3): 0.08 s at 1000 points, 0.7 s at 2000, so larger
        sets are subsampled (seeded) to max_points.
        """
        x, y = _points(reference, "reference"), _points(candidate, "candidate")
        n = min(x.shape[0], y.shape[0], max_points)
        gen = torch.Generator().manual_seed(seed)
        x = x[torch.randperm(x.shape[0], generator=gen)[:n]]
        y = y[torch.randperm(y.shape[0], generator=gen)[:n]]
        cost = _cdist(x, y).numpy()
        rows, cols = linear_sum_assignment(cost)
        return float(cost[rows, cols].mean())

