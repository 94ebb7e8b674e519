"""What a person sees of training: the progress bar, the log line of a step, and a clear stop on divergence."""
from __future__ import annotations

import sys

from tqdm.auto import tqdm

from ..errors import GanforgeError


def progress(total: int, initial: int = 0, desc: str = ""):
    """A tqdm bar on a terminal (it stays when training ends); silent when output goes to a file or CI log."""
    return tqdm(total=total, initial=initial, desc=desc, disable=not sys.stderr.isatty(),
                leave=True, dynamic_ncols=True)


def headline(names, values, shown) -> dict[str, float]:
    """The statistics worth a glance (the step's headline_stats), by name."""
    record = dict(zip(names, values))
    return {name: record[name] for name in shown if name in record}


def format_stats(prefix: str, stats: dict) -> str:
    """One short log line: 'iter 100/5000  d_loss 0.412  g_loss_adv 2.33 ...' (the full record is in stats.jsonl)."""
    return prefix + "  " + "  ".join(f"{name} {value:.3g}" for name, value in stats.items())


def check_finite(names, values, where: str) -> None:
    """Stop with a message naming the loss term when a statistic is NaN or infinite."""
    for name, value in zip(names, values):
        if value != value or value in (float("inf"), float("-inf")):
            raise GanforgeError(f"training diverged at {where}: {name} is {value}; "
                                "the last good checkpoint is kept")
