"""What a student runs into first: resuming and extending, picking checkpoints, readable progress, one spelling
for a direction, threads that do not stall, outputs that are never overwritten."""
import json

import pytest
import torch

import ganforge.api as api
from emoji_fakes import patch_emoji_data
from ganforge.cli import main
from ganforge.train import checkpoint

TINY = dict(iters=4, batch_size=8, sample_every=2, log_every=2, checkpoint_every=2, conv_dim=8, precision="fp32",
            threads=1)


@pytest.mark.slow
def test_resume_may_extend_a_finished_run_and_change_where_it_runs_but_nothing_else(tmp_path, monkeypatch, capsys):
    patch_emoji_data(monkeypatch)
    api.train_cyclegan(out=tmp_path / "long", **{**TINY, "iters": 6})
    api.train_cyclegan(out=tmp_path / "short", **TINY)
    # --dry-run with --resume shows what the run would continue with, refuses what --resume refuses, writes nothing.
    saved = (tmp_path / "short" / "config.json").read_text()
    capsys.readouterr()
    assert main(["train", "cyclegan", "--resume", str(tmp_path / "short"), "--iters", "6", "--dry-run"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["iters"] == 6 and shown["seed"] == json.loads(saved)["seed"]
    assert main(["train", "cyclegan", "--resume", str(tmp_path / "short"), "--lr", "0.1", "--dry-run"]) == 2
    assert "--lr cannot change when resuming" in capsys.readouterr().err
    assert (tmp_path / "short" / "config.json").read_text() == saved
    assert main(["train", "cyclegan", "--resume", str(tmp_path / "short"), "--iters", "6", "--threads", "1",
                 "--log-every", "1"]) == 0
    config = json.loads((tmp_path / "short" / "config.json").read_text())
    assert config["iters"] == 6 and config["log_every"] == 1
    # Extending gives the weights the longer run reached (log_every changes the records, not the training).
    _, a = checkpoint.read(tmp_path / "long" / "checkpoints" / "step-000006")
    _, b = checkpoint.read(tmp_path / "short" / "checkpoints" / "step-000006")
    assert [k for k in a if not torch.equal(a[k], b[k])] == []
    assert json.loads((tmp_path / "short" / "metrics.json").read_text())["step"] == 6
    capsys.readouterr()
    assert main(["train", "cyclegan", "--resume", str(tmp_path / "short"), "--lr", "0.1"]) != 0
    assert "--lr cannot change when resuming: it would change the training itself" in capsys.readouterr().err
    assert main(["train", "cyclegan", "--resume", str(tmp_path / "short"), "--iters", "2"]) != 0
    assert "--iters 2 is below the step 6" in capsys.readouterr().err


def test_translate_sample_and_eval_take_a_checkpoint_step(tmp_path, monkeypatch, capsys):
    from PIL import Image

    patch_emoji_data(monkeypatch)
    api.train_cyclegan(out=tmp_path / "c", **TINY)
    Image.new("RGB", (32, 32), (240, 200, 40)).save(tmp_path / "in.png")
    out = {}
    for step in (2, 4):
        assert main(["translate", "--run", str(tmp_path / "c"), "--step", str(step), str(tmp_path / "in.png"),
                     "--out", str(tmp_path / f"t{step}")]) == 0
        out[step] = Image.open(tmp_path / f"t{step}" / "in-apple2windows-32.png").tobytes()
    assert out[2] != out[4]                             # two checkpoints, two translators
    capsys.readouterr()
    assert main(["eval", str(tmp_path / "c"), "--step", "3"]) != 0
    assert "has no checkpoint at step 3; it has 2, 4" in capsys.readouterr().err
    assert main(["eval", str(tmp_path / "c"), "--step", "2"]) == 0
    assert json.loads((tmp_path / "c" / "metrics.json").read_text())["step"] == 2


def test_a_direction_is_read_both_ways_printed_one_way_and_defaults_to_the_runs_own(tmp_path, monkeypatch):
    from PIL import Image

    patch_emoji_data(monkeypatch)
    api.train_cyclegan(out=tmp_path / "c", **TINY)
    Image.new("RGB", (32, 32), (240, 200, 40)).save(tmp_path / "in.png")
    for given in ([], ["--direction", "apple-windows"], ["--direction", "apple2windows"],
                  ["--direction", "apple->windows"]):
        assert main(["translate", "--run", str(tmp_path / "c"), *given, str(tmp_path / "in.png"),
                     "--out", str(tmp_path / "t")]) == 0
        assert (tmp_path / "t" / "in-apple2windows.png").exists()
    assert main(["translate", "--run", str(tmp_path / "c"), "--direction", "windows2apple", str(tmp_path / "in.png"),
                 "--out", str(tmp_path / "t")]) == 0
    names = {p.name for p in (tmp_path / "t").iterdir()}
    assert {"in-windows2apple.png", "in-windows2apple-32.png", "in-windows2apple-x4.png"} <= names
    assert Image.open(tmp_path / "t" / "in-windows2apple-32.png").size == (32, 32)
    assert Image.open(tmp_path / "t" / "in-windows2apple-x4.png").size == (128, 128)


def test_translate_a_whole_test_set_into_files_and_an_index_page(tmp_path, monkeypatch):
    styles = patch_emoji_data(monkeypatch)
    api.train_pix2pix(out=tmp_path / "p", **TINY)
    assert main(["translate", "--run", str(tmp_path / "p"), "--test-set", "--out", str(tmp_path / "all")]) == 0
    n = len(styles["apple"]["test"].codepoints)
    images = list((tmp_path / "all" / "images").iterdir())
    assert len([p for p in images if p.name.endswith("-apple2windows.png")]) == n
    assert len([p for p in images if p.name.endswith("-target.png")]) == n   # the fakes pair every test image
    page = (tmp_path / "all" / "index.html").read_text()
    assert page.count("<tr>") == n + 1 and "true target" in page


@pytest.mark.slow
def test_sample_never_overwrites_and_version_and_the_runs_overview(tmp_path, monkeypatch, capsys):
    from ganforge import __version__

    patch_emoji_data(monkeypatch)
    api.train_dcgan(out=tmp_path / "runs" / "d", **TINY)
    api.train_pix2pix(out=tmp_path / "runs" / "p", **TINY)
    for _ in range(2):
        assert main(["sample", "--run", str(tmp_path / "runs" / "d"), "--n", "4"]) == 0
    assert {p.name for p in (tmp_path / "runs" / "d").glob("samples-4*.png")} == {"samples-4.png", "samples-4-2.png"}
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"ganforge {__version__}"
    assert main(["report", str(tmp_path / "runs")]) == 0
    overview = (tmp_path / "runs" / "runs.txt").read_text().splitlines()
    assert [line.split("\t")[:2] for line in overview] == [["d", "dcgan"], ["p", "pix2pix"]]
    assert "swd" in overview[0] and "l1" in overview[1] and "do-nothing" in overview[1]
    assert 'href="p/report.html"' in (tmp_path / "runs" / "report.html").read_text()


def test_progress_lines_are_short_and_the_end_says_the_scores_and_the_report(tmp_path, monkeypatch, capsys):
    patch_emoji_data(monkeypatch)
    api.train_cyclegan(out=tmp_path / "c", **TINY)
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("iter 2/4"))
    assert len(line) < 120 and "g_loss_adv" in line and "cycle_loss_a" not in line   # the full record: stats.jsonl
    assert "cycle_loss_a" in (tmp_path / "c" / "stats.jsonl").read_text()
    assert "scores:" in out and "l1 " in out and "(do-nothing" in out
    assert f"report: {tmp_path / 'c' / 'report.html'}" in out


def test_the_default_threads_leave_busy_cores_alone(monkeypatch):
    from ganforge import hardware

    monkeypatch.setattr(hardware, "usable_cores", lambda: 2)
    for load, expected in ((0.1, 2), (0.8, 1), (2.0, 1), (3.5, 1)):
        monkeypatch.setattr(hardware.os, "getloadavg", lambda load=load: (load, load, load))
        assert hardware.free_cores() == expected, load
    monkeypatch.setattr(hardware, "usable_cores", lambda: 8)
    monkeypatch.setattr(hardware.os, "getloadavg", lambda: (2.4, 2.0, 2.0))
    assert hardware.free_cores() == 6
