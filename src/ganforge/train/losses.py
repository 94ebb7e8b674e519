"""Adversarial losses and the gradient reversal function."""
from __future__ import annotations

import torch
import torch.nn.functional as F


class RevGrad(torch.autograd.Function):
    """Identity in the forward pass; negates the gradient in the backward pass."""

    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output):
        return -grad_output


def revgrad(x: torch.Tensor) -> torch.Tensor:
    """Let a discriminator's gradient reach the generator with its sign flipped."""
    return RevGrad.apply(x)


class AdversarialLoss:
    """A GAN loss on discriminator outputs, with its real/fake decision threshold."""

    name = "base"
    threshold = 0.0  # outputs above it count as "real" for accuracies

    def __call__(self, d_out: torch.Tensor, real: bool) -> torch.Tensor:
        """The discriminator's loss on outputs it should call real (real=True) or fake."""
        raise NotImplementedError

    def generator(self, d_fake: torch.Tensor) -> torch.Tensor:
        """The generator's loss on D's outputs for its fakes: by default, as if they were real (non-saturating)."""
        return self(d_fake, True)


class BCELoss(AdversarialLoss):
    """Binary cross-entropy on logits: target 1 for real, 0 for fake (the Radboud handout's moons loss)."""

    name = "bce"
    threshold = 0.0

    def __call__(self, d_out, real):
        target = torch.ones_like(d_out) if real else torch.zeros_like(d_out)
        return F.binary_cross_entropy_with_logits(d_out.float(), target.float())


class LeastSquaresLoss(AdversarialLoss):
    """Least squares (LSGAN): mean((D - 1)^2) for real, mean(D^2) for fake."""

    name = "lsgan"
    threshold = 0.5

    def __call__(self, d_out, real):
        d_out = d_out.float()
        return ((d_out - 1) ** 2).mean() if real else (d_out ** 2).mean()


class HingeLoss(AdversarialLoss):
    """Hinge loss (Lim and Ye 2017, as in SNGAN and BigGAN): D minimizes relu(1 - D(x)) + relu(1 + D(G(z)));
    G minimizes -D(G(z))."""

    name = "hinge"
    threshold = 0.0

    def __call__(self, d_out, real):
        d_out = d_out.float()
        return F.relu(1 - d_out).mean() if real else F.relu(1 + d_out).mean()

    def generator(self, d_fake):
        return -d_fake.float().mean()


LOSSES = {"bce": BCELoss, "lsgan": LeastSquaresLoss, "hinge": HingeLoss}


def adversarial_loss(name: str) -> AdversarialLoss:
    return LOSSES[name]()


def cycle_loss(name: str, reduction: str = "mean"):
    """The cycle-consistency distance: l1 (toronto) or mse (radboud), reduced one of two ways.

    mean: over every value (nn.L1Loss / nn.MSELoss, the Radboud notebook);
    image-sum: summed over each image's values, averaged over the batch (the Toronto
    notebook's `abs(x - y).sum() / batch_size`), 3*32*32 = 3072 times the mean for
    32x32 RGB. The handouts' lambda_cycle values are tuned for their own reduction.
    """
    if reduction == "mean":
        return {"l1": F.l1_loss, "mse": F.mse_loss}[name]
    if reduction != "image-sum":
        raise ValueError(f"unknown cycle-loss reduction {reduction!r}")
    per_value = {"l1": lambda x, y: (x - y).abs(), "mse": lambda x, y: (x - y).square()}[name]
    return lambda x, y: per_value(x, y).flatten(1).sum(1).mean()
