"""Loading a finished run: its config and its networks from a checkpoint, in eval mode on the CPU."""
from __future__ import annotations

import dataclasses
from typing import Callable, Mapping

from .. import methods
from ..errors import GanforgeError
from ..hardware import CPU_FP32
from ..methods import user_code
from ..runs import Run
from ..train.checkpoint import load as load_checkpoint


def load_trained(run_dir, offers: str | None = None, step: int | None = None,
                 code: Mapping[str, Callable] | None = None, trust_code: bool = False):
    """(config, networks) of a run's checkpoint at `step` (None: the latest), in eval mode on the CPU.

    offers: what the caller needs the networks to give ("points", "samples" or "translations");
    a run whose method offers something else is an error naming both. code: the user's networks
    by config field (load_run(run, generator=MyGenerator)); trust_code: import the run's copies of
    the user's code even when they are not known to be the user's own files (methods/user_code.py).
    """
    run = Run.open(run_dir)
    method, _, cfg = methods.from_dict(run.config)
    if offers is not None and method.data.offers != offers:
        able = [m.name for m in methods.all_methods() if m.data.offers == offers]
        raise GanforgeError(f"--run {run_dir} is a {method.name} run, whose networks give {method.data.offers}; this "
                            f"command needs {offers} ({' or '.join(able)} runs)")
    cfg = dataclasses.replace(cfg, compile=False)  # a few images: compiling would take longer than they do
    path = run.checkpoint_at(step)
    nets = methods.build_networks(method, cfg, CPU_FP32, user_code.load(run.path, run.config, code, trust_code))
    modules = nets.as_dict()
    load_checkpoint(path, modules, restore_rng=False)
    for module in modules.values():
        module.eval()
    return cfg, nets
