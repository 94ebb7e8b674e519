"""The example plugin (examples/ganforge-wgan-gp), installed as a package into a folder of its own: ganforge finds
it through the entry points of its installed metadata, and every command works on it with no edit to ganforge."""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from emoji_fakes import write_archive_layout
from ganforge import methods
from ganforge.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ganforge-wgan-gp"


@pytest.fixture(scope="module")
def installed_example(tmp_path_factory):
    """The example plugin installed (pip, its own pyproject.toml) into a folder of its own; that folder on
    sys.path and PYTHONPATH, and the entry points read again."""
    target = tmp_path_factory.mktemp("site")
    source = tmp_path_factory.mktemp("example") / EXAMPLE.name  # pip builds in the source folder: not in ours
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    # Without build isolation where the environment has setuptools: no download of the build backend.
    isolation = ["--no-build-isolation"] if _has_setuptools() else []
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", *isolation, "--target",
                          str(target), str(source)], capture_output=True, text=True)
    assert pip.returncode == 0, pip.stderr[-2000:]
    sys.path.insert(0, str(target))
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(target), *filter(None, [old])])
    methods.reload()
    yield target
    sys.path.remove(str(target))
    if old is None:
        os.environ.pop("PYTHONPATH")
    else:
        os.environ["PYTHONPATH"] = old
    methods.reload()


def _has_setuptools() -> bool:
    return importlib.util.find_spec("setuptools") is not None


@pytest.mark.slow
def test_the_example_plugin_installed_as_a_package_works_with_every_command(installed_example, tmp_path, capsys):
    assert (installed_example / "ganforge_wgan_gp-0.1.0.dist-info" / "entry_points.txt").is_file()
    assert "wgan-gp" in methods.names()
    data = str(write_archive_layout(tmp_path / "emojis"))
    tiny = ["--data-dir", data, "--iters", "6", "--batch-size", "8", "--conv-dim", "8", "--n-critic", "2",
            "--log-every", "2", "--sample-every", "3", "--checkpoint-every", "3", "--eval-every", "3",
            "--precision", "fp32", "--threads", "1"]
    with pytest.raises(SystemExit):
        main(["train", "wgan-gp", "--help"])
    assert "--gp-weight" in capsys.readouterr().out
    assert main(["train", "wgan-gp", "--dry-run", *tiny]) == 0
    assert json.loads(capsys.readouterr().out)["n_critic"] == 2
    run = tmp_path / "w"
    assert main(["train", "wgan-gp", "--out", str(run), *tiny]) == 0
    assert (run / "samples" / "000006.png").is_file() and (run / "checkpoints" / "step-000006").is_dir()
    assert main(["train", "wgan-gp", "--resume", str(run), "--iters", "9"]) == 0
    assert json.loads((run / "metrics.json").read_text())["step"] == 9
    assert main(["eval", str(run)]) == 0
    assert main(["sample", "--run", str(run), "--n", "4"]) == 0 and (run / "samples-4.png").is_file()
    assert main(["report", str(run)]) == 0 and "WGAN-GP · windows" in (run / "report.html").read_text()
    capsys.readouterr()
    assert main(["bench", "--models", "wgan-gp", "--quick", "--json", "--threads", "1"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["model"] == "wgan-gp"
    sweep = tmp_path / "s"
    assert main(["sweep", "wgan-gp", "--seed", "1,2", "--out", str(sweep), *tiny]) == 0
    assert json.loads((sweep / "sweep.json").read_text())["kind"] == "wgan-gp"
    # In a subprocess too: the CLI finds the installed package by itself.
    out = subprocess.run([sys.executable, "-m", "ganforge", "train", "--help"], capture_output=True, text=True)
    assert "wgan-gp" in out.stdout
