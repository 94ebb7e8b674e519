"""A student's own networks in ganforge's loop: --generator/--discriminator FILE.py:Class, generator= in Python.

The networks come from handout_networks.py, written as students write them from the
handouts' specs. Each run carries a copy of that file; loading a run runs it, so a copy
that is not the user's own file is refused without --trust-code.
"""
import json
import shutil
import signal
import time

import pytest
import torch

import ganforge.api as api
from emoji_fakes import patch_emoji_data, write_archive_layout
from ganforge.cli import main
from ganforge.errors import GanforgeError
from ganforge.train import checkpoint
from test_crashes import final_tensors, ganforge

HANDOUT = __import__("pathlib").Path(__file__).with_name("handout_networks.py")
TINY = dict(batch_size=8, conv_dim=8, log_every=50, sample_every=100, eval_every=0, precision="fp32", threads=1)


@pytest.fixture
def nets(tmp_path):
    """The student's file, in a folder of their own."""
    path = tmp_path / "student" / "nets.py"
    path.parent.mkdir()
    shutil.copy(HANDOUT, path)
    return path


def options(**kw) -> list[str]:
    return [f"--{k.replace('_', '-')}={v}" for k, v in {**TINY, **kw}.items()]


@pytest.mark.slow
def test_a_students_dcgan_trains_resumes_after_sigkill_and_every_command_reads_it(tmp_path, nets, capsys):
    data = write_archive_layout(tmp_path / "emojis")
    train = ["-m", "ganforge", "train", "dcgan", "--generator", f"{nets}:DCGenerator", "--discriminator",
             f"{nets}:DCDiscriminator", "--data-dir", str(data),
             *options(iters=200, checkpoint_every=20, sample_every=100)]
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    assert ganforge(train + ["--out", str(whole)]).wait(timeout=300) == 0
    proc = ganforge(train + ["--out", str(killed)])
    deadline = time.time() + 120
    while not checkpoint.list_checkpoints(killed / "checkpoints") and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    assert checkpoint.list_checkpoints(killed / "checkpoints")[-1].name != "step-000200"  # killed mid-run
    resumed = ganforge(["-m", "ganforge", "train", "dcgan", "--resume", str(killed)])
    assert resumed.wait(timeout=300) == 0, resumed.stderr.read().decode()
    expected, got = final_tensors(whole), final_tensors(killed)
    assert [k for k in expected if not torch.equal(got[k], expected[k])] == []
    assert (killed / "stats.jsonl").read_text() == (whole / "stats.jsonl").read_text()

    # The run carries the file and its sha256, and names the classes as given.
    config = json.loads((whole / "config.json").read_text())
    assert config["generator"] == f"{nets}:DCGenerator"
    code = config["code"]["generator"]
    assert code["file"] == "code/nets.py" and code["name"] == "DCGenerator" and code["origin"] == str(nets)
    assert (whole / "code" / "nets.py").read_bytes() == nets.read_bytes()
    assert config["code"]["discriminator"]["file"] == "code/nets.py"   # one copy of one file
    # eval, sample and report read it back (the user's own run: no --trust-code needed).
    assert main(["eval", str(whole)]) == 0
    assert main(["sample", "--run", str(whole), "--n", "9"]) == 0
    assert (whole / "samples-9.png").is_file()
    assert main(["report", str(whole)]) == 0
    assert "DCGAN · windows" in (whole / "report.html").read_text()


def test_a_students_cyclegan_trains_resumes_and_translates_and_compares(tmp_path, nets, monkeypatch):
    patch_emoji_data(monkeypatch)
    student = dict(generator=f"{nets}:CycleGenerator", discriminator=f"{nets}:DCDiscriminator", **TINY)
    whole = api.train_cyclegan(out=tmp_path / "whole", iters=200, checkpoint_every=100, **student)
    assert type(whole.networks.g_ab).__name__ == "CycleGenerator" and type(whole.networks.d_b).__name__ == \
        "DCDiscriminator"
    assert whole.networks.g_ab is not whole.networks.g_ba  # both generators built from the class
    part = api.train_cyclegan(out=tmp_path / "part", iters=200, checkpoint_every=100, **student)
    shutil.rmtree(part.path / "checkpoints" / "step-000200")
    api.train_cyclegan(resume=part.path)
    expected, got = final_tensors(whole.path), final_tensors(part.path)
    assert [k for k in expected if not torch.equal(got[k], expected[k])] == []
    translated = api.translate(whole, torch.zeros(2, 3, 32, 32, dtype=torch.uint8))
    assert translated.shape == (2, 3, 32, 32) and translated.dtype == torch.uint8
    assert main(["translate", "--run", str(whole.path), "--test-set", "--out", str(tmp_path / "t")]) == 0
    assert main(["compare", str(whole.path), str(part.path), "--out", str(tmp_path / "cmp"), "--n", "4"]) == 0
    assert (tmp_path / "cmp" / "translations.png").is_file()


def test_a_generator_of_the_wrong_size_is_refused_in_one_line_before_training(tmp_path, nets, monkeypatch,
                                                                               capsys):
    patch_emoji_data(monkeypatch)
    rc = main(["train", "dcgan", "--generator", f"{nets}:WrongSizeGenerator", "--out", str(tmp_path / "w"),
               *options(iters=4)])
    err = capsys.readouterr().err
    assert rc == 2
    assert err == ("ganforge: error: your generator returned (4, 3, 28, 28); the dcgan method needs (4, 3, 32, 32) "
                   "in [-1, 1]\n")
    assert not (tmp_path / "w" / "checkpoints").exists() and not (tmp_path / "w" / "stats.jsonl").exists()


@pytest.mark.parametrize("wrong, expected", [
    ("nets.py:Nowhere", "defines no Nowhere; it defines"),
    ("missing.py:DCGenerator", "there is no file missing.py"),
    ("nets.py", "must be one of toronto or FILE.py:Class; got 'nets.py'"),
])
def test_a_generator_that_cannot_be_found_is_refused_naming_it(tmp_path, nets, monkeypatch, capsys, wrong,
                                                               expected):
    patch_emoji_data(monkeypatch)
    monkeypatch.chdir(nets.parent)
    assert main(["train", "dcgan", "--generator", wrong, "--out", str(tmp_path / "w"), *options(iters=4)]) == 2
    assert expected in capsys.readouterr().err


def test_the_radboud_notebooks_moons_networks_train_and_resume_the_same_way(tmp_path, nets, small_moons):
    student = dict(generator=f"{nets}:MoonGenerator", discriminator=f"{nets}:MoonDiscriminator",
                   **{**small_moons, "hidden_disc": 1024})
    whole = api.train_moons(out=tmp_path / "whole", **student)
    part = api.train_moons(out=tmp_path / "part", **student)
    shutil.rmtree(part.path / "checkpoints" / "step-000002")
    resumed = api.train_moons(resume=part.path)
    assert resumed.stats == whole.stats
    assert type(whole.generator).__module__.startswith("ganforge_user_code_")  # imported from the run's copy
    assert main(["sample", "--run", str(whole.path), "--n", "50"]) == 0


def test_a_notebook_class_is_recorded_by_name_and_taken_again_by_load_run(tmp_path, monkeypatch, capsys):
    import handout_networks

    patch_emoji_data(monkeypatch)
    # What a class defined in a notebook cell looks like: its module is __main__.
    notebook = type("NotebookGenerator", (handout_networks.DCGenerator,), {"__module__": "__main__"})
    result = api.train_dcgan(out=tmp_path / "n", generator=notebook, iters=4, **TINY)
    config = json.loads((result.path / "config.json").read_text())
    assert config["generator"] == "__main__:NotebookGenerator"
    assert config["code"]["generator"] == {"name": "NotebookGenerator", "file": None}
    assert not (result.path / "code").exists()
    assert main(["eval", str(result.path)]) == 2
    assert ("a class defined in a notebook or script, which the run could not copy; load the run from Python with "
            "load_run(run, generator=NotebookGenerator)") in capsys.readouterr().err
    with pytest.raises(GanforgeError, match="load_run"):
        api.load_run(result.path)
    loaded = api.load_run(result.path, generator=notebook)
    assert type(loaded.generator) is notebook
    assert api.sample(result.path, n=4, generator=notebook).shape == (4, 3, 32, 32)


def test_a_class_from_a_module_is_copied_from_its_file(tmp_path, monkeypatch):
    import handout_networks

    patch_emoji_data(monkeypatch)
    result = api.train_dcgan(out=tmp_path / "m", generator=handout_networks.DCGenerator, iters=4, **TINY)
    config = json.loads((result.path / "config.json").read_text())
    assert config["generator"] == "handout_networks.py:DCGenerator"
    assert (result.path / "code" / "handout_networks.py").read_bytes() == HANDOUT.read_bytes()
    assert type(api.load_run(result.path).generator).__name__ == "DCGenerator"


def test_a_run_from_elsewhere_runs_its_code_only_with_trust_code(tmp_path, nets, monkeypatch, capsys):
    patch_emoji_data(monkeypatch)
    api.train_dcgan(out=tmp_path / "mine", generator=f"{nets}:DCGenerator", iters=4, **TINY)
    # Moved, the copy still the user's file: loads without a word.
    moved = tmp_path / "elsewhere" / "run"
    shutil.move(tmp_path / "mine", moved)
    assert main(["eval", str(moved)]) == 0
    # The copy changed (a run folder from someone else, say): refused, naming the file; loads with the flag.
    copy = moved / "code" / "nets.py"
    copy.write_text(copy.read_text() + "\nprint('this could be anything')\n")
    capsys.readouterr()
    assert main(["eval", str(moved)]) == 2
    err = capsys.readouterr().err
    assert f"{copy} is code that loading {moved} would run" in err and "--trust-code" in err
    assert "changed after the run recorded it" in err
    with pytest.raises(GanforgeError, match="trust_code=True"):
        api.load_run(moved)
    assert main(["eval", str(moved), "--trust-code"]) == 0
    assert "this could be anything" in capsys.readouterr().out
    assert api.load_run(moved, trust_code=True).generator is not None
    # The user's own file edited since the run: that is said too.
    shutil.copy(nets, copy)
    nets.write_text(nets.read_text() + "\n# edited\n")
    assert main(["sample", "--run", str(moved), "--n", "4"]) == 2
    assert f"the file it was copied from ({nets}) has changed since" in capsys.readouterr().err
