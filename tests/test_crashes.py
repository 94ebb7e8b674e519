"""Crashes and divergence lose nothing: SIGKILL at random moments, NaN losses, unwritable folders."""
import os
import random
import signal
import subprocess
import sys
import time

import pytest
import torch

import ganforge.api as api
from ganforge.train import checkpoint
from ganforge.errors import GanforgeError
from emoji_fakes import patch_emoji_data, write_archive_layout

TRAIN = ["-m", "ganforge", "train", "cyclegan", "--iters", "24", "--batch-size", "8", "--conv-dim", "8",
         "--checkpoint-every", "2", "--log-every", "4", "--sample-every", "12", "--precision", "fp32",
         "--threads", "1"]


def ganforge(args, **kwargs):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen([sys.executable, *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, **kwargs)


def final_tensors(run):
    _, tensors = checkpoint.read(checkpoint.list_checkpoints(run / "checkpoints")[-1])
    return tensors


@pytest.mark.slow
def test_sigkill_at_random_moments_then_resume_is_bit_identical(tmp_path):
    data = write_archive_layout(tmp_path / "emojis")
    whole = tmp_path / "whole"
    assert ganforge(TRAIN + ["--data-dir", str(data), "--out", str(whole)]).wait(timeout=300) == 0
    expected = final_tensors(whole)
    expected_stats = (whole / "stats.jsonl").read_text()

    rng = random.Random(2516)
    killed_mid_run = 0
    for attempt in range(3):
        run = tmp_path / f"killed{attempt}"
        proc = ganforge(TRAIN + ["--data-dir", str(data), "--out", str(run)])
        # Kill somewhere between start-up and the end (checkpoints are written every 2 iterations).
        deadline = time.time() + 60
        while not checkpoint.list_checkpoints(run / "checkpoints") and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 1.5))
        proc.send_signal(signal.SIGKILL)
        killed_mid_run += proc.wait() == -signal.SIGKILL
        resumed = ganforge(["-m", "ganforge", "train", "cyclegan", "--resume", str(run)])
        _, err = resumed.communicate(timeout=300)
        assert resumed.returncode == 0, err.decode()
        got = final_tensors(run)
        assert got.keys() == expected.keys()
        assert [k for k in got if not torch.equal(got[k], expected[k])] == []
        assert (run / "stats.jsonl").read_text() == expected_stats
    assert killed_mid_run >= 2  # the kills really interrupted training


def test_non_finite_loss_stops_with_the_iteration_and_term_and_keeps_the_last_checkpoint(tmp_path, monkeypatch):
    patch_emoji_data(monkeypatch)
    from ganforge.train import steps

    original = steps.TwoStepGAN.__call__
    calls = []

    def poisoned(self, real):
        out = original(self, real)
        calls.append(1)
        if len(calls) >= 6:
            out = out.clone()
            out[1] = float("nan")  # gen_loss
        return out

    monkeypatch.setattr(steps.TwoStepGAN, "__call__", poisoned)
    with pytest.raises(GanforgeError, match=r"iteration 6: gen_loss is nan"):
        api.train_dcgan(out=tmp_path / "d", iters=12, batch_size=8, conv_dim=8, log_every=2,
                        checkpoint_every=4, sample_every=0, precision="fp32")
    names = [p.name for p in checkpoint.list_checkpoints(tmp_path / "d" / "checkpoints")]
    assert names == ["step-000004"]
    checkpoint.read(tmp_path / "d" / "checkpoints" / "step-000004")  # still loadable


def test_cli_exits_non_zero_on_divergence(tmp_path, monkeypatch, capsys):
    from ganforge.cli import main

    patch_emoji_data(monkeypatch)
    from ganforge.train import steps

    monkeypatch.setattr(steps.TwoStepGAN, "__call__", lambda self, real: torch.full((4,), float("inf")))
    rc = main(["train", "dcgan", "--iters", "4", "--log-every", "2", "--out", str(tmp_path / "d")])
    assert rc != 0
    assert "diverged at iteration 2: disc_loss is inf" in capsys.readouterr().err


def test_unwritable_output_folder_is_reported_before_training(tmp_path, capsys):
    from ganforge.cli import main

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    rc = main(["train", "moons", "--out", str(blocker / "run"), "--epochs", "1"])
    assert rc != 0
    err = capsys.readouterr().err
    assert "cannot create the output folder" in err and str(blocker) in err
