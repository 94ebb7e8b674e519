"""A method's training put together: its networks, step and batches in a Training, handed to its data kind's
trainer; and the scorer its runs are scored with."""
from __future__ import annotations

import dataclasses
from typing import Callable, Mapping

from ..hardware import Hardware
from ..train.loop import Training
from ..train.result import TrainingResult
from .networks import build_networks


def prepare_training(method, cfg, hw: Hardware, data: tuple, code: Mapping[str, Callable] | None = None) -> Training:
    """The networks, the step and the batches of `data` (on hw's device) of one run of `method`."""
    if not method.channels_last:
        hw = dataclasses.replace(hw, channels_last=False)
    batches = (method.batches or method.data.batches)(cfg, hw, *data)
    nets = build_networks(method, cfg, hw, code)
    step = method.step(cfg, nets, hw)
    # A step that counts iterations of its own (the lazy R1) hears each one's number, resumed runs included.
    return Training(nets, step, batches, hw.device, before_step=getattr(step, "before_iteration", None))


def train_method(method, cfg, run, resume: bool = False, score=None,
                 code: Mapping[str, Callable] | None = None) -> TrainingResult:
    """Train (or with resume, continue) a run of `method` in `run`; code: the user's networks (user_code.py)."""
    def prepare(cfg, hw, *data):
        return prepare_training(method, cfg, hw, data, code)

    return method.data.train(cfg, run, prepare, resume=resume, score=score, name=method.name)


def make_scorer(method, cfg, cache=None):
    """The scorer of a run; cache: where the feature network is (default: the run's --cache)."""
    return method.data.scorer(cfg, cache or (getattr(cfg, "cache", "") or None))
