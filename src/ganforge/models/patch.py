"""Patch discriminators (the pix2pix PatchGAN, scaled to 32x32): one score per image patch.

With n_layers stride-2 convolutions and two stride-1 ones after them, every output
judges a square of the input: 16x16 pixels for n_layers=1, the whole 32x32 image (34)
for 2. A conditional one (pix2pix) reads the source and the candidate stacked: 6 channels.
"""
from __future__ import annotations

from torch import nn


class PatchDiscriminator(nn.Module):
    """Images (B, in_channels, 32, 32) -> patch scores (B, 1, P, P); no sigmoid."""

    def __init__(self, in_channels: int = 3, conv_dim: int = 64, n_layers: int = 1):
        super().__init__()
        layers = [nn.Conv2d(in_channels, conv_dim, 4, 2, 1), nn.LeakyReLU(0.2)]                    # (B, c, 16, 16)
        c = conv_dim
        for _ in range(n_layers - 1):
            layers += [nn.Conv2d(c, 2 * c, 4, 2, 1), nn.InstanceNorm2d(2 * c, affine=True), nn.LeakyReLU(0.2)]
            c *= 2
        layers += [nn.Conv2d(c, 2 * c, 4, 1, 1), nn.InstanceNorm2d(2 * c, affine=True), nn.LeakyReLU(0.2),
                   nn.Conv2d(2 * c, 1, 4, 1, 1)]                                                     # (B, 1, 14, 14) for n_layers 1
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
