"""Scores of samples from noise averaged over several draws (--eval-draws, `ganforge eval --draws`)."""
import json

import pytest
import torch

import ganforge.api as api
from emoji_fakes import circles, patch_emoji_data
from ganforge.cli import main
from ganforge.errors import GanforgeError
from ganforge.inference import evaluate_run
from ganforge.models.dcgan import DCGenerator
from ganforge.scoring.engine import EVAL_SEED
from ganforge.scoring.images import _score_draw, score_samples

TINY = dict(iters=4, batch_size=8, sample_every=4, log_every=2, checkpoint_every=4, eval_every=0, conv_dim=8,
            precision="fp32", threads=1)


@pytest.fixture
def generator_and_images():
    torch.manual_seed(0)
    return DCGenerator(conv_dim=8).eval(), circles(24, (60, 120, 230), seed=1), circles(8, (60, 120, 230), seed=2)


def test_draws_score_other_noise_each_and_keep_the_mean(generator_and_images):
    generator, train, test = generator_and_images
    singles = [_score_draw(generator, "windows", train, test, None, EVAL_SEED + k) for k in range(3)]
    assert len({s.values["swd"] for s in singles}) == 3  # each draw is another set of samples and patches
    one = score_samples(generator, "windows", train, test, None)
    assert one.values == singles[0].values  # one draw is what scoring always was
    three = score_samples(generator, "windows", train, test, None, draws=3)
    for key in ("swd", "swd_floor"):
        assert three.values[key] == pytest.approx(sum(s.values[key] for s in singles) / 3)
    assert three.info == singles[0].info
    assert any("mean of 3 draws of 8 samples" in note and "swd" in note for note in three.notes)


def test_eval_draws_scores_a_run_again_and_refuses_runs_that_draw_nothing(tmp_path, monkeypatch, small_moons):
    patch_emoji_data(monkeypatch)
    api.train_dcgan(style="windows", out=tmp_path / "d", **TINY)
    before = json.loads((tmp_path / "d" / "metrics.json").read_text())
    assert main(["eval", str(tmp_path / "d"), "--draws", "2", "--threads", "1"]) == 0
    after = json.loads((tmp_path / "d" / "metrics.json").read_text())
    assert any("mean of 2 draws" in note for note in after["notes"])
    assert after["metrics"]["swd"] != before["metrics"]["swd"]
    assert after["timing"] == before["timing"]  # training's own record is kept
    assert main(["eval", str(tmp_path / "d"), "--draws", "0"]) == 2
    assert api.evaluate(tmp_path / "d", draws=1)["swd"] == before["metrics"]["swd"]  # the run's own single draw
    api.train_moons(out=tmp_path / "m", **small_moons)
    with pytest.raises(GanforgeError, match="--draws: .* moons run"):
        evaluate_run(tmp_path / "m", draws=2)


def test_the_option_is_explained_in_help(capsys):
    with pytest.raises(SystemExit):
        main(["train", "dcgan", "--help"])
    assert "about 5% and SWD by about 20%" in " ".join(capsys.readouterr().out.split())


def test_training_scores_with_its_eval_draws_and_resume_may_change_them(tmp_path, monkeypatch):
    patch_emoji_data(monkeypatch)
    api.train_dcgan(style="windows", out=tmp_path / "d", eval_draws=2, **TINY)
    metrics = json.loads((tmp_path / "d" / "metrics.json").read_text())
    assert any("mean of 2 draws" in note for note in metrics["notes"])
    assert main(["train", "dcgan", "--resume", str(tmp_path / "d"), "--iters", "6", "--eval-draws", "3"]) == 0
    metrics = json.loads((tmp_path / "d" / "metrics.json").read_text())
    assert metrics["step"] == 6 and any("mean of 3 draws" in note for note in metrics["notes"])
