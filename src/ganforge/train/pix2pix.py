"""pix2pix (Isola et al., CVPR 2017) on the codepoint pairs: the same emoji in the source and the target style.

The emoji styles pair their images by codepoint, which the course data did not; pairs
come from the training splits only, so the test emojis are never seen in training. The
U-Net translator learns from the L1 distance to the true target (weight lambda_l1) and
from a conditional patch discriminator that judges (source, candidate) pairs. It is
both a tool for users who have pairs and the ceiling unpaired methods are read against.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..config import Pix2PixConfig
from ..data.batches import PairedBatchSampler
from ..errors import GanforgeError
from ..hardware import Hardware, adam
from ..models.build import TranslatorNets, build_networks
from ..runs import Run
from .loop import Training
from .losses import AdversarialLoss, adversarial_loss
from .result import TrainingResult
from .steps import accuracy
from .translation import train_translation


class Pix2PixStep:
    """One pix2pix iteration on a batch of pairs (source images, their true targets)."""

    stat_names = ("d_loss", "g_loss_adv", "l1_loss", "d_acc_real", "d_acc_fake")
    headline_stats = stat_names

    def __init__(self, nets: TranslatorNets, cfg: Pix2PixConfig, loss: AdversarialLoss, hw: Hardware):
        self.nets, self.loss, self.hw, self.lambda_l1 = nets, loss, hw, cfg.lambda_l1
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
            d_real = D(torch.cat([source, target], 1))
            d_fake = D(torch.cat([source, fake.detach()], 1))
            d_loss = loss(d_real, True) + loss(d_fake, False)
        self.opt_disc.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_disc.step()

        # Update the translator: fool D, and come close to the true target.
        D.requires_grad_(False)
        try:
            with self.hw.autocast():
                adv = loss(D(torch.cat([source, fake], 1)), True)
                l1 = F.l1_loss(fake.float(), target)
                total = adv + self.lambda_l1 * l1
            self.opt_gen.zero_grad(set_to_none=True)
            total.backward()
            self.opt_gen.step()
        finally:
            D.requires_grad_(True)
        return torch.stack([d_loss.detach(), adv.detach(), l1.detach(), accuracy(d_real, True, thr),
                            accuracy(d_fake, False, thr)])


def prepare_pix2pix(cfg: Pix2PixConfig, hw: Hardware, train_a: torch.Tensor, train_b: torch.Tensor,
                    pairs: tuple[torch.Tensor, torch.Tensor]) -> Training:
    """The U-Net, its conditional discriminator, the step and batches of pairs (uint8, on hw's device)."""
    if len(pairs[0]) == 0:
        raise GanforgeError(f"the {cfg.source} and {cfg.target} training sets share no emoji: pix2pix needs pairs "
                            "(the same picture in both styles; built emoji styles pair them by codepoint)")
    sampler = PairedBatchSampler(train_a, train_b, pairs, cfg.batch_size, cfg.seed, hw.channels_last,
                                 name=f"the {cfg.source}/{cfg.target} training pairs", flip=cfg.flip, shift=cfg.shift)
    nets = build_networks("pix2pix", cfg, hw)
    return Training(nets, Pix2PixStep(nets, cfg, adversarial_loss(cfg.loss), hw), sampler.batch, hw.device)


def train_pix2pix(cfg: Pix2PixConfig, run: Run, resume: bool = False, score=None) -> TrainingResult:
    return train_translation("pix2pix", cfg, run, prepare_pix2pix, resume, score, paired=True)
