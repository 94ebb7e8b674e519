"""The two moves every adversarial step is made of: descend one loss with one optimizer, and keep a network's
weights out of the gradient while the other network updates through it."""
from __future__ import annotations

import contextlib
from typing import Iterator

import torch
from torch import nn


def descend(optimizer: torch.optim.Optimizer, loss: torch.Tensor) -> None:
    """One optimizer step down `loss`: gradients cleared (set to None), computed, applied."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


def descend_discriminator(optimizer: torch.optim.Optimizer, d_loss: torch.Tensor, d_real: torch.Tensor,
                          adaptive=None, threshold: float = 0.0) -> None:
    """The discriminator's step; adaptive augmentation (train/ada.py), where on, then reads how sure D was
    that the real images are real."""
    descend(optimizer, d_loss)
    if adaptive is not None:
        adaptive.observe(d_real.detach(), threshold)


@contextlib.contextmanager
def frozen(*modules: nn.Module) -> Iterator[None]:
    """The modules' weights need no gradients inside the block (a discriminator while its generator updates
    through it: the graph still reaches the generator, and no gradient is computed for D's weights)."""
    for module in modules:
        module.requires_grad_(False)
    try:
        yield
    finally:
        for module in modules:
            module.requires_grad_(True)
