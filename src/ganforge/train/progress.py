"""What a person sees of training: the progress bar, the log line of a step, and a clear stop on divergence."""
from __future__ import annotations

import sys

from tqdm.auto import tqdm

from ..errors import GanforgeError


def progress(total: int, initial: int = 0, desc: str = ""):
    """A tqdm bar on a terminal; silent when output goes to a file or CI log."""
    return tqdm(total=total, initial=initial, desc=desc, disable=not sys.stderr.isatty(),
                leave=False, dynamic_ncols=True)


def format_stats(prefix: str, names, values) -> str:
    return prefix + " " + " ".join(f"{n}={v:.4f}" for n, v in zip(names, values))


def check_finite(names, values, where: str) -> None:
    """Stop with a message naming the loss term when a statistic is NaN or infinite."""
    for name, value in zip(names, values):
        if value != value or value in (float("inf"), float("-inf")):
            raise GanforgeError(f"training diverged at {where}: {name} is {value}; "
                                "the last good checkpoint is kept")
