"""The Radboud handout's CycleGAN networks (SPEC section 1): a plain generator and its discriminator."""
from __future__ import annotations

from torch import nn

from .layers import upsample_conv


class RadboudCycleGenerator(nn.Module):
    """Image (B, 3, 32, 32) -> image of the other style: plain convolutions, no residual block."""

    def __init__(self, conv_dim: int = 32, upconv_form: str = "auto"):
        super().__init__()
        c = conv_dim
        self.net = nn.Sequential(
            nn.Conv2d(3, c, 5, 2, 2), nn.BatchNorm2d(c), nn.ReLU(),                       # (B, 32, 16, 16)
            nn.Conv2d(c, 2 * c, 5, 2, 2), nn.BatchNorm2d(2 * c), nn.ReLU(),               # (B, 64, 8, 8)
            nn.Conv2d(2 * c, 2 * c, 5, 1, 2, bias=False), nn.BatchNorm2d(2 * c), nn.ReLU(),  # (B, 64, 8, 8)
            *upsample_conv(2 * c, c, 5, bias=True, form=upconv_form), nn.BatchNorm2d(c), nn.ReLU(),  # (B, 32, 16, 16)
            *upsample_conv(c, 3, 5, bias=True, form=upconv_form),                         # (B, 3, 32, 32)
            nn.Tanh(),
        )

    def forward(self, x):
        return self.net(x)


class RadboudDiscriminator(nn.Module):
    """Images (B, 3, 32, 32) -> scores (B, 1): three strided 5x5 conv blocks 3->64->64->64, then Linear(1024, 1)."""

    def __init__(self, channels: int = 64):
        super().__init__()
        layers = []
        for in_ch in (3, channels, channels):
            layers += [nn.Conv2d(in_ch, channels, 5, 2, 2, bias=False), nn.BatchNorm2d(channels), nn.ReLU()]
        self.net = nn.Sequential(*layers, nn.Flatten(), nn.Linear(channels * 4 * 4, 1))  # (B, 1)

    def forward(self, x):
        return self.net(x)
