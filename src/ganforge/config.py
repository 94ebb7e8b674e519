"""What every method's config shares: typed fields with their help and range, the shared bases, validation.

A method's own config dataclass (its fields, presets and checks between fields) lives in
its method module (ganforge/methods/); this module is the machinery those dataclasses are
built with. Every field carries its help text and allowed range in `metadata`, so the CLI
builds its options from the classes and checks them in one place.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from .errors import GanforgeError

# A network given as code: "nets.py:DCGenerator" (a file and a class or factory in it), or "__main__:Name"
# for one defined in a notebook or script, which has no file to copy (the run records its name only).
_OWN_CODE = re.compile(r"^(?P<file>.+\.py|__main__):(?P<name>[A-Za-z_][A-Za-z0-9_]*)$")


def opt(default, help: str, *, choices=None, min=None, max=None, min_exclusive=False, own_code=False):
    """A config field with its help text, allowed choices and numeric range.

    own_code: besides its choices, the field takes a network of the user's, FILE.py:Class.
    """
    meta = {"help": help, "choices": choices, "min": min, "max": max, "min_exclusive": min_exclusive,
            "own_code": own_code}
    return field(default=default, metadata=meta)


def own_code(value) -> tuple[str, str] | None:
    """(file, name) of a network given as code ("nets.py:DCGenerator"), or None for a built-in choice."""
    match = _OWN_CODE.match(value) if isinstance(value, str) else None
    return (match.group("file"), match.group("name")) if match else None


@dataclass
class CommonConfig:
    seed: int = opt(12345, "seed for every random source (data order, noise, initial weights)", min=0)
    device: str = opt("auto", "where to train: auto picks cuda when present, else cpu", choices=["auto", "cpu", "cuda"])
    precision: str = opt("auto", "arithmetic: auto uses bf16 autocast where the hardware has native bf16",
                         choices=["auto", "fp32", "bf16"])
    threads: int = opt(0, "CPU threads for torch; 0 uses the cores this process may run on that other work does "
                       "not already keep busy (by the 1-minute load average)", min=0)
    deterministic: bool = opt(False, "on CUDA, only deterministic kernels (cuDNN without benchmarking, a fixed "
                              "cuBLAS workspace): the same seed gives the same weights, more slowly; on the CPU "
                              "training is deterministic already and this changes nothing")
    compile: bool = opt(False, "compile the networks with torch.compile (needs a C++ compiler on the CPU; "
                        "costs about a minute of compiling before the first steps)")

    def check(self) -> None:
        """Constraints between fields that a per-field range cannot say; subclasses add theirs."""


STYLES = ["apple", "windows", "google", "twitter", "facebook"]


@dataclass
class EmojiConfig(CommonConfig):
    iters: int = opt(5000, "training iterations (batches)", min=1)
    batch_size: int = opt(16, "images per batch (per style)", min=1)
    sample_every: int = opt(200, "save a sample grid every N iterations (0: only at the end)", min=0)
    log_every: int = opt(100, "average the statistics over N iterations into one stats.jsonl record", min=1)
    checkpoint_every: int = opt(1000, "save a checkpoint every N iterations (and at the end)", min=1)
    eval_every: int = opt(1000, "score the networks every N iterations into stats.jsonl (0: only at the end)",
                          min=0)
    data_dir: str = opt("", "a folder (or .tar.gz) of your own images: the course archive's layout (Apple/ Windows/ "
                        "Test_Apple/ Test_Windows/: domains apple and windows), pytorch-CycleGAN-and-pix2pix's "
                        "(trainA/ trainB/ testA/ testB/: domains a and b, --source A works too), or any folders of "
                        "images (Cats/ Dogs/: every tenth image held out for testing); empty: the emoji styles built by "
                        "`ganforge data build`")
    cache: str = opt("", "cache folder of `ganforge data build` (empty: the user cache directory)")
    background: str = opt("white", "colour transparent pixels are composited onto", choices=["white", "black"])
    strict: bool = opt(False, "refuse a data folder holding unreadable files instead of skipping them")
    conv_dim: int = opt(32, "channels of the first convolution; later layers use multiples", min=1)
    beta1: float = opt(0.5, "Adam beta1", min=0.0, max=0.999)
    beta2: float = opt(0.999, "Adam beta2", min=0.0, max=0.9999)
    loss: str = opt("lsgan", "adversarial loss", choices=["lsgan", "bce"])
    image_size: int = opt(32, "side of the square images the networks see; images of other sizes are resized to "
                          "it (64 works with the toronto and radboud generators, CUT and pix2pix)", choices=[32, 64])
    upconv: str = opt("auto", "how the handouts' upsample x2 + 5x5 conv layers compute: phases (four 3x3 "
                      "convolutions of the low-resolution map, interleaved: the same function, 0.36x the "
                      "arithmetic), reference (Upsample + Conv2d as written), or auto (phases from 8x8 input "
                      "maps up, as written below, where the phase form measured slower)",
                      choices=["auto", "phases", "reference"])

    def check(self) -> None:
        super().check()
        # Without --data-dir a domain is a built emoji style; with it, whatever the folders hold (checked on loading).
        if self.data_dir:
            return
        for name in ("style", "source", "target"):
            value = getattr(self, name, None)
            if value is not None and value not in STYLES:
                raise GanforgeError(f"{option_name(name)} must be one of {', '.join(STYLES)} (or a domain of "
                                    f"--data-dir); got {value!r}")


@dataclass
class ImageGenerationConfig(EmojiConfig):
    """What every method that generates images of one style from noise shares."""
    style: str = opt("windows", f"emoji style to generate ({'|'.join(STYLES)}), or with --data-dir a domain found "
                     "there (a folder of images)")
    noise_size: int = opt(100, "length of the generator's uniform noise vector", min=1)
    lr_decay: str = opt("none", "learning rates over the run: none (constant, as in the handout) or linear (falling "
                        "to zero by the last iteration)", choices=["none", "linear"])
    eval_draws: int = opt(1, "score this many sets of samples, each from its own fixed noise and as many as the "
                          "held-out images, and record each score's mean: from one set of ~100 samples to the next, "
                          "FD moves by about 5% and SWD by about 20% (docs/metrics.md)", min=1)


@dataclass
class TranslationConfig(EmojiConfig):
    """What every translation method shares: the two styles and the test grids."""
    source: str = opt("apple", f"style translated from (domain A, the handout's X): {'|'.join(STYLES)}, or with "
                      "--data-dir a domain found there (e.g. cats, or a for trainA/)")
    target: str = opt("windows", "style translated to (domain B, the handout's Y), like --source")
    pairs: str = opt("auto", "which images of the two domains are the same picture (paired scores such as L1 and "
                     "SSIM against the true target, the grids' true target, pix2pix's training pairs): auto (ganforge's "
                     "emoji styles pair by codepoint; with --data-dir, none), names (with --data-dir: files of the "
                     "same name in both domains are the same picture), or none", choices=["auto", "names", "none"])
    n_sample_images: int = opt(16, "test images per sample grid and direction", min=1, max=100)
    lr_decay: str = opt("none", "learning rates over the run: none (constant) or linear (falling to zero by the "
                        "last iteration; the pix2pix and CycleGAN papers decay so over their second half)",
                        choices=["none", "linear"])

    def check(self) -> None:
        super().check()
        if self.source == self.target and not self.data_dir:
            raise GanforgeError(f"--source and --target must differ; both are {self.source!r}")
        if self.pairs == "names" and not self.data_dir:
            raise GanforgeError("--pairs names pairs the files of --data-dir by name; ganforge's emoji styles pair "
                                "by codepoint (--pairs auto)")

    @property
    def paired(self) -> bool:
        """Whether images of the two domains with the same codepoint (or, from folders, file name) are the
        same picture."""
        return self.pairs == "names" or (self.pairs == "auto" and not self.data_dir)


@dataclass
class AdaOptions:
    """How adaptive discriminator augmentation (--augment ada, train/ada.py) steers its probability p."""
    ada_target: float = opt(0.6, "with --augment ada: the value of r_t = E[sign(D(real) - threshold)] that p is "
                            "steered to (0: D no surer of real images than chance; 1: memorised)", min=0.0, max=1.0)
    ada_interval: int = opt(4, "with --augment ada: adjust p every N iterations, from the last N batches", min=1)
    ada_kimg: float = opt(100.0, "with --augment ada: how fast p moves: from 0 to 1 within this many thousand real "
                          "images (500 in the paper's much longer runs)", min=0.0, min_exclusive=True)
    ada_max_p: float = opt(1.0, "with --augment ada: the most p may reach (Karras et al. find the transforms leak "
                           "into the generator above about 0.8)", min=0.0, max=1.0)
    ada_colour: bool = opt(False, "with --augment ada: also brightness, contrast and saturation (colour is the "
                           "style here, so off by default)")


@dataclass
class ColourOptions:
    """The colour terms an unpaired translator may add to its generator loss (off by default)."""
    lambda_colour: float = opt(0.0, "weight of the colour anchor: L1 between the mean chroma (YUV U, V) of 4x4 "
                               "blocks of each input and of its translation; it forbids hue swaps without pinning "
                               "pixels the way the identity loss does (0: off)", min=0.0)
    lambda_palette: float = opt(0.0, "weight of the palette loss: Hellinger distance between soft 8x8x8 colour "
                                "histograms of the batch of translations and of a batch of real target images "
                                "(0: off)", min=0.0)


def option_name(name: str) -> str:
    return "--" + name.replace("_", "-")


def field_names(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def field_type(f: dataclasses.Field) -> type:
    """int, float, str or bool: a field's type, also where annotations are strings."""
    return f.type if isinstance(f.type, type) else {"int": int, "float": float, "str": str, "bool": bool}[f.type]


def _shown(value) -> str:
    return ("on" if value else "off") if isinstance(value, bool) else ("''" if value == "" else str(value))


def defaults_text(cls: type, presets: Mapping[str, Mapping], default_preset: str | None, name: str) -> str:
    """What --help says an option defaults to, presets included: the value a run gets without the option.

    'default: 10000 (toronto preset); radboud preset: 6300' where presets set it, else 'default: 16'.
    """
    field_default = next(f.default for f in dataclasses.fields(cls) if f.name == name)
    preset_values = presets.get(default_preset, {}) if default_preset else {}
    effective = preset_values.get(name, field_default)
    text = f"default: {_shown(effective)}" + (f" ({default_preset} preset)" if name in preset_values else "")
    others = [f"{p} preset: {_shown(v.get(name, field_default))}" for p, v in presets.items()
              if p != default_preset and v.get(name, field_default) != effective]
    return "; ".join([text] + others)


def _check_choice(flag: str, value, meta: Mapping) -> None:
    if value in meta["choices"] or (meta.get("own_code") and own_code(value)):
        return
    allowed = ", ".join(map(str, meta["choices"])) + (" or FILE.py:Class" if meta.get("own_code") else "")
    raise GanforgeError(f"{flag} must be one of {allowed}; got {value!r}")


def validate(cfg) -> None:
    """Check every field against its choices and range, then the config's checks between fields; raise naming
    the option."""
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        meta = f.metadata
        flag = option_name(f.name)
        if meta.get("choices"):
            _check_choice(flag, value, meta)
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
    cfg.check()


def resolve(cls: type, kind: str, presets: Mapping[str, Mapping], default_preset: str | None,
            preset: str | None = None, **overrides):
    """cls's defaults, then the preset, then explicit overrides (None: not given); validated."""
    preset = preset or default_preset
    if preset is not None and preset not in presets:
        raise GanforgeError(f"--preset must be one of {', '.join(presets) or '(none)'} for {kind}; got {preset!r}")
    unknown = sorted(set(overrides) - set(field_names(cls)))
    if unknown:
        raise GanforgeError(f"unknown option {option_name(unknown[0])} for {kind}")
    values: dict[str, Any] = dict(presets.get(preset, {})) if preset else {}
    values.update({k: v for k, v in overrides.items() if v is not None})
    cfg = cls(**values)
    validate(cfg)
    return cfg


def to_dict(kind: str, preset: str | None, cfg) -> dict:
    """The full resolved config as written to config.json (preset: the one the run used, by name)."""
    return {"kind": kind, "preset": preset, **dataclasses.asdict(cfg)}


def from_dict(cls: type, data: Mapping):
    """A config of class cls from a config.json dictionary (keys it does not know are left out); validated."""
    known = set(field_names(cls))
    cfg = cls(**{k: v for k, v in data.items() if k in known})
    validate(cfg)
    return cfg


def with_defaults(cls: type, data: Mapping) -> dict:
    """A config.json dictionary with the fields it predates filled in by cls's defaults.

    A run folder written before an option existed ran with that option's default, so
    comparing it with a new configuration must not count the missing key as a difference.
    """
    defaults = {f.name: f.default for f in dataclasses.fields(cls)}
    return {**defaults, **data}
