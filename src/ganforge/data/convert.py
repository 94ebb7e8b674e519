"""Image ranges: uint8 [0, 255] in memory and on disk, float [-1, 1] inside the networks."""
from __future__ import annotations

import torch


def to_model_range(images: torch.Tensor, channels_last: bool = False) -> torch.Tensor:
    """uint8 (B, 3, H, W) -> float in [-1, 1], the handouts' Normalize(0.5, 0.5)."""
    x = images.float().div_(127.5).sub_(1.0)
    return x.contiguous(memory_format=torch.channels_last) if channels_last else x


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """float in [-1, 1] -> uint8 (B, 3, H, W) on the CPU."""
    return ((images.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).cpu()
