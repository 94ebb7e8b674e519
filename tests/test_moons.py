import json

import pytest
import torch

import ganforge
from ganforge.cli import main
from ganforge.data.moons import make_moons


def test_make_moons_is_standardized_and_seeded():
    a = make_moons(4000, 0.1, seed=1)
    assert a.shape == (4000, 2)
    assert torch.allclose(a.mean(0), torch.zeros(2), atol=1e-5)
    assert torch.allclose(a.std(0, unbiased=False), torch.ones(2), atol=1e-4)
    assert torch.equal(a, make_moons(4000, 0.1, seed=1))
    assert not torch.equal(a, make_moons(4000, 0.1, seed=2))


@pytest.mark.parametrize("trainer,keys", [
    ("two-step", {"disc_loss", "gen_loss", "disc_acc", "gen_acc"}),
    ("disc-only", {"disc_loss", "gen_loss", "disc_acc", "gen_acc"}),
    ("revgrad", {"loss", "acc_real", "acc_fake"}),
])
@pytest.mark.slow
def test_each_trainer_writes_a_run_folder(tmp_path, small_moons, trainer, keys):
    result = ganforge.train_moons(trainer=trainer, out=tmp_path / "run", **small_moons)
    stats = [json.loads(line) for line in (tmp_path / "run" / "stats.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in stats] == [1, 2]
    assert keys <= set(stats[0])
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["trainer"] == trainer and config["seed"] == 12345 and config["kind"] == "moons"
    assert (tmp_path / "run" / "heatmaps" / "epoch-0002.png").stat().st_size > 1000
    assert (tmp_path / "run" / "log.txt").read_text().count("epoch") >= 2
    assert result.stats == stats


@pytest.mark.slow
def test_two_step_changes_both_networks_and_disc_only_trains_only_the_discriminator(tmp_path, small_moons):
    from method_helpers import build_networks, resolve
    from method_helpers import resolve
    from ganforge.hardware import pick_hardware

    def untrained(trainer):  # the same seed and build order give the run's initial weights
        torch.manual_seed(12345)
        return build_networks("moons", resolve("moons", trainer=trainer, **small_moons), pick_hardware("cpu"))

    before = untrained("two-step")
    result = ganforge.train_moons(trainer="two-step", out=tmp_path / "a", **small_moons)
    assert not torch.equal(result.generator.net[0].weight, before.generator.net[0].weight)
    assert not torch.equal(result.discriminator.net[0].weight, before.discriminator.net[0].weight)

    before = untrained("disc-only")
    dummy = ganforge.train_moons(trainer="disc-only", out=tmp_path / "b", **small_moons)
    assert not torch.equal(dummy.discriminator.net[0].weight, before.discriminator.net[0].weight)
    # The generator is the handout's untrainable dummy: after training it still draws uniform points in [-2, 2]^2.
    points = dummy.generator(torch.zeros(20000, 100))
    assert type(dummy.generator).__name__ == "UniformMoonGenerator"
    assert points.min() >= -2 and points.max() <= 2
    assert points.std(0) == pytest.approx(torch.full((2,), 4 / 12 ** 0.5), abs=0.03)  # a uniform's spread


@pytest.mark.slow
def test_same_seed_gives_identical_stats(tmp_path, small_moons):
    a = ganforge.train_moons(out=tmp_path / "a", **small_moons).stats
    b = ganforge.train_moons(out=tmp_path / "b", **small_moons).stats
    c = ganforge.train_moons(out=tmp_path / "c", seed=7, **small_moons).stats
    assert a == b
    assert a != c


@pytest.mark.slow
def test_resume_ends_bit_identical(tmp_path, small_moons):
    import shutil

    from ganforge.train import checkpoint
    options = {**small_moons, "epochs": 3}
    whole = ganforge.train_moons(out=tmp_path / "whole", **options)
    ganforge.train_moons(out=tmp_path / "part", **options)
    # Pretend the run died during epoch 3: its last checkpoint is epoch 2.
    shutil.rmtree(tmp_path / "part" / "checkpoints" / "step-000003")
    resumed = ganforge.train_moons(resume=tmp_path / "part")
    assert resumed.stats == whole.stats
    _, a = checkpoint.read(tmp_path / "whole" / "checkpoints" / "step-000003")
    _, b = checkpoint.read(tmp_path / "part" / "checkpoints" / "step-000003")
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.slow
def test_cli_smoke(tmp_path, capsys):
    out = tmp_path / "cli"
    rc = main(["train", "moons", "--epochs", "1", "--n-samples", "256", "--batch-size", "64",
               "--hidden-disc", "16", "--heatmap-resolution", "10", "--out", str(out)])
    assert rc == 0
    assert len((out / "stats.jsonl").read_text().splitlines()) == 1
    assert "epoch 1/1" in capsys.readouterr().out


def test_cli_rejects_bad_options_with_one_line(capsys):
    assert main(["train", "moons", "--batch-size", "0"]) != 0
    err = capsys.readouterr().err.strip()
    assert err == "ganforge: error: --batch-size must be >= 1, got 0"
    assert main(["train", "moons", "--trainer", "nope"]) != 0
    err = capsys.readouterr().err.strip()
    assert "--trainer" in err and "\n" not in err
    assert main(["train", "moons", "--lr", "-1"]) != 0
    assert "--lr must be > 0" in capsys.readouterr().err
    assert main(["train", "moons", "--epochs", "x"]) != 0
    assert "--epochs" in capsys.readouterr().err


def test_dry_run_prints_resolved_config(capsys):
    assert main(["train", "moons", "--preset", "radboud", "--dry-run"]) == 0
    config = json.loads(capsys.readouterr().out)
    assert config["batch_size"] == 128 and config["epochs"] == 10 and config["lr_gen"] == 0.001


@pytest.mark.slow
def test_same_out_is_never_overwritten(tmp_path, small_moons):
    ganforge.train_moons(out=tmp_path / "x", **small_moons)
    with pytest.raises(ganforge.GanforgeError, match="already holds a run"):
        ganforge.train_moons(out=tmp_path / "x", **small_moons)


@pytest.mark.slow
def test_auto_numbered_run_folders(tmp_path, small_moons):
    a = ganforge.train_moons(root=tmp_path, **small_moons)
    b = ganforge.train_moons(root=tmp_path, trainer="revgrad", **small_moons)
    assert a.path.name == "00001-moons-two-step"
    assert b.path.name == "00002-moons-revgrad"


# GAN Lab's choices, on the command line and in the API (issue 27).
@pytest.mark.parametrize("dataset", ["ring", "clusters"])
def test_every_data_set_trains_and_is_scored_against_itself(tmp_path, small_moons, dataset):
    from ganforge.data.points import make_points

    points = make_points(dataset, 4000, 0.05, 3)
    assert points.shape == (4000, 2) and points.abs().max() < 2.5 and torch.equal(points,
                                                                                    make_points(dataset, 4000, 0.05, 3))
    result = ganforge.train_moons(dataset=dataset, out=tmp_path / "r", **small_moons)
    metrics = json.loads((result.path / "metrics.json").read_text())["metrics"]
    assert metrics["mmd2_biased_floor"] < metrics["mmd2_biased"]   # the floor: two samples of the same data set


def test_a_drawn_distribution_is_recorded_in_the_run(tmp_path, small_moons, capsys):
    csv = tmp_path / "drawn.csv"
    csv.write_text("x,y\n" + "".join(f"{x / 10 - 1:.2f},{(x % 7) / 5 - 0.6:.2f}\n" for x in range(20)))
    result = ganforge.train_moons(dataset="drawn", points=str(csv), out=tmp_path / "r", **small_moons)
    recorded = json.loads((result.path / "config.json").read_text())["points"]
    assert recorded.startswith("-1.0000,-0.6000;-0.9000,-0.4000;") and recorded.count(";") == 19
    csv.unlink()   # the run needs the file no more: config.json holds the points
    assert main(["eval", str(result.path)]) == 0
    assert main(["train", "moons", "--points", "1,1", "--dry-run"]) == 2
    assert "give --dataset drawn with it" in capsys.readouterr().err


def test_depth_width_noise_steps_and_optimizers_shape_the_training(tmp_path, small_moons):
    from ganforge.train.steps import TwoStepGAN

    options = dict(gen_depth=1, gen_width=16, disc_depth=3, hidden_disc=8, noise_size=2, noise_dist="gaussian",
                   d_steps=3, g_steps=2, optimizer_gen="sgd", optimizer_disc="adam", lr_gen=0.05)
    result = ganforge.train_moons(out=tmp_path / "r", **{**small_moons, **options})
    g, d = result.generator, result.discriminator
    assert [m.out_features for m in g.net if isinstance(m, torch.nn.Linear)] == [16, 2] and g.noise == "gaussian"
    assert [m.out_features for m in d.net if isinstance(m, torch.nn.Linear)] == [8, 8, 8, 1]
    config = json.loads((result.path / "config.json").read_text())
    assert {k: config[k] for k in options} == options
    # Three D updates and two G updates an iteration: the step does what the page's sub-steps do.
    from method_helpers import prepare, resolve
    from ganforge.hardware import pick_hardware

    cfg = resolve("moons", **{**small_moons, **options})
    runs = []
    for split in (False, True):
        torch.manual_seed(0)
        training = prepare("moons", cfg, pick_hardware("cpu", "fp32", 1), make_moons(512, 0.1, 0))
        step = training.step
        assert isinstance(step, TwoStepGAN) and isinstance(step.opt_gen, torch.optim.SGD)
        batch = training.batches(0)[0]
        if split:
            for _ in range(3):
                step.discriminator_step(batch)
            for _ in range(2):
                step.generator_step(batch.shape[0])
        else:
            step(batch)
        runs.append([p.detach().clone() for p in training.networks.generator.parameters()])
    assert all(torch.equal(a, b) for a, b in zip(*runs))


@pytest.mark.parametrize("options, message", [
    (dict(trainer="revgrad", d_steps=3), "steps per network apply to --trainer two-step"),
    (dict(trainer="revgrad", optimizer_gen="sgd"), "give --optimizer-gen and --optimizer-disc the same value"),
    (dict(d_steps=0, g_steps=0), "trains nothing"),
    (dict(generators=2, noise_dist="gaussian"), "use --noise-dist uniform with it"),
])
def test_combinations_that_mean_nothing_are_refused(options, message):
    from method_helpers import resolve
    from ganforge.errors import GanforgeError

    with pytest.raises(GanforgeError, match=message):
        resolve("moons", **options)
