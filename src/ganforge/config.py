"""One dataclass per experiment kind, the named presets, and option validation.

Every field carries its help text and allowed range in `metadata`, so the CLI
builds its options from these classes and checks them in one place.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from .errors import GanforgeError


def opt(default, help: str, *, choices=None, min=None, max=None, min_exclusive=False):
    """A config field with its help text, allowed choices and numeric range."""
    meta = {"help": help, "choices": choices, "min": min, "max": max, "min_exclusive": min_exclusive}
    return field(default=default, metadata=meta)


@dataclass
class CommonConfig:
    seed: int = opt(12345, "seed for every random source (data order, noise, initial weights)", min=0)
    device: str = opt("auto", "where to train: auto picks cuda when present, else cpu", choices=["auto", "cpu", "cuda"])
    precision: str = opt("auto", "arithmetic: auto uses bf16 autocast where the hardware has native bf16",
                         choices=["auto", "fp32", "bf16"])
    threads: int = opt(0, "CPU threads for torch; 0 uses every core this process may run on", min=0)


@dataclass
class MoonsConfig(CommonConfig):
    trainer: str = opt("two-step", "two-step: D step then G step; disc-only: D against a uniform dummy G; "
                       "revgrad: one optimizer through gradient reversal",
                       choices=["two-step", "disc-only", "revgrad"])
    loss: str = opt("bce", "adversarial loss: bce (non-saturating, logits) or lsgan (least squares)",
                    choices=["bce", "lsgan"])
    n_samples: int = opt(100_000, "points drawn from the moons distribution", min=1)
    noise: float = opt(0.1, "std of the Gaussian noise added to the moons", min=0.0)
    batch_size: int = opt(128, "points per batch", min=1)
    epochs: int = opt(10, "passes over the moons data", min=1)
    lr_gen: float = opt(1e-3, "Adam learning rate of the generator (two-step)", min=0.0, min_exclusive=True)
    lr_disc: float = opt(1e-3, "Adam learning rate of the discriminator (two-step, disc-only)", min=0.0,
                         min_exclusive=True)
    lr: float = opt(1e-3, "Adam learning rate of the single optimizer (revgrad)", min=0.0, min_exclusive=True)
    shuffle: bool = opt(False, "shuffle the points every epoch (the seed does not)")
    noise_size: int = opt(100, "length of the generator's uniform noise vector", min=1)
    hidden_disc: int = opt(1024, "width of the discriminator's two hidden layers", min=1)
    plot_every: int = opt(1, "draw the discriminator heatmap every N epochs (0: only at the end)", min=0)
    heatmap_resolution: int = opt(200, "grid points per axis of the heatmap (the seed uses 500)", min=10, max=1000)


KINDS: dict[str, type] = {"moons": MoonsConfig}

# Named presets: overrides of the dataclass defaults that reproduce a seed's settings.
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "moons": {
        "radboud": dict(batch_size=128, epochs=10, lr_gen=1e-3, lr_disc=1e-3, lr=1e-3, loss="bce",
                        n_samples=100_000, noise=0.1, shuffle=False, seed=12345),
    },
}
DEFAULT_PRESET = {"moons": "radboud"}


def option_name(name: str) -> str:
    return "--" + name.replace("_", "-")


def validate(cfg) -> None:
    """Check every field against its choices and range; raise naming the option."""
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        meta = f.metadata
        flag = option_name(f.name)
        if meta.get("choices") and value not in meta["choices"]:
            raise GanforgeError(f"{flag} must be one of {', '.join(map(str, meta['choices']))}; got {value!r}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        lo, hi = meta.get("min"), meta.get("max")
        if lo is not None:
            if meta.get("min_exclusive") and not value > lo:
                raise GanforgeError(f"{flag} must be > {lo}, got {value}")
            if not meta.get("min_exclusive") and not value >= lo:
                raise GanforgeError(f"{flag} must be >= {lo}, got {value}")
        if hi is not None and not value <= hi:
            raise GanforgeError(f"{flag} must be <= {hi}, got {value}")
        if value != value or value in (float("inf"), float("-inf")):
            raise GanforgeError(f"{flag} must be a finite number, got {value}")


def resolve(kind: str, preset: str | None = None, **overrides):
    """Dataclass defaults, then the preset, then explicit overrides; validated."""
    if kind not in KINDS:
        raise GanforgeError(f"unknown experiment kind {kind!r}; choose one of {', '.join(KINDS)}")
    presets = PRESETS.get(kind, {})
    preset = preset or DEFAULT_PRESET.get(kind)
    if preset is not None and preset not in presets:
        raise GanforgeError(f"--preset must be one of {', '.join(presets)} for {kind}; got {preset!r}")
    cls = KINDS[kind]
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise GanforgeError(f"unknown option {option_name(unknown[0])} for {kind}")
    values = dict(presets.get(preset, {}))
    values.update({k: v for k, v in overrides.items() if v is not None})
    cfg = cls(**values)
    validate(cfg)
    return cfg


def to_dict(kind: str, preset: str | None, cfg) -> dict:
    """The full resolved config as written to config.json."""
    return {"kind": kind, "preset": preset or DEFAULT_PRESET.get(kind), **dataclasses.asdict(cfg)}


def from_dict(data: dict):
    """Rebuild (kind, preset, config) from a config.json dictionary."""
    data = dict(data)
    kind = data.pop("kind", None)
    preset = data.pop("preset", None)
    if kind not in KINDS:
        raise GanforgeError(f"config.json names an unknown experiment kind {kind!r}")
    known = {f.name for f in dataclasses.fields(KINDS[kind])}
    cfg = KINDS[kind](**{k: v for k, v in data.items() if k in known})
    validate(cfg)
    return kind, preset, cfg
