"""The Toronto DCGAN (SPEC section 2): 32x32 emojis of one style from 100-d uniform noise, least squares,
and what measured better beyond the handout (the modern preset)."""
from __future__ import annotations

from dataclasses import dataclass

from ..config import AdaOptions, ImageGenerationConfig, opt
from ..errors import GanforgeError
from ..models.dcgan import DCDiscriminator, DCGenerator
from ..models.nets import GANNets, average_of
from ..train.ada import AdaptiveAugment
from ..train.augment import DiffAugment
from ..train.ema import EMA
from ..train.losses import adversarial_loss
from ..train.steps import TwoStepGAN
from . import handouts
from .data_kinds import IMAGES
from .networks import IMAGES_TO_SCORES, NOISE_TO_IMAGES
from .record import Benchmark, Method


@dataclass
class DCGANConfig(AdaOptions, ImageGenerationConfig):
    loss: str = opt("lsgan", "adversarial loss: lsgan (the handout's), bce (non-saturating) or hinge",
                    choices=["lsgan", "bce", "hinge"])
    augment: str = opt("", "augmentation of what the discriminator sees, real and fake alike: DiffAugment policies "
                       "(comma list of translation, cutout), or ada (adaptive: the transforms of Karras et al. 2020, "
                       "each with a probability p that follows --ada-target); empty: none, as in the handout")
    ema: float = opt(0.0, "decay of an exponential moving average of the generator's weights, used for samples and "
                     "scores (e.g. 0.999; 0: off, as in the handout)", min=0.0, max=0.99999)
    disc_dim: int = opt(0, "the discriminator's width: channels of its first convolution, doubled at each of the "
                        "next two (0: --conv-dim, as in the handout)", min=0)
    disc_norm: str = opt("batch", "the discriminator's normalization: batch (the handout's) or spectral (spectral "
                         "norm on every convolution, no batch norm)", choices=["batch", "spectral"])
    r1_gamma: float = opt(0.0, "weight gamma of the R1 penalty gamma/2 E|grad D(x)|^2 on real images (0: off)",
                          min=0.0)
    r1_every: int = opt(1, "with --r1-gamma: apply R1 on every Nth iteration only, weighted N times (StyleGAN2's "
                        "lazy regularization: nearly the effect for 1/N of the cost; 1: every iteration)", min=1)
    upsample: str = opt("nearest", "how the generator doubles its maps before each 5x5 convolution: nearest (the "
                        "handout's) or bilinear (smoother, no blocky 2x2 pattern)", choices=["nearest", "bilinear"])
    lr_gen: float = opt(3e-4, "Adam learning rate of the generator", min=0.0, min_exclusive=True)
    lr_disc: float = opt(6e-4, "Adam learning rate of the discriminator (the seed: twice the generator's)",
                         min=0.0, min_exclusive=True)
    generator: str = opt("toronto", "the generator: toronto (the handout's DCGenerator) or your own, FILE.py:Class "
                         "(constructed with the config fields its __init__ names, e.g. noise_size and conv_dim; it "
                         "maps noise (B, noise_size) to images (B, 3, 32, 32) in [-1, 1])", choices=["toronto"],
                         own_code=True)
    discriminator: str = opt("toronto", "the discriminator: toronto (the handout's DCDiscriminator, with "
                             "--disc-norm) or your own, FILE.py:Class (images (B, 3, 32, 32) -> one score per image)",
                             choices=["toronto"], own_code=True)

    def check(self) -> None:
        super().check()
        if "ada" in self.augment.split(",") and self.augment != "ada":
            raise GanforgeError(f"--augment {self.augment}: ada stands alone (its pipeline translates and cuts out "
                                "by itself)")
        if self.augment != "ada":
            DiffAugment(self.augment)  # refuses an unknown policy, naming --augment
        if self.image_size != 32:
            raise GanforgeError(f"--image-size {self.image_size}: the DCGAN generator draws 32x32 images (it starts "
                                "at 4x4 and doubles three times); use --image-size 32")


TORONTO = dict(iters=5000, batch_size=16, lr_gen=3e-4, lr_disc=6e-4, beta1=0.5, beta2=0.999, loss="lsgan",
               noise_size=100, conv_dim=32, sample_every=200)
PRESETS = {
    "toronto": TORONTO,
    # Beyond the handout: the toronto networks and schedule with what measured better on 5,000
    # iterations of Windows emojis at no more than 1.5x the time: an average of the generator's
    # weights (docs/generation-quality.md has each choice's numbers; R1 and spectral norm + hinge
    # also helped but doubled the time, DiffAugment and bilinear upsampling did not help).
    "modern": dict(TORONTO, ema=0.999),
    # For training longer on ~1,500 images: the modern preset with adaptive augmentation, so that D cannot
    # memorise the training set, and R1 applied lazily (every 16th iteration), which kept D from winning
    # outright and p lower. Measured to 20,000 iterations against ADA alone, DiffAugment, DiffAugment with
    # decaying rates, ADA with colour, R1 with DiffAugment and R1 at 4x the weight: the best SWD and FD on the
    # mean of two seeds, never worse with training (docs/generation-quality.md, issue 28). Scored every 2,500
    # iterations on the mean of 10 draws of samples: one draw's FD and SWD move by ~5% and ~20% with the noise
    # drawn, more than most differences between recipes (10 draws cost ~7 s per evaluation).
    "small-data": dict(TORONTO, ema=0.999, augment="ada", r1_gamma=1.0, r1_every=16, iters=20000, eval_every=2500,
                       eval_draws=10),
}


def networks(cfg: DCGANConfig, build) -> GANNets:
    generator = build("generator", lambda: DCGenerator(cfg.noise_size, cfg.conv_dim, cfg.upconv, cfg.upsample))
    average = average_of(generator) if cfg.ema > 0 else None
    discriminator = build("discriminator", lambda: DCDiscriminator(cfg.disc_dim or cfg.conv_dim, cfg.disc_norm))
    return GANNets(generator, discriminator, average, AdaptiveAugment.of(cfg))


def step(cfg: DCGANConfig, nets: GANNets, hw) -> TwoStepGAN:
    """The two-step step (LSGAN in the handout), with what the options add."""
    ema = EMA(nets.generator, nets.generator_ema, cfg.ema) if nets.generator_ema is not None else None
    # Batch norm sees real and fake batches separately, as in the handout, so no joint D pass.
    return TwoStepGAN(nets.generator, nets.discriminator, adversarial_loss(cfg.loss), hw, lr_gen=cfg.lr_gen,
                      lr_disc=cfg.lr_disc, betas=(cfg.beta1, cfg.beta2), joint_disc_pass=False,
                      augment=nets.augment or (DiffAugment(cfg.augment) if cfg.augment else None),
                      r1_gamma=cfg.r1_gamma, r1_every=cfg.r1_every, ema=ema)


METHOD = Method(
    name="dcgan", title="DCGAN", summary="a DCGAN that draws 32x32 emojis of one style (Toronto handout)",
    config=DCGANConfig, data=IMAGES, networks=networks, step=step, presets=PRESETS, default_preset="toronto",
    own_networks={"generator": NOISE_TO_IMAGES, "discriminator": IMAGES_TO_SCORES},
    key_settings=("style", "iters"),
    # The handout's settings, and the modern preset beyond them.
    benchmarks=(Benchmark("dcgan", full_run_iters=5000, preset="toronto", handout=handouts.dcgan),
                Benchmark("dcgan-modern", full_run_iters=5000, preset="modern", handout=handouts.dcgan)),
)
