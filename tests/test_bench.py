"""`ganforge bench`: a smoke test, and a check that it times the training code's own steps."""
import json

import pytest

from ganforge.cli import main
from ganforge.methods import cut, cyclegan, pix2pix
from ganforge.train import steps
from ganforge.workflows import bench

pytestmark = pytest.mark.slow


def test_bench_quick_reports_every_model_timing_the_training_steps(tmp_path, monkeypatch, capsys):
    """One quick bench of every method's benchmarks: a row each, and no hand-written copies: every loop and bare
    iteration goes through the step classes training uses."""
    monkeypatch.setenv("GANFORGE_CACHE", str(tmp_path / "empty-cache"))  # no built data: synthetic images
    calls = {}
    for module, name in ((steps, "TwoStepGAN"), (steps, "RevGradGAN"), (cyclegan, "TwoOptimizerCycleStep"),
                         (cyclegan, "RevGradCycleStep"), (cut, "CUTStep"), (pix2pix, "Pix2PixStep")):
        cls = getattr(module, name)
        original = cls.__call__

        def counted(self, *real, _original=original, _name=name):
            calls[_name] = calls.get(_name, 0) + 1
            return _original(self, *real)

        monkeypatch.setattr(cls, "__call__", counted)
    assert main(["bench", "--quick", "--json", "--threads", "1"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["model"] for r in rows] == list(bench.benchmarks())
    assert list(bench.benchmarks()) == ["moons", "dcgan", "dcgan-modern", "cyclegan-toronto", "cyclegan-radboud",
                                        "cut", "pix2pix"]
    timing = bench.Timing(warmup=2, repeats=1, iters=3)
    per_variant = timing.warmup + timing.repeats * timing.iters  # loop and bare each run this many steps
    # CUT and pix2pix have no handout way: their FLOPs are counted on one more bare step.
    assert calls == {"TwoStepGAN": 2 * per_variant * 3, "TwoOptimizerCycleStep": 2 * per_variant,
                     "RevGradCycleStep": 2 * per_variant, "CUTStep": 2 * per_variant + 1,
                     "Pix2PixStep": 2 * per_variant + 1}
    for row in rows:
        for key in ("loop_it_per_s", "bare_it_per_s"):
            assert row[key] > 0, (row["model"], key)
        # The handouts have no CUT or pix2pix to compare with; every other model has its handout way.
        assert (row["handout_it_per_s"] is None) == (row["model"] in ("cut", "pix2pix"))
        assert row["loop_over_bare"] == pytest.approx(row["loop_it_per_s"] / row["bare_it_per_s"])
        assert row["data"] in ("n/a", "synthetic") and row["threads"] == 1
        assert row["gflop_per_iter"] > 0 and row["matmul_peak_gflop_per_s"] > 0
        assert row["loop_gflop_per_s"] == pytest.approx(row["gflop_per_iter"] * row["loop_it_per_s"])
        assert row["share_of_peak"] == pytest.approx(row["loop_gflop_per_s"] / row["matmul_peak_gflop_per_s"])
    flops = {row["model"]: row["gflop_per_iter"] for row in rows}
    assert flops["cyclegan-toronto"] > flops["dcgan"] > flops["moons"]
