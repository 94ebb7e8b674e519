"""Running networks in eval mode for a moment (samples, scores) and putting them back as they were."""
from __future__ import annotations

import contextlib
from typing import Iterator

from torch import nn


@contextlib.contextmanager
def eval_mode(*modules: nn.Module) -> Iterator[None]:
    """Switch `modules` to eval mode (batch norm uses its running statistics) inside the block.

    Each module gets back the mode it had, so calling this from a training loop
    leaves the loop's networks training.
    """
    was_training = [m.training for m in modules]
    for m in modules:
        m.eval()
    try:
        yield
    finally:
        for m, mode in zip(modules, was_training):
            m.train(mode)
