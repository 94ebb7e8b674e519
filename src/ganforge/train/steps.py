"""One optimization step of each adversarial scheme, shared by every loop.

A step takes a batch of real data and returns its statistics as one detached
tensor on the device, so the loop can sum them without a host-device sync.
"""
from __future__ import annotations

import torch
from torch import nn

from ..hardware import Hardware
from ..losses import AdversarialLoss, revgrad


def uniform_noise(batch: int, size: int, device) -> torch.Tensor:
    """The seeds' generator input: uniform in [-1, 1]."""
    return torch.rand(batch, size, device=device) * 2 - 1


def _trainable(module: nn.Module) -> bool:
    return getattr(module, "trainable", True)


class TwoStepGAN:
    """Discriminator step, then a generator step on a fresh fake batch (seed's train_adversarial).

    `joint_disc_pass` runs real and fake through D as one batch: the same
    arithmetic for networks without batch normalization, in one call instead of two.
    """

    stat_names = ("disc_loss", "gen_loss", "disc_acc", "gen_acc")

    def __init__(self, generator: nn.Module, discriminator: nn.Module, opt_gen, opt_disc,
                 loss: AdversarialLoss, hw: Hardware, joint_disc_pass: bool = False):
        self.generator, self.discriminator = generator, discriminator
        self.opt_gen, self.opt_disc = opt_gen, opt_disc
        self.loss, self.hw = loss, hw
        self.joint_disc_pass = joint_disc_pass
        self.train_generator = _trainable(generator)

    def _noise(self, batch: int) -> torch.Tensor:
        return uniform_noise(batch, self.generator.input_size, self.hw.device)

    def __call__(self, real: torch.Tensor) -> torch.Tensor:
        G, D, loss, thr = self.generator, self.discriminator, self.loss, self.loss.threshold
        batch = real.shape[0]

        # Update the discriminator (the generator's graph is not needed for this step).
        with self.hw.autocast():
            with torch.no_grad():
                fake = G(self._noise(batch))
            if self.joint_disc_pass:
                d_real, d_fake = D(torch.cat([real, fake])).split(batch)
            else:
                d_real, d_fake = D(real), D(fake)
            disc_loss = loss(d_real, True) + loss(d_fake, False)
        self.opt_disc.zero_grad(set_to_none=True)
        disc_loss.backward()
        self.opt_disc.step()
        disc_acc = ((d_real.detach() > thr).float().mean() + (d_fake.detach() < thr).float().mean()) / 2

        # Update the generator on a fresh fake batch; D's weights need no gradients here.
        D.requires_grad_(False)
        try:
            with torch.set_grad_enabled(self.train_generator), self.hw.autocast():
                d_fake = D(G(self._noise(batch)))
                gen_loss = loss(d_fake, True)
            if self.train_generator:
                self.opt_gen.zero_grad(set_to_none=True)
                gen_loss.backward()
                self.opt_gen.step()
        finally:
            D.requires_grad_(True)
        gen_acc = (d_fake.detach() > thr).float().mean()
        return torch.stack([disc_loss.detach(), gen_loss.detach(), disc_acc, gen_acc])


class RevGradGAN:
    """One optimizer over G and D; the fake batch reaches D through gradient reversal."""

    stat_names = ("loss", "acc_real", "acc_fake")

    def __init__(self, generator: nn.Module, discriminator: nn.Module, optimizer, loss: AdversarialLoss,
                 hw: Hardware, joint_disc_pass: bool = True):
        self.generator, self.discriminator = generator, discriminator
        self.optimizer, self.loss, self.hw = optimizer, loss, hw
        self.joint_disc_pass = joint_disc_pass

    def __call__(self, real: torch.Tensor) -> torch.Tensor:
        G, D, loss, thr = self.generator, self.discriminator, self.loss, self.loss.threshold
        batch = real.shape[0]
        with self.hw.autocast():
            fake = G(uniform_noise(batch, G.input_size, self.hw.device))
            if self.joint_disc_pass:
                d_real, d_fake = D(torch.cat([real, revgrad(fake)])).split(batch)
            else:
                d_real, d_fake = D(real), D(revgrad(fake))
            total = loss(d_real, True) + loss(d_fake, False)
        self.optimizer.zero_grad(set_to_none=True)
        total.backward()
        self.optimizer.step()
        acc_real = (d_real.detach() > thr).float().mean()
        acc_fake = (d_fake.detach() < thr).float().mean()
        return torch.stack([total.detach(), acc_real, acc_fake])
