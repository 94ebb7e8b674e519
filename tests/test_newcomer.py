"""What a newcomer tripped over: paired scores only for real pairs, failed runs that leave nothing behind, and the
smaller things (options, messages, pictures, the progress bar, a fast --help)."""
import io
import json
import re
import subprocess
import sys
import warnings

import pytest
import torch
from PIL import Image

import ganforge.api as api
from emoji_fakes import circles, patch_emoji_data, write_archive_layout
from ganforge.cli import main
from ganforge.errors import GanforgeError

TINY = ["--iters", "2", "--batch-size", "4", "--conv-dim", "4", "--precision", "fp32", "--threads", "1",
        "--sample-every", "2", "--log-every", "1"]


def junyanz(root, n_train: int = 12, n_test: int = 4, test_size: int = 32):
    """trainA/ trainB/ testA/ testB/ whose test images are unrelated shapes that happen to share file names."""
    for folder, colour, seed in (("trainA", (220, 60, 40), 1), ("trainB", (40, 90, 220), 2)):
        (root / folder).mkdir(parents=True)
        for i, image in enumerate(circles(n_train, colour, seed)):
            Image.fromarray(image.permute(1, 2, 0).numpy()).save(root / folder / f"{i:03d}.png")
    for folder, colour, seed in (("testA", (220, 60, 40), 3), ("testB", (40, 220, 90), 4)):
        (root / folder).mkdir(parents=True)
        for i, image in enumerate(circles(n_test, colour, seed)):
            picture = Image.fromarray(image.permute(1, 2, 0).numpy())
            picture.resize((test_size, test_size)).save(root / folder / f"{i:03d}.png")   # 000.png in both
    return root


# 1. Paired scores only where pairs are real.
def test_folders_whose_test_images_share_names_are_not_scored_as_pairs_unless_declared(tmp_path, capsys):
    data = junyanz(tmp_path / "mydata")
    run = tmp_path / "run"
    assert main(["train", "cyclegan", "--data-dir", str(data), "--source", "a", "--target", "b", *TINY,
                 "--out", str(run)]) == 0
    metrics = json.loads((run / "metrics.json").read_text())
    assert not [k for k in metrics["metrics"] if "l1_translation" in k or "ssim" in k]
    assert any("--pairs names" in note for note in metrics["notes"])
    assert "ssim" not in capsys.readouterr().out.split("scores:")[-1].split("note:")[0]   # the scores shown
    assert main(["translate", "--run", str(run), "--test-set", "--out", str(tmp_path / "t")]) == 0
    index = (tmp_path / "t" / "index.html").read_text()
    assert "true target" not in index.split("<table>")[1] and "--pairs names" in index
    # Declared, the same files are pairs: paired scores, and the true target in the index.
    declared = tmp_path / "declared"
    assert main(["train", "cyclegan", "--data-dir", str(data), "--source", "a", "--target", "b", "--pairs", "names",
                 *TINY, "--out", str(declared)]) == 0
    assert "a2b_l1_translation" in json.loads((declared / "metrics.json").read_text())["metrics"]
    assert main(["translate", "--run", str(declared), "--test-set", "--out", str(tmp_path / "t2")]) == 0
    assert "<th>true target</th>" in (tmp_path / "t2" / "index.html").read_text()


def test_pix2pix_on_folders_needs_declared_pairs(tmp_path, capsys):
    data = junyanz(tmp_path / "mydata")
    assert main(["train", "pix2pix", "--data-dir", str(data), "--source", "a", "--target", "b", *TINY,
                 "--out", str(tmp_path / "p")]) == 2
    assert "--pairs names says that files of the same name in both domains are the same picture" in \
        capsys.readouterr().err
    assert not (tmp_path / "p").exists()


def test_compare_without_pairs_shows_no_true_target(tmp_path):
    data = junyanz(tmp_path / "mydata")
    for seed in (1, 2):
        assert main(["train", "cyclegan", "--data-dir", str(data), "--source", "a", "--target", "b", *TINY,
                     "--seed", str(seed), "--out", str(tmp_path / f"r{seed}")]) == 0
    assert main(["compare", str(tmp_path / "r1"), str(tmp_path / "r2"), "--out", str(tmp_path / "c"), "--n",
                 "4"]) == 0
    summary = json.loads((tmp_path / "c" / "compare.json").read_text())
    assert summary["paired"] is False and "true target" not in summary["columns"]
    # Runs that differ only in their seed are told apart by it; their means still group them.
    first, second = summary["columns"][1:]
    assert first.startswith("CycleGAN toronto (") and first.endswith(", seed 1)") and second.endswith(", seed 2)")
    assert first[:-len("seed 1)")] == second[:-len("seed 2)")]
    assert len({r["group"] for r in summary["runs"]}) == 1 and "seed" not in summary["runs"][0]["group"]
    grid = Image.open(tmp_path / "c" / "translations.png")
    assert grid.size[1] > 4 * 96 + 10     # a band of column labels above the rows


# 2. A run that fails before its first checkpoint leaves nothing that blocks its retry.
@pytest.mark.parametrize("mistake", ["wrong source", "missing data dir", "strict unreadable", "numbered folder"])
def test_a_run_that_fails_on_its_data_leaves_nothing_behind(tmp_path, monkeypatch, capsys, mistake):
    monkeypatch.chdir(tmp_path)
    data = junyanz(tmp_path / "mydata")
    good = ["train", "cyclegan", "--data-dir", str(data), "--source", "a", "--target", "b", *TINY]
    out = ["--out", "run_a"] if mistake != "numbered folder" else []
    if mistake == "wrong source":
        bad = [w if w != "a" else "x" for w in good]
    elif mistake == "missing data dir":
        bad = [w if w != str(data) else str(tmp_path / "nowhere") for w in good]
    elif mistake == "strict unreadable":
        (data / "trainA" / "notes.png").write_text("not an image")
        bad = good + ["--strict"]
    else:
        bad = [w if w != "a" else "x" for w in good]
    assert main(bad + out) == 2
    assert "ganforge: error:" in capsys.readouterr().err
    assert not (tmp_path / "run_a").exists() and not list((tmp_path / "runs").glob("*"))
    if mistake == "strict unreadable":
        (data / "trainA" / "notes.png").unlink()
    assert main(good + out) == 0           # the corrected command, in the same place


def test_a_failed_run_in_a_folder_that_was_there_removes_only_its_own_files(tmp_path, capsys):
    data = junyanz(tmp_path / "mydata")
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["train", "cyclegan", "--data-dir", str(data), "--source", "x", "--target", "b", *TINY,
                 "--out", str(out)]) == 2
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_the_junyanz_layout_takes_its_domains_in_either_case(tmp_path):
    data = junyanz(tmp_path / "mydata")
    assert main(["train", "cyclegan", "--data-dir", str(data), "--source", "A", "--target", "B", *TINY,
                 "--out", str(tmp_path / "r")]) == 0


def test_images_of_another_size_are_resized_and_it_is_said_once(tmp_path, capsys):
    data = junyanz(tmp_path / "mydata", test_size=48)
    inspect = subprocess.run([sys.executable, "-m", "ganforge", "data", "inspect", "--data-dir", str(data)],
                             capture_output=True, text=True)   # not in this process, where pytest records warnings
    assert inspect.returncode == 0
    err = inspect.stderr
    assert err.count("are not 32x32 (48x48): they are resized to 32x32") == 2     # testA/ and testB/, once each
    assert "UserWarning" not in err and ".py:" not in err                            # the message alone
    with pytest.warns(UserWarning, match="48x48"):
        from ganforge.data.folders import load_image_folders
        load_image_folders(data, progress=lambda text: None)


# 3. Options and messages.
def test_options_are_not_abbreviated_and_a_typo_gets_a_suggestion(capsys):
    assert main(["train", "cyclegan", "--iter", "10", "--dry-run"]) == 2
    assert "unrecognized option --iter: did you mean --iters?" in capsys.readouterr().err
    assert main(["train", "cyclegan", "--lamda-cycle", "1", "--dry-run"]) == 2
    assert "did you mean --lambda-cycle?" in capsys.readouterr().err


def test_the_api_names_keywords_and_a_missing_folder_is_called_missing(tmp_path, capsys):
    with pytest.raises(GanforgeError, match=r"^lambda_cycle must be >= 0"):
        api.train_cyclegan(lambda_cycle=-1.0)
    with pytest.raises(GanforgeError, match="does not exist"):
        api.load_run(tmp_path / "nope")
    assert main(["eval", str(tmp_path / "nope")]) == 2
    assert f"{tmp_path / 'nope'} does not exist" in capsys.readouterr().err


def test_help_and_version_come_from_the_light_entry_point_and_match_the_full_parser(capsys):
    from ganforge.cli import build_parser
    from ganforge.launch import main as launch, overview

    assert overview().format_help() == build_parser().format_help()
    with pytest.raises(SystemExit):
        launch(["--version"])
    assert capsys.readouterr().out.startswith("ganforge ")
    out = subprocess.run([sys.executable, "-m", "ganforge", "--help"], capture_output=True, text=True, check=True)
    assert "{train,translate,sample,eval" in out.stdout


def test_the_progress_bar_keeps_its_width_and_shows_whole_numbers_only():
    from tqdm import tqdm

    from ganforge.train.progress import BAR_FORMAT, show_stats

    stats = {"d_loss_fake": 0.4123, "g_loss_adv": 2.331, "cycle_l1_a": 0.3671, "cycle_l1_b": 0.3592,
             "d_acc_fake_a": 0.51, "d_acc_fake_b": 0.49}
    for columns in (80, 120, 200):
        bar = tqdm(total=40, desc="cyclegan", file=io.StringIO(), bar_format=BAR_FORMAT, ncols=columns)
        bar.update(23)
        show_stats(bar, stats, columns=columns)
        line = str(bar)
        bar.close()
        assert len(line) <= columns
        assert len(line.split("|")[1]) == 20                                      # the bar keeps its 20 columns
        shown = [part.split("=")[0] for part in line.split("]")[-1].strip(", ").split(", ") if "=" in part]
        assert shown == list(stats)[:len(shown)] and (columns < 200 or len(shown) == len(stats))
        assert all(f"{name}={value:.3g}" in line for name, value in stats.items() if name in shown)


def test_sample_grids_name_their_columns(tmp_path, monkeypatch):
    patch_emoji_data(monkeypatch)
    result = api.train_cyclegan(out=tmp_path / "c", iters=2, batch_size=8, conv_dim=4, sample_every=2,
                                n_sample_images=4, precision="fp32", threads=1)
    grid = Image.open(result.path / "samples" / "000002-apple-windows.png")
    assert grid.size[1] > 2 * (2 * 32 + 2) + 10                 # the label band above the two rows (of 2 x 3)
    band = torch.tensor(list(grid.crop((0, 0, grid.size[0], 12)).getdata()))
    assert (band < 128).any()                                   # dark text on white


def test_a_score_better_than_real_data_is_flagged(tmp_path, monkeypatch):
    from ganforge.report.files import read_run
    from ganforge.report.summary import beyond_floor

    patch_emoji_data(monkeypatch)
    result = api.train_dcgan(out=tmp_path / "d", iters=2, batch_size=8, conv_dim=4, precision="fp32", threads=1)
    metrics = json.loads((result.path / "metrics.json").read_text())
    metrics["metrics"]["swd"] = metrics["metrics"]["swd_floor"] / 2    # as if it beat two real samples
    (result.path / "metrics.json").write_text(json.dumps(metrics))
    notes = beyond_floor(read_run(result.path))
    assert len(notes) == 1 and notes[0].startswith("swd ") and "better than real images score" in notes[0]
    assert "doubtful" in __import__("ganforge.report", fromlist=["x"]).write_report(result.path).read_text()


def test_moons_summaries_show_the_mmd_whose_floor_means_something(tmp_path, small_moons, capsys):
    api.train_moons(out=tmp_path / "m", **small_moons)
    out = capsys.readouterr().out
    assert "\n    mmd2 biased " in out and not re.search(r"^\s+mmd2 [-0-9]", out, re.M)
    assert "2 epochs" in out


def test_a_warning_in_a_library_call_stays_a_warning():
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        from ganforge.data.images import load_folder
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as folder:
            Image.new("RGB", (40, 40)).save(Path(folder) / "a.png")
            load_folder(folder, 32)
    assert any("resized to 32x32" in str(w.message) for w in seen)
