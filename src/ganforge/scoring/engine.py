"""Runs registered metrics on named inputs: each metric's value, its baselines and extras, and what each key is.

A metric's function names the inputs it needs (metrics/registry.py); this engine
hands them over. Inputs are given as values, as functions computed on first use
(features of a reference set, say), as functions of the candidate (its features),
or as unavailable with a reason (no feature network). A metric whose inputs are
unavailable is left out, and the reason goes into the notes: no score is ever
silently missing.
"""
from __future__ import annotations

import re
import statistics
from typing import Callable

import torch

from ..errors import GanforgeError
from ..metrics import METRICS, Metric
from ..runs import Scores

EVAL_SEED = 2516  # noise, subsets and projections of every evaluation (independent of the training seed)


class Unavailable(Exception):
    """An input a metric needs cannot be had here; the message says why."""


class Inputs:
    """Named inputs of the metric functions."""

    def __init__(self, **values):
        self._values = dict(values)
        self._lazy: dict[str, Callable[[], object]] = {}
        self._of_candidate: dict[str, Callable[[torch.Tensor, str], object]] = {}
        self._why_not: dict[str, str] = {}
        self._through: dict[str, str] = {}  # input -> the network it was read through (its sha256, shortened)

    def through(self, names, network: str) -> None:
        """The inputs `names` are read through the network `network` (a feature network's digest): values
        computed from them are comparable only with values read through the same one."""
        for name in [names] if isinstance(names, str) else names:
            self._through[name] = network

    def network_of(self, metric: Metric) -> str | None:
        """The network a metric's inputs were read through, if any."""
        found = {self._through[n] for n in metric.needs + metric.optional if n in self._through}
        return found.pop() if len(found) == 1 else None

    def set(self, name: str, value) -> None:
        self._values[name] = value

    def lazy(self, name: str, compute: Callable[[], object]) -> None:
        """An input computed the first time a metric asks for it."""
        self._lazy[name] = compute

    def of_candidate(self, name: str, compute: Callable[[torch.Tensor, str], object]) -> None:
        """An input derived from each candidate (its features, its style logits): compute(images, role)."""
        self._of_candidate[name] = compute

    def unavailable(self, names, reason: str) -> None:
        for name in [names] if isinstance(names, str) else names:
            self._why_not[name] = reason

    def get(self, name: str):
        if name in self._why_not:
            raise Unavailable(self._why_not[name])
        if name not in self._values and name in self._lazy:
            self._values[name] = self._lazy.pop(name)()
        if name not in self._values:
            raise Unavailable(f"no input named {name!r} for this kind of run")
        return self._values[name]

    def for_candidate(self, metric: Metric, role: str, candidate: torch.Tensor, cache: dict) -> dict:
        """The keyword arguments of metric.fn with `candidate` (value or baseline `role`) as the scored set."""
        kwargs = {}
        for name in metric.needs + metric.optional:
            try:
                if name == "candidate":
                    kwargs[name] = candidate
                elif name in self._of_candidate:
                    if name in self._why_not:
                        raise Unavailable(self._why_not[name])
                    if name not in cache:
                        cache[name] = self._of_candidate[name](candidate, role)
                    kwargs[name] = cache[name]
                else:
                    kwargs[name] = self.get(name)
            except Unavailable:
                if name in metric.needs:
                    raise
        return kwargs


def _value_and_extras(metric: Metric, result) -> tuple[float | None, dict]:
    if isinstance(result, dict):
        return result.get(metric.name), {e.name: result[e.name] for e in metric.extras if e.name in result}
    return result, {}


def score_metrics(metrics: list[Metric], inputs: Inputs, candidates: dict[str, torch.Tensor],
                  prefix: str = "", direction: tuple[str, str] | None = None) -> Scores:
    """Score `metrics` on candidates["value"] and on each declared baseline present in `candidates`.

    Keys are prefix + the metric's name (its companions f"{stem}_{baseline}", its
    extras by their own names). direction: (source, target) of a translation group.
    """
    scores = Scores()
    cache: dict[str, dict] = {role: {} for role in candidates}  # per-candidate inputs, computed once
    skipped: dict[str, list[str]] = {}
    for metric in metrics:
        try:
            result = metric.fn(**inputs.for_candidate(metric, "value", candidates["value"], cache["value"]))
            value, extras = _value_and_extras(metric, result)
            if value is None:
                continue  # the metric does not apply to this run
            baselines = {}
            for role in metric.baselines:
                if role in candidates:
                    kwargs = inputs.for_candidate(metric, role, candidates[role], cache[role])
                    baselines[role] = _value_and_extras(metric, metric.fn(**kwargs))[0]
        except Unavailable as e:
            skipped.setdefault(str(e), []).append(metric.name)
            continue
        _record(scores, metric, prefix, direction, value, baselines, extras, inputs.network_of(metric))
    for reason, names in skipped.items():
        where = f"{direction[0]} -> {direction[1]}: " if direction else ""
        scores.notes.append(f"{where}not scored ({', '.join(names)}): {reason}")
    return scores


def _record(scores: Scores, metric: Metric, prefix: str, direction, value, baselines: dict, extras: dict,
            network: str | None = None) -> None:
    key = prefix + metric.name
    common = {"metric": metric.name, "higher_is_better": metric.higher_is_better}
    if direction is not None:
        common["direction"] = list(direction)
    if network is not None:
        common["feature_network"] = network  # read through this feature network: comparable only within it
    scores.values[key] = value
    scores.info[key] = {**common, "role": "value", "label": metric.stem, "headline": metric.headline,
                        "baselines": {role: prefix + metric.companion(role) for role in baselines},
                        "extras": [prefix + name for name in extras]}
    for role, baseline_value in baselines.items():
        scores.values[prefix + metric.companion(role)] = baseline_value
        scores.info[prefix + metric.companion(role)] = {**common, "role": role, "of": key}
    for extra in metric.extras:
        if extra.name in extras:
            scores.values[prefix + extra.name] = extras[extra.name]
            scores.info[prefix + extra.name] = {**common, "higher_is_better": extra.higher_is_better,
                                                "role": "extra", "label": extra.name, "of": key}


def merge(*parts: Scores) -> Scores:
    out = Scores()
    for part in parts:
        out.values.update(part.values)
        out.info.update(part.info)
        out.notes.extend(n for n in part.notes if n not in out.notes)
    return out


def mean_of_draws(parts: list[Scores], size: int) -> Scores:
    """Each value's mean over scoring passes of independent draws (samples from other noise, other projections
    and subsets), with a note of how far the draws spread: one draw's score is only as good as its luck."""
    out = merge(*parts)
    for key in out.values:
        out.values[key] = statistics.fmean(p.values[key] for p in parts)
    spread = ", ".join(f"{key} {statistics.stdev(p.values[key] for p in parts):.3g}"
                       for key, info in out.info.items() if info.get("role") == "value")
    out.notes.append(f"each score is the mean of {len(parts)} draws of {size} samples; "
                     f"standard deviation from draw to draw: {spread}")
    return out


def check_same_count(candidates: dict[str, torch.Tensor]) -> None:
    """Distribution metrics compare equally many images; a floor set of another size would mislead."""
    sizes = {role: images.shape[0] for role, images in candidates.items()}
    if len(set(sizes.values())) > 1:
        raise GanforgeError(f"need as many floor images as candidates; got {sizes}")


def describe(keys) -> dict[str, dict]:
    """What each key of an older metrics.json (or an evaluation record) is, from the registry.

    metrics.json written since metric_info exists carries this itself; this rebuilds
    it by matching each key against the names the engine gives (an optional
    direction prefix + a declared name; the longest declared name wins).
    """
    keys = list(keys)
    names = {}  # declared name -> (metric, role)
    for metric in METRICS.values():
        names[metric.name] = (metric, "value")
        names.update({metric.companion(b): (metric, b) for b in metric.baselines})
        names.update({e.name: (metric, "extra") for e in metric.extras})
    info = {}
    for key in keys:
        matches = [n for n in names if key == n or (key.endswith("_" + n) and _is_direction_prefix(key[:-len(n)]))]
        if not matches:
            continue
        name = max(matches, key=len)
        metric, role = names[name]
        prefix = key[:-len(name)]
        entry = {"metric": metric.name, "higher_is_better": metric.higher_is_better, "role": role}
        if prefix:
            entry["direction"] = list(_DIRECTION.match(prefix).groups())
        if role == "value":
            entry.update(label=metric.stem, headline=metric.headline,
                         baselines={b: prefix + metric.companion(b) for b in metric.baselines
                                    if prefix + metric.companion(b) in keys},
                         extras=[prefix + e.name for e in metric.extras if prefix + e.name in keys])
        else:
            entry["of"] = prefix + metric.name
            if role == "extra":
                extra = next(e for e in metric.extras if e.name == name)
                entry.update(higher_is_better=extra.higher_is_better, label=extra.name)
        info[key] = entry
    return info


def direction_name(source: str, target: str) -> str:
    """The one way a translation direction is written (run folders, file names, messages): apple2windows."""
    return f"{source}2{target}"


def direction_prefix(source: str, target: str) -> str:
    """How a translation direction's keys begin: apple2windows_."""
    return direction_name(source, target) + "_"


_DIRECTION = re.compile(r"^([A-Za-z]+)2([A-Za-z]+)_$")


def _is_direction_prefix(prefix: str) -> bool:
    return _DIRECTION.match(prefix) is not None
