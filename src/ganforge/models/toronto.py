"""The Toronto handout's CycleGAN generator (SPEC section 2); its discriminator is the DCGAN one."""
from __future__ import annotations

from torch import nn

from .layers import ResnetBlock, downconv, upconv


class TorontoCycleGenerator(nn.Module):
    """Image (B, 3, 32, 32) -> image of the other style, same shape, in (-1, 1)."""

    def __init__(self, conv_dim: int = 32, upconv_form: str = "auto"):
        super().__init__()
        self.net = nn.Sequential(
            downconv(3, conv_dim), nn.ReLU(),                                # (B, 32, 16, 16)
            downconv(conv_dim, conv_dim * 2), nn.ReLU(),                     # (B, 64, 8, 8)
            ResnetBlock(conv_dim * 2), nn.ReLU(),                            # (B, 64, 8, 8)
            upconv(conv_dim * 2, conv_dim, form=upconv_form), nn.ReLU(),     # (B, 32, 16, 16)
            upconv(conv_dim, 3, batch_norm=False, form=upconv_form),         # (B, 3, 32, 32)
            nn.Tanh(),
        )

    def forward(self, x):
        return self.net(x)
