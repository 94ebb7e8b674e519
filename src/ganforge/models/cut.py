"""The networks of CUT (Park et al., ECCV 2020) sized for 32x32 emojis: a ResNet translator whose encoder
features PatchNCE compares, and the two-layer projection heads it compares them through.

Width and depth for 32x32: two stride-2 convolutions take 32x32 to 8x8, where the residual
blocks work; at 8x8 a 3x3 block sees most of the image after two blocks, so four blocks
give every output pixel the whole emoji as context while the 7x7 stem and the decoder
keep the pixel detail. conv_dim 32 gives 32/64/128 channels (about 1.3M parameters).
Normalization is instance norm, as in CUT: a translation should not depend on the
other images of its batch.
"""
from __future__ import annotations

import torch
from torch import nn


def _norm_relu(channels: int) -> list[nn.Module]:
    return [nn.InstanceNorm2d(channels, affine=True), nn.ReLU()]


class ReflectResnetBlock(nn.Module):
    """x + IN(conv3x3(ReLU(IN(conv3x3(x))))), reflection-padded (the CycleGAN/CUT block)."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), *_norm_relu(channels),
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), nn.InstanceNorm2d(channels, affine=True))

    def forward(self, x):
        return x + self.conv(x)


class ResnetTranslator(nn.Module):
    """Image (B, 3, 32, 32) -> image of the target style, same shape, in (-1, 1).

    `encode(x)` returns the features PatchNCE compares: the input pixels, the stem's
    output, both downsamplings and the first residual block (CUT's layers 0, 4, 8, 12, 16).
    """

    def __init__(self, conv_dim: int = 32, n_blocks: int = 4):
        super().__init__()
        c = conv_dim
        self.stem = nn.Sequential(nn.ReflectionPad2d(3), nn.Conv2d(3, c, 7), *_norm_relu(c))           # (B, c, 32, 32)
        self.down1 = nn.Sequential(nn.Conv2d(c, 2 * c, 3, 2, 1), *_norm_relu(2 * c))                  # (B, 2c, 16, 16)
        self.down2 = nn.Sequential(nn.Conv2d(2 * c, 4 * c, 3, 2, 1), *_norm_relu(4 * c))              # (B, 4c, 8, 8)
        self.blocks = nn.ModuleList(ReflectResnetBlock(4 * c) for _ in range(n_blocks))                # (B, 4c, 8, 8)
        self.decoder = nn.Sequential(
            nn.Upsample(scale_factor=2), nn.Conv2d(4 * c, 2 * c, 3, 1, 1), *_norm_relu(2 * c),        # (B, 2c, 16, 16)
            nn.Upsample(scale_factor=2), nn.Conv2d(2 * c, c, 3, 1, 1), *_norm_relu(c),                # (B, c, 32, 32)
            nn.ReflectionPad2d(3), nn.Conv2d(c, 3, 7), nn.Tanh())                                      # (B, 3, 32, 32)
        self.feature_channels = (3, c, 2 * c, 4 * c, 4 * c)

    def encode(self, x: torch.Tensor) -> list[torch.Tensor]:
        """[x, stem, down1, down2, block 1]: the feature maps PatchNCE samples patches from."""
        h1 = self.stem(x)
        h2 = self.down1(h1)
        h3 = self.down2(h2)
        return [x, h1, h2, h3, self.blocks[0](h3)]

    def forward(self, x):
        h = self.down2(self.down1(self.stem(x)))
        for block in self.blocks:
            h = block(h)
        return self.decoder(h)


class ProjectionHeads(nn.Module):
    """One two-layer MLP per feature layer (C_l -> 256 -> 256), as CUT projects patches before comparing them."""

    def __init__(self, channels: tuple[int, ...], dim: int = 256):
        super().__init__()
        self.mlps = nn.ModuleList(nn.Sequential(nn.Linear(c, dim), nn.ReLU(), nn.Linear(dim, dim)) for c in channels)

    def forward(self, patches: list[torch.Tensor]) -> list[torch.Tensor]:
        """[(B, P, C_l)] -> [(B, P, dim)], each patch vector of unit length."""
        return [nn.functional.normalize(mlp(p), dim=-1) for mlp, p in zip(self.mlps, patches)]
