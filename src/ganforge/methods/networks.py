"""Building a method's networks: its own, or the user's (--generator FILE.py:Class), placed and checked.

A network of the user's is a class or a factory, constructed with the config fields its
signature names (DCGenerator(noise_size, conv_dim), as the handouts' classes are). Before
the first step it runs on one batch of what it will be given, and anything that does not
fit is refused in one line that says what was expected.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable, Mapping

import torch
from torch import nn

from ..config import option_name, own_code
from ..errors import GanforgeError
from ..hardware import Hardware
from ..models.modes import eval_mode

CHECK_BATCH = 4  # examples in the one batch a user's network is tried on


@dataclass(frozen=True)
class Role:
    """What a replaceable network takes and gives, for the check before training."""

    takes: str                                  # "noise", "points", "images" or "image pairs"
    gives: str                                  # "points", "images" or "scores"

    def example(self, cfg, batch: int) -> torch.Tensor:
        """One batch of what the network is given, from its own generator (no global random state moves)."""
        gen = torch.Generator().manual_seed(0)
        if self.takes == "noise":
            return torch.rand(batch, cfg.noise_size, generator=gen) * 2 - 1
        if self.takes == "points":
            return torch.randn(batch, 2, generator=gen)
        channels = 6 if self.takes == "image pairs" else 3
        return torch.rand(batch, channels, cfg.image_size, cfg.image_size, generator=gen) * 2 - 1

    def expected(self, cfg, batch: int) -> tuple[int, ...] | None:
        """The output shape wanted (None: any shape whose first dimension is the batch)."""
        if self.gives == "points":
            return (batch, 2)
        if self.gives == "images":
            return (batch, 3, cfg.image_size, cfg.image_size)
        return None


NOISE_TO_POINTS = Role("noise", "points")
POINTS_TO_SCORES = Role("points", "scores")
NOISE_TO_IMAGES = Role("noise", "images")
IMAGES_TO_IMAGES = Role("images", "images")
IMAGES_TO_SCORES = Role("images", "scores")
PAIRS_TO_SCORES = Role("image pairs", "scores")  # a conditional discriminator: source and candidate stacked


def construct(factory: Callable, cfg, what: str) -> nn.Module:
    """factory(**the config fields its signature names): the handouts' way, DCGenerator(noise_size, conv_dim)."""
    try:
        parameters = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        parameters = {}
    given, missing = {}, []
    for name, parameter in parameters.items():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if hasattr(cfg, name):
            given[name] = getattr(cfg, name)
        elif parameter.default is parameter.empty:
            missing.append(name)
    label = getattr(factory, "__qualname__", repr(factory))
    if missing:
        raise GanforgeError(f"your {what} {label} needs {', '.join(missing)}, which the {type(cfg).__name__} has "
                            f"not; its arguments are filled in from config fields of the same name "
                            f"({', '.join(sorted(vars(cfg))[:12])}, ...) or must have defaults")
    try:
        module = factory(**given)
    except Exception as e:  # noqa: BLE001 - any failure of the user's constructor is reported in one line
        raise GanforgeError(f"your {what} {label}({', '.join(f'{k}={v!r}' for k, v in given.items())}) failed: "
                            f"{type(e).__name__}: {e}") from None
    if not isinstance(module, nn.Module):
        raise GanforgeError(f"your {what} {label} gave a {type(module).__name__}; a torch.nn.Module is needed")
    return module


def check(module: nn.Module, role: Role, cfg, what: str, method: str) -> None:
    """Run one batch through a user's network; refuse, in one line, an output that does not fit."""
    x = role.example(cfg, CHECK_BATCH)
    shape = (lambda t: tuple(t.shape))
    try:
        with torch.no_grad(), eval_mode(module):
            y = module(x.to(next(module.parameters(), x).device))
    except Exception as e:  # noqa: BLE001 - whatever the user's forward raises, said in one line
        raise GanforgeError(f"your {what} failed on a batch of {role.takes} {shape(x)}: {type(e).__name__}: "
                            f"{str(e).splitlines()[0] if str(e) else ''}") from None
    if not torch.is_tensor(y) or not y.is_floating_point():
        raise GanforgeError(f"your {what} returned {type(y).__name__}; the {method} method needs a float tensor")
    wanted = role.expected(cfg, CHECK_BATCH)
    in_range = role.gives != "images" or bool(y.float().abs().max() <= 1 + 1e-3)
    if wanted is not None and (shape(y) != wanted or not in_range):
        values = " in [-1, 1]" if role.gives == "images" else ""
        found = "" if in_range else f" with values from {y.min().item():.3g} to {y.max().item():.3g}"
        raise GanforgeError(f"your {what} returned {shape(y)}{found}; the {method} method needs {wanted}{values}"
                            + ("" if in_range else " (end it with a tanh)"))
    if wanted is None and (y.dim() == 0 or y.shape[0] != CHECK_BATCH):
        raise GanforgeError(f"your {what} returned {shape(y)} for a batch of {CHECK_BATCH}; the {method} method "
                            f"needs one score per example (first dimension {CHECK_BATCH})")
    if not torch.isfinite(y).all():
        raise GanforgeError(f"your {what} returned values that are not finite on a batch of {role.takes}")


def build_networks(method, cfg, hw: Hardware, code: Mapping[str, Callable] | None = None):
    """The networks of `method` for cfg on hw's device and memory format.

    code: {config field: class or factory} for the networks cfg gives as code (FILE.py:Class);
    they are constructed from config fields and checked on one batch. With cfg.compile each
    network is compiled in place (nn.Module.compile): parameter names, and so checkpoints,
    stay the same, and a compiled run resumes an eager one and back.
    """
    code = dict(code or {})

    def build(name: str, make: Callable[[], nn.Module]) -> nn.Module:
        if own_code(getattr(cfg, name, None)) is None:
            return make()
        if name not in code:
            raise GanforgeError(f"{option_name(name)} {getattr(cfg, name)}: its code was not loaded")
        what = name.replace("_", " ")
        module = construct(code[name], cfg, what)
        check(module, method.own_networks[name], cfg, what, method.name)
        if getattr(module, "input_size", None) is None and method.own_networks[name].takes == "noise":
            module.input_size = cfg.noise_size  # where ganforge's steps and scorers read the noise length
        return module

    nets = method.networks(cfg, build)
    fmt = torch.channels_last if hw.channels_last else torch.contiguous_format
    for module in nets.as_dict().values():
        module.to(hw.device, memory_format=fmt)
        if cfg.compile:
            module.compile()
    return nets
