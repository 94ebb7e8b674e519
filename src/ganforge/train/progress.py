"""What a person sees of training: the progress bar, the log line of a step, and a clear stop on divergence."""
from __future__ import annotations

import shutil
import sys

from tqdm.auto import tqdm

from ..errors import GanforgeError


# A bar of fixed width, then the counts and the rate, then as many statistics as the terminal has room for.
BAR_FORMAT = "{desc}: {percentage:3.0f}%|{bar:20}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}]{postfix}"
ROOM_BESIDES_STATS = 58  # the columns the bar, counts, times and rate take besides the description


def progress(total: int, initial: int = 0, desc: str = ""):
    """A tqdm bar on a terminal (it stays when training ends); silent when output goes to a file or CI log."""
    return tqdm(total=total, initial=initial, desc=desc, disable=not sys.stderr.isatty(), leave=True,
                bar_format=BAR_FORMAT)


def show_stats(bar, stats: dict, columns: int | None = None) -> None:
    """Put the statistics after the bar, as many (in their order) as fit the terminal's width whole: a narrow
    terminal shows fewer, never a squeezed bar or a number cut in half."""
    if bar.disable:  # no terminal: the log lines carry the statistics
        return
    columns = columns or shutil.get_terminal_size((120, 24)).columns
    room = columns - ROOM_BESIDES_STATS - len(bar.desc) - 2 * len(str(bar.total))
    parts = []
    for name, value in stats.items():
        part = f"{name}={value:.3g}"
        if len(", ".join(parts + [part])) + 2 > room:
            break
        parts.append(part)
    bar.set_postfix_str(", ".join(parts), refresh=False)


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
