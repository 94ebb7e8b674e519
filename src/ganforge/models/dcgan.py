"""The Toronto DCGAN (SPEC section 2): 100-d noise -> 32x32 RGB, and its discriminator."""
from __future__ import annotations

from torch import nn

from .layers import downconv, upconv


class DCGenerator(nn.Module):
    """Uniform noise (B, noise_size) -> images (B, 3, 32, 32) in (-1, 1)."""

    def __init__(self, noise_size: int = 100, conv_dim: int = 32, upconv_form: str = "auto",
                 upsample: str = "nearest"):
        super().__init__()
        self.input_size = noise_size
        self.base = conv_dim * 4
        self.linear = nn.Linear(noise_size, self.base * 4 * 4)
        up = dict(form=upconv_form, upsample=upsample)
        self.net = nn.Sequential(
            nn.BatchNorm2d(self.base), nn.ReLU(),
            upconv(self.base, conv_dim * 2, in_size=4, **up), nn.ReLU(),         # (B, 64, 8, 8)
            upconv(conv_dim * 2, conv_dim, in_size=8, **up), nn.ReLU(),          # (B, 32, 16, 16)
            upconv(conv_dim, 3, batch_norm=False, in_size=16, **up),             # (B, 3, 32, 32)
            nn.Tanh(),
        )

    def forward(self, z):
        x = self.linear(z).view(z.shape[0], self.base, 4, 4)  # (B, 128, 4, 4)
        return self.net(x)


class DCDiscriminator(nn.Module):
    """Images (B, 3, 32, 32) -> scores (B, 1); no sigmoid. Paddings 2, 2, 2, 1 as derived in the handout.

    norm="spectral" replaces batch norm by spectral norm on every convolution (Miyato et al. 2018).
    """

    def __init__(self, conv_dim: int = 32, norm: str = "batch"):
        super().__init__()
        sn = norm == "spectral"
        self.net = nn.Sequential(
            downconv(3, conv_dim, spectral=sn), nn.ReLU(),                 # (B, 32, 16, 16)
            downconv(conv_dim, conv_dim * 2, spectral=sn), nn.ReLU(),      # (B, 64, 8, 8)
            downconv(conv_dim * 2, conv_dim * 4, spectral=sn), nn.ReLU(),  # (B, 128, 4, 4)
            downconv(conv_dim * 4, 1, padding=1, batch_norm=False, spectral=sn),  # (B, 1, 1, 1)
            nn.Flatten(),
        )

    def forward(self, x):
        return self.net(x)
