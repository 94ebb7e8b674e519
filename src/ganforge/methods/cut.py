"""CUT: contrastive unpaired translation (Park et al., ECCV 2020), one direction, no cycle.

Each iteration: the patch discriminator learns real target images from translations
(both through DiffAugment), then the translator learns to fool it while PatchNCE keeps
every patch of a translation recognizable as the input patch it came from; with
nce_identity, real target images go through the translator too and PatchNCE asks
them to come out as they went in (CUT; without it, FastCUT). The colour terms of
train/colour.py may be added to the translator's loss.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ..config import AdaOptions, ColourOptions, TranslationConfig, opt
from ..hardware import Hardware, adam
from ..models.cut import ProjectionHeads, ResnetTranslator
from ..models.nets import TranslatorNets
from ..models.patch import PatchDiscriminator
from ..train.ada import AdaptiveAugment
from ..train.augment import DiffAugment
from ..train.colour import ColourTerms
from ..train.losses import AdversarialLoss, adversarial_loss
from ..train.patchnce import patch_nce_loss
from ..train.steps import accuracy
from ..train.updates import descend, descend_discriminator, frozen
from .data_kinds import UNPAIRED
from .record import Benchmark, Method


@dataclass
class CUTConfig(AdaOptions, ColourOptions, TranslationConfig):
    """Contrastive unpaired translation (Park et al., ECCV 2020), one direction, no cycle."""
    n_blocks: int = opt(4, "residual blocks of the generator at 8x8 (conv_dim x 4 channels)", min=1)
    lambda_nce: float = opt(1.0, "weight of the PatchNCE loss between input and output patches", min=0.0)
    nce_identity: bool = opt(True, "also ask PatchNCE to match real target images with their translations "
                             "(CUT; --no-nce-identity is FastCUT)")
    nce_patches: int = opt(256, "patches sampled per feature layer for PatchNCE", min=1)
    nce_temperature: float = opt(0.07, "temperature of the PatchNCE softmax", min=0.0, min_exclusive=True)
    patch_layers: int = opt(1, "stride-2 layers of the patch discriminator: 1 judges 16x16 patches, 2 the whole "
                            "32x32 image", min=1, max=3)
    augment: str = opt("translation,cutout", "DiffAugment policies applied to real and fake images before the "
                       "discriminator (comma list of translation, cutout; empty: none; no colour jitter, since "
                       "colour is the style), or ada (adaptive, train/ada.py, with the --ada-* options)")
    lr: float = opt(2e-4, "Adam learning rate (generator, projection heads, discriminator)", min=0.0,
                    min_exclusive=True)

    def check(self) -> None:
        super().check()
        if self.augment != "ada":
            DiffAugment(self.augment)  # refuses an unknown policy (or ada among others), naming --augment


class CUTStep:
    """One CUT iteration on an unpaired (source batch, target batch)."""

    headline_stats = ("d_loss", "g_loss_adv", "nce_loss", "d_acc_real", "d_acc_fake")

    def __init__(self, nets: TranslatorNets, cfg: CUTConfig, loss: AdversarialLoss, hw: Hardware):
        self.nets, self.cfg, self.loss, self.hw = nets, cfg, loss, hw
        self.augment = nets.augment or DiffAugment(cfg.augment)
        self.colour = ColourTerms(cfg.lambda_colour, cfg.lambda_palette)
        self.stat_names = (("d_loss", "g_loss_adv", "nce_loss") + (("nce_identity_loss",) if cfg.nce_identity else ())
                           + ("d_acc_real", "d_acc_fake") + self.colour.stat_names
                           + (nets.augment.stat_names if nets.augment is not None else ()))
        betas = (cfg.beta1, cfg.beta2)
        # The projection heads learn with the translator: they are part of what PatchNCE optimizes.
        self.opt_gen = adam(list(nets.generator.parameters()) + list(nets.heads.parameters()), cfg.lr, betas)
        self.opt_disc = adam(nets.discriminator.parameters(), cfg.lr, betas)

    @property
    def optimizers(self) -> dict:
        return {"gen": self.opt_gen, "disc": self.opt_disc}

    def _nce(self, source: torch.Tensor, translated: torch.Tensor) -> torch.Tensor:
        g, cfg = self.nets.generator, self.cfg
        return patch_nce_loss(g.encode(source), g.encode(translated), self.nets.heads, cfg.nce_patches,
                              cfg.nce_temperature)

    def __call__(self, real_a: torch.Tensor, real_b: torch.Tensor) -> torch.Tensor:
        G, D, loss, thr, cfg = self.nets.generator, self.nets.discriminator, self.loss, self.loss.threshold, self.cfg

        # Update the discriminator on augmented real target images and augmented translations.
        with self.hw.autocast():
            with torch.no_grad():
                fake = G(real_a)
            d_real, d_fake = D(self.augment(real_b)), D(self.augment(fake))
            d_loss = loss(d_real, True) + loss(d_fake, False)
        descend_discriminator(self.opt_disc, d_loss, d_real, self.nets.augment, thr)

        # Update the translator (and the heads): fool D, keep patches, and the colour terms.
        with frozen(D):
            with self.hw.autocast():
                both = G(torch.cat([real_a, real_b])) if cfg.nce_identity else G(real_a)
                fake = both[:real_a.shape[0]]
                adv = loss(D(self.augment(fake)), True)
                nce = self._nce(real_a, fake)
                total = adv
                stats = [nce.detach()]
                if cfg.nce_identity:
                    nce_identity = self._nce(real_b, both[real_a.shape[0]:])
                    total = total + cfg.lambda_nce * (nce + nce_identity) / 2
                    stats.append(nce_identity.detach())
                else:
                    total = total + cfg.lambda_nce * nce
                extra, colour = self.colour(real_a, fake, real_b)
                total = total + extra
            descend(self.opt_gen, total)
        adaptive = [*self.nets.augment.stats()] if self.nets.augment is not None else []
        return torch.stack([d_loss.detach(), adv.detach(), *stats, accuracy(d_real, True, thr),
                            accuracy(d_fake, False, thr), *colour, *adaptive])


def networks(cfg: CUTConfig, build) -> TranslatorNets:
    """The ResNet translator, its patch discriminator, and the projection heads PatchNCE reads features through."""
    generator = ResnetTranslator(cfg.conv_dim, cfg.n_blocks)
    return TranslatorNets(generator, PatchDiscriminator(3, 2 * cfg.conv_dim, cfg.patch_layers),
                          ProjectionHeads(generator.feature_channels), AdaptiveAugment.of(cfg))


def step(cfg: CUTConfig, nets: TranslatorNets, hw: Hardware) -> CUTStep:
    return CUTStep(nets, cfg, adversarial_loss(cfg.loss), hw)


METHOD = Method(
    name="cut", title="CUT", summary="contrastive unpaired translation (Park et al. 2020): one direction, no cycle",
    config=CUTConfig, data=UNPAIRED, networks=networks, step=step,
    # Instance norm reshapes channels-last maps into copies: CUT ran 10% faster in the default layout (one
    # thread, bf16, conv_dim 32: 568 against 635 ms a step).
    channels_last=False,
    key_settings=("source", "target", "iters"),
    benchmarks=(Benchmark("cut", full_run_iters=10_000, options=dict(batch_size=16)),),
)
