import json

import torch

from ganforge.cli import main
from ganforge.workflows.stego import probe_direction, verdict
from emoji_fakes import circles, write_archive_layout


def test_probe_detects_a_translator_that_hides_its_input():
    """A 'translator' that hides x in faint noise-level detail is caught; an honest one is not."""
    x_u8 = circles(16, (240, 200, 40), seed=1)
    y_u8 = circles(16, (60, 120, 230), seed=1)

    class Hider(torch.nn.Module):
        # G(x) = flat colour + x / 100: the input survives only as a faint code.
        def forward(self, x):
            return 0.3 + x / 100

    class Reader(torch.nn.Module):
        # F(z) = 100 * (z - 0.3): reads the code back perfectly when nothing disturbs it.
        def forward(self, z):
            return ((z - 0.3) * 100).clamp(-1, 1)

    hidden = probe_direction(Hider(), Reader(), x_u8, y_u8)
    assert hidden["rows"][0]["error_translation"] < 0.01  # perfect reconstruction without noise
    assert hidden["rows"][-2]["growth_ratio"] > 2  # noise std 0.05 wrecks it, unlike on real images
    assert verdict(hidden["rows"]).startswith("hides information strongly")

    identity = torch.nn.Identity()
    honest = probe_direction(identity, identity, x_u8, y_u8)
    assert honest["rows"][0]["growth_ratio"] is None  # no perturbation, nothing to compare
    assert all(0.8 < r["growth_ratio"] < 1.25 for r in honest["rows"][1:4])  # the Gaussian rows
    assert honest["rows"][4]["growth_ratio"] is None  # 8-bit images survive 8-bit quantization unchanged
    assert verdict(honest["rows"]).startswith("shows no sign")

    # An honest translator whose outputs fall between 8-bit levels: rounding them is compared with
    # rounding-sized noise on the real images, not with no change at all.
    class Brighten(torch.nn.Module):
        def forward(self, x):
            return (x + 0.3 / 255).clamp(-1, 1)  # a third of a level: every pixel off the grid

    off_grid = probe_direction(Brighten(), identity, x_u8, y_u8)
    assert off_grid["rows"][4]["growth_ratio"] < 1.25  # against "no change" it read as hiding
    assert verdict(off_grid["rows"]).startswith("shows no sign")


def test_eval_stego_on_a_trained_run(tmp_path, capsys):
    data = write_archive_layout(tmp_path / "emojis", n_train=16, n_test=6)
    assert main(["train", "cyclegan", "--data-dir", str(data), "--iters", "3", "--batch-size", "4",
                 "--conv-dim", "4", "--precision", "fp32", "--out", str(tmp_path / "run")]) == 0
    assert main(["eval", "stego", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert "apple-windows:" in out and "ratio" in out
    result = json.loads((tmp_path / "run" / "stego.json").read_text())
    assert set(result) == {"apple-windows", "windows-apple"}
    rows = result["apple-windows"]["rows"]
    assert [r["perturbation"] for r in rows] == ["gaussian std 0.0", "gaussian std 0.01", "gaussian std 0.02",
                                                 "gaussian std 0.05", "quantize8"]
    assert (tmp_path / "run" / "stego" / "residuals-apple-windows.png").stat().st_size > 100
