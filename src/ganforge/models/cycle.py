"""CycleGAN networks for 32x32 images: the Toronto and Radboud generators, the Radboud discriminator.

The Toronto CycleGAN judges images with the DCGAN discriminator (models/dcgan.py).
"""
from __future__ import annotations

from torch import nn

from .dcgan import DCDiscriminator, downconv, upconv


class ResnetBlock(nn.Module):
    """x + BN(Conv3x3(x)), as in the Toronto handout."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(channels, channels, 3, 1, 1, bias=False), nn.BatchNorm2d(channels))

    def forward(self, x):
        return x + self.conv(x)


class TorontoCycleGenerator(nn.Module):
    """Image (B, 3, 32, 32) -> image of the other style, same shape, in (-1, 1)."""

    def __init__(self, conv_dim: int = 32):
        super().__init__()
        self.net = nn.Sequential(
            downconv(3, conv_dim), nn.ReLU(),               # (B, 32, 16, 16)
            downconv(conv_dim, conv_dim * 2), nn.ReLU(),    # (B, 64, 8, 8)
            ResnetBlock(conv_dim * 2), nn.ReLU(),           # (B, 64, 8, 8)
            upconv(conv_dim * 2, conv_dim), nn.ReLU(),      # (B, 32, 16, 16)
            upconv(conv_dim, 3, batch_norm=False),          # (B, 3, 32, 32)
            nn.Tanh(),
        )

    def forward(self, x):
        return self.net(x)


class RadboudCycleGenerator(nn.Module):
    """The Radboud generator: plain convolutions, no residual block (SPEC section 1)."""

    def __init__(self, conv_dim: int = 32):
        super().__init__()
        c = conv_dim
        self.net = nn.Sequential(
            nn.Conv2d(3, c, 5, 2, 2), nn.BatchNorm2d(c), nn.ReLU(),                       # (B, 32, 16, 16)
            nn.Conv2d(c, 2 * c, 5, 2, 2), nn.BatchNorm2d(2 * c), nn.ReLU(),               # (B, 64, 8, 8)
            nn.Conv2d(2 * c, 2 * c, 5, 1, 2, bias=False), nn.BatchNorm2d(2 * c), nn.ReLU(),  # (B, 64, 8, 8)
            nn.Upsample(scale_factor=2), nn.Conv2d(2 * c, c, 5, 1, 2), nn.BatchNorm2d(c), nn.ReLU(),  # (B, 32, 16, 16)
            nn.Upsample(scale_factor=2), nn.Conv2d(c, 3, 5, 1, 2),                         # (B, 3, 32, 32)
            nn.Tanh(),
        )

    def forward(self, x):
        return self.net(x)


class Discriminator(nn.Module):
    """The Radboud discriminator: three strided 5x5 conv blocks 3->64->64->64, then Linear(1024, 1)."""

    def __init__(self, channels: int = 64):
        super().__init__()
        layers = []
        for in_ch in (3, channels, channels):
            layers += [nn.Conv2d(in_ch, channels, 5, 2, 2, bias=False), nn.BatchNorm2d(channels), nn.ReLU()]
        self.net = nn.Sequential(*layers, nn.Flatten(), nn.Linear(channels * 4 * 4, 1))  # (B, 1)

    def forward(self, x):
        return self.net(x)


def CycleGenerator(variant: str = "toronto", conv_dim: int = 32) -> nn.Module:
    """The CycleGAN generator of a seed: 'toronto' (residual block) or 'radboud' (plain)."""
    return {"toronto": TorontoCycleGenerator, "radboud": RadboudCycleGenerator}[variant](conv_dim)


def cycle_discriminator(variant: str = "dcgan", conv_dim: int = 32) -> nn.Module:
    """The discriminator a CycleGAN uses: the DCGAN one (toronto) or the Radboud one."""
    return DCDiscriminator(conv_dim) if variant == "dcgan" else Discriminator()
