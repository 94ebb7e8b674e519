"""The moons networks of the Radboud handout (SPEC section 1)."""
from __future__ import annotations

import torch
from torch import nn


class MoonGenerator(nn.Module):
    """Uniform noise (B, input_size) in [-1, 1] -> points (B, output_size)."""

    def __init__(self, input_size: int = 100, output_size: int = 2):
        super().__init__()
        self.input_size = input_size
        self.net = nn.Sequential(
            nn.Linear(input_size, 100), nn.ReLU(),
            nn.Linear(100, 100), nn.ReLU(),
            nn.Linear(100, output_size),
        )

    def forward(self, x):
        return self.net(x)


class UniformMoonGenerator(nn.Module):
    """An untrainable dummy: ignores its input and returns uniform points in [-2, 2]^2."""

    trainable = False  # the loops skip its optimizer step

    def __init__(self, input_size: int = 100, output_size: int = 2):
        super().__init__()
        self.input_size = input_size
        self.output_size = output_size
        # One parameter so optimizers accept the module; it never affects the output.
        self.dummy = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return torch.rand(x.shape[0], self.output_size, device=x.device, dtype=x.dtype) * 4 - 2


class MoonDiscriminator(nn.Module):
    """Points (B, inputs) -> logits (B, 1); no sigmoid."""

    def __init__(self, inputs: int = 2, hiddens: int = 1024):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(inputs, hiddens), nn.ReLU(),
            nn.Linear(hiddens, hiddens), nn.ReLU(),
            nn.Linear(hiddens, 1),
        )

    def forward(self, x):
        return self.net(x)
