"""One optimization step of each adversarial scheme, and the contract every step keeps.

A step owns its optimizers, takes the real batch(es) of one iteration and returns
that iteration's statistics as one detached tensor on the device, so the loop can
sum them without a host-device sync.
"""
from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch
from torch import nn

from ..hardware import Hardware, optimizer
from ..models.noise import noise_for
from .losses import AdversarialLoss, revgrad
from .updates import descend, frozen


@runtime_checkable
class AdversarialStep(Protocol):
    """What the iteration loop, checkpoints and `ganforge bench` rely on in a training step.

    stat_names: the names of the statistics, in the order __call__ returns them;
        they become the keys of stats.jsonl records.
    headline_stats: the few of them (the main losses, the accuracies) that the progress
        bar and the log line show.
    optimizers: the step's optimizers by checkpoint name ("gen", "disc", "all");
        checkpoints save and restore exactly these.
    __call__(*real): one iteration on the real batch(es) of that iteration (one
        tensor for a GAN, two for a CycleGAN: domain A, domain B), already on the
        device in the model range [-1, 1]. Updates the networks and returns a 1-D
        detached float tensor of len(stat_names) on the device. It must not read
        values back to the host (no .item(), no .tolist()): the loop does that once
        per log step.
    """

    stat_names: tuple[str, ...]
    headline_stats: tuple[str, ...]

    @property
    def optimizers(self) -> dict[str, torch.optim.Optimizer]: ...

    def __call__(self, *real: torch.Tensor) -> torch.Tensor: ...


def finish(parts) -> torch.Tensor:
    """Run a step's parts(real) to the end; its statistics."""
    while True:
        try:
            next(parts)
        except StopIteration as done:
            return done.value


def _trainable(module: nn.Module) -> bool:
    return getattr(module, "trainable", True)


def auxiliary_loss(generator: nn.Module, noise: torch.Tensor, fake: torch.Tensor):
    """A generator's own extra loss term (the mixture's component term), or 0 for a generator without one."""
    term = getattr(generator, "auxiliary_loss", None)
    return term(noise, fake) if term is not None else 0


def accuracy(d_out: torch.Tensor, real: bool, threshold: float) -> torch.Tensor:
    """The share of outputs on the right side of the loss's real/fake threshold."""
    d_out = d_out.detach().float()
    return ((d_out > threshold) if real else (d_out < threshold)).float().mean()


class TwoStepGAN:
    """Discriminator step, then a generator step on a fresh fake batch (the handout's train_adversarial).

    `joint_disc_pass` runs real and fake through D as one batch: the same
    arithmetic for networks without batch normalization, in one call instead of two.
    Beyond the handouts (all off by default): `augment` shows D augmented real and fake
    images (DiffAugment, or the adaptive augmentation of train/ada.py), `r1_gamma` adds the R1 penalty gamma/2 E|grad_x D(x)|^2 on real
    images to D's loss (with `r1_every` N > 1 only on every Nth D update, weighted N times: StyleGAN2's lazy
    regularization, which costs the penalty's second backward pass once in N), and `ema` keeps a moving
    average of the generator after each update.
    """

    stat_names = ("disc_loss", "gen_loss", "disc_acc", "gen_acc")  # and r1_penalty, ada_p, ada_rt when they are on
    headline_stats = stat_names

    def __init__(self, generator: nn.Module, discriminator: nn.Module, loss: AdversarialLoss, hw: Hardware, *,
                 lr_gen: float, lr_disc: float, betas=(0.9, 0.999), joint_disc_pass: bool = False,
                 augment=None, r1_gamma: float = 0.0, r1_every: int = 1, ema=None, d_steps: int = 1,
                 g_steps: int = 1, optimizers: tuple[str, str] = ("adam", "adam")):
        self.generator, self.discriminator = generator, discriminator
        self.opt_gen = optimizer(optimizers[0], generator.parameters(), lr_gen, betas)
        self.opt_disc = optimizer(optimizers[1], discriminator.parameters(), lr_disc, betas)
        self.d_steps, self.g_steps = d_steps, g_steps  # updates of each network per iteration (GAN Lab's k)
        self.loss, self.hw = loss, hw
        self.joint_disc_pass = joint_disc_pass
        self.train_generator = _trainable(generator)
        self.augment = augment or (lambda x: x)
        self.r1_gamma, self.r1_every, self.ema = r1_gamma, r1_every, ema
        self.d_updates = 0          # D updates so far: the lazy R1 is due on every r1_every-th
        # An adaptive augmentation (train/ada.py) watches D's outputs on real images and reports its p.
        self.adaptive = augment if hasattr(augment, "observe") else None
        self.stat_names = (TwoStepGAN.stat_names + (("r1_penalty",) if r1_gamma > 0 else ())
                           + (self.adaptive.stat_names if self.adaptive is not None else ()))
        self.headline_stats = TwoStepGAN.stat_names + (("ada_p",) if self.adaptive is not None else ())

    @property
    def optimizers(self) -> dict:
        return {"gen": self.opt_gen, "disc": self.opt_disc}

    def before_iteration(self, iteration: int) -> None:
        """Count D's updates from the iteration, so that a resumed run's lazy R1 falls where it fell before."""
        self.d_updates = iteration * self.d_steps

    def _noise(self, batch: int) -> torch.Tensor:
        return noise_for(self.generator, batch, self.hw.device)

    def __call__(self, real: torch.Tensor) -> torch.Tensor:
        return finish(self.parts(real))

    def parts(self, real: torch.Tensor):
        """The iteration one update at a time (`ganforge play`'s slow motion): d_steps D updates on the batch,
        each with fresh fakes, then g_steps G updates, yielding what each did; returns the statistics of the
        last of each (measured without an update where a network takes 0 steps)."""
        for k in range(self.d_steps):
            disc_loss, disc_acc, *r1 = self.discriminator_step(real)
            yield f"D updated ({k + 1} of {self.d_steps})"
        if self.d_steps == 0:
            disc_loss, disc_acc, *r1 = self.discriminator_step(real, update=False)
        for k in range(self.g_steps):
            gen_loss, gen_acc = self.generator_step(real.shape[0])
            yield f"G updated ({k + 1} of {self.g_steps})"
        if self.g_steps == 0:
            gen_loss, gen_acc = self.generator_step(real.shape[0], update=False)
        adaptive = [*self.adaptive.stats()] if self.adaptive is not None else []
        return torch.stack([disc_loss, gen_loss, disc_acc, gen_acc, *r1, *adaptive])

    def generator_loss(self, d_fake: torch.Tensor) -> torch.Tensor:
        """The loss the generator descends, from D's outputs on its points: by default real targets
        (non-saturating); the hinge loss's is -D."""
        return self.loss.generator(d_fake)

    def discriminator_step(self, real: torch.Tensor, update: bool = True) -> torch.Tensor:
        """Update D on `real` and a fake batch of the same size; return (disc_loss, disc_acc[, r1_penalty]),
        detached (the R1 penalty when it is on). update=False only measures."""
        G, D, loss, thr = self.generator, self.discriminator, self.loss, self.loss.threshold
        batch = real.shape[0]
        r1_due = self.r1_gamma > 0 and (self.d_updates % self.r1_every == 0 or not update)
        if update:
            self.d_updates += 1
        # The generator's graph is not needed for this step.
        with self.hw.autocast():
            with torch.no_grad():
                fake = G(self._noise(batch))
            real_in, fake_in = self.augment(real), self.augment(fake)
            if r1_due:
                real_in = real_in.detach().requires_grad_(True)
            if self.joint_disc_pass:
                d_real, d_fake = D(torch.cat([real_in, fake_in])).split(batch)
            else:
                d_real, d_fake = D(real_in), D(fake_in)
            disc_loss = loss(d_real, True) + loss(d_fake, False)
        if self.adaptive is not None and update:
            self.adaptive.observe(d_real.detach(), thr)
        total, extra = disc_loss, []
        if r1_due:  # R1: keep D flat around real images
            grad, = torch.autograd.grad(d_real.float().sum(), real_in, create_graph=True)
            penalty = grad.float().square().flatten(1).sum(1).mean()
            weight = self.r1_every if update else 1
            total = disc_loss + self.r1_gamma / 2 * weight * penalty
            # Logged x N where it falls once in N: the log's mean over iterations stays the penalty's mean.
            extra = [penalty.detach() * weight]
        elif self.r1_gamma > 0:
            extra = [torch.zeros((), device=disc_loss.device)]
        if update:
            descend(self.opt_disc, total)
        disc_acc = (accuracy(d_real, True, thr) + accuracy(d_fake, False, thr)) / 2
        return torch.stack([disc_loss.detach(), disc_acc, *extra])

    def generator_step(self, batch: int, update: bool = True) -> torch.Tensor:
        """Update G on a fresh fake batch of `batch` points; return (gen_loss, gen_acc), detached.

        D's weights need no gradients here. An untrainable generator (the disc-only
        dummy) is only measured.
        """
        G, D = self.generator, self.discriminator
        trains = self.train_generator and update
        with frozen(D):
            with torch.set_grad_enabled(trains), self.hw.autocast():
                noise = self._noise(batch)
                fake = G(noise)
                d_fake = D(self.augment(fake))
                gen_loss = self.generator_loss(d_fake) + auxiliary_loss(G, noise, fake)
            if trains:
                descend(self.opt_gen, gen_loss)
                if self.ema is not None:
                    self.ema.update()
        return torch.stack([gen_loss.detach(), accuracy(d_fake, True, self.loss.threshold)])


class RevGradGAN:
    """One optimizer over G and D; the fake batch reaches D through gradient reversal."""

    stat_names = ("loss", "acc_real", "acc_fake")
    headline_stats = stat_names

    def __init__(self, generator: nn.Module, discriminator: nn.Module, loss: AdversarialLoss, hw: Hardware, *,
                 lr: float, betas=(0.9, 0.999), joint_disc_pass: bool = True, ema=None, kind: str = "adam"):
        self.generator, self.discriminator = generator, discriminator
        self.optimizer = optimizer(kind, list(generator.parameters()) + list(discriminator.parameters()), lr, betas)
        self.loss, self.hw = loss, hw
        self.joint_disc_pass = joint_disc_pass
        self.ema = ema  # a moving average of the generator, updated after each step that moves it

    @property
    def optimizers(self) -> dict:
        return {"all": self.optimizer}

    def __call__(self, real: torch.Tensor) -> torch.Tensor:
        return self.update(real)

    def parts(self, real: torch.Tensor):
        """The iteration as `ganforge play`'s slow motion shows it: one update of both networks."""
        stats = self.update(real)
        yield "G and D updated together (gradient reversal)"
        return stats

    def generator_loss(self, d_fake: torch.Tensor) -> torch.Tensor:
        """The loss the generator descends, from D's outputs on its points: through the reversed
        gradient, G ascends D's fake term, i.e. descends its negative (the saturating minimax loss)."""
        return -self.loss(d_fake, False)

    def update(self, real: torch.Tensor, generator: bool = True, discriminator: bool = True) -> torch.Tensor:
        """One step of the joint loss; generator=False or discriminator=False drops that network's
        gradients before the optimizer step, so only the other one moves (its Adam state stays as it was)."""
        G, D, loss, thr = self.generator, self.discriminator, self.loss, self.loss.threshold
        batch = real.shape[0]
        with self.hw.autocast():
            noise = noise_for(G, batch, self.hw.device)
            fake = G(noise)
            if self.joint_disc_pass:
                d_real, d_fake = D(torch.cat([real, revgrad(fake)])).split(batch)
            else:
                d_real, d_fake = D(real), D(revgrad(fake))
            # The auxiliary term is the generator's own (not reversed): G descends it.
            total = loss(d_real, True) + loss(d_fake, False) + auxiliary_loss(G, noise, fake)
        self.optimizer.zero_grad(set_to_none=True)
        total.backward()
        for network, kept in ((G, generator), (D, discriminator)):
            if not kept:
                for param in network.parameters():
                    param.grad = None  # Adam skips a parameter without a gradient
        self.optimizer.step()
        if self.ema is not None and generator:
            self.ema.update()
        return torch.stack([total.detach(), accuracy(d_real, True, thr), accuracy(d_fake, False, thr)])
