"""The table of metrics by name: what each measures, which way is better, and what it is read against.

Each metric family lives in its own module and registers one function per metric:

    @register("l1_translation", scope="translation", higher_is_better=False, baselines=("identity", "histmatch"),
              stem="l1", description="mean |G(x) - y| per pixel in [-1, 1] units")
    def l1_translation(candidate, target) -> float: ...

That is all it takes to add a metric: scoring (ganforge/scoring) finds it here,
hands it the inputs its parameters name, scores the baselines by calling it again
with another `candidate`, and writes every value into metrics.json together with
this declaration, which reports read instead of guessing from names.

Scopes say which runs a metric scores:
    points       moons: generated points (candidate) against real points (reference)
    images       DCGAN samples or CycleGAN translations (candidate) against real
                 images of the wanted style (reference)
    generation   DCGAN samples only
    translation  CycleGAN translations, with their sources, true targets and reconstructions

Baselines are the same function called with another candidate:
    floor        real held-out data of the wanted kind (as good as the data gets)
    identity     the untranslated source (the translator that does nothing)
    histmatch    the source recoloured to the target style's histogram (recolouring only)

Parameter names a function may take (scoring supplies them; see scoring/inputs.py):
candidate, reference, target, source, reconstructed, seed, candidate_features,
reference_features, candidate_style_logits, style_index, versus_index,
palette_probe, target_style, pair_accuracy. A function returns a float, a dict
holding its value under the metric's name and its declared extras, or None when
it does not apply (the run is then scored without it).
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Callable

from ..errors import GanforgeError

SCOPES = {
    "points": "moons: generated points against real points",
    "images": "generated or translated images against real images of the wanted style",
    "generation": "generated images (DCGAN)",
    "translation": "translations with their sources, true targets and reconstructions (CycleGAN)",
}
BASELINES = {
    "floor": "real-data floor",
    "identity": "do-nothing",
    "histmatch": "recolour only",
}


@dataclass(frozen=True)
class Extra:
    """A further number a metric reports beside its value, e.g. how reliable its instrument is."""
    name: str
    description: str
    higher_is_better: bool = True


@dataclass(frozen=True)
class Metric:
    name: str                      # the key of its value in metrics.json
    scope: str                     # see SCOPES
    description: str               # one line: what it measures
    higher_is_better: bool         # False for distances and divergences
    fn: Callable
    baselines: tuple[str, ...]     # see BASELINES, in the order they are written
    stem: str                      # companions are named f"{stem}_{baseline}"
    extras: tuple[Extra, ...]      # further keys fn returns in a dict beside its value
    headline: bool                 # one of the few numbers that summarize a run (sweep plots, summaries)
    needs: tuple[str, ...] = field(default=())      # fn's required parameters
    optional: tuple[str, ...] = field(default=())   # fn's parameters with defaults (passed when available)

    def companion(self, baseline: str) -> str:
        return f"{self.stem}_{baseline}"

    @property
    def better(self) -> str:
        return "higher" if self.higher_is_better else "lower"


METRICS: dict[str, Metric] = {}


def register(name: str, scope: str, description: str, higher_is_better: bool, *, baselines=(),
             stem: str | None = None, extras=(), headline: bool = False):
    """Decorator: add the function to METRICS under `name` and return it unchanged."""
    if scope not in SCOPES:
        raise ValueError(f"metric {name!r}: scope must be one of {', '.join(SCOPES)}; got {scope!r}")
    if "\n" in description or not description.strip():
        raise ValueError(f"metric {name!r}: the description must be one non-empty line")
    unknown = [b for b in baselines if b not in BASELINES]
    if unknown:
        raise ValueError(f"metric {name!r}: unknown baseline {unknown[0]!r}; choose from {', '.join(BASELINES)}")

    def decorate(fn):
        if name in METRICS:
            raise ValueError(f"a metric named {name!r} is already registered")
        params = inspect.signature(fn).parameters.values()
        needs = tuple(p.name for p in params if p.default is inspect.Parameter.empty)
        optional = tuple(p.name for p in params if p.default is not inspect.Parameter.empty)
        if baselines and not any(n.startswith("candidate") for n in needs):
            raise ValueError(f"metric {name!r} has baselines, so its function must take a candidate input")
        METRICS[name] = Metric(name, scope, description, higher_is_better, fn, tuple(baselines), stem or name,
                               tuple(extras), headline, needs, optional)
        return fn

    return decorate


def get_metric(name: str) -> Metric:
    if name not in METRICS:
        raise GanforgeError(f"unknown metric {name!r}; choose one of {', '.join(METRICS)}")
    return METRICS[name]


def metrics_in(scopes) -> list[Metric]:
    """The registered metrics of the given scopes, in registration order (the order of metrics.json)."""
    return [m for m in METRICS.values() if m.scope in scopes]


def list_metrics(scope: str | None = None) -> list[Metric]:
    """Every registered metric (of one scope), in registration order."""
    if scope is not None and scope not in SCOPES:
        raise GanforgeError(f"unknown metric scope {scope!r}; choose one of {', '.join(SCOPES)}")
    return [m for m in METRICS.values() if scope in (None, m.scope)]
