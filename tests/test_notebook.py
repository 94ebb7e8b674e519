"""The notebook API, used as a notebook would: every public function, on tiny data, and the README snippet as written."""
import re
from pathlib import Path

import matplotlib
import pytest
import torch

import ganforge
from emoji_fakes import patch_emoji_data

README = Path(__file__).parent.parent / "README.md"
TINY = dict(iters=4, batch_size=8, sample_every=2, log_every=2, checkpoint_every=2, conv_dim=8, precision="fp32",
            threads=1)


@pytest.mark.slow
def test_the_readme_snippet_runs_as_written(tmp_path, monkeypatch):
    snippet = re.search(r"```python\n(.*?)```", README.read_text(), re.S).group(1)
    monkeypatch.chdir(tmp_path)
    backend = matplotlib.get_backend()
    namespace = {}
    exec(snippet.replace("epochs=2", "epochs=1, n_samples=512, hidden_disc=16, heatmap_resolution=10"), namespace)
    assert isinstance(namespace["result"], ganforge.api.TrainingResult)
    assert matplotlib.get_backend() == backend        # the notebook keeps its plotting backend


@pytest.mark.slow
def test_every_public_function_on_tiny_data(tmp_path, monkeypatch):
    patch_emoji_data(monkeypatch)
    assert set(ganforge.__all__) >= {"train_moons", "train_dcgan", "train_cyclegan", "train_cut", "train_pix2pix",
                                     "load_run", "translate", "sample", "evaluate", "moons_figure"}
    results = {kind: getattr(ganforge, f"train_{kind}")(out=tmp_path / kind, **TINY)
               for kind in ("dcgan", "cyclegan", "cut", "pix2pix")}
    results["moons"] = ganforge.train_moons(out=tmp_path / "moons", n_samples=256, batch_size=64, epochs=1,
                                            hidden_disc=8, heatmap_resolution=10, threads=1)
    for kind, result in results.items():                # the same fields for every kind
        assert result.path == tmp_path / kind and result.config["kind"] == kind
        assert result.stats and set(result.networks.as_dict())
    loaded = ganforge.load_run(tmp_path / "cyclegan")
    assert loaded.config == results["cyclegan"].config and not loaded.networks.g_ab.training
    styles = patch_emoji_data(monkeypatch)
    sources = styles["apple"]["test"].images[:3]
    for kind in ("cyclegan", "cut", "pix2pix"):
        out = ganforge.translate(results[kind], sources)
        assert out.shape == (3, 3, 32, 32) and out.dtype == torch.uint8
    back = ganforge.translate(tmp_path / "cyclegan", sources, direction="windows-apple")
    assert back.shape == (3, 3, 32, 32)
    assert ganforge.sample(results["dcgan"], n=5).shape == (5, 3, 32, 32)
    scores = ganforge.evaluate(results["pix2pix"])
    assert "apple2windows_l1_translation" in scores
    fig = ganforge.moons_figure(results["moons"].discriminator, results["moons"].generator)
    assert len(fig.axes) == 3                           # heatmap, its colour bar, the points
