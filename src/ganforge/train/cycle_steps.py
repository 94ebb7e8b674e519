"""The CycleGAN training steps: two optimizers (toronto) or one with gradient reversal (radboud).

Domain A is the source style (the Toronto handout's X), B the target (Y).
`fake_ab` = G_ab(real_a) is a translation; `cycle_aba` = G_ba(fake_ab) a reconstruction.
Discriminators only ever judge real and translated images, never reconstructions.
With `lambda_identity` > 0 each generator is also shown real images of its own output
style and asked to return them unchanged (the CycleGAN paper's identity loss).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..config import CycleGANConfig
from ..hardware import Hardware, adam
from ..models.cyclegan import CycleNets
from .colour import ColourTerms
from .losses import AdversarialLoss, adversarial_loss, cycle_loss, revgrad
from .steps import accuracy

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
        self.stat_names = STAT_NAMES + self.terms.stat_names
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
        self.opt_gen.zero_grad(set_to_none=True)
        total.backward()
        self.opt_gen.step()
        return (adv.detach(), cyc.detach(), F.l1_loss(cycled.detach().float(), real_src),
                None if idt is None else idt.detach(), colour)

    def __call__(self, real_a: torch.Tensor, real_b: torch.Tensor) -> torch.Tensor:
        n, loss, thr = self.nets, self.loss, self.loss.threshold

        # Update the discriminators on real images.
        with self.hw.autocast():
            d_real_a, d_real_b = n.d_a(real_a), n.d_b(real_b)
            d_loss_real = loss(d_real_a, True) + loss(d_real_b, True)
        self.opt_disc.zero_grad(set_to_none=True)
        d_loss_real.backward()
        self.opt_disc.step()

        # Update the discriminators on translated images; the generators are not trained here.
        with self.hw.autocast():
            with torch.no_grad():
                fake_ba, fake_ab = n.g_ba(real_b), n.g_ab(real_a)
            d_fake_a, d_fake_b = n.d_a(fake_ba), n.d_b(fake_ab)
            d_loss_fake = loss(d_fake_a, False) + loss(d_fake_b, False)
        self.opt_disc.zero_grad(set_to_none=True)
        d_loss_fake.backward()
        self.opt_disc.step()

        # Update the generators: B -> A -> B, then A -> B -> A; D's weights need no gradients.
        for d in (n.d_a, n.d_b):
            d.requires_grad_(False)
        try:
            adv_ba, cyc_b, l1_b, idt_a, colour_ba = self._generator_step(real_b, real_a, n.g_ba, n.g_ab, n.d_a)
            adv_ab, cyc_a, l1_a, idt_b, colour_ab = self._generator_step(real_a, real_b, n.g_ab, n.g_ba, n.d_b)
        finally:
            for d in (n.d_a, n.d_b):
                d.requires_grad_(True)
        stats = [
            d_loss_real.detach(), d_loss_fake.detach(), adv_ba + adv_ab, cyc_a, cyc_b,
            accuracy(d_real_a, True, thr), accuracy(d_real_b, True, thr),
            accuracy(d_fake_a, False, thr), accuracy(d_fake_b, False, thr), l1_a, l1_b,
        ]
        colour = [(x + y) / 2 for x, y in zip(colour_ab, colour_ba)]  # each colour term, mean of both directions
        return torch.stack(stats + ([idt_a, idt_b] if self.terms.identity_on else []) + colour)


class RevGradCycleStep:
    """The Radboud iteration: one optimizer over all four networks, translations reach D through revgrad."""

    headline_stats = HEADLINE_STATS

    def __init__(self, nets: CycleNets, cfg: CycleGANConfig, loss: AdversarialLoss, hw: Hardware):
        self.nets, self.loss, self.hw = nets, loss, hw
        self.terms = GeneratorLosses(cfg)
        self.stat_names = STAT_NAMES + ("loss",) + self.terms.stat_names
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
            d_real_a, d_real_b = n.d_a(real_a), n.d_b(real_b)
            d_fake_a, d_fake_b = n.d_a(revgrad(fake_ba)), n.d_b(revgrad(fake_ab))
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
        self.optimizer.zero_grad(set_to_none=True)
        total.backward()
        self.optimizer.step()
        l1_a = F.l1_loss(cycle_aba.detach().float(), real_a)
        l1_b = F.l1_loss(cycle_bab.detach().float(), real_b)
        return torch.stack([
            loss_real.detach(), loss_fake.detach(),
            loss(d_fake_a.detach(), True) + loss(d_fake_b.detach(), True),  # as if G were trained non-saturating
            cyc_a.detach(), cyc_b.detach(),
            accuracy(d_real_a, True, thr), accuracy(d_real_b, True, thr),
            accuracy(d_fake_a, False, thr), accuracy(d_fake_b, False, thr), l1_a, l1_b, total.detach(),
            *(term.detach() for term in identity), *colour,
        ])


def make_cycle_step(cfg: CycleGANConfig, nets: CycleNets, hw: Hardware):
    step_class = {"two-optimizers": TwoOptimizerCycleStep, "revgrad": RevGradCycleStep}[cfg.trainer]
    return step_class(nets, cfg, adversarial_loss(cfg.loss), hw)
