"""Adaptive discriminator augmentation: differentiable, the same for real and fake, p steered by D, exact resume."""
import shutil

import pytest
import torch

import ganforge.api as api
from emoji_fakes import patch_emoji_data
from ganforge.hardware import pick_hardware
from ganforge.train import checkpoint, steps
from ganforge.train.ada import AdaptiveAugment
from ganforge.train.steps import TwoStepGAN
from method_helpers import prepare, resolve

TINY = dict(batch_size=8, conv_dim=8, log_every=2, sample_every=0, eval_every=0, precision="fp32", threads=1)


def test_at_p_0_nothing_changes_and_at_p_1_every_image_does():
    x = torch.rand(16, 3, 32, 32) * 2 - 1
    assert torch.equal(AdaptiveAugment(p=0.0)(x), x)
    torch.manual_seed(0)
    moved = AdaptiveAugment(p=1.0)(x)
    assert moved.shape == x.shape
    assert all(not torch.allclose(moved[i], x[i]) for i in range(16))


def test_the_pixel_aligned_transforms_only_move_pixels():
    """Flips, quarter turns and whole-pixel shifts sample pixel centres: the values are the image's own."""
    torch.manual_seed(1)
    x = torch.rand(8, 3, 32, 32)
    ada = AdaptiveAugment(p=1.0)
    from ganforge.train import ada as ada_module

    original = ada_module.SCALE_STD, ada_module.CUTOUT
    try:
        ada_module.SCALE_STD, ada_module.CUTOUT = 0.0, 0.0
        y = ada(x)
    finally:
        ada_module.SCALE_STD, ada_module.CUTOUT = original
    values = set(x.flatten().tolist())
    assert set(y.flatten().tolist()) <= values


def test_the_augmentation_is_differentiable():
    x = (torch.rand(4, 3, 32, 32) * 2 - 1).requires_grad_(True)
    AdaptiveAugment(p=1.0)(x).square().sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_p_rises_while_d_is_sure_of_the_real_images_and_falls_otherwise():
    ada = AdaptiveAugment(target=0.6, interval=4, speed_images=64, batch_size=16)  # a step of 1 per adjustment
    ada.adjust = 0.1
    sure, unsure = torch.full((16, 1), 3.0), torch.full((16, 1), -3.0)
    for _ in range(3):
        ada.observe(sure, 0.0)
    assert ada.p.item() == 0.0                  # adjusted every 4 batches only
    ada.observe(sure, 0.0)
    assert ada.p.item() == pytest.approx(0.1) and ada.last_rt.item() == 1.0
    for _ in range(8):
        ada.observe(sure, 0.0)
    assert ada.p.item() == pytest.approx(0.3)
    for _ in range(4):
        ada.observe(unsure, 0.0)
    assert ada.p.item() == pytest.approx(0.2) and ada.last_rt.item() == -1.0
    # The threshold is the loss's: least squares separates real from fake at 0.5.
    for _ in range(4):
        ada.observe(torch.full((16, 1), 0.4), 0.5)
    assert ada.p.item() == pytest.approx(0.1)
    for _ in range(40):
        ada.observe(unsure, 0.0)
    assert ada.p.item() == 0.0                  # never below 0


def test_the_dcgan_step_augments_real_and_generated_images_alike_and_logs_p(monkeypatch):
    cfg = resolve("dcgan", "modern", augment="ada", conv_dim=8, batch_size=8, precision="fp32")
    training = prepare("dcgan", cfg, pick_hardware("cpu", "fp32"), torch.randint(0, 256, (32, 3, 32, 32),
                                                                                 dtype=torch.uint8))
    seen = []
    original = AdaptiveAugment.forward
    monkeypatch.setattr(AdaptiveAugment, "forward", lambda self, x: seen.append(x.requires_grad) or original(self, x))
    stats = training.step(*training.batches(0))
    # D's step: the real batch, then the generated one (no gradient to G); G's step: generated, with gradient.
    assert seen == [False, False, True]
    assert training.step.stat_names[-2:] == ("ada_p", "ada_rt") and stats.shape == (6,)
    assert "augment" in training.networks.as_dict()   # p is checkpointed with the networks


def test_ada_stands_alone_in_augment():
    from ganforge.errors import GanforgeError

    with pytest.raises(GanforgeError, match="ada stands alone"):
        resolve("dcgan", augment="ada,cutout")


def _whole_and_resumed(tmp_path, options: dict):
    """A DCGAN run trained in one go, and the same run resumed from its checkpoint halfway; assert they end
    with the same tensors and statistics; return the whole run's result and its last checkpoint's tensors."""
    last = f"step-{options['iters']:06d}"
    whole = api.train_dcgan(out=tmp_path / "whole", **options)
    api.train_dcgan(out=tmp_path / "part", **options)
    shutil.rmtree(tmp_path / "part" / "checkpoints" / last)
    api.train_dcgan(resume=tmp_path / "part")
    _, a = checkpoint.read(tmp_path / "whole" / "checkpoints" / last)
    _, b = checkpoint.read(tmp_path / "part" / "checkpoints" / last)
    assert [k for k in a if not torch.equal(a[k], b[k])] == []
    assert (tmp_path / "part" / "stats.jsonl").read_text() == (tmp_path / "whole" / "stats.jsonl").read_text()
    return whole, a


@pytest.mark.slow
def test_a_run_with_ada_resumes_bit_for_bit(tmp_path, monkeypatch):
    patch_emoji_data(monkeypatch)
    options = dict(augment="ada", ada_kimg=0.064, ada_interval=2, iters=12, checkpoint_every=6, **TINY)
    whole, tensors = _whole_and_resumed(tmp_path, options)
    assert "model.augment.p" in tensors
    ps = [r["ada_p"] for r in whole.stats if "ada_p" in r]
    assert len(ps) == 6 and ps[-1] > 0            # p moved (D is sure of 48 circles at once)


@pytest.mark.parametrize("kind, options", [("cyclegan", {"preset": "toronto"}), ("cyclegan", {"preset": "radboud"}),
                                           ("cut", {}), ("pix2pix", {})])
def test_every_translators_discriminator_may_see_through_ada_and_resume_bit_for_bit(tmp_path, monkeypatch, kind,
                                                                                     options):
    from method_helpers import trainer

    patch_emoji_data(monkeypatch)
    train = trainer(kind)
    settings = dict(augment="ada", ada_kimg=0.032, ada_interval=1, iters=4, checkpoint_every=2, n_sample_images=2,
                    **{**TINY, "conv_dim": 4}, **options)
    whole = train(out=tmp_path / "whole", **settings)
    train(out=tmp_path / "part", **settings)
    shutil.rmtree(tmp_path / "part" / "checkpoints" / "step-000004")
    train(resume=tmp_path / "part")
    _, a = checkpoint.read(tmp_path / "whole" / "checkpoints" / "step-000004")
    _, b = checkpoint.read(tmp_path / "part" / "checkpoints" / "step-000004")
    assert [k for k in a if not torch.equal(a[k], b[k])] == []
    assert any(k.startswith("model.augment") and k.endswith(".p") for k in a)
    assert any(k.startswith("ada_p") for k in [r for r in whole.stats if r.get("kind") != "eval"][-1])


def test_p_never_passes_its_cap():
    ada = AdaptiveAugment(target=0.6, interval=1, speed_images=16, batch_size=16, max_p=0.7)  # a step of 1
    ada.observe(torch.full((16, 1), 3.0), 0.0)
    assert ada.p.item() == pytest.approx(0.7)
    assert AdaptiveAugment.of(resolve("dcgan", augment="ada", ada_max_p=0.5)).max_p == 0.5


def test_lazy_r1_falls_on_every_nth_iteration_weighted_n_times_and_where_a_resumed_run_put_it(monkeypatch):
    cfg = resolve("dcgan", "modern", r1_gamma=2.0, r1_every=4, conv_dim=8, batch_size=8, precision="fp32")
    data = torch.randint(0, 256, (32, 3, 32, 32), dtype=torch.uint8)
    training = prepare("dcgan", cfg, pick_hardware("cpu", "fp32"), data)
    step = training.step
    assert isinstance(step, TwoStepGAN) and training.before_step == step.before_iteration
    due = []
    grad = torch.autograd.grad
    monkeypatch.setattr(torch.autograd, "grad", lambda *a, **k: due.append(it) or grad(*a, **k))
    for it in range(10):
        training.before_step(it)
        training.step(*training.batches(it))
    assert due == [0, 4, 8]
    # Resumed at iteration 5, the loop's first call says so: the next penalty is at 8, not at 5.
    due.clear()
    step.d_updates = 0
    for it in range(5, 10):
        training.before_step(it)
        training.step(*training.batches(it))
    assert due == [8]
    # The penalty enters D's loss weighted by gamma/2 x N: the same D gradient as gamma N every time.
    real = training.batches(0)[0]
    losses = {}
    for every in (1, 4):
        torch.manual_seed(0)
        t = prepare("dcgan", resolve("dcgan", "modern", r1_gamma=2.0, r1_every=every, conv_dim=8, batch_size=8,
                                     precision="fp32"), pick_hardware("cpu", "fp32"), data)
        seen = []
        monkeypatch.setattr(steps, "descend", lambda opt, loss: seen.append(float(loss.detach())))
        _, _, logged_penalty = t.step.discriminator_step(real)
        losses[every] = seen[0] - float(logged_penalty)  # gamma/2 = 1: the logged value is the added term
    assert losses[1] == pytest.approx(losses[4], rel=1e-5)  # the rest of D's loss is the same


@pytest.mark.slow
def test_a_run_with_lazy_r1_resumes_bit_for_bit(tmp_path, monkeypatch):
    patch_emoji_data(monkeypatch)
    whole, _ = _whole_and_resumed(tmp_path, dict(augment="ada", r1_gamma=1.0, r1_every=4, iters=10,
                                                 checkpoint_every=5, **TINY))
    penalties = [r["r1_penalty"] for r in whole.stats if "r1_penalty" in r]
    assert len(penalties) == 5 and all(p >= 0 for p in penalties) and any(p > 0 for p in penalties)
