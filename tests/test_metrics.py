"""Every metric on cases whose answer is known: closed forms, floors, orderings."""
import math
import statistics

import pytest
import torch
import torch.nn.functional as F

from ganforge.data.moons import make_moons
from ganforge.errors import GanforgeError
from ganforge.metrics import (METRICS, SCOPES, colour_histograms, coverage, density, energy_distance,
                              frechet_distance, frechet_distance_from_stats, get_metric, grid_js, grid_kl,
                              histogram_match, kid, laplacian_pyramid, list_metrics, mmd2, mmd2_biased, precision, psnr,
                              recall,
                              fit_palette_probe, register, ssim, swd)
from ganforge.metrics.ssim import K1, MAX_PSNR
from ganforge.scoring.images import score_translation
from ganforge.scoring.moons import score_points

MOONS = ["mmd2", "mmd2_biased", "energy", "grid_kl", "grid_js", "precision", "recall", "density", "coverage"]
TRANSLATION = ["l1_translation", "l1_identity", "l1_histmatch", "ssim_translation", "ssim_identity", "cycle_psnr"]


def moons_metrics(real, fake, ref, seed=0, n=2000) -> dict:
    """{metric: {"value": .., "floor": ..}} from scoring, read through the info it writes beside the values."""
    scores = score_points(real, fake, ref, seed=seed, n=n)
    out = {}
    for key, info in scores.info.items():
        if info["role"] == "value":
            out[key] = {"value": scores.values[key], "floor": scores.values[info["baselines"]["floor"]]}
    return out


def translation_metrics(source, translated, target, reconstructed, reference) -> dict:
    """The paired translation scores of one direction, without its direction prefix."""
    scores = score_translation(source, translated, target, reconstructed, reference, ("a", "b"))
    return {key.removeprefix("a2b_"): value for key, value in scores.values.items()
            if key.removeprefix("a2b_") in TRANSLATION}


def smooth_images(n, seed, shift=(0.0, 0.0, 0.0), size=32):
    """Smooth random colour images in [-1, 1]: upsampled 8x8 noise through tanh."""
    gen = torch.Generator().manual_seed(seed)
    coarse = torch.randn(n, 3, 8, 8, generator=gen)
    x = F.interpolate(coarse, size=size, mode="bilinear", align_corners=False)
    return torch.tanh(x + torch.tensor(shift).view(1, 3, 1, 1))


# The registry.

def test_registry_lists_every_metric_with_its_scope_direction_and_baselines():
    listed = list_metrics()
    names = [m.name for m in listed]
    assert set(MOONS + ["swd", "fd", "kid", "style_rate"]) <= set(names)
    assert len(names) == len(set(names)) == len(METRICS)
    for m in listed:
        assert m.scope in SCOPES and m.description.strip() and "\n" not in m.description
        assert "is better" not in m.description, m.name  # the direction is declared, not written in prose
        assert isinstance(m.higher_is_better, bool)
    assert {m.name for m in list_metrics("points")} >= set(MOONS)
    assert all(m.baselines == ("floor",) for m in list_metrics("points"))
    # The paired translation metrics, the style rate that reads the style classifier, the palette probe's rate.
    assert {m.name for m in list_metrics("translation")} == {"l1_translation", "ssim_translation", "cycle_psnr",
                                                             "mean_colour_error", "target_style_rate",
                                                             "target_palette_rate"}
    l1 = get_metric("l1_translation")
    assert [l1.companion(b) for b in l1.baselines] == ["l1_identity", "l1_histmatch"] and not l1.higher_is_better


def test_registry_refuses_duplicates_and_unknown_names():
    with pytest.raises(ValueError, match="already registered"):
        register("mmd2", "points", "again", higher_is_better=False)(lambda candidate: 0.0)
    assert METRICS["mmd2"].fn is mmd2
    with pytest.raises(ValueError, match="scope"):
        register("nope", "audio", "x", higher_is_better=False)
    with pytest.raises(ValueError, match="baseline"):
        register("nope", "points", "x", higher_is_better=False, baselines=("yesterday",))
    with pytest.raises(ValueError, match="candidate"):
        register("nope", "points", "x", higher_is_better=False, baselines=("floor",))(lambda reference: 0.0)
    assert "nope" not in METRICS
    with pytest.raises(GanforgeError, match="unknown metric 'nope'"):
        get_metric("nope")
    with pytest.raises(GanforgeError, match="scope"):
        list_metrics("audio")


# Moons: known answers on tiny sets.

def test_mmd2_matches_the_unbiased_formula_with_median_bandwidth():
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(6, 2, generator=gen), torch.randn(5, 2, generator=gen) + 1
    pooled = torch.cat([x, y]).double().tolist()
    dist = [math.dist(a, b) for i, a in enumerate(pooled) for b in pooled[i + 1:]]
    s = statistics.median(dist)
    def k(a, b):
        return math.exp(-math.dist(a, b) ** 2 / (2 * s * s))
    xs, ys = x.double().tolist(), y.double().tolist()
    kxx = sum(k(a, b) for i, a in enumerate(xs) for j, b in enumerate(xs) if i != j) / (6 * 5)
    kyy = sum(k(a, b) for i, a in enumerate(ys) for j, b in enumerate(ys) if i != j) / (5 * 4)
    kxy = sum(k(a, b) for a in xs for b in ys) / (6 * 5)
    assert mmd2(x, y) == pytest.approx(kxx + kyy - 2 * kxy, rel=1e-9)
    # The biased estimate counts the pairs of a point with itself too: k = 1 on the diagonal.
    vxx, vyy = (kxx * 30 + 6) / 36, (kyy * 20 + 5) / 25
    assert mmd2_biased(x, y) == pytest.approx(vxx + vyy - 2 * kxy, rel=1e-9)
    assert mmd2_biased(x, x) == pytest.approx(0, abs=1e-12) and mmd2(x, x) < 0   # the unbiased one dips below 0


def test_energy_distance_matches_the_formula():
    x = torch.tensor([[0.0, 0.0], [1.0, 0.0]])
    y = torch.tensor([[0.0, 3.0], [0.0, 4.0], [0.0, 5.0]])
    xy = sum(math.dist(a, b) for a in x.tolist() for b in y.tolist()) / 6
    xx = 1.0  # the one pair at distance 1
    yy = (1 + 2 + 1) / 3  # the pairs within y: 1, 2, 1
    assert energy_distance(x, y) == pytest.approx(2 * xy - xx - yy, rel=1e-12)


def test_grid_divergences_on_single_bins():
    real = torch.zeros(100, 2)
    fake = torch.ones(100, 2)  # a different bin
    bins = 25 * 25
    p_hit, p_miss = (100 + 0.5) / (100 + 0.5 * bins), 0.5 / (100 + 0.5 * bins)
    expected_kl = p_hit * math.log(p_hit / p_miss) + p_miss * math.log(p_miss / p_hit)
    assert grid_kl(real, fake) == pytest.approx(expected_kl, rel=1e-9)
    assert grid_js(real, fake) == pytest.approx(math.log(2), rel=1e-12)  # disjoint supports
    assert grid_kl(real, real) == 0 and grid_js(real, real) == 0
    far = torch.full((100, 2), 50.0)  # outside the grid: counted in the corner bin, not dropped
    assert grid_js(torch.full((100, 2), 2.45), far) == 0


def test_knn_metrics_on_a_line_of_points():
    real = torch.stack([torch.arange(10.0), torch.zeros(10)], dim=1)
    fake = torch.cat([real[:5], torch.tensor([[100.0, 0.0]]).repeat(5, 1)])
    assert precision(real, fake) == 0.5  # the far half lies in no real ball
    assert recall(real, fake) == 0.8  # the fake balls of radius 2-3 around 0..4 reach 0..7
    assert coverage(real, real) == 1 and coverage(real, fake[5:]) == 0
    assert density(real, fake[5:]) == 0


def test_knn_metrics_of_a_set_against_itself():
    x = torch.randn(300, 2, generator=torch.Generator().manual_seed(1))
    assert precision(x, x) == recall(x, x) == coverage(x, x) == 1
    assert density(x, x) == pytest.approx(6 / 5)  # each point in its own ball and its 5 neighbours'


# Moons: the floor and orderings.

@pytest.fixture(scope="module")
def moons():
    return {"real": make_moons(3000, seed=1), "ref": make_moons(3000, seed=2), "same": make_moons(3000, seed=3)}


def _worse(name, value, floor):
    return value < floor if METRICS[name].higher_is_better else value > floor


def test_moons_metrics_same_distribution_sits_at_the_floor(moons):
    res = moons_metrics(moons["real"], moons["same"], moons["ref"], n=1000)
    assert set(res) == {m.name for m in METRICS.values() if m.scope == "points"}
    tolerance = {"mmd2": 0.002, "mmd2_biased": 0.002, "energy": 0.01, "grid_kl": 0.1, "grid_js": 0.03,
                 "precision": 0.03, "recall": 0.03, "density": 0.1, "coverage": 0.03, "w1": 0.05}
    for name, r in res.items():
        assert set(r) == {"value", "floor"}
        assert abs(r["value"] - r["floor"]) < tolerance[name], (name, r)


def test_moons_metrics_shifted_fake_scores_worse_than_the_floor(moons):
    shifted = moons["same"] + torch.tensor([0.5, 0.0])
    res = moons_metrics(moons["real"], shifted, moons["ref"], n=1000)
    for name, r in res.items():
        assert _worse(name, r["value"], r["floor"]), (name, r)
    assert res["precision"]["value"] < 0.8 and res["coverage"]["value"] < 0.8


def test_moons_metrics_collapse_to_one_moon_is_caught_by_the_mode_sensitive_metrics(moons):
    upper = moons["same"][moons["same"][:, 1] > 0.3]
    collapsed = upper[torch.randint(len(upper), (3000,), generator=torch.Generator().manual_seed(0))]
    res = moons_metrics(moons["real"], collapsed, moons["ref"], n=1000)
    for name in ["mmd2", "mmd2_biased", "energy", "grid_kl", "grid_js", "recall", "coverage"] + (
            ["w1"] if "w1" in res else []):
        assert _worse(name, res[name]["value"], res[name]["floor"]), (name, res[name])
    assert res["recall"]["value"] < 0.7
    assert res["precision"]["value"] > 0.9  # precision cannot see a dropped mode: that is recall's job


def test_moons_metrics_is_deterministic_given_the_seed(moons):
    args = (moons["real"], moons["same"] + 0.1, moons["ref"])
    a = moons_metrics(*args, seed=4, n=300)
    assert a == moons_metrics(*args, seed=4, n=300)
    assert a["mmd2"] != moons_metrics(*args, seed=5, n=300)["mmd2"]


def test_moons_metrics_rejects_bad_inputs(moons):
    with pytest.raises(GanforgeError, match="fake holds 100 points"):
        moons_metrics(moons["real"], moons["same"][:100], moons["ref"], n=500)
    with pytest.raises(GanforgeError, match=r"shape \(N, 2\)"):
        moons_metrics(moons["real"], torch.zeros(3000, 3), moons["ref"])


def test_w1_is_zero_against_itself_and_the_shift_for_a_translate():
    pytest.importorskip("scipy")
    x = make_moons(400, seed=1)
    assert METRICS["w1"].fn(x, x) == pytest.approx(0, abs=1e-12)
    # Translating a set moves every point by |t|, and no matching can do better.
    assert METRICS["w1"].fn(x, x + torch.tensor([0.3, 0.4])) == pytest.approx(0.5, rel=1e-6)


# Sliced Wasserstein distance.

def test_laplacian_pyramid_levels_and_reconstruction():
    x = smooth_images(4, seed=0)
    levels = laplacian_pyramid(x)
    assert [lvl.shape[-1] for lvl in levels] == [32, 16]
    assert [lvl.shape[-1] for lvl in laplacian_pyramid(smooth_images(2, 0, size=64))] == [64, 32, 16]
    constant = torch.full((2, 3, 32, 32), 0.3)
    detail, low = laplacian_pyramid(constant)
    assert detail.abs().max() < 1e-6 and torch.allclose(low, torch.full_like(low, 0.3))


def test_swd_of_a_set_against_itself_is_exactly_zero():
    x = smooth_images(64, seed=0)
    assert swd(x, x.clone(), patches_per_image=16) == {"swd": 0.0, "swd_32": 0.0, "swd_16": 0.0}


def test_swd_sees_a_colour_shift_and_is_deterministic():
    real, same, shifted = smooth_images(96, 0), smooth_images(96, 1), smooth_images(96, 1, shift=(0.5, 0.0, -0.3))
    kwargs = dict(seed=3, patches_per_image=32)
    floor, bad = swd(real, same, **kwargs), swd(real, shifted, **kwargs)
    assert bad["swd"] > 0 and bad["swd_16"] > 3 * floor["swd_16"]
    assert bad["swd"] > 2 * floor["swd"]
    assert swd(real, shifted, **kwargs) == bad
    assert swd(real, shifted, seed=4, patches_per_image=32) != bad


def test_swd_takes_uint8_like_floats_and_refuses_unequal_sets():
    x = smooth_images(32, 0)
    as_uint8 = ((x + 1) * 127.5).round().to(torch.uint8)
    assert swd(as_uint8, as_uint8, patches_per_image=8)["swd"] == 0
    assert swd(as_uint8, as_uint8.float() / 127.5 - 1, patches_per_image=8)["swd"] == 0  # uint8 means [0, 255]
    with pytest.raises(GanforgeError, match="equally many"):
        swd(x, x[:16])


# SSIM and PSNR.

def test_ssim_and_psnr_of_identical_images():
    x = (smooth_images(3, 0) + 1) / 2
    assert ssim(x, x).shape == (3,)
    assert torch.allclose(ssim(x, x), torch.ones(3, dtype=torch.float64), atol=1e-12)
    assert torch.equal(psnr(x, x), torch.full((3,), MAX_PSNR, dtype=torch.float64))


def test_ssim_and_psnr_closed_forms_on_constant_images():
    a, b = torch.full((1, 3, 16, 16), 0.2), torch.full((1, 3, 16, 16), 0.6)
    c1 = K1 ** 2
    expected = (2 * 0.2 * 0.6 + c1) / (0.2 ** 2 + 0.6 ** 2 + c1)  # flat images: the structure term is 1
    assert ssim(a, b).item() == pytest.approx(expected, rel=1e-6)
    assert psnr(torch.zeros(2, 3, 8, 8), torch.full((2, 3, 8, 8), 0.1)).tolist() == pytest.approx([20.0, 20.0])


def test_ssim_falls_as_noise_grows():
    x = (smooth_images(4, 0) + 1) / 2
    gen = torch.Generator().manual_seed(0)
    noise = torch.randn(x.shape, generator=gen)
    scores = [ssim(x, x + s * noise).mean().item() for s in (0.01, 0.05, 0.2)]
    assert 1 > scores[0] > scores[1] > scores[2]
    assert METRICS["ssim_translation"].fn(x * 2 - 1, x * 2 - 1) == pytest.approx(1)  # the registered one: [-1, 1]


# Frechet distance and KID.

def test_fd_matches_the_closed_form_for_diagonal_gaussians():
    mu1, mu2 = torch.tensor([0.0, 1.0, 2.0]), torch.tensor([1.0, 1.0, 0.0])
    var1, var2 = torch.tensor([1.0, 4.0, 0.0]), torch.tensor([9.0, 1.0, 0.25])  # one variance is 0
    expected = ((mu1 - mu2) ** 2).sum() + ((var1.sqrt() - var2.sqrt()) ** 2).sum()
    got = frechet_distance_from_stats(mu1, torch.diag(var1), mu2, torch.diag(var2))
    assert got == pytest.approx(float(expected), rel=1e-10)


def test_fd_matches_the_closed_form_for_commuting_rotated_covariances():
    q, _ = torch.linalg.qr(torch.randn(5, 5, generator=torch.Generator().manual_seed(0), dtype=torch.float64))
    d1 = torch.tensor([1.0, 2.0, 3.0, 0.0, 0.5], dtype=torch.float64)
    d2 = torch.tensor([4.0, 1.0, 0.0, 0.0, 2.0], dtype=torch.float64)
    c1, c2 = q @ torch.diag(d1) @ q.T, q @ torch.diag(d2) @ q.T
    expected = ((d1.sqrt() - d2.sqrt()) ** 2).sum()
    assert frechet_distance_from_stats(torch.zeros(5), c1, torch.zeros(5), c2) == pytest.approx(float(expected),
                                                                                                 abs=1e-9)


def test_fd_agrees_with_scipy_sqrtm_on_a_general_pair():
    linalg = pytest.importorskip("scipy.linalg")
    gen = torch.Generator().manual_seed(1)
    a, b = torch.randn(6, 6, generator=gen, dtype=torch.float64), torch.randn(6, 6, generator=gen, dtype=torch.float64)
    c1, c2 = a @ a.T, b @ b.T
    expected = (c1.trace() + c2.trace()).item() - 2 * linalg.sqrtm((c1 @ c2).numpy()).trace().real
    assert frechet_distance_from_stats(torch.zeros(6), c1, torch.zeros(6), c2) == pytest.approx(expected, rel=1e-8)


def test_fd_on_samples_is_zero_for_identical_sets_and_grows_with_the_mean_shift():
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(4000, 8, generator=gen), torch.randn(4000, 8, generator=gen)
    assert frechet_distance(x, x) < 1e-9
    values = [frechet_distance(x, y + s) for s in (0.0, 0.5, 1.0)]
    assert values[0] < 0.05 < values[1] < values[2]
    assert values[2] == pytest.approx(8 * 1.0 ** 2, rel=0.05)  # |shift|^2 over 8 dims, equal covariances


def test_fd_is_stable_for_rank_deficient_covariances():
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(10, 64, generator=gen), torch.randn(10, 64, generator=gen)  # 10 points in 64 dims
    assert frechet_distance(x, x) < 1e-8
    value = frechet_distance(x, y)
    assert math.isfinite(value) and value > 0
    assert value == pytest.approx(frechet_distance(y, x), rel=1e-8)


def test_kid_matches_the_unbiased_formula_on_one_full_subset():
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(5, 3, generator=gen, dtype=torch.float64), torch.randn(5, 3, generator=gen, dtype=torch.float64)
    def k(a, b):
        return (float(a @ b) / 3 + 1) ** 3
    within = sum(k(x[i], x[j]) + k(y[i], y[j]) for i in range(5) for j in range(5) if i != j) / 20
    across = sum(k(x[i], y[j]) for i in range(5) for j in range(5)) / 25
    result = kid(x, y, n_subsets=1, subset_size=5)
    assert result["kid"] == pytest.approx(within - 2 * across, rel=1e-10)
    assert result["kid_std"] == 0


def test_kid_is_near_zero_for_one_distribution_and_positive_for_a_shift():
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(600, 16, generator=gen), torch.randn(600, 16, generator=gen)
    same = kid(x, y, n_subsets=20, subset_size=200)
    shifted = kid(x, y + 0.5, n_subsets=20, subset_size=200)
    assert abs(same["kid"]) < 3 * same["kid_std"] + 1e-3
    assert shifted["kid"] > 10 * max(abs(same["kid"]), same["kid_std"])
    assert kid(x, y, n_subsets=20, subset_size=200) == same
    assert kid(x, y, seed=1, n_subsets=20, subset_size=200) != same


# Translation.

def test_a_perfect_translator_scores_best():
    x, y, reference = smooth_images(8, 0), smooth_images(8, 1, shift=(0.4, 0, 0)), smooth_images(8, 2, (0.4, 0, 0))
    res = translation_metrics(x, y.clone(), y, x.clone(), reference)
    assert list(res) == TRANSLATION
    assert res["l1_translation"] == 0 and res["ssim_translation"] == pytest.approx(1, abs=1e-12)
    assert res["cycle_psnr"] == MAX_PSNR
    assert res["l1_identity"] == pytest.approx((x - y).abs().mean().item(), rel=1e-6) and res["l1_identity"] > 0.1
    assert res["ssim_identity"] < 0.9


def test_a_worse_translator_scores_worse():
    x, y, reference = smooth_images(8, 0), smooth_images(8, 1), smooth_images(8, 2)
    noisy = (y + 0.3 * torch.randn(y.shape, generator=torch.Generator().manual_seed(0))).clamp(-1, 1)
    perfect = translation_metrics(x, y, y, x, reference)
    worse = translation_metrics(x, noisy, y, noisy, reference)
    assert worse["l1_translation"] > perfect["l1_translation"]
    assert worse["ssim_translation"] < perfect["ssim_translation"]
    assert worse["cycle_psnr"] < 20


def test_histogram_match_is_exact_for_itself_and_for_a_shifted_copy():
    x = smooth_images(1, 0)
    assert torch.allclose(histogram_match(x, x), x, atol=1e-6)
    assert torch.allclose(histogram_match(x, x * 0.5 + 0.2), x * 0.5 + 0.2, atol=1e-6)
    flat = torch.zeros(1, 3, 16, 16)
    flat[..., :8, :] = 1.0  # ties: half the pixels at each of two values
    matched = histogram_match(flat, torch.linspace(-1, 1, 3 * 16 * 16).view(1, 3, 16, 16))
    for c in range(3):  # tied pixels move together, to the middle of their share of the reference
        assert matched[0, c, :8].unique().numel() == 1 and matched[0, c, 8:].unique().numel() == 1


def test_histmatch_baseline_beats_identity_when_the_style_is_a_recolouring():
    def recolour(t):
        return t * torch.tensor([0.5, 0.7, 0.6]).view(1, 3, 1, 1) + torch.tensor([0.3, -0.2, 0.1]).view(1, 3, 1, 1)
    x = smooth_images(16, 0)
    reference = recolour(smooth_images(64, 1))  # target style, but not the targets themselves
    res = translation_metrics(x, x, recolour(x), x, reference)
    assert res["l1_histmatch"] < 0.5 * res["l1_identity"]


def test_translation_metrics_refuse_mismatched_shapes():
    x = smooth_images(4, 0)
    with pytest.raises(GanforgeError, match="same shape"):
        translation_metrics(x, x[:2], x, x, x)


class _StyleStub:
    """A FeatureNet stand-in: an image's 'style' is apple when it is mostly yellow, else windows."""

    available, missing, styles = True, None, ["apple", "windows"]

    def features(self, images_u8, remember=False):
        return images_u8.float().mean((2, 3))  # (N, 3): mean colour

    def style_logits(self, images_u8, remember=False):
        yellow = (images_u8[:, 0].float().mean((1, 2)) > images_u8[:, 2].float().mean((1, 2))).float()
        return torch.stack([yellow, 1 - yellow], 1)  # (N, 2): apple, windows

    def pair_accuracy(self, a, b):
        assert {a, b} == {"apple", "windows"}  # always the two-way choice of the run's styles
        return 0.97


def test_cycle_scores_rate_translations_between_source_and_target_with_the_pair_accuracy():
    from emoji_fakes import FakeSplit, circles
    from ganforge.models.nets import CycleNets
    from ganforge.scoring.images import TranslationScorer

    class Recolour(torch.nn.Module):
        """Swaps red and blue: turns the yellow circles blue and the blue ones yellow."""

        def __init__(self):
            super().__init__()
            self.unused = torch.nn.Parameter(torch.zeros(1))

        def forward(self, x):
            return x[:, [2, 1, 0]]

    def split(colour, seed, n=8):
        codes = [f"c{i}" for i in range(n)]
        return FakeSplit(circles(n, colour, seed), codes, codes, ["Objects"] * n)

    splits = {"apple": {"train": split((240, 200, 40), 0), "test": split((240, 200, 40), 1)},
              "windows": {"train": split((40, 120, 230), 2), "test": split((40, 120, 230), 3)}}
    nets = CycleNets(g_ab=Recolour(), g_ba=Recolour(), d_a=None, d_b=None)
    result = TranslationScorer(("apple", "windows"), splits, _StyleStub())(nets)
    scores = result.values
    assert scores["apple2windows_target_style_rate"] == 1.0           # every translation turned blue
    assert scores["apple2windows_target_style_rate_identity"] == 0.0  # the untouched sources did not
    assert scores["apple2windows_target_style_rate_floor"] == 1.0     # real windows images
    assert scores["windows2apple_target_style_rate"] == 1.0
    assert scores["apple2windows_style_classifier_pair_accuracy"] == 0.97
    assert scores["apple2windows_cycle_psnr"] > 40                   # swapping twice gives the source back
    # The colour-only probe sees the same thing, with its own held-out accuracy.
    assert scores["apple2windows_target_palette_rate"] == 1.0
    assert scores["apple2windows_target_palette_rate_identity"] == 0.0
    assert scores["apple2windows_target_palette_rate_floor"] == 1.0
    # (Swapped back, the blue circles turn orange (230, 120, 40), a colour neither set uses: no claim.)
    assert scores["windows2apple_target_palette_rate_identity"] == 0.0
    assert scores["apple2windows_palette_probe_accuracy"] == 1.0
    # What each value is travels with it.
    info = result.info
    assert info["apple2windows_target_palette_rate"]["baselines"] == {
        "identity": "apple2windows_target_palette_rate_identity", "floor": "apple2windows_target_palette_rate_floor"}
    assert info["apple2windows_palette_probe_accuracy"]["role"] == "extra"
    assert info["windows2apple_l1_identity"] == {"metric": "l1_translation", "higher_is_better": False,
                                                 "direction": ["windows", "apple"], "role": "identity",
                                                 "of": "windows2apple_l1_translation"}
    assert result.notes == []
    # Too few training images to hold any out: no palette scores, a note saying why, everything else scored.
    splits = {"apple": {"train": split((240, 200, 40), 0), "test": split((240, 200, 40), 1, n=4)},
              "windows": {"train": split((40, 120, 230), 2, n=4), "test": split((40, 120, 230), 3, n=4)}}
    result = TranslationScorer(("apple", "windows"), splits, _StyleStub())(nets)
    assert not [key for key in result.values if "palette" in key]
    assert result.values["apple2windows_target_style_rate"] == 1.0
    assert any("target_palette_rate" in n and "too small" in n for n in result.notes)


def test_scores_without_the_feature_network_say_what_is_missing_and_how_to_add_it():
    from ganforge.features import FeatureNet

    missing = FeatureNet(cache="/nonexistent-ganforge-cache")
    x, y, reference = smooth_images(8, 0), smooth_images(8, 1), smooth_images(8, 2)
    to_u8 = lambda t: ((t + 1) * 127.5).round().to(torch.uint8)  # noqa: E731
    result = score_translation(*(to_u8(t) for t in (x, y, y, x, reference)), ("apple", "windows"), missing)
    assert "apple2windows_l1_translation" in result.values and "apple2windows_fd" not in result.values
    note, = [n for n in result.notes if "fd" in n]
    assert "kid" in note and "target_style_rate" in note and "ganforge eval train-features" in note


def test_describe_rebuilds_the_info_of_keys_written_without_it():
    from ganforge.scoring import describe

    keys = ["mmd2", "mmd2_floor", "swd", "swd_floor", "style_rate", "apple2windows_target_style_rate",
            "apple2windows_target_style_rate_floor", "apple2windows_style_classifier_pair_accuracy", "mystery"]
    info = describe(keys)
    assert set(info) == set(keys) - {"mystery"}
    assert info["apple2windows_target_style_rate"]["metric"] == "target_style_rate"  # the longest name wins
    assert info["apple2windows_target_style_rate"]["baselines"] == {"floor": "apple2windows_target_style_rate_floor"}
    assert info["apple2windows_style_classifier_pair_accuracy"]["role"] == "extra"
    assert info["style_rate"]["higher_is_better"] and not info["swd"]["higher_is_better"]
    assert info["mmd2_floor"] == {"metric": "mmd2", "higher_is_better": False, "role": "floor", "of": "mmd2"}


# The palette probe: colours only.

def test_colour_histograms_count_bins_and_read_both_image_conventions():
    solid = torch.zeros(2, 3, 4, 4, dtype=torch.uint8)
    solid[1, 0] = 255                                    # image 1: pure red
    solid[1, :, 0, 0] = 255                              # ... with one white pixel
    h = colour_histograms(solid)
    assert h.shape == (2, 512) and h.dtype == torch.float64
    assert h[0, 0] == 1.0                                # all black: one bin, share 1, sqrt 1
    red, white = 7 * 64, 511
    assert h[1, red] == pytest.approx(math.sqrt(15 / 16)) and h[1, white] == pytest.approx(math.sqrt(1 / 16))
    assert torch.equal(colour_histograms(solid.float() / 127.5 - 1), h)
    with pytest.raises(GanforgeError, match="palette.*RGB"):
        colour_histograms(torch.zeros(2, 1, 4, 4), "the palette images")


def _two_palettes(n, seed):
    """Two styles with the same shapes and different colours: warm and cool versions of one set."""
    shapes = smooth_images(n, seed)
    warm = (shapes * 0.5 + torch.tensor([0.4, 0.1, -0.4]).view(1, 3, 1, 1)).clamp(-1, 1)
    cool = (shapes * 0.5 + torch.tensor([-0.4, 0.0, 0.4]).view(1, 3, 1, 1)).clamp(-1, 1)
    return warm, cool


def test_palette_probe_tells_two_palettes_apart_and_ignores_shapes():
    warm, cool = _two_palettes(60, 0)
    probe = fit_palette_probe(cool, warm, "cool", "warm")
    assert probe.heldout_accuracy == 1.0
    new_warm, new_cool = _two_palettes(20, 1)
    assert probe.rate(new_cool) == 1.0 and probe.rate(new_warm) == 0.0
    # A translator that recolours warm into cool wins; one that only moves pixels around does not.
    assert probe.rate(new_warm[:, [2, 1, 0]]) == 1.0
    assert torch.equal(probe.scores(new_warm.flip(3).roll(5, 2)), probe.scores(new_warm))
    again = fit_palette_probe(cool, warm, "cool", "warm")
    assert torch.equal(again.weight, probe.weight) and again.bias == probe.bias
    rate = get_metric("target_palette_rate").fn(new_cool, palette_probe=probe, target_style="cool")
    assert rate == {"target_palette_rate": 1.0, "palette_probe_accuracy": 1.0}
    assert get_metric("target_palette_rate").fn(new_cool, probe, "warm")["target_palette_rate"] == 0.0


def test_palette_probe_needs_images_to_hold_out():
    warm, cool = _two_palettes(10, 0)
    with pytest.raises(GanforgeError, match="the windows palette images: need at least 5 images"):
        fit_palette_probe(cool[:3], warm, "windows", "apple")
