"""Generation quality beyond the handouts: the modern DCGAN's parts, the moons mixture, rejection sampling."""
import json
import math
import shutil

import pytest
import torch

import ganforge.api as api
from method_helpers import resolve
from ganforge.cli import main
from ganforge.inference.sample import sample_images
from ganforge.models.dcgan import DCDiscriminator, DCGenerator
from ganforge.models.moons import MoonGenerator, MoonGeneratorMixture
from ganforge.models import standing_stats
from ganforge.models.standing_stats import measure_batch_norm_statistics
from ganforge.models import rejection
from ganforge.models.rejection import accept, density_logit, rejection_sample, shifted_score
from ganforge.train import checkpoint
from ganforge.train.ema import EMA
from ganforge.train.losses import adversarial_loss
from emoji_fakes import patch_emoji_data

TINY = dict(iters=6, batch_size=8, sample_every=3, log_every=2, checkpoint_every=3, conv_dim=8, precision="fp32",
            eval_every=0)
MODERN = dict(loss="hinge", augment="translation,cutout", ema=0.9, disc_norm="spectral", r1_gamma=1.0,
              upsample="bilinear")


# The DCGAN's parts.

def test_the_discriminator_may_be_wider_than_the_generator():
    from method_helpers import prepare
    from ganforge.hardware import pick_hardware

    data = torch.randint(0, 256, (16, 3, 32, 32), dtype=torch.uint8)
    nets = prepare("dcgan", resolve("dcgan", conv_dim=8, disc_dim=24, batch_size=8), pick_hardware("cpu", "fp32"),
                   data).networks
    widths = [m.out_channels for m in nets.discriminator.modules() if isinstance(m, torch.nn.Conv2d)]
    assert widths == [24, 48, 96, 1]
    plain = prepare("dcgan", resolve("dcgan", conv_dim=8, batch_size=8), pick_hardware("cpu", "fp32"), data).networks
    assert [p.shape for p in nets.generator.parameters()] == [p.shape for p in plain.generator.parameters()]
    assert [m.out_channels for m in plain.discriminator.modules() if isinstance(m, torch.nn.Conv2d)] == [8, 16, 32, 1]


def test_ema_moves_toward_the_model_by_one_minus_decay_and_copies_buffers():
    model, average = torch.nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    with torch.no_grad():
        model.weight.fill_(2.0)
        average.weight.fill_(0.0)
        model.running_mean.fill_(5.0)
    EMA(model, average, decay=0.75).update()
    assert torch.allclose(average.weight, torch.full((3,), 0.5))  # 0.75 * 0 + 0.25 * 2
    assert torch.equal(average.running_mean, model.running_mean)
    with pytest.raises(ValueError, match="between 0 and 1"):
        EMA(model, average, decay=1.0)


def test_hinge_loss_values_on_known_outputs():
    hinge = adversarial_loss("hinge")
    d = torch.tensor([[-2.0], [0.0], [3.0]])
    assert hinge(d, True).item() == pytest.approx((3 + 1 + 0) / 3)   # relu(1 - d)
    assert hinge(d, False).item() == pytest.approx((0 + 1 + 4) / 3)  # relu(1 + d)
    assert hinge.generator(d).item() == pytest.approx(-1 / 3)       # -mean d
    assert adversarial_loss("lsgan").generator(d).item() == pytest.approx(adversarial_loss("lsgan")(d, True).item())


def test_modern_networks_keep_their_shapes_and_spectral_norm_replaces_batch_norm():
    g = DCGenerator(100, 8, "phases", "bilinear")
    assert g(torch.rand(4, 100) * 2 - 1).shape == (4, 3, 32, 32)
    d = DCDiscriminator(8, "spectral")
    assert d(torch.rand(4, 3, 32, 32)).numel() == 4
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in d.modules())
    convs = [m for m in d.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 4 and all(torch.nn.utils.parametrize.is_parametrized(c, "weight") for c in convs)


@pytest.mark.slow
def test_modern_dcgan_keeps_its_average_in_checkpoints_resumes_bit_for_bit_and_samples_from_it(tmp_path, monkeypatch):
    patch_emoji_data(monkeypatch)
    options = {**TINY, **MODERN}
    api.train_dcgan(out=tmp_path / "whole", **options)
    api.train_dcgan(out=tmp_path / "part", **options)
    shutil.rmtree(tmp_path / "part" / "checkpoints" / "step-000006")  # the run died after its checkpoint at 3
    api.train_dcgan(resume=tmp_path / "part")
    _, a = checkpoint.read(tmp_path / "whole" / "checkpoints" / "step-000006")
    _, b = checkpoint.read(tmp_path / "part" / "checkpoints" / "step-000006")
    assert any(k.startswith("model.generator_ema.") for k in a)
    assert a.keys() == b.keys() and [k for k in a if not torch.equal(a[k], b[k])] == []
    # The average lags the generator: after 6 updates at decay 0.9 it is neither the start nor the end.
    g = {k[len("model.generator."):]: v for k, v in a.items() if k.startswith("model.generator.")}
    avg = {k[len("model.generator_ema."):]: v for k, v in a.items() if k.startswith("model.generator_ema.")}
    assert g.keys() == avg.keys() and any(not torch.equal(g[k], avg[k]) for k in g if g[k].is_floating_point())
    stats = [json.loads(line) for line in (tmp_path / "whole" / "stats.jsonl").read_text().splitlines()]
    assert [r for r in stats if "kind" not in r][-1]["r1_penalty"] >= 0
    # `ganforge sample` draws from the average: the same picture as sampling the average by hand.
    result = api.load_run(tmp_path / "whole")
    drawn = api.sample(tmp_path / "whole", n=4, seed=3)
    assert torch.equal(drawn, sample_images(result.networks.sampler(), 4, seed=3))
    assert result.networks.sampler() is result.networks.generator_ema
    assert not torch.equal(drawn, sample_images(result.networks.generator, 4, seed=3))


def test_the_average_gets_batch_norm_statistics_measured_for_its_own_weights():
    torch.manual_seed(0)
    average = DCGenerator(100, 8)
    with torch.no_grad():
        average.linear.weight.mul_(3)  # weights unlike those the running statistics came from
    before = average.net[0].running_mean.clone()
    rng_before = torch.get_rng_state()
    measure_batch_norm_statistics(average, batches=2, batch_size=8)
    assert torch.equal(torch.get_rng_state(), rng_before)  # fixed noise of its own
    assert average.training  # left in the mode it was in
    # The first batch norm's running mean is the plain mean of the linear layer's output over the same noise.
    rng = torch.Generator().manual_seed(standing_stats.SEED)
    noise = torch.cat([torch.rand(8, 100, generator=rng) * 2 - 1 for _ in range(2)])
    expected = average.linear(noise).view(16, -1, 4, 4).mean(dim=(0, 2, 3))
    assert torch.allclose(average.net[0].running_mean, expected, atol=1e-5)
    assert not torch.allclose(before, expected)
    assert average.net[0].momentum == 0.1  # put back


def test_handout_dcgan_has_no_average_and_its_options_are_off():
    cfg = resolve("dcgan", "toronto")
    assert (cfg.loss, cfg.augment, cfg.ema, cfg.disc_norm, cfg.r1_gamma, cfg.upsample) == \
        ("lsgan", "", 0.0, "batch", 0.0, "nearest")


# The moons mixture.

def test_the_first_noise_value_picks_the_component_in_equal_intervals():
    torch.manual_seed(0)
    mixture = MoonGeneratorMixture(3, input_size=5)
    noise = torch.rand(9, 5) * 2 - 1
    noise[:, 0] = torch.tensor([-1.0, -0.9, -0.34, -0.33, 0.0, 0.33, 0.34, 0.9, 1.0])
    assert mixture.component_of(noise).tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    out = mixture(noise)
    for i, k in enumerate(mixture.component_of(noise).tolist()):
        assert torch.allclose(out[i], mixture.components[k](noise[i:i + 1])[0])


def test_a_shared_mixture_is_one_network_told_the_component_by_a_one_hot_code():
    torch.manual_seed(0)
    mixture = MoonGeneratorMixture(3, input_size=5, shared=True)
    noise = torch.rand(6, 5) * 2 - 1
    noise[:, 0] = torch.tensor([-0.9, 0.0, 0.9, -0.5, 0.2, 0.8])
    which = mixture.component_of(noise)
    assert which.tolist() == [0, 1, 2, 0, 1, 2]
    code = torch.nn.functional.one_hot(which, 3).float()
    assert torch.allclose(mixture(noise), mixture.shared(torch.cat([code, noise[:, 1:]], dim=1)))
    assert not hasattr(mixture, "components")


def test_the_component_term_is_the_cross_entropy_of_the_classifiers_guess_and_trains_it():
    torch.manual_seed(0)
    mixture = MoonGeneratorMixture(2, input_size=3, weight=2.0)
    noise = torch.tensor([[-0.5, 0.1, 0.2], [0.5, 0.1, 0.2]])
    points = mixture(noise)
    logits = mixture.classifier(points)
    expected = 2.0 * torch.nn.functional.cross_entropy(logits, torch.tensor([0, 1]))
    assert mixture.auxiliary_loss(noise, points).item() == pytest.approx(expected.item())
    assert MoonGeneratorMixture(2, 3, weight=0.0).auxiliary_loss(noise, points).item() == 0
    # The generator's optimizer trains the classifier: it is one of the mixture's parameters.
    assert {id(p) for p in mixture.classifier.parameters()} <= {id(p) for p in mixture.parameters()}


@pytest.mark.slow
def test_moons_with_a_mixture_train_and_score_the_rejection_variant(tmp_path, small_moons):
    api.train_moons(out=tmp_path / "m", generators=2, precision="fp32", **small_moons)
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["generators"] == 2
    metrics = json.loads((tmp_path / "m" / "metrics.json").read_text())
    values, info = metrics["metrics"], metrics["metric_info"]
    for name in ("mmd2", "precision", "recall", "coverage"):
        assert f"rejection_{name}" in values and info[f"rejection_{name}"]["baselines"] == {"floor": f"{name}_floor"}
    assert 0 < values["rejection_acceptance_rate"] <= 1
    assert (tmp_path / "m" / "heatmaps" / "final-rejection.png").exists()
    assert main(["sample", "--run", str(tmp_path / "m"), "--n", "50", "--rejection"]) == 0
    lines = (tmp_path / "m" / "samples-50-rejection.csv").read_text().splitlines()
    assert lines[0] == "x,y" and len(lines) == 51
    assert (tmp_path / "m" / "samples-50-rejection.png").exists()


@pytest.mark.parametrize("trainer", ["two-step", "revgrad"])
@pytest.mark.slow
def test_moons_keep_an_average_that_samples_and_scores_use(tmp_path, small_moons, trainer):
    result = api.train_moons(out=tmp_path / "m", trainer=trainer, ema=0.9, precision="fp32", **small_moons)
    nets = result.networks
    assert nets.sampler() is nets.generator_ema
    live, average = nets.generator.state_dict(), nets.generator_ema.state_dict()
    assert any(not torch.equal(live[k], average[k]) for k in live)  # it lags the generator
    reloaded = api.load_run(tmp_path / "m").networks
    assert all(torch.equal(reloaded.generator_ema.state_dict()[k], average[k]) for k in average)


def test_linear_decay_sets_each_iterations_rates_and_survives_a_loaded_optimizer_state():
    from ganforge.train.lr_decay import LinearDecay
    a, b = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    opts = {"gen": torch.optim.Adam(a.parameters(), lr=1e-3), "disc": torch.optim.Adam(b.parameters(), lr=4e-3)}
    decay = LinearDecay(opts, total=10)
    decay(0)
    assert [o.param_groups[0]["lr"] for o in opts.values()] == [1e-3, 4e-3]
    decay(5)
    assert [o.param_groups[0]["lr"] for o in opts.values()] == pytest.approx([5e-4, 2e-3])
    # A checkpoint saved mid-run holds decayed rates and replaces the group dicts; the decay still
    # scales the initial rates, not the loaded ones.
    opts["gen"].load_state_dict(opts["gen"].state_dict())
    decay(9)
    assert [o.param_groups[0]["lr"] for o in opts.values()] == pytest.approx([1e-4, 4e-4])
    decay(10)
    assert opts["disc"].param_groups[0]["lr"] == 0.0


@pytest.mark.slow
def test_moons_with_decaying_rates_differ_from_constant_ones_and_resume_bit_for_bit(tmp_path, small_moons):
    import shutil

    from ganforge.train import checkpoint
    options = {**small_moons, "epochs": 3, "precision": "fp32"}
    constant = api.train_moons(out=tmp_path / "c", **options).stats
    whole = api.train_moons(out=tmp_path / "whole", lr_decay="linear", **options)
    assert whole.stats[0] != constant[0]  # from the second iteration on, the rates are lower
    api.train_moons(out=tmp_path / "part", lr_decay="linear", **options)
    shutil.rmtree(tmp_path / "part" / "checkpoints" / "step-000003")
    resumed = api.train_moons(resume=tmp_path / "part")
    assert resumed.stats == whole.stats
    _, x = checkpoint.read(tmp_path / "whole" / "checkpoints" / "step-000003")
    _, y = checkpoint.read(tmp_path / "part" / "checkpoints" / "step-000003")
    assert all(torch.equal(x[k], y[k]) for k in x)


def test_rejection_is_refused_for_image_runs(tmp_path, monkeypatch, capsys):
    patch_emoji_data(monkeypatch)
    api.train_dcgan(out=tmp_path / "d", **{**TINY, "iters": 3, "checkpoint_every": 3})
    assert main(["sample", "--run", str(tmp_path / "d"), "--rejection"]) != 0
    assert "--rejection samples moons runs" in capsys.readouterr().err


# Rejection sampling.

class _ThresholdD(torch.nn.Module):
    """D's logit is x's first coordinate: points further right look more real."""

    def __init__(self):
        super().__init__()
        self.anchor = torch.nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return x[:, :1]


def test_the_shifted_score_grows_with_the_logit_and_is_infinite_at_the_top():
    logits = torch.tensor([-3.0, -1.0, 0.0, 0.5, 2.0])
    f = shifted_score(logits, max_logit=2.0)
    assert torch.all(f[1:] > f[:-1]) and math.isinf(f[-1].item()) is False and f[-1] > 10
    assert density_logit(torch.tensor([0.5]), "lsgan").item() == pytest.approx(0.0)
    assert density_logit(torch.tensor([1.5]), "bce").item() == 1.5


def test_rejection_keeps_the_points_with_higher_d():
    torch.manual_seed(0)
    g = MoonGenerator(4)  # any generator: D's opinion decides
    plain = g(torch.rand(20000, 4) * 2 - 1).detach()
    kept = rejection_sample(g, _ThresholdD(), 2000, loss="bce", percentile=80, seed=1)
    assert kept.points.shape == (2000, 2) and 0 < kept.acceptance_rate < 1
    assert kept.points[:, 0].mean() > plain[:, 0].mean() + 0.1 * plain[:, 0].std()


@pytest.mark.slow
def test_too_strict_a_rejection_is_an_error_naming_the_option_and_leaves_the_plain_scores(tmp_path, small_moons,
                                                                                           monkeypatch):
    monkeypatch.setattr(rejection, "MAX_ROUNDS", 1)
    with pytest.raises(rejection.TooFewKept, match="kept .* fewer than the 5000 asked for; lower --rejection-percentile"):
        rejection_sample(MoonGenerator(4), _ThresholdD(), 5000, loss="bce", percentile=80, seed=1, batch=100)

    def refuse(*args, **kwargs):
        raise rejection.TooFewKept("rejection sampling kept 12 of 819200 samples, fewer than the 2000 asked for")
    monkeypatch.setattr("ganforge.scoring.moons.rejection_sample", refuse)
    monkeypatch.setattr("ganforge.train.points.rejection_sample", refuse)
    api.train_moons(out=tmp_path / "m", precision="fp32", **small_moons)      # trained, scored, reported
    metrics = json.loads((tmp_path / "m" / "metrics.json").read_text())
    assert "recall" in metrics["metrics"] and "rejection_recall" not in metrics["metrics"]
    assert any(n.startswith("not scored (rejection_*): rejection sampling kept") for n in metrics["notes"])
    assert "no rejection-sampling heatmap" in (tmp_path / "m" / "log.txt").read_text()
    assert not (tmp_path / "m" / "heatmaps" / "final-rejection.png").exists()


def test_rejection_keeps_every_point_when_its_threshold_rejects_none():
    scores = torch.tensor([-50.0, 0.0, 3.0])
    assert accept(scores, -math.inf, torch.full((3,), 0.999999)).all()
    torch.manual_seed(0)
    kept = rejection_sample(MoonGenerator(4), _ThresholdD(), 500, loss="bce", percentile=0, seed=1)
    assert kept.acceptance_rate == 1.0 and kept.gamma == -math.inf
