"""The method record: everything ganforge needs to know about one way of training, declared in one place.

A method module (moons.py, dcgan.py, ... here, or a module of a package of yours) ends
with one `Method(...)`. Everything else in ganforge reads the record and never names a
method: the CLI builds `ganforge train NAME` and its options from `config`, run folders
are named by `tag`, reports and `compare` call the method `title`, `bench` times its
`benchmarks`, and what the trained networks offer (points, samples, translations) follows
from `data`, the kind of data it trains on (data_kinds.py).

What a method supplies, and what each piece must do:
- config: a dataclass of ganforge.config.opt fields, subclassing the base its data kind
  reads (MoonsConfig for points, ImageGenerationConfig for images, TranslationConfig for
  translations); a `check(self)` method may refuse combinations of values.
- networks(cfg, build) -> a container with as_dict() (models/nets.py has GANNets,
  TranslatorNets and CycleNets). Build each network the user may replace through
  build(field, make), where field names the config option ("generator") and make() builds
  the method's own; networks are created in a fixed order, so a seed gives the same
  initial weights wherever they are built (training, resuming, scoring, benchmarking).
- step(cfg, networks, hw) -> the training step (train/steps.py states the contract:
  stat_names, headline_stats, optimizers, __call__(*real batches) -> statistics).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .. import config as config_mod
from .data_kinds import DataKind
from .networks import Role


# Options that say where and how a run computed, not what it trained (commands leave them out).
MACHINE_OPTIONS = ("threads", "device", "cache", "compile")


@dataclass(frozen=True)
class Benchmark:
    """One row of `ganforge bench`: the method at some settings, timed three ways."""

    name: str                            # what `ganforge bench --models` calls it: "cyclegan-toronto"
    full_run_iters: int                  # iterations of a full run at these settings (the handout's length)
    preset: str | None = None            # None: the method's default preset
    options: Mapping[str, Any] = field(default_factory=dict)  # on top of the preset
    # handout(cfg, networks) -> one_iteration(*real batches): an iteration written the handouts' way
    # (fp32, default optimizer and layout, .item() on every statistic), on networks built with upconv
    # "reference"; None where no handout trains the method.
    handout: Callable | None = None


@dataclass(frozen=True)
class Method:
    """One way of training (see the module docstring)."""

    name: str                    # the CLI's `ganforge train NAME` and config.json's "kind": "pix2pix"
    title: str                   # what reports and `compare` call it: "pix2pix"
    summary: str                 # one line for `ganforge train --help`
    config: type                 # the config dataclass
    data: DataKind               # what it trains on; decides how it is trained, scored and used
    networks: Callable           # networks(cfg, build) -> container of networks
    step: Callable               # step(cfg, networks, hw) -> AdversarialStep
    presets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # name -> overrides of the defaults
    default_preset: str | None = None
    # The networks a user may replace with their own (--generator FILE.py:Class): config field -> what the
    # network takes and gives (networks.py), checked on one batch before training.
    own_networks: Mapping[str, Role] = field(default_factory=dict)
    batches: Callable | None = None  # batches(cfg, hw, *data) -> iteration -> real batches; None: the data kind's
    channels_last: bool = True   # False: its convolutions run faster in the default layout (instance norm)
    both_ways: bool = False      # a translator that translates back too (its grids show reconstructions)
    settle: Callable | None = None  # settle(cfg) -> cfg as a new run records it (files it names read in)
    key_settings: tuple[str, ...] = ()  # the settings that tell its runs apart in an overview of runs
    benchmarks: tuple[Benchmark, ...] = ()

    # The config.
    def resolve(self, preset: str | None = None, **overrides):
        """The config: the dataclass defaults, then the preset (default: default_preset), then overrides."""
        return config_mod.resolve(self.config, self.name, self.presets, self.default_preset, preset, **overrides)

    def to_dict(self, preset: str | None, cfg) -> dict:
        """config.json's content for cfg, trained with `preset` (None: the default preset)."""
        return config_mod.to_dict(self.name, preset or self.default_preset, cfg)

    def from_dict(self, data: Mapping):
        return config_mod.from_dict(self.config, data)

    def with_defaults(self, data: Mapping) -> dict:
        return config_mod.with_defaults(self.config, data)

    def field_names(self) -> list[str]:
        return config_mod.field_names(self.config)

    def fields(self) -> tuple[dataclasses.Field, ...]:
        return dataclasses.fields(self.config)

    def defaults_text(self, name: str) -> str:
        return config_mod.defaults_text(self.config, self.presets, self.default_preset, name)

    def preset_values(self, preset: str | None) -> dict:
        """The overrides of `preset` (None: the default preset's)."""
        return dict(self.presets.get(preset or self.default_preset, {})) if (preset or self.default_preset) else {}

    # Names.
    def tag(self, cfg) -> str:
        """The readable part of an auto-numbered run folder's name: 'cyclegan-apple2windows'."""
        return f"{self.name}-{self.data.tag(dataclasses.asdict(cfg))}"

    def title_of(self, config: Mapping) -> str:
        """What a report calls a run of this method, from its config.json: 'CycleGAN · apple ↔ windows'."""
        return f"{self.title} · {self.data.subject(config, self.both_ways)}"

    def command(self, config: Mapping) -> str:
        """The command that trains a run of config.json's `config` again: `ganforge train NAME --preset P` and the
        options whose values differ from the preset's; not those of the machine (threads, device, the cache)."""
        preset = config.get("preset")
        defaults = {**self.with_defaults({}), **self.preset_values(preset)}
        words = [f"ganforge train {self.name}"] + ([f"--preset {preset}"] if preset else [])
        for f in self.fields():
            value = config.get(f.name, defaults[f.name])
            if f.name in MACHINE_OPTIONS or value == defaults[f.name]:
                continue
            flag = config_mod.option_name(f.name)
            words.append((flag if value else f"--no-{flag[2:]}") if isinstance(value, bool) else f"{flag} {value}")
        return " ".join(words)

    def describe(self, config: Mapping) -> dict:
        """What a run folder's method.json says of the method, so that reports of the run need no method code:
        its names, what it counts, what its networks offer, the settings that tell its runs apart."""
        return {"name": self.name, "title": self.title, "run_title": self.title_of(config), "data": self.data.name,
                "unit": self.data.unit, "length": self.data.length, "offers": self.data.offers,
                "both_ways": self.both_ways, "key_settings": list(self.key_settings)}

    def length(self, cfg) -> int:
        """How many steps (epochs or iterations) the run trains."""
        return int(getattr(cfg, self.data.length))
