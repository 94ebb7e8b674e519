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
