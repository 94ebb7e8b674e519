"""The table of metrics by name, so the CLI and the reports can list and run them.

Each metric family lives in its own module and registers its functions here with
`@register(...)`. What a metric's function takes depends on its kind and inputs:

    kind         inputs         function
    moons        points         fn(real, fake, seed=0) -> float; point sets (N, 2)
    images       images         fn(real, fake, seed=0) -> float | dict; images (N, 3, H, W)
    images       features       fn(real, fake, seed=0) -> float | dict; feature vectors (N, D)
    images       pairs          fn(a, b, seed=0) -> float; paired images (N, 3, H, W)
    translation  translation    fn(source, translated, target, reconstructed, reference) -> float
    images or    styles         fn(images, style, versus=None, cache=None) -> float; the share of
    translation                 images the style classifier assigns to `style` (against `versus` only)
    translation  palettes       fn(translated, target_style_images, source_style_images) -> float;
                                the share of translations a colour-histogram probe fitted on the
                                two styles' training images assigns to the target style

Images are uint8 in [0, 255] or float in [-1, 1], the project's two conventions.
A function that returns a dict holds its headline value under the metric's own
name (e.g. swd -> {"swd": .., "swd_32": .., "swd_16": ..}).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..errors import GanforgeError

KINDS = ("moons", "images", "translation")
INPUTS = {"moons": "points", "images": "images", "translation": "translation"}  # the default per kind


@dataclass(frozen=True)
class Metric:
    name: str               # the key in METRICS and in result dictionaries
    kind: str               # moons | images | translation: which experiment it scores
    description: str        # one line: what it measures and which direction is better
    higher_is_better: bool  # False for distances and divergences
    fn: Callable            # see the module docstring for the call convention per kind
    inputs: str             # points | images | features | pairs | translation | styles | palettes


METRICS: dict[str, Metric] = {}


def register(name: str, kind: str, description: str, higher_is_better: bool, inputs: str | None = None):
    """Decorator: add the function to METRICS under `name` and return it unchanged."""
    if kind not in KINDS:
        raise ValueError(f"metric {name!r}: kind must be one of {', '.join(KINDS)}; got {kind!r}")
    if "\n" in description or not description.strip():
        raise ValueError(f"metric {name!r}: the description must be one non-empty line")

    def decorate(fn):
        if name in METRICS:
            raise ValueError(f"a metric named {name!r} is already registered")
        METRICS[name] = Metric(name, kind, description, higher_is_better, fn, inputs or INPUTS[kind])
        return fn

    return decorate


def get_metric(name: str) -> Metric:
    if name not in METRICS:
        raise GanforgeError(f"unknown metric {name!r}; choose one of {', '.join(METRICS)}")
    return METRICS[name]


def list_metrics(kind: str | None = None) -> list[tuple[str, str, str]]:
    """(name, kind, description) for every registered metric, in registration order."""
    if kind is not None and kind not in KINDS:
        raise GanforgeError(f"unknown metric kind {kind!r}; choose one of {', '.join(KINDS)}")
    return [(m.name, m.kind, m.description) for m in METRICS.values() if kind in (None, m.kind)]
