"""CUT: contrastive unpaired translation (Park et al., ECCV 2020), one direction, no cycle.

Each iteration: the patch discriminator learns real target images from translations
(both through DiffAugment), then the translator learns to fool it while PatchNCE keeps
every patch of a translation recognizable as the input patch it came from; with
nce_identity, real target images go through the translator too and PatchNCE asks
them to come out as they went in (CUT; without it, FastCUT). The colour terms of
train/colour.py may be added to the translator's loss.
"""
from __future__ import annotations

import dataclasses

import torch

from ..config import CUTConfig
from ..data.batches import BatchSampler
from ..hardware import Hardware, adam
from ..models.build import TranslatorNets, build_networks
from ..runs import Run
from .augment import DiffAugment
from .colour import ColourTerms
from .loop import Training
from .losses import AdversarialLoss, adversarial_loss
from .patchnce import patch_nce_loss
from .result import TrainingResult
from .steps import accuracy
from .translation import train_translation


class CUTStep:
    """One CUT iteration on an unpaired (source batch, target batch)."""

    headline_stats = ("d_loss", "g_loss_adv", "nce_loss", "d_acc_real", "d_acc_fake")

    def __init__(self, nets: TranslatorNets, cfg: CUTConfig, loss: AdversarialLoss, hw: Hardware):
        self.nets, self.cfg, self.loss, self.hw = nets, cfg, loss, hw
        self.augment = DiffAugment(cfg.augment)
        self.colour = ColourTerms(cfg.lambda_colour, cfg.lambda_palette)
        self.stat_names = (("d_loss", "g_loss_adv", "nce_loss") + (("nce_identity_loss",) if cfg.nce_identity else ())
                           + ("d_acc_real", "d_acc_fake") + self.colour.stat_names)
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
        self.opt_disc.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_disc.step()

        # Update the translator (and the heads): fool D, keep patches, and the colour terms.
        D.requires_grad_(False)
        try:
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
            self.opt_gen.zero_grad(set_to_none=True)
            total.backward()
            self.opt_gen.step()
        finally:
            D.requires_grad_(True)
        return torch.stack([d_loss.detach(), adv.detach(), *stats, accuracy(d_real, True, thr),
                            accuracy(d_fake, False, thr), *colour])


def prepare_cut(cfg: CUTConfig, hw: Hardware, train_a: torch.Tensor, train_b: torch.Tensor, pairs=None) -> Training:
    """The translator, its patch discriminator and heads, the CUT step and unpaired batches (uint8, on hw's device)."""
    # Instance norm reshapes channels-last maps into copies: CUT ran 10% faster in the default layout (one
    # thread, bf16, conv_dim 32: 568 against 635 ms a step).
    hw = dataclasses.replace(hw, channels_last=False)
    # Independent orders (seeds differ): no batch is built from pairs of the same emoji.
    sampler_a = BatchSampler(train_a, cfg.batch_size, cfg.seed, hw.channels_last, name=f"the {cfg.source} training set")
    sampler_b = BatchSampler(train_b, cfg.batch_size, cfg.seed + 1, hw.channels_last,
                             name=f"the {cfg.target} training set")
    nets = build_networks("cut", cfg, hw)
    step = CUTStep(nets, cfg, adversarial_loss(cfg.loss), hw)
    return Training(nets, step, lambda it: (sampler_a.batch(it), sampler_b.batch(it)), hw.device)


def train_cut(cfg: CUTConfig, run: Run, resume: bool = False, score=None) -> TrainingResult:
    return train_translation("cut", cfg, run, prepare_cut, resume, score)
