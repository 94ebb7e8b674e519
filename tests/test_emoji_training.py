import json

import pytest
import torch

import ganforge.api as api
from ganforge.train import checkpoint
from ganforge.cli import main
from emoji_fakes import patch_emoji_data
from method_helpers import build_networks, resolve, trainer

TINY = dict(iters=6, batch_size=8, sample_every=3, log_every=2, checkpoint_every=3, conv_dim=8, precision="fp32")


def read_stats(path, kind=None):
    """Training records (kind None) or evaluation records (kind "eval") of stats.jsonl."""
    records = [json.loads(line) for line in (path / "stats.jsonl").read_text().splitlines()]
    return [r for r in records if r.get("kind") == kind]


def test_dcgan_writes_samples_reals_stats_and_checkpoint(tmp_path, monkeypatch):
    patch_emoji_data(monkeypatch)
    result = api.train_dcgan(style="windows", out=tmp_path / "d", **TINY)
    run = tmp_path / "d"
    assert (run / "reals.png").exists()
    assert sorted(p.name for p in (run / "samples").iterdir()) == ["000003.png", "000006.png"]
    stats = read_stats(run)
    assert [r["iter"] for r in stats] == [2, 4, 6]
    assert {"disc_loss", "gen_loss", "disc_acc", "gen_acc"} <= set(stats[0])
    assert result.generator(torch.rand(2, 100) * 2 - 1).shape == (2, 3, 32, 32)
    assert (run / "checkpoints" / "step-000006" / "tensors.safetensors").exists()
    metrics = json.loads((run / "metrics.json").read_text())["metrics"]
    assert metrics["swd"] > metrics["swd_floor"] >= 0  # 6 iterations cannot match real images
    assert read_stats(run, "eval")[-1]["iter"] == 6


def test_dcgan_learning_rates_fall_linearly_with_lr_decay(tmp_path, monkeypatch):
    patch_emoji_data(monkeypatch)
    api.train_dcgan(style="windows", out=tmp_path / "d", lr_decay="linear", **TINY)
    meta, _ = checkpoint.read(tmp_path / "d" / "checkpoints" / "step-000006")
    cfg = json.loads((tmp_path / "d" / "config.json").read_text())
    # The last iteration (index 5 of 6) ran at 1/6 of the configured rates, in both optimizers.
    rates = sorted(g["lr"] for o in meta["optimizers"].values() for g in o["param_groups"])
    assert rates == pytest.approx(sorted([cfg["lr_gen"] / 6, cfg["lr_disc"] / 6]))


@pytest.mark.parametrize("preset", ["toronto", "radboud"])
def test_cyclegan_writes_both_directions(tmp_path, monkeypatch, preset):
    patch_emoji_data(monkeypatch)
    api.train_cyclegan(preset=preset, out=tmp_path / "c", n_sample_images=4, **TINY)
    run = tmp_path / "c"
    names = sorted(p.name for p in (run / "samples").iterdir())
    assert names == ["000003-apple-windows.png", "000003-windows-apple.png",
                     "000006-apple-windows.png", "000006-windows-apple.png"]
    stats = read_stats(run)
    for key in ("d_loss_real", "d_loss_fake", "g_loss_adv", "cycle_loss_a", "cycle_loss_b",
                "d_acc_real_a", "d_acc_fake_b", "cycle_l1_a"):
        assert key in stats[-1]
    config = json.loads((run / "config.json").read_text())
    assert config["trainer"] == {"toronto": "two-optimizers", "radboud": "revgrad"}[preset]
    metrics = json.loads((run / "metrics.json").read_text())["metrics"]
    for direction in ("apple2windows", "windows2apple"):
        for key in ("l1_translation", "l1_identity", "l1_histmatch", "ssim_translation", "cycle_psnr", "swd"):
            assert f"{direction}_{key}" in metrics


def test_cyclegan_with_lambda_zero_still_reports_cycle_error(tmp_path, monkeypatch):
    patch_emoji_data(monkeypatch)
    api.train_cyclegan(out=tmp_path / "c", lambda_cycle=0.0, **TINY)
    assert read_stats(tmp_path / "c")[-1]["cycle_l1_a"] > 0


@pytest.mark.parametrize("lambda_identity", [0.0, 0.5])
@pytest.mark.parametrize("preset", ["toronto", "radboud"])
def test_discriminators_judge_translations_never_reconstructions(monkeypatch, preset, lambda_identity):
    """Record what each D sees; it must be real or translated images, never G_ba(G_ab(a)) nor G_ab(b)."""
    from ganforge.hardware import pick_hardware
    from ganforge.methods import cyclegan

    cfg = resolve("cyclegan", preset, conv_dim=8, precision="fp32", lambda_identity=lambda_identity)
    hw = pick_hardware("cpu", "fp32")
    torch.manual_seed(0)
    nets = build_networks("cyclegan", cfg, hw)
    seen = {"d_a": [], "d_b": []}
    made = {"g_ab": [], "g_ba": []}
    for name in seen:
        getattr(nets, name).register_forward_pre_hook(lambda m, inp, name=name: seen[name].append(inp[0].detach().clone()))
    for name in made:
        getattr(nets, name).register_forward_hook(lambda m, inp, out, name=name: made[name].append(
            (inp[0].detach().clone(), out.detach().clone())))
    step = cyclegan.step(cfg, nets, hw)
    real_a, real_b = torch.rand(4, 3, 32, 32) * 2 - 1, torch.rand(4, 3, 32, 32) * 2 - 1
    step(real_a, real_b)

    def produced(gen, from_input):
        return [out for inp, out in made[gen] if torch.equal(inp, from_input)]

    translations_ba = produced("g_ba", real_b)  # fake_ba
    translations_ab = produced("g_ab", real_a)  # fake_ab
    cycled_aba = [out for inp, out in made["g_ba"] if any(torch.equal(inp, f) for f in translations_ab)]
    cycled_bab = [out for inp, out in made["g_ab"] if any(torch.equal(inp, f) for f in translations_ba)]
    assert translations_ba and translations_ab and cycled_aba and cycled_bab

    def allowed(x, real, translations):
        return torch.equal(x, real) or any(torch.equal(x, t) for t in translations)

    assert all(allowed(x, real_a, translations_ba) for x in seen["d_a"])
    assert all(allowed(x, real_b, translations_ab) for x in seen["d_b"])
    assert any(any(torch.equal(x, t) for t in translations_ba) for x in seen["d_a"])
    assert any(any(torch.equal(x, t) for t in translations_ab) for x in seen["d_b"])
    assert any(torch.equal(x, real_a) for x in seen["d_a"]) and any(torch.equal(x, real_b) for x in seen["d_b"])
    assert not any(torch.equal(x, c) for x in seen["d_a"] for c in cycled_aba)
    assert not any(torch.equal(x, c) for x in seen["d_b"] for c in cycled_bab)
    # The identity loss shows each generator real images of its own output style; only then.
    kept_a, kept_b = produced("g_ba", real_a), produced("g_ab", real_b)
    assert (len(kept_a) > 0, len(kept_b) > 0) == (lambda_identity > 0,) * 2
    assert not any(torch.equal(x, k) for x in seen["d_a"] for k in kept_a)
    assert not any(torch.equal(x, k) for x in seen["d_b"] for k in kept_b)


@pytest.mark.parametrize("preset", ["toronto", "radboud"])
@pytest.mark.slow
def test_identity_loss_is_logged_only_when_on(tmp_path, monkeypatch, preset):
    patch_emoji_data(monkeypatch)
    api.train_cyclegan(preset=preset, out=tmp_path / "on", lambda_identity=0.5, **TINY)
    api.train_cyclegan(preset=preset, out=tmp_path / "off", **TINY)
    on, off = read_stats(tmp_path / "on")[-1], read_stats(tmp_path / "off")[-1]
    assert on["identity_loss_a"] > 0 and on["identity_loss_b"] > 0
    assert "identity_loss_a" not in off
    assert json.loads((tmp_path / "on" / "config.json").read_text())["lambda_identity"] == 0.5


def test_identity_loss_pulls_a_generator_towards_leaving_its_own_style_alone():
    """Training on the identity term alone must shrink |G_ab(b) - b|; its weight is a fraction of lambda_cycle."""
    from ganforge.methods.cyclegan import GeneratorLosses
    from ganforge.models.toronto import TorontoCycleGenerator

    cfg = resolve("cyclegan", "toronto", lambda_identity=0.5)
    terms = GeneratorLosses(cfg)
    assert terms.lambda_identity == pytest.approx(0.5 * 0.015)
    torch.manual_seed(0)
    g_ab = TorontoCycleGenerator(8)
    # Smooth images, as emojis are (a tiny generator cannot copy per-pixel noise).
    real_b = torch.nn.functional.interpolate(torch.rand(8, 3, 4, 4) * 2 - 1, size=32, mode="bilinear")
    opt = torch.optim.Adam(g_ab.parameters(), 1e-2)
    first = terms.identity(g_ab, real_b).item()
    for _ in range(30):
        opt.zero_grad()
        terms.identity(g_ab, real_b).backward()
        opt.step()
    assert terms.identity(g_ab, real_b).item() < 0.5 * first


@pytest.mark.parametrize("kind", ["dcgan", "cyclegan"])
@pytest.mark.slow
def test_sigint_saves_and_resume_ends_bit_identical(tmp_path, monkeypatch, kind):
    import os
    import signal

    from ganforge.data.batches import BatchSampler

    patch_emoji_data(monkeypatch)
    train = trainer(kind)
    options = {**TINY, "iters": 9, "checkpoint_every": 4, "log_every": 3}
    train(out=tmp_path / "whole", **options)

    # Ctrl-C arrives in the middle of iteration 6: the run finishes that iteration, saves, stops.
    original = BatchSampler.batch
    sent = []

    def batch_with_interrupt(self, step):
        if step == 5 and not sent:
            sent.append(step)
            os.kill(os.getpid(), signal.SIGINT)
        return original(self, step)

    monkeypatch.setattr(BatchSampler, "batch", batch_with_interrupt)
    with pytest.raises(KeyboardInterrupt):
        train(out=tmp_path / "part", **options)
    assert checkpoint.list_checkpoints(tmp_path / "part" / "checkpoints")[-1].name == "step-000006"
    monkeypatch.setattr(BatchSampler, "batch", original)

    train(resume=tmp_path / "part")
    _, a = checkpoint.read(tmp_path / "whole" / "checkpoints" / "step-000009")
    _, b = checkpoint.read(tmp_path / "part" / "checkpoints" / "step-000009")
    assert a.keys() == b.keys()
    assert [k for k in a if not torch.equal(a[k], b[k])] == []
    assert read_stats(tmp_path / "whole") == read_stats(tmp_path / "part")


def test_cli_trains_cyclegan(tmp_path, monkeypatch, capsys):
    patch_emoji_data(monkeypatch)
    rc = main(["train", "cyclegan", "--preset", "toronto", "--iters", "2", "--batch-size", "4", "--conv-dim", "4",
               "--log-every", "1", "--out", str(tmp_path / "c"), "--precision", "fp32"])
    assert rc == 0
    assert len(read_stats(tmp_path / "c")) == 2


def test_cli_rejects_negative_lambda_and_same_styles(capsys):
    assert main(["train", "cyclegan", "--lambda-cycle", "-1"]) != 0
    assert "--lambda-cycle must be >= 0.0, got -1.0" in capsys.readouterr().err
    assert main(["train", "cyclegan", "--source", "apple", "--target", "apple"]) != 0
    assert "--source and --target must differ" in capsys.readouterr().err
    assert main(["train", "dcgan", "--style", "nope"]) != 0
    assert "--style must be one of" in capsys.readouterr().err
    assert main(["train", "cyclegan", "--lambda-cycle", "0", "--lambda-identity", "0.5"]) != 0
    assert "--lambda-identity 0.5 is a fraction of --lambda-cycle, which is 0" in capsys.readouterr().err


@pytest.mark.slow
def test_translate_rgba_and_palette_pngs_and_sample(tmp_path, monkeypatch, capsys):
    from PIL import Image

    patch_emoji_data(monkeypatch)
    api.train_cyclegan(out=tmp_path / "c", **TINY)
    rgba = Image.new("RGBA", (72, 72), (0, 0, 0, 0))
    rgba.paste((250, 200, 30, 255), (20, 20, 52, 52))
    rgba.save(tmp_path / "rgba.png")
    rgba.convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE).save(tmp_path / "palette.png")
    rc = main(["translate", "--run", str(tmp_path / "c"), "--direction", "apple-windows",
               str(tmp_path / "rgba.png"), str(tmp_path / "palette.png"), "--out", str(tmp_path / "t")])
    assert rc == 0
    for name in ("rgba-apple2windows.png", "palette-apple2windows.png"):
        image = Image.open(tmp_path / "t" / name)
        assert image.size[0] > 2 * image.size[1] - 20  # [input | translation] side by side
    # The transparent corner of the RGBA input became white, not black.
    pair = Image.open(tmp_path / "t" / "rgba-apple2windows.png").convert("RGB")
    assert pair.getpixel((4, 4)) == (255, 255, 255)
    capsys.readouterr()
    assert main(["translate", "--run", str(tmp_path / "c"), "--direction", "apple-google",
                 str(tmp_path / "rgba.png"), "--out", str(tmp_path / "t")]) != 0
    assert ("--direction must be apple2windows or windows2apple (or written with - or ->) for this run; "
            "got 'apple-google'") in capsys.readouterr().err

    api.train_dcgan(out=tmp_path / "d", **TINY)
    assert main(["sample", "--run", str(tmp_path / "d"), "--n", "9", "--out", str(tmp_path / "s.png")]) == 0
    assert Image.open(tmp_path / "s.png").size[0] > 3 * 64
    assert main(["sample", "--run", str(tmp_path / "c"), "--n", "9"]) != 0  # a cyclegan run has no sampler
    assert "is a cyclegan run, whose networks give translations; this command needs samples (dcgan" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["l1", "mse"])
def test_cycle_loss_image_sum_is_the_per_image_total_averaged_over_the_batch(name):
    from ganforge.train.losses import cycle_loss

    gen = torch.Generator().manual_seed(0)
    x, y = torch.rand(4, 3, 32, 32, generator=gen), torch.rand(4, 3, 32, 32, generator=gen)
    mean, image_sum = cycle_loss(name, "mean")(x, y), cycle_loss(name, "image-sum")(x, y)
    per_value = (x - y).abs() if name == "l1" else (x - y) ** 2
    assert image_sum == pytest.approx(float(per_value[0].sum() + per_value[1:].sum()) / 4, rel=1e-5)
    assert image_sum == pytest.approx(3 * 32 * 32 * float(mean), rel=1e-5)


def test_presets_keep_each_seeds_cycle_loss_scale():
    from method_helpers import resolve

    toronto, radboud = resolve("cyclegan", "toronto"), resolve("cyclegan", "radboud")
    assert (toronto.cycle_loss, toronto.cycle_reduction, toronto.lambda_cycle) == ("l1", "image-sum", 0.015)
    assert (radboud.cycle_loss, radboud.cycle_reduction, radboud.lambda_cycle) == ("mse", "mean", 1.0)


@pytest.mark.parametrize("kind", ["moons", "dcgan", "cyclegan", "cut", "pix2pix"])
def test_help_states_the_defaults_that_dry_run_resolves_for_every_preset(kind, capsys):
    """--help's "[default: V (P preset); Q preset: W]" must agree with --dry-run, option by option."""
    import re

    from ganforge import methods
    from ganforge.cli import build_parser

    train = next(a for a in build_parser()._actions if a.dest == "command").choices["train"]
    parser = next(a for a in train._actions if a.dest == "kind").choices[kind]
    helps = {a.dest: " ".join(a.help.split()) for a in parser._actions if a.help}
    method = methods.get(kind)
    presets = list(method.presets) or [None]
    for preset in presets:
        assert main(["train", kind, "--dry-run"] + (["--preset", preset] if preset else [])) == 0
        resolved = json.loads(capsys.readouterr().out)
        for name in method.field_names():
            text = re.search(r"\[(default: .*?)\](?:; a comma list is swept)?$", helps[name]).group(1)
            said = dict(part.split(": ", 1) for part in text.split("; "))
            default_preset = method.default_preset
            key = "default" if preset in (None, default_preset) else f"{preset} preset"
            shown = said.get(key, said["default"].split(" (")[0]).split(" (")[0]
            value = resolved[name]
            expected = ("on" if value else "off") if isinstance(value, bool) else ("''" if value == "" else str(value))
            assert shown == expected, (kind, preset, name, shown, value)
