"""The generators' input: uniform noise in [-1, 1], as both handouts draw it (`torch.rand(B, n) * 2 - 1`), or
standard normal noise for a generator that says so (its `noise` attribute is "gaussian")."""
from __future__ import annotations

import torch


def uniform_noise(batch: int, size: int, device="cpu", generator: torch.Generator | None = None) -> torch.Tensor:
    """(batch, size) uniform in [-1, 1] on `device`.

    With a `generator` (fixed noise for sample grids and scores) the numbers are drawn
    where that generator lives, the CPU, and then moved: the same noise on every device.
    """
    if generator is None:
        return torch.rand(batch, size, device=device) * 2 - 1
    return (torch.rand(batch, size, generator=generator) * 2 - 1).to(device)


def gaussian_noise(batch: int, size: int, device="cpu", generator: torch.Generator | None = None) -> torch.Tensor:
    """(batch, size) standard normal on `device` (drawn on the CPU with a `generator`, as uniform_noise)."""
    if generator is None:
        return torch.randn(batch, size, device=device)
    return torch.randn(batch, size, generator=generator).to(device)


def noise_for(network, batch: int, device="cpu", generator: torch.Generator | None = None) -> torch.Tensor:
    """(batch, network.input_size) of the noise `network` is fed: its `noise` attribute, uniform without one."""
    draw = gaussian_noise if getattr(network, "noise", "uniform") == "gaussian" else uniform_noise
    return draw(batch, network.input_size, device, generator=generator)
