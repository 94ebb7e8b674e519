"""Learning rates that fall linearly to zero over a run (beyond the handouts).

With a constant rate the adversarial pair keeps circling its equilibrium, and where it
stands at the last iteration is partly luck; letting the steps shrink to nothing settles
it there. Measured on the moons (radboud preset, 10 epochs): see docs/generation-quality.md.
"""
from __future__ import annotations

import dataclasses

import torch

from .loop import Training


class LinearDecay:
    """Before iteration i of `total`, every parameter group's learning rate becomes its initial one x (1 - i/total).

    The rate is a function of the iteration alone, so a resumed run sets the same rates as the
    uninterrupted one. The initial rates are read when this is made (before any checkpoint is
    loaded into the optimizers), and the groups are looked up on every call, because loading an
    optimizer's state replaces its parameter-group dicts. A finished run extended with --resume and
    more epochs gets the schedule of its new length: its rates rise again, to 1 - i/new_total.
    """

    def __init__(self, optimizers: dict[str, torch.optim.Optimizer], total: int):
        self.optimizers, self.total = optimizers, total
        self.initial = {name: [group["lr"] for group in opt.param_groups] for name, opt in optimizers.items()}

    def rate_scale(self, iteration: int) -> float:
        return max(0.0, 1.0 - iteration / self.total)

    def __call__(self, iteration: int) -> None:
        scale = self.rate_scale(iteration)
        for name, opt in self.optimizers.items():
            for group, initial in zip(opt.param_groups, self.initial[name]):
                group["lr"] = initial * scale


def with_lr_decay(training: Training, lr_decay: str, total: int) -> Training:
    """`training` with its rates following --lr-decay over `total` iterations ('none': unchanged)."""
    if lr_decay == "none":
        return training
    decay, before = LinearDecay(training.step.optimizers, total), training.before_step

    def before_step(iteration: int) -> None:
        if before is not None:
            before(iteration)
        decay(iteration)

    return dataclasses.replace(training, before_step=before_step)
