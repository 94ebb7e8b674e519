"""pix2pix (Isola et al., CVPR 2017) on the codepoint pairs: the same emoji in the source and the target style.

The emoji styles pair their images by codepoint, which the course data did not; pairs
come from the training splits only, so the test emojis are never seen in training. The
U-Net translator learns from the L1 distance to the true target (weight lambda_l1) and
from a conditional patch discriminator that judges (source, candidate) pairs. It is
both a tool for users who have pairs and the ceiling unpaired methods are read against.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..config import AdaOptions, TranslationConfig, opt
from ..hardware import Hardware, adam
from ..models.nets import TranslatorNets
from ..models.patch import PatchDiscriminator
from ..models.unet import UNetTranslator
from ..train.ada import AdaptiveAugment, judged
from ..train.losses import AdversarialLoss, adversarial_loss
from ..train.steps import accuracy
from ..train.updates import descend, descend_discriminator, frozen
from .data_kinds import PAIRS, paired_batches
from .networks import IMAGES_TO_IMAGES, PAIRS_TO_SCORES
from .record import Benchmark, Method


@dataclass
class Pix2PixConfig(AdaOptions, TranslationConfig):
    """pix2pix (Isola et al., CVPR 2017) on pairs of the same emoji in both styles (training split only)."""
    lambda_l1: float = opt(100.0, "weight of the L1 distance to the true target", min=0.0)
    patch_layers: int = opt(1, "stride-2 layers of the conditional patch discriminator: 1 judges 16x16 patches",
                            min=1, max=3)
    loss: str = opt("lsgan", "adversarial loss (the paper's is bce; lsgan measured better here: at 2,000 "
                    "iterations paired L1 0.215 against 0.222, target-style rate 0.79 against 0.63)",
                    choices=["lsgan", "bce"])
    lr: float = opt(2e-4, "Adam learning rate (generator and discriminator)", min=0.0, min_exclusive=True)
    flip: bool = opt(False, "mirror half of each batch's pairs left-right (source and target alike): twice the "
                     "pairs to learn from")
    shift: int = opt(0, "move each pair by up to this many pixels in x and y (source and target alike, the "
                     "border's colour filling in): pairs at other positions to learn from", min=0, max=8)
    augment: str = opt("", "ada: the conditional discriminator sees each (source, candidate) pair through an "
                       "adaptive augmentation (the same transform for both images; train/ada.py, the --ada-* "
                       "options); empty: none", choices=["", "ada"])
    depth: int = opt(5, "halvings of the U-Net: 5 reaches 1x1, where every output pixel sees the whole emoji; "
                     "3 stops at 4x4", min=2, max=5)
    generator: str = opt("unet", "the translator: unet (a U-Net of --depth halvings) or your own, FILE.py:Class "
                         "(constructed with the config fields its __init__ names, e.g. conv_dim; images (B, 3, S, S) "
                         "-> images of the same shape in [-1, 1])", choices=["unet"], own_code=True)
    discriminator: str = opt("patch", "the conditional discriminator: patch (judges patches of source and candidate "
                             "stacked, 6 channels) or your own, FILE.py:Class ((B, 6, S, S) -> scores, first "
                             "dimension B)", choices=["patch"], own_code=True)



class Pix2PixStep:
    """One pix2pix iteration on a batch of pairs (source images, their true targets)."""

    stat_names = ("d_loss", "g_loss_adv", "l1_loss", "d_acc_real", "d_acc_fake")
    headline_stats = stat_names

    def __init__(self, nets: TranslatorNets, cfg: Pix2PixConfig, loss: AdversarialLoss, hw: Hardware):
        self.nets, self.loss, self.hw, self.lambda_l1 = nets, loss, hw, cfg.lambda_l1
        self.judge = judged(nets.discriminator, nets.augment)
        if nets.augment is not None:
            self.stat_names = Pix2PixStep.stat_names + nets.augment.stat_names
        betas = (cfg.beta1, cfg.beta2)
        self.opt_gen = adam(nets.generator.parameters(), cfg.lr, betas)
        self.opt_disc = adam(nets.discriminator.parameters(), cfg.lr, betas)

    @property
    def optimizers(self) -> dict:
        return {"gen": self.opt_gen, "disc": self.opt_disc}

    def __call__(self, source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        G, D, loss, thr = self.nets.generator, self.nets.discriminator, self.loss, self.loss.threshold

        # Update the discriminator: (source, true target) is real, (source, translation) is not.
        with self.hw.autocast():
            fake = G(source)
            d_real = self.judge(torch.cat([source, target], 1))
            d_fake = self.judge(torch.cat([source, fake.detach()], 1))
            d_loss = loss(d_real, True) + loss(d_fake, False)
        descend_discriminator(self.opt_disc, d_loss, d_real, self.nets.augment, thr)

        # Update the translator: fool D, and come close to the true target.
        with frozen(D):
            with self.hw.autocast():
                adv = loss(self.judge(torch.cat([source, fake], 1)), True)
                l1 = F.l1_loss(fake.float(), target)
                total = adv + self.lambda_l1 * l1
            descend(self.opt_gen, total)
        adaptive = [*self.nets.augment.stats()] if self.nets.augment is not None else []
        return torch.stack([d_loss.detach(), adv.detach(), l1.detach(), accuracy(d_real, True, thr),
                            accuracy(d_fake, False, thr), *adaptive])



def networks(cfg: Pix2PixConfig, build) -> TranslatorNets:
    # The discriminator judges (source, candidate) stacked: 6 channels.
    return TranslatorNets(build("generator", lambda: UNetTranslator(cfg.conv_dim, cfg.depth)),
                          build("discriminator", lambda: PatchDiscriminator(6, 2 * cfg.conv_dim, cfg.patch_layers)),
                          augment=AdaptiveAugment.of(cfg))


def step(cfg: Pix2PixConfig, nets: TranslatorNets, hw: Hardware) -> Pix2PixStep:
    return Pix2PixStep(nets, cfg, adversarial_loss(cfg.loss), hw)


def batches(cfg: Pix2PixConfig, hw: Hardware, train_a, train_b, pairs):
    """The training pairs, flipped and shifted as cfg asks."""
    return paired_batches(cfg, hw, train_a, train_b, pairs, flip=cfg.flip, shift=cfg.shift)


METHOD = Method(
    name="pix2pix", title="pix2pix", summary="pix2pix (Isola et al. 2017) on pairs of the same emoji in two styles",
    config=Pix2PixConfig, data=PAIRS, networks=networks, step=step, batches=batches,
    own_networks={"generator": IMAGES_TO_IMAGES, "discriminator": PAIRS_TO_SCORES},
    key_settings=("source", "target", "iters"),
    benchmarks=(Benchmark("pix2pix", full_run_iters=10_000, options=dict(batch_size=16)),),
)
