"""Translation methods beyond the handouts: colour terms, CUT, pix2pix, and the mean-colour error."""
import json
import math

import pytest
import torch

import ganforge.api as api
from emoji_fakes import fake_styles, patch_emoji_data
from ganforge.cli import main
from method_helpers import build_networks, prepare, resolve, trainer
from ganforge.data.batches import EpochOrder, PairedBatchSampler
from ganforge.hardware import pick_hardware
from ganforge.metrics import mean_colour_error, mean_lab
from ganforge.train import checkpoint
from ganforge.train.augment import DiffAugment, cutout, translation
from ganforge.train.colour import chroma, colour_anchor_loss, hellinger, palette_loss, soft_histogram
from ganforge.train.patchnce import gather, nce, patch_nce_loss, sample_places

TINY = dict(iters=4, batch_size=8, sample_every=2, log_every=2, checkpoint_every=2, conv_dim=8, precision="fp32",
            threads=1)


def smooth(n, seed, size=32):
    gen = torch.Generator().manual_seed(seed)
    coarse = torch.rand(n, 3, 4, 4, generator=gen) * 2 - 1
    return torch.nn.functional.interpolate(coarse, size=size, mode="bilinear")


# The colour terms.

def test_chroma_of_grey_is_zero_and_the_anchor_sees_a_hue_swap_but_not_a_redrawing():
    grey = torch.full((1, 3, 8, 8), 0.3)
    assert chroma(grey).abs().max() < 1e-4  # (the BT.601 coefficients sum to 0 within 1e-5)
    x = smooth(4, 0)
    assert colour_anchor_loss(x, x) == 0
    swapped = x[:, [2, 1, 0]]                          # red <-> blue: a hue permutation
    moved = x.roll(1, dims=3)                          # the same colours, redrawn one pixel over
    assert colour_anchor_loss(x, swapped) > 5 * colour_anchor_loss(x, moved)


def test_soft_histogram_becomes_the_hard_one_as_its_kernel_narrows():
    gen = torch.Generator().manual_seed(0)
    levels = torch.randint(0, 8, (2, 3, 6, 6), generator=gen)
    images = (levels.float() + 0.5) / 8 * 2 - 1        # every value at a bin centre
    hard = torch.bincount(((levels[:, 0] * 8 + levels[:, 1]) * 8 + levels[:, 2]).flatten(), minlength=512)
    soft = soft_histogram(images, sigma=0.01)
    assert soft.shape == (8, 8, 8) and soft.sum() == pytest.approx(1)
    assert (soft.flatten() - hard.float() / hard.sum()).abs().max() < 5e-5  # vs bins of 1/72 = 0.014
    wide = soft_histogram(images)                      # the default kernel spreads mass to neighbouring bins
    assert wide.sum() == pytest.approx(1) and (wide > 0).sum() > (hard > 0).sum()


def test_hellinger_is_zero_for_equal_and_one_for_disjoint_histograms():
    p, q = torch.zeros(8, 8, 8), torch.zeros(8, 8, 8)
    p[0, 0, 0], q[7, 7, 7] = 1, 1
    assert hellinger(p, p) == pytest.approx(0, abs=1e-5)
    assert hellinger(p, q) == pytest.approx(1, abs=1e-4)


def test_palette_loss_pulls_colours_toward_the_target_batch():
    target = smooth(8, 1) * 0.3 + torch.tensor([0.5, -0.2, -0.6]).view(1, 3, 1, 1)   # warm images
    image = (smooth(8, 2) * 0.3 + torch.tensor([-0.6, 0.0, 0.6]).view(1, 3, 1, 1)).requires_grad_()  # cool ones
    opt = torch.optim.Adam([image], lr=0.05)
    first = palette_loss(image, target).item()
    for _ in range(60):
        opt.zero_grad()
        palette_loss(image, target).backward()
        opt.step()
    assert palette_loss(image, target).item() < 0.5 * first
    assert image.detach()[:, 0].mean() > 0 > image.detach()[:, 2].mean()  # red up, blue down: warmer


# PatchNCE.

def test_patch_places_are_distinct_shared_by_the_batch_and_capped_by_the_map():
    feature = torch.arange(2 * 3 * 4 * 4, dtype=torch.float).view(2, 3, 4, 4)
    places = sample_places(feature, 10)
    assert len(places) == 10 and len(set(places.tolist())) == 10
    assert len(sample_places(feature, 256)) == 16        # an 4x4 map has 16 places
    patches = gather(feature, places)                    # (B, P, C)
    assert patches.shape == (2, 10, 3)
    y, x = divmod(int(places[0]), 4)
    assert torch.equal(patches[1, 0], feature[1, :, y, x])


def test_nce_loss_is_low_when_each_query_matches_its_own_key_and_log_p_when_nothing_does():
    keys = torch.nn.functional.normalize(torch.randn(2, 16, 8, generator=torch.Generator().manual_seed(0)), dim=-1)
    assert nce(keys, keys, temperature=0.07) < 0.1
    flat = torch.ones(2, 16, 8) / 8 ** 0.5               # every similarity equal: chance among 16 keys
    assert nce(flat, flat, temperature=0.07).item() == pytest.approx(math.log(16), rel=1e-5)
    assert nce(keys, keys.roll(1, dims=1), temperature=0.07) > 5   # every query points at another place


def test_patch_nce_prefers_a_translation_that_keeps_the_layout():
    cfg = resolve("cut", conv_dim=8, n_blocks=1)
    torch.manual_seed(0)
    nets = build_networks("cut", cfg, pick_hardware("cpu", "fp32"))
    g, x = nets.generator, smooth(4, 3)
    kept = patch_nce_loss(g.encode(x), g.encode(x), nets.heads, 64, 0.07)
    scrambled = patch_nce_loss(g.encode(x), g.encode(x.flip(2).flip(3)), nets.heads, 64, 0.07)
    assert kept < scrambled


# DiffAugment.

def test_diffaugment_keeps_shapes_and_adds_no_colours():
    x = smooth(4, 4)
    torch.manual_seed(0)
    for augment in (translation, cutout, DiffAugment("translation,cutout")):
        y = augment(x)
        assert y.shape == x.shape
        new = set(y.flatten().tolist()) - set(x.flatten().tolist()) - {0.0}
        assert not new                                   # only the image's own values, and zeros coming in
    assert (cutout(torch.ones(1, 3, 32, 32)) == 0).sum() >= 3 * 16 * 8      # at least half a 16x16 square
    assert DiffAugment("")(x) is x
    with pytest.raises(Exception, match="--augment: unknown policy 'color'"):
        DiffAugment("translation,color")


# Networks.

@pytest.mark.parametrize("kind", ["cut", "pix2pix"])
def test_translators_keep_shape_and_range_and_discriminators_score_patches(kind):
    cfg = resolve(kind, conv_dim=8)
    nets = build_networks(kind, cfg, pick_hardware("cpu", "fp32"))
    x = smooth(4, 5)
    out = nets.generator(x)
    assert out.shape == x.shape and out.abs().max() < 1
    judged = nets.discriminator(torch.cat([x, out], 1) if kind == "pix2pix" else out)
    assert judged.shape == (4, 1, 14, 14)                # 14 x 14 scores of 16 x 16 patches
    assert set(nets.as_dict()) == ({"generator", "discriminator", "heads"} if kind == "cut"
                                   else {"generator", "discriminator"})


# Sampling: unpaired means unpaired, paired means pairs.

def test_unpaired_methods_never_build_batches_from_codepoint_pairs(monkeypatch):
    """The two styles hold the same emojis in the same order; batches must still not be pairs."""
    drawn = []
    original = EpochOrder.indices
    monkeypatch.setattr(EpochOrder, "indices", lambda self, step: drawn.append(original(self, step)) or drawn[-1])
    styles = fake_styles(48, 8)
    assert styles["apple"]["train"].codepoints == styles["windows"]["train"].codepoints
    hw = pick_hardware("cpu", "fp32")
    for kind in ("cyclegan", "cut"):
        drawn.clear()
        training = prepare(kind, resolve(kind, conv_dim=8, batch_size=8), hw, styles["apple"]["train"].images,
                           styles["windows"]["train"].images)
        for it in range(24):
            training.batches(it)
        a, b = torch.cat(drawn[0::2]), torch.cat(drawn[1::2])  # each iteration draws A, then B
        same = (a == b).float().mean().item()
        assert same < 0.15, (kind, same)                 # about 1 in 48 by chance; pairs would be 1.0


def test_pix2pix_trains_on_pairs_of_the_same_emoji_from_the_training_split(tmp_path, monkeypatch):
    styles = patch_emoji_data(monkeypatch)
    from ganforge.train.translation import training_pairs
    idx_a, idx_b = training_pairs(styles, "apple", "windows")
    train_a, train_b = styles["apple"]["train"], styles["windows"]["train"]
    assert len(idx_a) == 48
    assert [train_a.codepoints[i] for i in idx_a] == [train_b.codepoints[i] for i in idx_b]
    assert not set(styles["apple"]["test"].codepoints) & {train_a.codepoints[i] for i in idx_a}


# Training, resuming, translating, scoring.

@pytest.mark.parametrize("kind", ["cut", "pix2pix"])
@pytest.mark.slow
def test_new_methods_train_resume_bit_for_bit_and_translate(tmp_path, monkeypatch, kind):
    patch_emoji_data(monkeypatch)
    train = trainer(kind)
    options = {**TINY, "iters": 6, "lr_decay": "linear",
               **({"lambda_colour": 5.0, "lambda_palette": 1.0} if kind == "cut" else {"flip": True, "shift": 1})}
    train(out=tmp_path / "whole", **options)
    train(out=tmp_path / "part", **{**options})
    # Pretend the run died after its checkpoint at 4: drop the last one and resume.
    import shutil
    shutil.rmtree(tmp_path / "part" / "checkpoints" / "step-000006")
    train(resume=tmp_path / "part")
    _, a = checkpoint.read(tmp_path / "whole" / "checkpoints" / "step-000006")
    _, b = checkpoint.read(tmp_path / "part" / "checkpoints" / "step-000006")
    assert a.keys() == b.keys() and [k for k in a if not torch.equal(a[k], b[k])] == []
    # The last iteration (index 5 of 6) ran at 1/6 of the configured rate.
    meta, _ = checkpoint.read(tmp_path / "whole" / "checkpoints" / "step-000006")
    lr = json.loads((tmp_path / "whole" / "config.json").read_text())["lr"]
    assert [g["lr"] for o in meta["optimizers"].values() for g in o["param_groups"]] == pytest.approx([lr / 6] * 2)
    assert sorted(p.name for p in (tmp_path / "whole" / "samples").iterdir())[-1] == "000006-apple-windows.png"
    metrics = json.loads((tmp_path / "whole" / "metrics.json").read_text())
    assert "apple2windows_mean_colour_error" in metrics["metrics"] and "windows2apple_l1_translation" not in \
        metrics["metrics"]
    assert any("cycle_psnr" in n and "one way" in n for n in metrics["notes"])
    assert metrics["timing"]["iterations"] == 6 and metrics["timing"]["seconds_per_1000_iterations"] > 0
    from PIL import Image
    Image.new("RGB", (40, 40), (250, 200, 30)).save(tmp_path / "in.png")
    assert main(["translate", "--run", str(tmp_path / "whole"), "--direction", "apple-windows",
                 str(tmp_path / "in.png"), "--out", str(tmp_path / "t")]) == 0
    assert (tmp_path / "t" / "in-apple2windows.png").exists()
    assert main(["translate", "--run", str(tmp_path / "whole"), "--direction", "windows-apple",
                 str(tmp_path / "in.png"), "--out", str(tmp_path / "t")]) != 0


@pytest.mark.slow
def test_colour_terms_are_logged_only_when_on_and_train_the_cyclegan(tmp_path, monkeypatch):
    patch_emoji_data(monkeypatch)
    api.train_cyclegan(out=tmp_path / "on", lambda_colour=10.0, lambda_palette=1.0, **TINY)
    api.train_cyclegan(out=tmp_path / "off", **TINY)
    on = [json.loads(line) for line in (tmp_path / "on" / "stats.jsonl").read_text().splitlines()][0]
    off = [json.loads(line) for line in (tmp_path / "off" / "stats.jsonl").read_text().splitlines()][0]
    assert on["colour_loss"] > 0 and on["palette_loss"] > 0
    assert "colour_loss" not in off and "palette_loss" not in off
    assert on["d_loss_real"] != off["d_loss_real"] or on["g_loss_adv"] != off["g_loss_adv"]


def test_paired_flips_mirror_both_images_of_a_pair_alike_and_repeat_on_resume():
    # Image i of either style is a one-pixel mark at column i of row i: a flip moves it to column 7 - i.
    images = torch.full((8, 3, 8, 8), 255, dtype=torch.uint8)
    for i in range(8):
        images[i, :, i, i] = 0
    pairs = (torch.arange(8), torch.arange(8))
    sampler = PairedBatchSampler(images, images.clone(), pairs, 4, seed=3, flip=True)
    flipped = []
    for step in range(6):
        a, b = sampler.batch(step)
        assert torch.equal(a, b)                                   # a pair is never split by a flip
        marks = (a[:, 0] < 0).nonzero()                            # (image, row, column) of each mark
        assert len(marks) == 4
        flipped += [bool(column == 7 - row != row) for _, row, column in marks.tolist()]
        again = PairedBatchSampler(images, images.clone(), pairs, 4, seed=3, flip=True).batch(step)
        assert torch.equal(again[0], a)                            # a fresh sampler (a resumed run) agrees
    assert 4 <= sum(flipped) <= 20                                 # about half of the 24 pairs mirrored
    plain = PairedBatchSampler(images, images.clone(), pairs, 4, seed=3)
    assert all(bool(((x[:, 0] < 0).nonzero()[:, 1] == (x[:, 0] < 0).nonzero()[:, 2]).all())
               for x in (plain.batch(s)[0] for s in range(6)))    # off by default: nothing moves


def test_paired_shifts_move_both_images_of_a_pair_alike_within_the_limit_and_repeat_on_resume():
    # One dark pixel at (3, 4) of a white 8x8 image; a shift by (dy, dx) moves it to (3 + dy, 4 + dx).
    images = torch.full((8, 3, 8, 8), 255, dtype=torch.uint8)
    images[:, :, 3, 4] = 0
    pairs = (torch.arange(8), torch.arange(8))
    moved = set()
    for step in range(6):
        a, b = PairedBatchSampler(images, images.clone(), pairs, 4, seed=5, shift=2).batch(step)
        assert torch.equal(a, b)
        again = PairedBatchSampler(images, images.clone(), pairs, 4, seed=5, shift=2).batch(step)
        assert torch.equal(again[0], a)
        for image in a:
            marks = (image[0] < 0).nonzero().tolist()
            assert len(marks) == 1 and (image[0] > 0).sum() == 63    # the border's white fills in
            (row, column), = marks
            assert abs(row - 3) <= 2 and abs(column - 4) <= 2
            moved.add((row - 3, column - 4))
    assert len(moved) >= 8                                      # many of the 25 offsets drawn


def test_shallower_unets_translate_at_full_size_and_the_default_keeps_its_parameter_names():
    from ganforge.models.unet import UNetTranslator
    for depth in (2, 3, 4, 5):
        assert UNetTranslator(4, depth)(torch.zeros(2, 3, 32, 32)).shape == (2, 3, 32, 32)
    full, shallow = UNetTranslator(4).state_dict(), UNetTranslator(4, depth=3).state_dict()
    assert "downs.4.0.weight" in full and "ups.3.1.weight" in full    # five halvings, four up levels
    assert "downs.3.0.weight" not in shallow and "ups.1.1.weight" in shallow and "ups.2.1.weight" not in shallow


def test_cli_trains_cut_and_pix2pix(tmp_path, monkeypatch):
    patch_emoji_data(monkeypatch)
    for kind in ("cut", "pix2pix"):
        assert main(["train", kind, "--iters", "2", "--batch-size", "4", "--conv-dim", "4", "--log-every", "1",
                     "--precision", "fp32", "--out", str(tmp_path / kind)]) == 0
        config = json.loads((tmp_path / kind / "config.json").read_text())
        assert config["kind"] == kind and config["source"] == "apple"


# The mean-colour error.

def test_mean_colour_error_is_the_lab_distance_of_the_drawn_pixels():
    def emoji(colour):
        image = torch.full((1, 3, 32, 32), 255, dtype=torch.uint8)
        image[:, :, 8:24, 8:24] = torch.tensor(colour, dtype=torch.uint8).view(1, 3, 1, 1)
        return image
    red, blue = emoji((255, 0, 0)), emoji((0, 0, 255))
    assert torch.allclose(mean_lab(red)[0], torch.tensor([53.24, 80.09, 67.20], dtype=torch.float64), atol=0.01)
    assert mean_colour_error(red, red) == 0
    # The white background does not dilute it: only the 16x16 drawn square counts.
    expected = (mean_lab(red) - mean_lab(blue)).norm().item()
    assert mean_colour_error(red, blue) == pytest.approx(expected) and expected > 170
    smaller = red.clone()
    smaller[:, :, 8:24, 8:16] = 255                      # half the drawing erased: the same mean colour
    assert mean_colour_error(smaller, red) == pytest.approx(0, abs=1e-9)


# The comparison page.

@pytest.mark.slow
def test_compare_puts_methods_side_by_side_on_the_same_test_emojis(tmp_path, monkeypatch):
    from PIL import Image

    patch_emoji_data(monkeypatch)
    api.train_cyclegan(out=tmp_path / "cyc", **TINY)
    api.train_pix2pix(out=tmp_path / "pix", **TINY)
    api.train_pix2pix(out=tmp_path / "pix2", **{**TINY, "seed": 2})
    out = tmp_path / "cmp"
    assert main(["compare", str(tmp_path / "cyc"), str(tmp_path / "pix"), str(tmp_path / "pix2"),
                 "--out", str(out), "--n", "5"]) == 0
    summary = json.loads((out / "compare.json").read_text())
    assert summary["direction"] == ["apple", "windows"] and len(summary["emojis"]) == 5
    assert summary["columns"][0] == "source" and summary["columns"][-1] == "true target"
    assert [r["kind"] for r in summary["runs"]] == ["cyclegan", "pix2pix", "pix2pix"]
    grid = Image.open(out / "translations.png")
    assert grid.size[0] > grid.size[1] * 0.8           # 5 columns (source, 3 runs, target) by 5 rows
    markdown = (out / "README.md").read_text()
    assert "![apple to windows by every run](translations.png)" in markdown
    assert "do-nothing" in markdown and "seconds per 1,000 iterations" in markdown
    assert "Mean over seeds" in markdown                # the two pix2pix seeds are averaged
    l1_row = next(line for line in markdown.splitlines() if line.startswith("| l1 ↓"))
    cells = [c.strip() for c in l1_row.strip("|").split("|")]
    scores = json.loads((tmp_path / "pix" / "metrics.json").read_text())["metrics"]
    assert len(cells) == 1 + 3 + 2                       # the metric, 3 runs, do-nothing, real target
    assert cells[2] == f"{scores['apple2windows_l1_translation']:.4g}"
    assert cells[4] == f"{scores['apple2windows_l1_identity']:.4g}"
    html = (out / "report.html").read_text()
    assert "data:image/png;base64" in html and "pix2pix" in html
    # A run that does not translate the compared direction is refused by name.
    api.train_pix2pix(out=tmp_path / "back", source="windows", target="apple", **TINY)
    assert main(["compare", str(tmp_path / "pix"), str(tmp_path / "back"), "--out", str(tmp_path / "x")]) != 0
    # --direction compares the other way: the CycleGAN's backward generator beside the reversed pix2pix.
    assert main(["compare", str(tmp_path / "cyc"), str(tmp_path / "back"), "--direction", "windows2apple",
                 "--out", str(tmp_path / "w2a"), "--n", "3"]) == 0
    assert json.loads((tmp_path / "w2a" / "compare.json").read_text())["direction"] == ["windows", "apple"]


# Your own domains.

def _folder_of(path, colour, n, size=40, name="img"):
    from PIL import Image
    path.mkdir(parents=True)
    for i in range(n):
        image = Image.new("RGB", (size, size + 10), (255, 255, 255))   # any size, not square: resized
        image.paste(colour, (5 + i % 7, 5, 25 + i % 7, 30))
        image.save(path / f"{name}{i:03d}.png")
    return path


@pytest.mark.parametrize("layout", ["junyan", "named", "named-with-tests"])
def test_your_own_domains_train_a_cyclegan_and_are_scored_without_pairs_or_styles(tmp_path, layout):
    root = tmp_path / "mydata"
    if layout == "junyan":
        for folder, colour in (("trainA", (200, 40, 40)), ("trainB", (40, 40, 200))):
            _folder_of(root / folder, colour, 24)
        _folder_of(root / "testA", (200, 40, 40), 6, name="a")
        _folder_of(root / "testB", (40, 40, 200), 6, name="b")           # other names: not pairs
        source, target = "a", "b"
    else:
        _folder_of(root / "Cats", (200, 40, 40), 30, name="cat")
        _folder_of(root / "Dogs", (40, 40, 200), 30, name="dog")     # other names: not pairs
        if layout == "named-with-tests":
            _folder_of(root / "Test_Cats", (200, 40, 40), 6, name="c")
            _folder_of(root / "Test_Dogs", (40, 40, 200), 6, name="d")
        source, target = "cats", "dogs"
    out = tmp_path / "run"
    assert main(["train", "cyclegan", "--data-dir", str(root), "--source", source, "--target", target,
                 "--iters", "2", "--batch-size", "4", "--conv-dim", "4", "--precision", "fp32", "--threads", "1",
                 "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert f"{source}2{target}_swd" in metrics["metrics"] and f"{source}2{target}_target_palette_rate" in \
        metrics["metrics"]
    assert f"{source}2{target}_l1_translation" not in metrics["metrics"]      # no pairs: no paired scores
    notes = " ".join(metrics["notes"])
    assert "not known to be the same pictures" in notes and "--pairs names" in notes and "l1_translation" in notes


def test_an_unknown_domain_is_refused_naming_the_ones_found(tmp_path, capsys):
    root = tmp_path / "mydata"
    _folder_of(root / "Cats", (200, 40, 40), 12)
    _folder_of(root / "Dogs", (40, 40, 200), 12)
    assert main(["train", "cyclegan", "--data-dir", str(root), "--source", "cats", "--target", "horses",
                 "--iters", "1", "--out", str(tmp_path / "r")]) != 0
    err = capsys.readouterr().err
    assert "--target horses: --data-dir" in err and "it holds cats, dogs" in err
    assert main(["train", "dcgan", "--image-size", "64"]) != 0
    assert "--image-size 64: the DCGAN generator draws 32x32 images" in capsys.readouterr().err


@pytest.mark.slow
def test_one_folder_of_images_trains_a_dcgan_and_64_pixels_train_every_translator(tmp_path):
    root = _folder_of(tmp_path / "Faces", (220, 180, 40), 30)
    assert main(["train", "dcgan", "--data-dir", str(root), "--style", "faces", "--iters", "2", "--batch-size", "4",
                 "--conv-dim", "4", "--precision", "fp32", "--threads", "1", "--out", str(tmp_path / "d")]) == 0
    assert (tmp_path / "d" / "samples" / "000002.png").exists()
    pairs = tmp_path / "pairs"
    _folder_of(pairs / "A", (200, 40, 40), 20)
    _folder_of(pairs / "B", (40, 40, 200), 20)                         # the same file names: pairs
    for kind in ("cyclegan", "cut", "pix2pix"):
        assert main(["train", kind, "--data-dir", str(pairs), "--pairs", "names", "--source", "a", "--target", "b",
                     "--image-size", "64",
                     "--iters", "2", "--batch-size", "4", "--conv-dim", "4", "--precision", "fp32", "--threads",
                     "1", "--out", str(tmp_path / kind)]) == 0, kind
        from PIL import Image
        grid = Image.open(sorted((tmp_path / kind / "samples").iterdir())[-1])
        assert grid.size[0] > 6 * 64                               # three 64x64 images a row, enlarged
        metrics = json.loads((tmp_path / kind / "metrics.json").read_text())["metrics"]
        assert "a2b_l1_translation" in metrics                     # declared: held-out images pair by file name


def test_compare_labels_name_method_settings_not_how_the_arithmetic_ran():
    from ganforge.workflows.compare import run_label
    base = {"kind": "cyclegan", "preset": "toronto", "seed": 2}
    assert run_label(base) == "CycleGAN toronto"
    assert run_label({**base, "upconv": "reference", "compile": True, "threads": 1}) == "CycleGAN toronto"
    assert run_label({**base, "lambda_colour": 10.0}) == "CycleGAN toronto (λ_colour 10)"
