"""The pix2pix U-Net generator, scaled to 32x32: up to five halvings (to 1x1) and back, each level joined to its mirror.

Skip connections carry the source's layout straight to the output, which is what a
paired translator needs (the same emoji, redrawn). Upsampling is nearest-neighbour plus
a 3x3 convolution rather than a transposed convolution, which leaves no checkerboard.
Dropout (0.5) on the decoder levels below 8x8 (the three innermost at full depth) is
pix2pix's noise; it is off in eval mode, so translations are deterministic. Fewer
halvings (`depth`) stop the bottleneck above 1x1: each output pixel then sees only its
neighbourhood, not the whole emoji.
"""
from __future__ import annotations

import torch
from torch import nn


def _down(c_in: int, c_out: int, norm: bool = True) -> nn.Sequential:
    layers = [nn.Conv2d(c_in, c_out, 4, 2, 1)]
    if norm:
        layers.append(nn.BatchNorm2d(c_out))
    return nn.Sequential(*layers, nn.LeakyReLU(0.2))


def _up(c_in: int, c_out: int, dropout: bool) -> nn.Sequential:
    layers = [nn.Upsample(scale_factor=2), nn.Conv2d(c_in, c_out, 3, 1, 1), nn.BatchNorm2d(c_out), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(0.5))
    return nn.Sequential(*layers)


class UNetTranslator(nn.Module):
    """Image (B, 3, 32, 32) -> image of the target style, same shape, in (-1, 1)."""

    def __init__(self, conv_dim: int = 32, depth: int = 5):
        super().__init__()
        c = conv_dim
        widths = [c, 2 * c, 4 * c, 8 * c, 8 * c][:depth]                   # at 16, 8, 4, 2, 1 pixels
        self.downs = nn.ModuleList([_down(3, widths[0], norm=False)] +
                                   [_down(widths[i - 1], widths[i], norm=i < 4) for i in range(1, depth)])
        # Up level i takes the level below (and, except the innermost, its mirror) to widths[-2 - i] at twice
        # the size; the last one ends at 16x16, where the outer skip joins.
        ins = [widths[-1]] + [2 * w for w in widths[-2:0:-1]]
        outs = widths[-2::-1]
        self.ups = nn.ModuleList([_up(c_in, c_out, dropout=i < depth - 2) for i, (c_in, c_out) in
                                  enumerate(zip(ins, outs))])
        self.out = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(2 * widths[0], 3, 3, 1, 1), nn.Tanh())

    def forward(self, x):
        skips = []
        for down in self.downs:
            x = down(x)
            skips.append(x)                         # (B, c, 16, 16) ... (B, 8c, 1, 1)
        x = self.ups[0](skips[-1])
        for up, skip in zip(self.ups[1:], reversed(skips[1:-1])):
            x = up(torch.cat([x, skip], 1))
        return self.out(torch.cat([x, skips[0]], 1))  # (B, 3, 32, 32)
