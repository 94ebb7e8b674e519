"""Input checks shared by the image metrics."""
from __future__ import annotations

import torch

from ..errors import GanforgeError


def as_images(x: torch.Tensor, what: str) -> torch.Tensor:
    """A float32 batch (N, C, H, W) in [-1, 1], from uint8 [0, 255] or float [-1, 1].

    Floats are taken as they are: the project's convention is [-1, 1] on the device.
    """
    if x.ndim != 4:
        raise GanforgeError(f"{what} must be an image batch of shape (N, C, H, W); got {tuple(x.shape)}")
    if x.shape[0] == 0:
        raise GanforgeError(f"{what} holds no images")
    if x.dtype == torch.uint8:
        return x.float() / 127.5 - 1
    if not x.is_floating_point():
        raise GanforgeError(f"{what} must be uint8 or float images; got {x.dtype}")
    return x.detach().float()


def same_shape(a: torch.Tensor, b: torch.Tensor, what_a: str, what_b: str) -> None:
    if a.shape != b.shape:
        raise GanforgeError(f"{what_a} and {what_b} must have the same shape; got {tuple(a.shape)} and {tuple(b.shape)}")
