"""The four networks of a CycleGAN and the factories that pick each handout's architecture."""
from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from .dcgan import DCDiscriminator
from .radboud import RadboudCycleGenerator, RadboudDiscriminator
from .toronto import TorontoCycleGenerator

GENERATORS = {"toronto": TorontoCycleGenerator, "radboud": RadboudCycleGenerator}


def make_cycle_generator(variant: str = "toronto", conv_dim: int = 32, upconv_form: str = "auto") -> nn.Module:
    """The CycleGAN generator of a handout: 'toronto' (residual block) or 'radboud' (plain)."""
    return GENERATORS[variant](conv_dim, upconv_form)


def make_cycle_discriminator(variant: str = "dcgan", conv_dim: int = 32) -> nn.Module:
    """The discriminator a CycleGAN uses: the DCGAN one (toronto) or the Radboud one."""
    return DCDiscriminator(conv_dim) if variant == "dcgan" else RadboudDiscriminator()


@dataclass
class CycleNets:
    """G_ab translates domain A (the source style) to B (the target), G_ba back; D_a and D_b judge each domain."""

    g_ab: nn.Module
    g_ba: nn.Module
    d_a: nn.Module
    d_b: nn.Module

    def as_dict(self) -> dict[str, nn.Module]:
        """The networks under their checkpoint names."""
        return {"g_ab": self.g_ab, "g_ba": self.g_ba, "d_a": self.d_a, "d_b": self.d_b}

    def translators(self) -> dict[str, tuple[nn.Module, nn.Module | None]]:
        """{direction: (translator, the translator back)}: both ways for a CycleGAN."""
        return {"forward": (self.g_ab, self.g_ba), "backward": (self.g_ba, self.g_ab)}

    def generators(self) -> list[nn.Parameter]:
        return list(self.g_ab.parameters()) + list(self.g_ba.parameters())

    def discriminators(self) -> list[nn.Parameter]:
        return list(self.d_a.parameters()) + list(self.d_b.parameters())
