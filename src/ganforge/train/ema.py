"""An exponential moving average of a generator's weights (Karras et al.), used for samples and scores.

The average network is an ordinary network of the run (`generator_ema` in checkpoints),
so it is saved, restored and resumed bit for bit like the others. Batch-norm running
statistics are copied, not averaged: they already are averages.
"""
from __future__ import annotations

import torch
from torch import nn


class EMA:
    """average <- decay * average + (1 - decay) * model, after every generator update."""

    def __init__(self, model: nn.Module, average: nn.Module, decay: float):
        if not 0 < decay < 1:
            raise ValueError(f"the EMA decay must be between 0 and 1, got {decay}")
        self.model, self.average, self.decay = model, average, decay

    @torch.no_grad()
    def update(self) -> None:
        for avg, new in zip(self.average.parameters(), self.model.parameters()):
            avg.lerp_(new, 1 - self.decay)
        for avg, new in zip(self.average.buffers(), self.model.buffers()):
            avg.copy_(new)
