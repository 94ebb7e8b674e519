"""The generators' input: uniform noise in [-1, 1], as both handouts draw it (`torch.rand(B, n) * 2 - 1`)."""
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
