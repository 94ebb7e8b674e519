"""The containers a method's networks come in: what the loop checkpoints and what a trained run offers.

Every container has as_dict() (the networks under their checkpoint names). A generator's
container has sampler() (the network samples come from); a translator's has translators()
({direction: (translator, the translator back or None)}). Methods from outside ganforge
may use these or any object with the same members.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

from torch import nn

from .standing_stats import measure_batch_norm_statistics


def average_of(generator: nn.Module) -> nn.Module:
    """The network a moving average of `generator`'s weights is kept in: a copy, never trained. It draws no
    random numbers, so the other networks' initial weights are those of a run without the average."""
    return copy.deepcopy(generator).requires_grad_(False)


@dataclass
class GANNets:
    """A generator and its discriminator (moons, DCGAN), and the generator's moving average when one is kept."""

    generator: nn.Module
    discriminator: nn.Module
    generator_ema: nn.Module | None = None
    augment: nn.Module | None = None   # an augmentation with state of its own (ADA's p), checkpointed with the rest

    def as_dict(self) -> dict[str, nn.Module]:
        """The networks under their checkpoint names."""
        nets = {"generator": self.generator, "discriminator": self.discriminator}
        if self.generator_ema is not None:
            nets["generator_ema"] = self.generator_ema
        if self.augment is not None:
            nets["augment"] = self.augment
        return nets

    def sampler(self) -> nn.Module:
        """The generator samples and scores come from: the generator, or when the run keeps one the moving
        average, its batch-norm statistics measured afresh for its own weights (standing_stats.py says why)."""
        if self.generator_ema is None:
            return self.generator
        measure_batch_norm_statistics(self.generator_ema)
        return self.generator_ema


@dataclass
class TranslatorNets:
    """A one-way translator (source -> target style), its discriminator, and CUT's projection heads."""

    generator: nn.Module
    discriminator: nn.Module
    heads: nn.Module | None = None
    augment: nn.Module | None = None   # the discriminator's adaptive augmentation (its p), when there is one

    def as_dict(self) -> dict[str, nn.Module]:
        """The networks under their checkpoint names."""
        nets = {"generator": self.generator, "discriminator": self.discriminator}
        if self.heads is not None:
            nets["heads"] = self.heads
        if self.augment is not None:
            nets["augment"] = self.augment
        return nets

    def translators(self) -> dict[str, tuple[nn.Module, nn.Module | None]]:
        """{direction: (translator, the translator back)}: one way only, with no way back."""
        return {"forward": (self.generator, None)}


@dataclass
class CycleNets:
    """G_ab translates domain A (the source style) to B (the target), G_ba back; D_a and D_b judge each domain."""

    g_ab: nn.Module
    g_ba: nn.Module
    d_a: nn.Module
    d_b: nn.Module
    augment_a: nn.Module | None = None   # each discriminator's adaptive augmentation (its own p), when there is one
    augment_b: nn.Module | None = None

    def as_dict(self) -> dict[str, nn.Module]:
        """The networks under their checkpoint names."""
        nets = {"g_ab": self.g_ab, "g_ba": self.g_ba, "d_a": self.d_a, "d_b": self.d_b}
        if self.augment_a is not None:
            nets.update(augment_a=self.augment_a, augment_b=self.augment_b)
        return nets

    def translators(self) -> dict[str, tuple[nn.Module, nn.Module | None]]:
        """{direction: (translator, the translator back)}: both ways for a CycleGAN."""
        return {"forward": (self.g_ab, self.g_ba), "backward": (self.g_ba, self.g_ab)}

    def generators(self) -> list[nn.Parameter]:
        return list(self.g_ab.parameters()) + list(self.g_ba.parameters())

    def discriminators(self) -> list[nn.Parameter]:
        return list(self.d_a.parameters()) + list(self.d_b.parameters())
