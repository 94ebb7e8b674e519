"""CycleGAN training between two emoji styles: two optimizers (toronto) or one with gradient reversal (radboud)."""
from __future__ import annotations

import torch

from ..config import CycleGANConfig
from ..data.batches import BatchSampler
from ..hardware import Hardware
from ..models.build import build_networks
from ..runs import Run
from .cycle_steps import make_cycle_step
from .loop import Training
from .result import TrainingResult
from .translation import train_translation


def prepare_cyclegan(cfg: CycleGANConfig, hw: Hardware, train_a: torch.Tensor, train_b: torch.Tensor,
                     pairs=None) -> Training:
    """The four networks, the step of cfg.trainer and unpaired batches of the two styles (uint8, on hw's device)."""
    # Different seeds per domain: the two styles are shuffled independently (unpaired training).
    sampler_a = BatchSampler(train_a, cfg.batch_size, cfg.seed, hw.channels_last, name=f"the {cfg.source} training set")
    sampler_b = BatchSampler(train_b, cfg.batch_size, cfg.seed + 1, hw.channels_last,
                             name=f"the {cfg.target} training set")
    nets = build_networks("cyclegan", cfg, hw)
    step = make_cycle_step(cfg, nets, hw)
    return Training(nets, step, lambda it: (sampler_a.batch(it), sampler_b.batch(it)), hw.device)


def train_cyclegan(cfg: CycleGANConfig, run: Run, resume: bool = False, score=None) -> TrainingResult:
    return train_translation("cyclegan", cfg, run, prepare_cyclegan, resume, score)
