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
    threads: int = opt(0, "CPU threads for torch; 0 uses the cores this process may run on that other work does "
                       "not already keep busy (by the 1-minute load average)", min=0)
    deterministic: bool = opt(False, "on CUDA, only deterministic kernels (cuDNN without benchmarking, a fixed "
                              "cuBLAS workspace): the same seed gives the same weights, more slowly; on the CPU "
                              "training is deterministic already and this changes nothing")
    compile: bool = opt(False, "compile the networks with torch.compile (needs a C++ compiler on the CPU; "
                        "costs about a minute of compiling before the first steps)")


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
    shuffle: bool = opt(False, "shuffle the points every epoch (the handout does not)")
    lr_decay: str = opt("none", "learning rates over the run: none (constant, as in the handout) or linear "
                        "(falling to zero by the last iteration; beyond the handout)", choices=["none", "linear"])
    noise_size: int = opt(100, "length of the generator's uniform noise vector", min=1)
    hidden_disc: int = opt(1024, "width of the discriminator's two hidden layers", min=1)
    plot_every: int = opt(1, "draw the discriminator heatmap every N epochs (0: only at the end)", min=0)
    generators: int = opt(1, "generator networks in a mixture (beyond the handout): the first noise value picks "
                          "one per sample, so the generated set can fall apart into K pieces, as the two moons "
                          "do (Khayatkhoei et al. 2018); 1: the handout's single generator", min=1, max=16)
    mixture: str = opt("separate", "with --generators > 1: separate networks, or one shared network told the "
                       "component by a one-hot code (a discrete latent component)", choices=["separate", "shared"])
    ema: float = opt(0.0, "decay of an exponential moving average of the generator's weights, used for the "
                     "heatmaps' points, samples and scores (e.g. 0.999; 0: off, as in the handout)", min=0.0,
                     max=0.99999)
    component_weight: float = opt(1.0, "with --generators > 1: weight of the term that makes each component's "
                                  "points tell apart from the others' (a classifier learns which component drew a "
                                  "point; InfoGAN-style, as Khayatkhoei et al. do); 0: components free to overlap",
                                  min=0.0)
    rejection_percentile: float = opt(80.0, "discriminator rejection sampling (Azadi et al. 2019) for `ganforge "
                                      "sample --rejection` and the rejection_ scores: gamma is this percentile of "
                                      "F(x), so higher keeps fewer points", min=0.0, max=100.0)
    heatmap_resolution: int = opt(200, "grid points per axis of the heatmap (the handout uses 500)", min=10, max=1000)


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
    data_dir: str = opt("", "a folder or .tar.gz in the course archive layout (Apple/, Windows/, Test_Apple/, "
                        "Test_Windows/); empty: the data built by `ganforge data build`")
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


@dataclass
class DCGANConfig(EmojiConfig):
    loss: str = opt("lsgan", "adversarial loss: lsgan (the handout's), bce (non-saturating) or hinge",
                    choices=["lsgan", "bce", "hinge"])
    augment: str = opt("", "DiffAugment policies on what the discriminator sees, real and fake alike (comma list "
                       "of translation, cutout; empty: none, as in the handout)")
    ema: float = opt(0.0, "decay of an exponential moving average of the generator's weights, used for samples and "
                     "scores (e.g. 0.999; 0: off, as in the handout)", min=0.0, max=0.99999)
    disc_norm: str = opt("batch", "the discriminator's normalization: batch (the handout's) or spectral (spectral "
                         "norm on every convolution, no batch norm)", choices=["batch", "spectral"])
    r1_gamma: float = opt(0.0, "weight gamma of the R1 penalty gamma/2 E|grad D(x)|^2 on real images (0: off)",
                          min=0.0)
    upsample: str = opt("nearest", "how the generator doubles its maps before each 5x5 convolution: nearest (the "
                        "handout's) or bilinear (smoother, no blocky 2x2 pattern)", choices=["nearest", "bilinear"])
    style: str = opt("windows", f"emoji style to generate ({'|'.join(STYLES)}), or with --data-dir a domain found "
                     "there (a folder of images)")
    noise_size: int = opt(100, "length of the generator's uniform noise vector", min=1)
    lr_gen: float = opt(3e-4, "Adam learning rate of the generator", min=0.0, min_exclusive=True)
    lr_disc: float = opt(6e-4, "Adam learning rate of the discriminator (the seed: twice the generator's)",
                         min=0.0, min_exclusive=True)


@dataclass
class TranslationConfig(EmojiConfig):
    """What every translation method shares: the two styles and the test grids."""
    source: str = opt("apple", f"style translated from (domain A, the handout's X): {'|'.join(STYLES)}, or with "
                      "--data-dir a domain found there (e.g. cats, or a for trainA/)")
    target: str = opt("windows", "style translated to (domain B, the handout's Y), like --source")
    n_sample_images: int = opt(16, "test images per sample grid and direction", min=1, max=100)
    lr_decay: str = opt("none", "learning rates over the run: none (constant) or linear (falling to zero by the "
                        "last iteration; the pix2pix and CycleGAN papers decay so over their second half)",
                        choices=["none", "linear"])


@dataclass
class ColourTerms:
    """The colour terms an unpaired translator may add to its generator loss (off by default)."""
    lambda_colour: float = opt(0.0, "weight of the colour anchor: L1 between the mean chroma (YUV U, V) of 4x4 "
                               "blocks of each input and of its translation; it forbids hue swaps without pinning "
                               "pixels the way the identity loss does (0: off)", min=0.0)
    lambda_palette: float = opt(0.0, "weight of the palette loss: Hellinger distance between soft 8x8x8 colour "
                                "histograms of the batch of translations and of a batch of real target images "
                                "(0: off)", min=0.0)


@dataclass
class CycleGANConfig(ColourTerms, TranslationConfig):
    trainer: str = opt("two-optimizers", "two-optimizers: D steps then G steps (toronto); "
                       "revgrad: one optimizer through gradient reversal (radboud)",
                       choices=["two-optimizers", "revgrad"])
    generator: str = opt("toronto", "generator architecture: toronto (residual block) or radboud (plain)",
                         choices=["toronto", "radboud"])
    discriminator: str = opt("dcgan", "discriminator architecture: dcgan (toronto) or radboud",
                             choices=["dcgan", "radboud"])
    lambda_cycle: float = opt(0.015, "weight of the cycle-consistency loss (0 turns it off)", min=0.0)
    lambda_identity: float = opt(0.0, "weight of the identity loss |G_ab(b) - b| + |G_ba(a) - a| as a fraction of "
                                 "lambda_cycle (the CycleGAN paper's convention, 0.5 there; not in either handout): "
                                 "a generator given an image already in its output style should leave it alone, "
                                 "which keeps colours from being swapped; 0 turns it off", min=0.0)
    cycle_loss: str = opt("l1", "cycle-consistency distance", choices=["l1", "mse"])
    cycle_reduction: str = opt("mean", "how the cycle distance is reduced: mean over every value (radboud), or "
                               "image-sum: summed over each image, averaged over the batch (toronto; its "
                               "lambda_cycle values 0.01-0.5 are on this scale, 3,072x the mean at 32x32)",
                               choices=["mean", "image-sum"])
    lr: float = opt(3e-4, "Adam learning rate (all optimizers)", min=0.0, min_exclusive=True)


@dataclass
class CUTConfig(ColourTerms, TranslationConfig):
    """Contrastive unpaired translation (Park et al., ECCV 2020), one direction, no cycle."""
    n_blocks: int = opt(4, "residual blocks of the generator at 8x8 (conv_dim x 4 channels)", min=1)
    lambda_nce: float = opt(1.0, "weight of the PatchNCE loss between input and output patches", min=0.0)
    nce_identity: bool = opt(True, "also ask PatchNCE to match real target images with their translations "
                             "(CUT; --no-nce-identity is FastCUT)")
    nce_patches: int = opt(256, "patches sampled per feature layer for PatchNCE", min=1)
    nce_temperature: float = opt(0.07, "temperature of the PatchNCE softmax", min=0.0, min_exclusive=True)
    patch_layers: int = opt(1, "stride-2 layers of the patch discriminator: 1 judges 16x16 patches, 2 the whole "
                            "32x32 image", min=1, max=3)
    augment: str = opt("translation,cutout", "DiffAugment policies applied to real and fake images before the "
                       "discriminator (comma list of translation, cutout; empty: none); no colour jitter, since "
                       "colour is the style")
    lr: float = opt(2e-4, "Adam learning rate (generator, projection heads, discriminator)", min=0.0,
                    min_exclusive=True)


@dataclass
class Pix2PixConfig(TranslationConfig):
    """pix2pix (Isola et al., CVPR 2017) on pairs of the same emoji in both styles (training split only)."""
    lambda_l1: float = opt(100.0, "weight of the L1 distance to the true target", min=0.0)
    patch_layers: int = opt(1, "stride-2 layers of the conditional patch discriminator: 1 judges 16x16 patches",
                            min=1, max=3)
    loss: str = opt("lsgan", "adversarial loss (the paper's is bce; lsgan measured better here: at 2,000 "
                    "iterations paired L1 0.215 against 0.222, target-style rate 0.79 against 0.63)",
                    choices=["lsgan", "bce"])
    lr: float = opt(2e-4, "Adam learning rate (generator and discriminator)", min=0.0, min_exclusive=True)
    flip: bool = opt(False, "mirror half of each batch's pairs left-right (source and target alike): twice the "
                     "pairs to learn from")
    shift: int = opt(0, "move each pair by up to this many pixels in x and y (source and target alike, the "
                     "border's colour filling in): pairs at other positions to learn from", min=0, max=8)
    depth: int = opt(5, "halvings of the U-Net: 5 reaches 1x1, where every output pixel sees the whole emoji; "
                     "3 stops at 4x4", min=2, max=5)


KINDS: dict[str, type] = {"moons": MoonsConfig, "dcgan": DCGANConfig, "cyclegan": CycleGANConfig,
                          "cut": CUTConfig, "pix2pix": Pix2PixConfig}
TRANSLATION_KINDS = ("cyclegan", "cut", "pix2pix")

# Named presets: overrides of the dataclass defaults that reproduce a handout's settings.
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "moons": {
        "radboud": dict(batch_size=128, epochs=10, lr_gen=1e-3, lr_disc=1e-3, lr=1e-3, loss="bce",
                        n_samples=100_000, noise=0.1, shuffle=False, seed=12345),
    },
    "dcgan": {
        "toronto": dict(iters=5000, batch_size=16, lr_gen=3e-4, lr_disc=6e-4, beta1=0.5, beta2=0.999,
                        loss="lsgan", noise_size=100, conv_dim=32, sample_every=200),
        # Beyond the handout: the toronto networks and schedule with what measured better on 5,000
        # iterations of Windows emojis at no more than 1.5x the time: an average of the generator's
        # weights (docs/generation-quality.md has each choice's numbers; R1 and spectral norm + hinge
        # also helped but doubled the time, DiffAugment and bilinear upsampling did not help).
        "modern": dict(iters=5000, batch_size=16, lr_gen=3e-4, lr_disc=6e-4, beta1=0.5, beta2=0.999,
                       loss="lsgan", noise_size=100, conv_dim=32, sample_every=200, ema=0.999),
    },
    "cyclegan": {
        # Toronto: two Adams, L1 cycle loss, the write-up's best lambda_cycle and seed.
        "toronto": dict(trainer="two-optimizers", generator="toronto", discriminator="dcgan", iters=10000,
                        batch_size=16, lr=3e-4, beta1=0.5, beta2=0.999, lambda_cycle=0.015,
                        cycle_loss="l1", cycle_reduction="image-sum", loss="lsgan", conv_dim=32,
                        sample_every=200, seed=4),
        # Radboud: one Adam through gradient reversal, MSE cycle loss, batch 32; 100 epochs of the
        # ~2,000-image Windows set at batch 32 are about 6,300 iterations.
        "radboud": dict(trainer="revgrad", generator="radboud", discriminator="radboud", iters=6300,
                        batch_size=32, lr=1e-3, beta1=0.5, beta2=0.999, lambda_cycle=1.0,
                        cycle_loss="mse", cycle_reduction="mean", loss="lsgan", conv_dim=32, sample_every=200),
    },
}
DEFAULT_PRESET = {"moons": "radboud", "dcgan": "toronto", "cyclegan": "toronto"}


def field_names(kind: str) -> list[str]:
    return [f.name for f in dataclasses.fields(KINDS[kind])]


def _shown(value) -> str:
    return ("on" if value else "off") if isinstance(value, bool) else ("''" if value == "" else str(value))


def defaults_text(kind: str, name: str) -> str:
    """What --help says an option defaults to, presets included: the value a run gets without the option.

    'default: 10000 (toronto preset); radboud preset: 6300' where presets set it, else 'default: 16'.
    """
    field_default = next(f.default for f in dataclasses.fields(KINDS[kind]) if f.name == name)
    presets, default_preset = PRESETS.get(kind, {}), DEFAULT_PRESET.get(kind)
    effective = presets.get(default_preset, {}).get(name, field_default)
    text = f"default: {_shown(effective)}" + (f" ({default_preset} preset)" if name in presets.get(default_preset, {})
                                               else "")
    others = [f"{p} preset: {_shown(v.get(name, field_default))}" for p, v in presets.items()
              if p != default_preset and v.get(name, field_default) != effective]
    return "; ".join([text] + others)


def option_name(name: str) -> str:
    return "--" + name.replace("_", "-")


def field_type(f: dataclasses.Field) -> type:
    """int, float, str or bool: a field's type, also where annotations are strings."""
    return f.type if isinstance(f.type, type) else {"int": int, "float": float, "str": str, "bool": bool}[f.type]


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
    _check_relations(cfg)


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


def _check_relations(cfg) -> None:
    """Constraints between fields that a per-field range cannot say."""
    _check_domains(cfg)
    _check_image_size(cfg)
    if isinstance(cfg, TranslationConfig) and cfg.source == cfg.target and not cfg.data_dir:
        raise GanforgeError(f"--source and --target must differ; both are {cfg.source!r}")
    if isinstance(cfg, CycleGANConfig) and cfg.lambda_identity > 0 and cfg.lambda_cycle == 0:
        raise GanforgeError(f"--lambda-identity {cfg.lambda_identity:g} is a fraction of --lambda-cycle, which is 0: "
                            "the identity loss would be silently off; give a --lambda-cycle > 0 or drop it")


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


def with_defaults(data: dict) -> dict:
    """A config.json dictionary with the fields it predates filled in by their defaults.

    A run folder written before an option existed ran with that option's default, so
    comparing it with a new configuration must not count the missing key as a difference.
    """
    kind = data.get("kind")
    if kind not in KINDS:
        return dict(data)
    defaults = {f.name: f.default for f in dataclasses.fields(KINDS[kind])}
    return {**defaults, **data}


def _check_domains(cfg) -> None:
    """Without --data-dir a domain is a built emoji style; with it, whatever the folders hold (checked on loading)."""
    if not isinstance(cfg, EmojiConfig) or cfg.data_dir:
        return
    for name in ("style", "source", "target"):
        value = getattr(cfg, name, None)
        if value is not None and value not in STYLES:
            raise GanforgeError(f"{option_name(name)} must be one of {', '.join(STYLES)} (or a domain of --data-dir); "
                                f"got {value!r}")


def _check_image_size(cfg) -> None:
    """64x64 images need networks without a fixed-size layer."""
    if not isinstance(cfg, EmojiConfig) or cfg.image_size == 32:
        return
    if isinstance(cfg, DCGANConfig):
        raise GanforgeError(f"--image-size {cfg.image_size}: the DCGAN generator draws 32x32 images (it starts at "
                            "4x4 and doubles three times); use --image-size 32")
    if isinstance(cfg, CycleGANConfig) and cfg.discriminator == "radboud":
        raise GanforgeError(f"--image-size {cfg.image_size}: the radboud discriminator ends in Linear(1024, 1), "
                            "which reads the 4x4 map of a 32x32 image; use --image-size 32 or --discriminator dcgan")
