"""CycleGAN between two emoji styles (SPEC sections 1 and 2): the Toronto iteration with two optimizers, or the
Radboud one with one optimizer through gradient reversal.

Domain A is the source style (the Toronto handout's X), B the target (Y).
`fake_ab` = G_ab(real_a) is a translation; `cycle_aba` = G_ba(fake_ab) a reconstruction.
Discriminators only ever judge real and translated images, never reconstructions.
With `lambda_identity` > 0 each generator is also shown real images of its own output
style and asked to return them unchanged (the CycleGAN paper's identity loss).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..config import AdaOptions, ColourOptions
from ..config import TranslationConfig, opt
from ..errors import GanforgeError
from ..hardware import Hardware, adam
from ..models.dcgan import DCDiscriminator
from ..models.nets import CycleNets
from ..models.radboud import RadboudCycleGenerator, RadboudDiscriminator
from ..models.toronto import TorontoCycleGenerator
from ..train.ada import AdaptiveAugment, judged
from ..train.colour import ColourTerms
from ..train.losses import AdversarialLoss, adversarial_loss, cycle_loss, revgrad
from ..train.steps import accuracy
from ..train.updates import descend, frozen
from . import handouts
from .data_kinds import UNPAIRED
from .networks import IMAGES_TO_IMAGES, IMAGES_TO_SCORES
from .record import Benchmark, Method


@dataclass
class CycleGANConfig(AdaOptions, ColourOptions, TranslationConfig):
    trainer: str = opt("two-optimizers", "two-optimizers: D steps then G steps (toronto); "
                       "revgrad: one optimizer through gradient reversal (radboud)",
                       choices=["two-optimizers", "revgrad"])
    generator: str = opt("toronto", "the two generators' architecture: toronto (residual block), radboud (plain) "
                         "or your own, FILE.py:Class (constructed with the config fields its __init__ names, e.g. "
                         "conv_dim; images (B, 3, S, S) -> images of the same shape in [-1, 1])",
                         choices=["toronto", "radboud"], own_code=True)
    discriminator: str = opt("dcgan", "the two discriminators' architecture: dcgan (toronto), radboud, or your own, "
                             "FILE.py:Class (images (B, 3, S, S) -> one score per image)", choices=["dcgan", "radboud"],
                             own_code=True)
    lambda_cycle: float = opt(0.015, "weight of the cycle-consistency loss (0 turns it off)", min=0.0)
    lambda_identity: float = opt(0.0, "weight of the identity loss |G_ab(b) - b| + |G_ba(a) - a| as a fraction of "
                                 "lambda_cycle (the CycleGAN paper's convention, 0.5 there; not in either handout): "
                                 "a generator given an image already in its output style should leave it alone, "
                                 "which keeps colours from being swapped; 0 turns it off", min=0.0)
    cycle_loss: str = opt("l1", "cycle-consistency distance", choices=["l1", "mse"])
    cycle_reduction: str = opt("mean", "how the cycle distance is reduced: mean over every value (radboud), or "
                               "image-sum: summed over each image, averaged over the batch (toronto; its "
                               "lambda_cycle values 0.01-0.5 are on this scale, 3,072x the mean at 32x32)",
                               choices=["mean", "image-sum"])
    lr: float = opt(3e-4, "Adam learning rate (all optimizers)", min=0.0, min_exclusive=True)
    augment: str = opt("", "ada: each discriminator sees real and translated images through an adaptive "
                       "augmentation of its own (train/ada.py; the --ada-* options); empty: none, as in the handouts",
                       choices=["", "ada"])

    def check(self) -> None:
        super().check()
        if self.lambda_identity > 0 and self.lambda_cycle == 0:
            raise GanforgeError(f"--lambda-identity {self.lambda_identity:g} is a fraction of --lambda-cycle, which "
                                "is 0: the identity loss would be silently off; give a --lambda-cycle > 0 or drop it")
        if self.image_size != 32 and self.discriminator == "radboud":
            raise GanforgeError(f"--image-size {self.image_size}: the radboud discriminator ends in Linear(1024, 1), "
                                "which reads the 4x4 map of a 32x32 image; use --image-size 32 or --discriminator dcgan")


STAT_NAMES = ("d_loss_real", "d_loss_fake", "g_loss_adv", "cycle_loss_a", "cycle_loss_b",
              "d_acc_real_a", "d_acc_real_b", "d_acc_fake_a", "d_acc_fake_b", "cycle_l1_a", "cycle_l1_b")
IDENTITY_STAT_NAMES = ("identity_loss_a", "identity_loss_b")  # logged only when the identity loss is on
HEADLINE_STATS = ("d_loss_fake", "g_loss_adv", "cycle_l1_a", "cycle_l1_b", "d_acc_fake_a", "d_acc_fake_b")


class GeneratorLosses:
    """The non-adversarial generator terms: cycle consistency and, when on, identity and the colour terms."""

    def __init__(self, cfg: CycleGANConfig):
        self.lambda_cycle = cfg.lambda_cycle
        self.lambda_identity = cfg.lambda_cycle * cfg.lambda_identity  # a fraction of lambda_cycle
        self.distance = cycle_loss(cfg.cycle_loss, cfg.cycle_reduction)
        self.colour = ColourTerms(cfg.lambda_colour, cfg.lambda_palette)

    @property
    def identity_on(self) -> bool:
        return self.lambda_identity > 0

    @property
    def stat_names(self) -> tuple:
        """The statistics these terms add to a step's record (colour terms: the mean of both directions)."""
        return (IDENTITY_STAT_NAMES if self.identity_on else ()) + self.colour.stat_names

    def identity(self, generator, real_own_style: torch.Tensor) -> torch.Tensor:
        """Distance between a real image of the generator's output style and what the generator makes of it."""
        return self.distance(generator(real_own_style).float(), real_own_style)


class TwoOptimizerCycleStep:
    """The Toronto iteration: D on real, D on translated (generators fixed), then G steps B->A->B and A->B->A."""

    headline_stats = HEADLINE_STATS

    def __init__(self, nets: CycleNets, cfg: CycleGANConfig, loss: AdversarialLoss, hw: Hardware):
        self.nets, self.loss, self.hw = nets, loss, hw
        self.terms = GeneratorLosses(cfg)
        self.judge_a, self.judge_b = judged(nets.d_a, nets.augment_a), judged(nets.d_b, nets.augment_b)
        self.stat_names = STAT_NAMES + self.terms.stat_names + _ada_stat_names(nets)
        betas = (cfg.beta1, cfg.beta2)
        self.opt_gen = adam(nets.generators(), cfg.lr, betas)
        self.opt_disc = adam(nets.discriminators(), cfg.lr, betas)

    @property
    def optimizers(self) -> dict:
        return {"gen": self.opt_gen, "disc": self.opt_disc}

    def _generator_step(self, real_src, real_dst, g_there, g_back, d_there):
        """One G update along src -> there -> back.

        Returns (adversarial loss, cycle loss, cycle L1, identity loss or None, [colour terms]).
        """
        terms, idt = self.terms, None
        with self.hw.autocast():
            fake = g_there(real_src)
            adv = self.loss(d_there(fake), True)
            # With lambda_cycle = 0 the reconstruction is only measured, not trained through.
            with torch.set_grad_enabled(terms.lambda_cycle > 0):
                cycled = g_back(fake)
                cyc = terms.distance(cycled.float(), real_src)
            total = adv + terms.lambda_cycle * cyc if terms.lambda_cycle > 0 else adv
            if terms.identity_on:
                idt = terms.identity(g_there, real_dst)
                total = total + terms.lambda_identity * idt
            extra, colour = terms.colour(real_src, fake, real_dst)
            total = total + extra
        descend(self.opt_gen, total)
        return (adv.detach(), cyc.detach(), F.l1_loss(cycled.detach().float(), real_src),
                None if idt is None else idt.detach(), colour)

    def __call__(self, real_a: torch.Tensor, real_b: torch.Tensor) -> torch.Tensor:
        n, loss, thr = self.nets, self.loss, self.loss.threshold

        # Update the discriminators on real images.
        with self.hw.autocast():
            d_real_a, d_real_b = self.judge_a(real_a), self.judge_b(real_b)
            d_loss_real = loss(d_real_a, True) + loss(d_real_b, True)
        descend(self.opt_disc, d_loss_real)
        _observe(n, d_real_a, d_real_b, thr)

        # Update the discriminators on translated images; the generators are not trained here.
        with self.hw.autocast():
            with torch.no_grad():
                fake_ba, fake_ab = n.g_ba(real_b), n.g_ab(real_a)
            d_fake_a, d_fake_b = self.judge_a(fake_ba), self.judge_b(fake_ab)
            d_loss_fake = loss(d_fake_a, False) + loss(d_fake_b, False)
        descend(self.opt_disc, d_loss_fake)

        # Update the generators: B -> A -> B, then A -> B -> A; D's weights need no gradients.
        with frozen(n.d_a, n.d_b):
            adv_ba, cyc_b, l1_b, idt_a, colour_ba = self._generator_step(real_b, real_a, n.g_ba, n.g_ab, self.judge_a)
            adv_ab, cyc_a, l1_a, idt_b, colour_ab = self._generator_step(real_a, real_b, n.g_ab, n.g_ba, self.judge_b)
        stats = [
            d_loss_real.detach(), d_loss_fake.detach(), adv_ba + adv_ab, cyc_a, cyc_b,
            accuracy(d_real_a, True, thr), accuracy(d_real_b, True, thr),
            accuracy(d_fake_a, False, thr), accuracy(d_fake_b, False, thr), l1_a, l1_b,
        ]
        colour = [(x + y) / 2 for x, y in zip(colour_ab, colour_ba)]  # each colour term, mean of both directions
        return torch.stack(stats + ([idt_a, idt_b] if self.terms.identity_on else []) + colour + _ada_stats(n))


class RevGradCycleStep:
    """The Radboud iteration: one optimizer over all four networks, translations reach D through revgrad."""

    headline_stats = HEADLINE_STATS

    def __init__(self, nets: CycleNets, cfg: CycleGANConfig, loss: AdversarialLoss, hw: Hardware):
        self.nets, self.loss, self.hw = nets, loss, hw
        self.terms = GeneratorLosses(cfg)
        self.judge_a, self.judge_b = judged(nets.d_a, nets.augment_a), judged(nets.d_b, nets.augment_b)
        self.stat_names = STAT_NAMES + ("loss",) + self.terms.stat_names + _ada_stat_names(nets)
        self.optimizer = adam(nets.generators() + nets.discriminators(), cfg.lr, (cfg.beta1, cfg.beta2))

    @property
    def optimizers(self) -> dict:
        return {"all": self.optimizer}

    def __call__(self, real_a: torch.Tensor, real_b: torch.Tensor) -> torch.Tensor:
        n, loss, thr = self.nets, self.loss, self.loss.threshold
        with self.hw.autocast():
            # Translate and reconstruct in both directions.
            fake_ab = n.g_ab(real_a)
            cycle_aba = n.g_ba(fake_ab)
            fake_ba = n.g_ba(real_b)
            cycle_bab = n.g_ab(fake_ba)
            # The discriminators judge real and *translated* images (not the reconstructions);
            # gradient reversal turns their loss into the generators' adversarial signal.
            d_real_a, d_real_b = self.judge_a(real_a), self.judge_b(real_b)
            d_fake_a, d_fake_b = self.judge_a(revgrad(fake_ba)), self.judge_b(revgrad(fake_ab))
            loss_real = loss(d_real_a, True) + loss(d_real_b, True)
            loss_fake = loss(d_fake_a, False) + loss(d_fake_b, False)
            cyc_a = self.terms.distance(cycle_aba.float(), real_a)
            cyc_b = self.terms.distance(cycle_bab.float(), real_b)
            total = loss_real + loss_fake + self.terms.lambda_cycle * (cyc_a + cyc_b)
            identity = []
            if self.terms.identity_on:
                # G_ba should leave a real A image alone, G_ab a real B image.
                identity = [self.terms.identity(n.g_ba, real_a), self.terms.identity(n.g_ab, real_b)]
                total = total + self.terms.lambda_identity * (identity[0] + identity[1])
            extra_ab, colour_ab = self.terms.colour(real_a, fake_ab, real_b)
            extra_ba, colour_ba = self.terms.colour(real_b, fake_ba, real_a)
            total = total + extra_ab + extra_ba
            colour = [(x + y) / 2 for x, y in zip(colour_ab, colour_ba)]
        descend(self.optimizer, total)
        _observe(n, d_real_a, d_real_b, thr)
        l1_a = F.l1_loss(cycle_aba.detach().float(), real_a)
        l1_b = F.l1_loss(cycle_bab.detach().float(), real_b)
        return torch.stack([
            loss_real.detach(), loss_fake.detach(),
            loss(d_fake_a.detach(), True) + loss(d_fake_b.detach(), True),  # as if G were trained non-saturating
            cyc_a.detach(), cyc_b.detach(),
            accuracy(d_real_a, True, thr), accuracy(d_real_b, True, thr),
            accuracy(d_fake_a, False, thr), accuracy(d_fake_b, False, thr), l1_a, l1_b, total.detach(),
            *(term.detach() for term in identity), *colour, *_ada_stats(n),
        ])


def _ada_stat_names(nets: CycleNets) -> tuple:
    return ("ada_p_a", "ada_p_b") if nets.augment_a is not None else ()


def _ada_stats(nets: CycleNets) -> list:
    return [nets.augment_a.p.detach(), nets.augment_b.p.detach()] if nets.augment_a is not None else []


def _observe(nets: CycleNets, d_real_a: torch.Tensor, d_real_b: torch.Tensor, threshold: float) -> None:
    """Each discriminator's augmentation watches its outputs on real images (train/ada.py)."""
    if nets.augment_a is not None:
        nets.augment_a.observe(d_real_a.detach(), threshold)
        nets.augment_b.observe(d_real_b.detach(), threshold)


STEPS = {"two-optimizers": TwoOptimizerCycleStep, "revgrad": RevGradCycleStep}

# Named presets: overrides of the dataclass defaults that reproduce a handout's settings.
PRESETS = {
    # Toronto: two Adams, L1 cycle loss, the write-up's best lambda_cycle and seed.
    "toronto": dict(trainer="two-optimizers", generator="toronto", discriminator="dcgan", iters=10000,
                    batch_size=16, lr=3e-4, beta1=0.5, beta2=0.999, lambda_cycle=0.015,
                    cycle_loss="l1", cycle_reduction="image-sum", loss="lsgan", conv_dim=32,
                    sample_every=200, seed=4),
    # Radboud: one Adam through gradient reversal, MSE cycle loss, batch 32; 100 epochs of the
    # ~2,000-image Windows set at batch 32 are about 6,300 iterations.
    "radboud": dict(trainer="revgrad", generator="radboud", discriminator="radboud", iters=6300,
                    batch_size=32, lr=1e-3, beta1=0.5, beta2=0.999, lambda_cycle=1.0,
                    cycle_loss="mse", cycle_reduction="mean", loss="lsgan", conv_dim=32, sample_every=200),
}
GENERATORS = {"toronto": TorontoCycleGenerator, "radboud": RadboudCycleGenerator}
DISCRIMINATORS = {"dcgan": DCDiscriminator, "radboud": lambda conv_dim: RadboudDiscriminator()}


def networks(cfg: CycleGANConfig, build) -> CycleNets:
    """G_ab, G_ba, D_a, D_b, in that order: the handouts' architectures or both pairs of the user's."""
    def generator():
        return build("generator", lambda: GENERATORS[cfg.generator](cfg.conv_dim, cfg.upconv))

    def discriminator():
        return build("discriminator", lambda: DISCRIMINATORS[cfg.discriminator](cfg.conv_dim))

    return CycleNets(g_ab=generator(), g_ba=generator(), d_a=discriminator(), d_b=discriminator(),
                     augment_a=AdaptiveAugment.of(cfg), augment_b=AdaptiveAugment.of(cfg))


def step(cfg: CycleGANConfig, nets: CycleNets, hw: Hardware):
    return STEPS[cfg.trainer](nets, cfg, adversarial_loss(cfg.loss), hw)


METHOD = Method(
    name="cyclegan", title="CycleGAN", summary="a CycleGAN that translates between two emoji styles, both ways "
    "(Toronto: two optimizers; Radboud: gradient reversal)",
    config=CycleGANConfig, data=UNPAIRED, networks=networks, step=step, presets=PRESETS, default_preset="toronto",
    own_networks={"generator": IMAGES_TO_IMAGES, "discriminator": IMAGES_TO_SCORES}, both_ways=True,
    key_settings=("source", "target", "lambda_cycle", "iters"),
    # Batch 16 for every emoji model, as the targets are stated for it.
    benchmarks=(Benchmark("cyclegan-toronto", full_run_iters=10_000, preset="toronto", options=dict(batch_size=16),
                          handout=handouts.cyclegan),
                Benchmark("cyclegan-radboud", full_run_iters=10_000, preset="radboud", options=dict(batch_size=16),
                          handout=handouts.cyclegan)),
)
