"""The methods ganforge can train, found by name: its own, those of installed packages, those a notebook adds.

    from ganforge import methods
    methods.get("pix2pix").resolve(iters=200)      # a validated config
    methods.names()                                # ['moons', 'dcgan', 'cyclegan', 'cut', 'pix2pix', ...]

A package adds a method by declaring an entry point in the group `ganforge.methods` that
names its record (a ganforge.methods.Method) or a module holding one as METHOD:

    [project.entry-points."ganforge.methods"]
    wgan-gp = "ganforge_wgan_gp:METHOD"

A notebook adds one with `register(METHOD)`. docs/methods.md explains the record.
"""
from __future__ import annotations

import sys
from importlib.metadata import entry_points
from typing import Iterable

from ..errors import GanforgeError
from . import cut, cyclegan, dcgan, moons, pix2pix
from .data_kinds import DATA_KINDS, IMAGES, PAIRS, POINTS, UNPAIRED, DataKind
from .networks import (IMAGES_TO_IMAGES, IMAGES_TO_SCORES, NOISE_TO_IMAGES, NOISE_TO_POINTS, PAIRS_TO_SCORES,
                       POINTS_TO_SCORES, Role, build_networks)
from .record import Benchmark, Method
from .training import make_scorer, prepare_training, train_method

ENTRY_POINT_GROUP = "ganforge.methods"
BUILT_IN = (moons.METHOD, dcgan.METHOD, cyclegan.METHOD, cut.METHOD, pix2pix.METHOD)

_registry: dict[str, Method] = {}
_added: dict[str, Method] = {}     # registered by a call, kept when the entry points are read again


def _as_method(obj, where: str) -> Method:
    found = getattr(obj, "METHOD", obj)
    if not isinstance(found, Method):
        raise GanforgeError(f"{where} is a {type(found).__name__}, not a ganforge.methods.Method")
    return found


def _plugins() -> Iterable[Method]:
    """The methods installed packages declare; one that fails to load is left out with a line on stderr."""
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        where = f"the entry point {entry.name} = {entry.value} (group {ENTRY_POINT_GROUP})"
        try:
            yield _as_method(entry.load(), where)
        except Exception as e:  # noqa: BLE001 - a broken plugin must not take the built-in methods down with it
            print(f"ganforge: {where} could not be loaded and is left out: {type(e).__name__}: {e}", file=sys.stderr)


def _load() -> dict[str, Method]:
    if not _registry:
        for method in (*BUILT_IN, *_plugins(), *_added.values()):
            if method.name in _registry and _registry[method.name] is not method:
                print(f"ganforge: a second method is called {method.name!r}; the first one stays", file=sys.stderr)
                continue
            _registry[method.name] = method
    return _registry


def reload() -> None:
    """Read the entry points again (after installing a package in a running process)."""
    _registry.clear()


def register(method: Method, replace: bool = False) -> Method:
    """Add a method (from a notebook, or a script): `ganforge.methods.register(METHOD)`."""
    method = _as_method(method, "register's argument")
    current = _load().get(method.name)
    if current is not None and current is not method and not replace:
        raise GanforgeError(f"a method is already called {method.name!r}; give yours another name, or "
                            "register(method, replace=True)")
    if any(current is m for m in BUILT_IN) and replace:
        raise GanforgeError(f"{method.name!r} is one of ganforge's own methods; give yours another name")
    _added[method.name] = method
    _registry[method.name] = method
    return method


def names() -> list[str]:
    return list(_load())


def all_methods() -> list[Method]:
    return list(_load().values())


def get(name: str) -> Method:
    """The method called `name`; an unknown name is an error listing the methods there are."""
    found = _load().get(name)
    if found is None:
        raise GanforgeError(f"no method is called {name!r}; there are {', '.join(names())} (a method from a package "
                            f"is found once the package is installed: entry point group {ENTRY_POINT_GROUP})")
    return found


def find(name) -> Method | None:
    """The method called `name`, or None (a run of a method whose package is not installed here)."""
    return _load().get(name) if isinstance(name, str) else None


def of_run(config: dict) -> Method:
    """The method of a run from its config.json, with an error that says what to install when it is missing."""
    name = config.get("kind")
    found = find(name)
    if found is None:
        raise GanforgeError(f"the run is a {name!r} run, and no installed method is called so (there are "
                            f"{', '.join(names())}); install the package that provides it")
    return found


def from_dict(config: dict):
    """(method, preset, config) of a config.json dictionary."""
    method = of_run(config)
    return method, config.get("preset"), method.from_dict(config)


__all__ = ["Method", "Benchmark", "DataKind", "Role", "POINTS", "IMAGES", "UNPAIRED", "PAIRS", "DATA_KINDS",
           "NOISE_TO_POINTS", "POINTS_TO_SCORES", "NOISE_TO_IMAGES", "IMAGES_TO_IMAGES", "IMAGES_TO_SCORES",
           "PAIRS_TO_SCORES", "build_networks", "prepare_training", "train_method", "make_scorer", "get", "find",
           "names", "all_methods", "register", "reload", "of_run", "from_dict", "ENTRY_POINT_GROUP"]
