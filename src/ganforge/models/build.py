"""build_networks(kind, cfg, hw): every experiment's networks, built, placed and (optionally) compiled.

Networks are created in a fixed order (generator before discriminator, G_ab, G_ba,
D_a, D_b), so the same seed gives the same initial weights everywhere they are
built: training, resuming, scoring a finished run and benchmarking.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
from torch import nn

from ..hardware import Hardware
from .cut import ProjectionHeads, ResnetTranslator
from .cyclegan import CycleNets, make_cycle_discriminator, make_cycle_generator
from .dcgan import DCDiscriminator, DCGenerator
from .moons import MoonDiscriminator, MoonGenerator, MoonGeneratorMixture, UniformMoonGenerator
from .patch import PatchDiscriminator
from .standing_stats import measure_batch_norm_statistics
from .unet import UNetTranslator


@dataclass
class TranslatorNets:
    """A one-way translator (source -> target style), its discriminator, and CUT's projection heads."""

    generator: nn.Module
    discriminator: nn.Module
    heads: nn.Module | None = None

    def as_dict(self) -> dict[str, nn.Module]:
        """The networks under their checkpoint names."""
        nets = {"generator": self.generator, "discriminator": self.discriminator}
        return nets if self.heads is None else {**nets, "heads": self.heads}

    def translators(self) -> dict[str, tuple[nn.Module, nn.Module | None]]:
        """{direction: (translator, the translator back)}: one way only, with no way back."""
        return {"forward": (self.generator, None)}


@dataclass
class GANNets:
    """A generator and its discriminator (moons, DCGAN), and the generator's moving average when one is kept."""

    generator: nn.Module
    discriminator: nn.Module
    generator_ema: nn.Module | None = None

    def as_dict(self) -> dict[str, nn.Module]:
        """The networks under their checkpoint names."""
        nets = {"generator": self.generator, "discriminator": self.discriminator}
        return nets if self.generator_ema is None else {**nets, "generator_ema": self.generator_ema}

    def sampler(self) -> nn.Module:
        """The generator samples and scores come from: the generator, or when the run keeps one the moving
        average, its batch-norm statistics measured afresh for its own weights (standing_stats.py says why)."""
        if self.generator_ema is None:
            return self.generator
        measure_batch_norm_statistics(self.generator_ema)
        return self.generator_ema


def moon_generator(cfg) -> nn.Module:
    """The trainable moons generator of cfg: the handout's MLP, or a mixture of cfg.generators of them."""
    if cfg.generators > 1:
        return MoonGeneratorMixture(cfg.generators, cfg.noise_size, weight=cfg.component_weight,
                                    shared=cfg.mixture == "shared")
    return MoonGenerator(cfg.noise_size)


def _moons(cfg) -> GANNets:
    generator = UniformMoonGenerator(cfg.noise_size) if cfg.trainer == "disc-only" else moon_generator(cfg)
    average = _average_of(generator) if cfg.ema > 0 and cfg.trainer != "disc-only" else None
    return GANNets(generator, MoonDiscriminator(2, cfg.hidden_disc), average)


def _average_of(generator: nn.Module) -> nn.Module:
    """The moving average's network: a copy of the generator. No random draw, so the other networks'
    initial weights are those of a run without the average."""
    return copy.deepcopy(generator).requires_grad_(False)


def _dcgan(cfg) -> GANNets:
    generator = DCGenerator(cfg.noise_size, cfg.conv_dim, cfg.upconv, cfg.upsample)
    average = _average_of(generator) if cfg.ema > 0 else None
    return GANNets(generator, DCDiscriminator(cfg.conv_dim, cfg.disc_norm), average)


def _cyclegan(cfg) -> CycleNets:
    return CycleNets(g_ab=make_cycle_generator(cfg.generator, cfg.conv_dim, cfg.upconv),
                     g_ba=make_cycle_generator(cfg.generator, cfg.conv_dim, cfg.upconv),
                     d_a=make_cycle_discriminator(cfg.discriminator, cfg.conv_dim),
                     d_b=make_cycle_discriminator(cfg.discriminator, cfg.conv_dim))


def _cut(cfg) -> TranslatorNets:
    generator = ResnetTranslator(cfg.conv_dim, cfg.n_blocks)
    return TranslatorNets(generator, PatchDiscriminator(3, 2 * cfg.conv_dim, cfg.patch_layers),
                          ProjectionHeads(generator.feature_channels))


def _pix2pix(cfg) -> TranslatorNets:
    # The discriminator judges (source, candidate) stacked: 6 channels.
    return TranslatorNets(UNetTranslator(cfg.conv_dim, cfg.depth),
                          PatchDiscriminator(6, 2 * cfg.conv_dim, cfg.patch_layers))


BUILDERS = {"moons": _moons, "dcgan": _dcgan, "cyclegan": _cyclegan, "cut": _cut, "pix2pix": _pix2pix}


def build_networks(kind: str, cfg, hw: Hardware):
    """The networks of one experiment kind on hw's device and memory format.

    With cfg.compile each network is compiled in place (nn.Module.compile, not
    torch.compile(module)): parameter names, and so checkpoints, stay the same, and a
    compiled run resumes an eager one and back.
    """
    nets = BUILDERS[kind](cfg)
    fmt = torch.channels_last if hw.channels_last else torch.contiguous_format
    for module in nets.as_dict().values():
        module.to(hw.device, memory_format=fmt)
        if cfg.compile:
            module.compile()
    return nets
