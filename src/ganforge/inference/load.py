"""Loading a finished run: its config and its networks from a checkpoint, in eval mode on the CPU."""
from __future__ import annotations

import dataclasses

import torch

from .. import config as config_mod
from ..errors import GanforgeError
from ..hardware import Hardware
from ..models.build import build_networks
from ..runs import Run
from ..train.checkpoint import load as load_checkpoint

CPU_FP32 = Hardware(torch.device("cpu"), "fp32", channels_last=False)


def load_trained(run_dir, kinds: str | tuple[str, ...] | None = None, step: int | None = None):
    """(config, networks) of a run's checkpoint at `step` (None: the latest), in eval mode on the CPU.

    kinds: the run kind(s) the caller can use; another kind is an error naming both.
    """
    run = Run.open(run_dir)
    kinds = (kinds,) if isinstance(kinds, str) else kinds or (run.kind,)
    if run.kind not in kinds:
        raise GanforgeError(f"--run {run_dir} is a {run.kind} run; this command needs a {' or '.join(kinds)} run")
    kind = run.kind
    _, _, cfg = config_mod.from_dict(run.config)
    cfg = dataclasses.replace(cfg, compile=False)  # a few images: compiling would take longer than they do
    path = run.checkpoint_at(step)
    nets = build_networks(kind, cfg, CPU_FP32)
    modules = nets.as_dict()
    load_checkpoint(path, modules, restore_rng=False)
    for module in modules.values():
        module.eval()
    return cfg, nets
