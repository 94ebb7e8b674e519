"""Convolution blocks the Toronto handout's networks are made of (SPEC section 2)."""
from __future__ import annotations

from torch import nn


def upconv(in_ch: int, out_ch: int, batch_norm: bool = True) -> nn.Sequential:
    """Nearest upsampling x2 then a 5x5 convolution (stride 1, padding 2), the handout's `upconv`."""
    layers = [nn.Upsample(scale_factor=2), nn.Conv2d(in_ch, out_ch, 5, 1, 2, bias=not batch_norm)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(out_ch))
    return nn.Sequential(*layers)


def downconv(in_ch: int, out_ch: int, padding: int = 2, batch_norm: bool = True) -> nn.Sequential:
    """A 5x5 convolution with stride 2 that halves the spatial size."""
    layers = [nn.Conv2d(in_ch, out_ch, 5, 2, padding, bias=not batch_norm)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(out_ch))
    return nn.Sequential(*layers)


class ResnetBlock(nn.Module):
    """x + BN(Conv3x3(x)), as in the Toronto handout."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(channels, channels, 3, 1, 1, bias=False), nn.BatchNorm2d(channels))

    def forward(self, x):
        return x + self.conv(x)
