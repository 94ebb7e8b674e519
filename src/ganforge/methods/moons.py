"""The moons GAN of the Radboud handout (SPEC section 1): two-step, discriminator-only and gradient-reversal
training of an MLP generator against an MLP discriminator on 2-D points."""
from __future__ import annotations

import math
import dataclasses
from dataclasses import dataclass
from pathlib import Path

from ..config import CommonConfig, opt, own_code
from ..data.points import DATASETS, parse_points, read_points_file
from ..errors import GanforgeError
from ..models.moons import MoonDiscriminator, MoonGenerator, MoonGeneratorMixture, UniformMoonGenerator
from ..models.nets import GANNets, average_of
from ..train.ema import EMA
from ..train.losses import adversarial_loss
from ..train.steps import RevGradGAN, TwoStepGAN
from . import handouts
from .data_kinds import POINTS
from .networks import NOISE_TO_POINTS, POINTS_TO_SCORES
from .record import Benchmark, Method


@dataclass
class MoonsConfig(CommonConfig):
    trainer: str = opt("two-step", "two-step: D step then G step; disc-only: D against a uniform dummy G; "
                       "revgrad: one optimizer through gradient reversal",
                       choices=["two-step", "disc-only", "revgrad"])
    loss: str = opt("bce", "adversarial loss: bce (non-saturating, logits) or lsgan (least squares)",
                    choices=["bce", "lsgan"])
    dataset: str = opt("moons", "the real points: the handout's moons, GAN Lab's line, gaussians (two), ring or "
                       "clusters (three), or drawn (--points)", choices=list(DATASETS))
    points: str = opt("", "with --dataset drawn: the drawn distribution, a CSV file of x,y lines or x,y;x,y;... "
                      "(config.json records the points themselves)")
    n_samples: int = opt(100_000, "points drawn from the distribution", min=1)
    noise: float = opt(0.1, "std of the Gaussian noise added to the points (the moons': before standardizing)",
                       min=0.0)
    batch_size: int = opt(128, "points per batch", min=1)
    epochs: int = opt(10, "passes over the moons data", min=1)
    lr_gen: float = opt(1e-3, "learning rate of the generator (two-step)", min=0.0, min_exclusive=True)
    lr_disc: float = opt(1e-3, "learning rate of the discriminator (two-step, disc-only)", min=0.0,
                         min_exclusive=True)
    lr: float = opt(1e-3, "learning rate of the single optimizer (revgrad)", min=0.0, min_exclusive=True)
    optimizer_gen: str = opt("adam", "the generator's optimizer (revgrad: of both networks)", choices=["adam", "sgd"])
    optimizer_disc: str = opt("adam", "the discriminator's optimizer", choices=["adam", "sgd"])
    d_steps: int = opt(1, "discriminator updates per iteration, each on fresh generated points (0: D is only "
                       "measured; two-step)", min=0, max=10)
    g_steps: int = opt(1, "generator updates per iteration after D's (0: G is only measured; two-step)", min=0,
                       max=10)
    shuffle: bool = opt(False, "shuffle the points every epoch (the handout does not)")
    lr_decay: str = opt("none", "learning rates over the run: none (constant, as in the handout) or linear "
                        "(falling to zero by the last iteration; beyond the handout)", choices=["none", "linear"])
    noise_size: int = opt(100, "length of the generator's noise vector (GAN Lab: 1 or 2)", min=1)
    noise_dist: str = opt("uniform", "the generator's noise: uniform in [-1, 1] (the handout's) or gaussian",
                          choices=["uniform", "gaussian"])
    gen_depth: int = opt(2, "hidden layers of the generator", min=0, max=8)
    gen_width: int = opt(100, "units of each of the generator's hidden layers", min=1, max=4096)
    disc_depth: int = opt(2, "hidden layers of the discriminator", min=0, max=8)
    hidden_disc: int = opt(1024, "units of each of the discriminator's hidden layers", min=1, max=4096)
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
    generator: str = opt("radboud", "the generator: radboud (the handout's MoonGenerator, or the mixture of "
                         "--generators), or your own, FILE.py:Class (constructed with the config fields its __init__ "
                         "names, e.g. noise_size; it maps noise (B, noise_size) to points (B, 2))",
                         choices=["radboud"], own_code=True)
    discriminator: str = opt("radboud", "the discriminator: radboud (the handout's MoonDiscriminator) or your own, "
                             "FILE.py:Class (points (B, 2) -> one logit per point)", choices=["radboud"],
                             own_code=True)

    def check(self) -> None:
        super().check()
        if self.dataset == "drawn":
            parse_points(read_points_file(self.points) if Path(self.points).suffix == ".csv" else self.points)
        elif self.points:
            raise GanforgeError(f"--points is the drawn distribution; give --dataset drawn with it (not "
                                f"--dataset {self.dataset})")
        if self.trainer == "revgrad" and (self.d_steps, self.g_steps) != (1, 1):
            raise GanforgeError(f"--d-steps {self.d_steps} --g-steps {self.g_steps}: revgrad updates both networks in "
                                "one step; steps per network apply to --trainer two-step")
        if self.trainer == "revgrad" and self.optimizer_gen != self.optimizer_disc:
            raise GanforgeError("revgrad trains both networks with one optimizer: give --optimizer-gen and "
                                "--optimizer-disc the same value")
        if self.d_steps == 0 and self.g_steps == 0:
            raise GanforgeError("--d-steps 0 --g-steps 0 trains nothing; give one of them 1 or more")
        if self.generators > 1 and self.noise_dist != "uniform":
            raise GanforgeError(f"--generators {self.generators} picks each point's component by its first uniform "
                                "noise value; use --noise-dist uniform with it")
        if own_code(self.generator) and (self.trainer == "disc-only" or self.generators > 1):
            what = "--trainer disc-only trains against the handout's uniform dummy" if self.trainer == "disc-only" \
                else f"--generators {self.generators} builds a mixture of the handout's generator"
            raise GanforgeError(f"--generator {self.generator}: {what}; drop one of the two")


# Named presets: overrides of the dataclass defaults that reproduce a handout's settings.
PRESETS = {
    "radboud": dict(batch_size=128, epochs=10, lr_gen=1e-3, lr_disc=1e-3, lr=1e-3, loss="bce",
                    n_samples=100_000, noise=0.1, shuffle=False, seed=12345),
}


def moon_generator(cfg) -> MoonGenerator | MoonGeneratorMixture:
    """The trainable moons generator of cfg: the handout's MLP (or its shape), or a mixture of cfg.generators."""
    if cfg.generators > 1:
        return MoonGeneratorMixture(cfg.generators, cfg.noise_size, weight=cfg.component_weight,
                                    shared=cfg.mixture == "shared", depth=cfg.gen_depth, width=cfg.gen_width)
    return MoonGenerator(cfg.noise_size, depth=cfg.gen_depth, width=cfg.gen_width, noise=cfg.noise_dist)


def networks(cfg: MoonsConfig, build) -> GANNets:
    """Generator (the uniform dummy for disc-only), discriminator, and the generator's moving average."""
    if cfg.trainer == "disc-only":
        generator = UniformMoonGenerator(cfg.noise_size, noise=cfg.noise_dist)
    else:
        generator = build("generator", lambda: moon_generator(cfg))
    average = average_of(generator) if cfg.ema > 0 and cfg.trainer != "disc-only" else None
    return GANNets(generator, build("discriminator", lambda: MoonDiscriminator(2, cfg.hidden_disc, cfg.disc_depth)),
                   average)


def step(cfg: MoonsConfig, nets: GANNets, hw) -> TwoStepGAN | RevGradGAN:
    """The step of cfg.trainer over `nets`, with fresh optimizers."""
    loss = adversarial_loss(cfg.loss)
    ema = EMA(nets.generator, nets.generator_ema, cfg.ema) if nets.generator_ema is not None else None
    if cfg.trainer == "revgrad":
        return RevGradGAN(nets.generator, nets.discriminator, loss, hw, lr=cfg.lr, ema=ema, kind=cfg.optimizer_gen)
    # two-step, and disc-only (its uniform generator is never updated)
    return TwoStepGAN(nets.generator, nets.discriminator, loss, hw, lr_gen=cfg.lr_gen, lr_disc=cfg.lr_disc,
                      joint_disc_pass=True, ema=ema, d_steps=cfg.d_steps, g_steps=cfg.g_steps,
                      optimizers=(cfg.optimizer_gen, cfg.optimizer_disc))


def settle(cfg: MoonsConfig) -> MoonsConfig:
    """The config a run records: a drawn distribution's points themselves, not the file they came from."""
    if cfg.dataset == "drawn" and Path(cfg.points).suffix == ".csv":
        return dataclasses.replace(cfg, points=read_points_file(cfg.points))
    return cfg


METHOD = Method(
    name="moons", title="moons", summary="a toy GAN on the 2-D moons (Radboud handout): two-step, disc-only or "
    "revgrad training, discriminator heatmaps",
    config=MoonsConfig, data=POINTS, networks=networks, step=step, presets=PRESETS, default_preset="radboud",
    settle=settle,
    own_networks={"generator": NOISE_TO_POINTS, "discriminator": POINTS_TO_SCORES},
    key_settings=("dataset", "trainer", "loss", "epochs"),
    benchmarks=(Benchmark("moons", full_run_iters=10 * math.ceil(100_000 / 128), handout=handouts.moons),),
)
