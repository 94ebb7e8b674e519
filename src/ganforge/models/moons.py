"""The moons networks of the Radboud handout (SPEC section 1)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def mlp(inputs: int, outputs: int, depth: int, width: int) -> nn.Sequential:
    """`depth` hidden layers of `width` units with ReLU, then a linear output (depth 0: one linear layer)."""
    sizes = [inputs] + [width] * depth
    layers = [m for a, b in zip(sizes, sizes[1:]) for m in (nn.Linear(a, b), nn.ReLU())]
    return nn.Sequential(*layers, nn.Linear(sizes[-1], outputs))


class MoonGenerator(nn.Module):
    """Noise (B, input_size) -> points (B, output_size); the handout's: 2 hidden layers of 100 on uniform noise.

    noise: what it is fed, "uniform" in [-1, 1] (the handout's) or "gaussian" (models/noise.py reads it).
    """

    def __init__(self, input_size: int = 100, output_size: int = 2, depth: int = 2, width: int = 100,
                 noise: str = "uniform"):
        super().__init__()
        self.input_size, self.noise = input_size, noise
        self.net = mlp(input_size, output_size, depth, width)

    def forward(self, x):
        return self.net(x)


class MoonGeneratorMixture(nn.Module):
    """K MoonGenerators; each sample's first noise value picks the one that draws it.

    A continuous network fed a connected latent square can only draw a connected set, so a single
    generator must bridge the two moons. With K pieces the generated set may fall apart as the data
    does (Khayatkhoei et al., NeurIPS 2018). The first noise value, uniform in [-1, 1], is cut into K
    equal intervals, so each component draws 1/K of the samples; each component sees the whole
    noise vector.

    Left alone, the components have no reason to differ: measured at seeds 2 and 4 they drew the
    same S-shaped band between them, bridge included. So, as in that paper (an InfoGAN-style
    term), a small classifier Q learns which component drew each point, and the generators
    are trained, with Q, to make that easy: `auxiliary_loss` is weight x the cross-entropy of Q's
    guess, added to the generator's loss. Q is part of this module, so the generator's optimizer
    trains it and checkpoints keep it.
    """

    def __init__(self, components: int, input_size: int = 100, output_size: int = 2, weight: float = 1.0,
                 classifier_hiddens: int = 64, shared: bool = False, depth: int = 2, width: int = 100):
        super().__init__()
        self.input_size, self.weight, self.k = input_size, weight, components
        if shared:  # one network; the component enters as a one-hot code in place of the first noise value
            self.shared = MoonGenerator(input_size - 1 + components, output_size, depth, width)
        else:
            self.components = nn.ModuleList(MoonGenerator(input_size, output_size, depth, width)
                                            for _ in range(components))
        self.classifier = nn.Sequential(
            nn.Linear(output_size, classifier_hiddens), nn.ReLU(),
            nn.Linear(classifier_hiddens, classifier_hiddens), nn.ReLU(),
            nn.Linear(classifier_hiddens, components),
        )

    def component_of(self, x: torch.Tensor) -> torch.Tensor:
        """Which component draws each sample of noise x (B, input_size): long tensor (B,)."""
        return ((x[:, 0] + 1) * (self.k / 2)).floor().long().clamp(0, self.k - 1)

    def forward(self, x):
        if hasattr(self, "shared"):
            code = F.one_hot(self.component_of(x), self.k).to(x.dtype)
            return self.shared(torch.cat([code, x[:, 1:]], dim=1))
        # Every component runs on the whole batch and the right rows are picked: for these small
        # MLPs one batched pass each is cheaper than gathering K ragged sub-batches.
        drawn = torch.stack([component(x) for component in self.components])  # (K, B, out)
        which = self.component_of(x)
        return drawn[which, torch.arange(x.shape[0], device=x.device)]

    def auxiliary_loss(self, noise: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
        """weight x cross-entropy of Q's guess of the component that drew `points` from `noise`."""
        if self.weight == 0:
            return points.new_zeros(())
        return self.weight * F.cross_entropy(self.classifier(points).float(), self.component_of(noise))


class UniformMoonGenerator(nn.Module):
    """An untrainable dummy: ignores its input and returns uniform points in [-2, 2]^2."""

    trainable = False  # the loops skip its optimizer step

    def __init__(self, input_size: int = 100, output_size: int = 2, noise: str = "uniform"):
        super().__init__()
        self.input_size, self.noise = input_size, noise
        self.output_size = output_size
        # One parameter so optimizers accept the module; it never affects the output.
        self.dummy = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return torch.rand(x.shape[0], self.output_size, device=x.device, dtype=x.dtype) * 4 - 2


class MoonDiscriminator(nn.Module):
    """Points (B, inputs) -> logits (B, 1); no sigmoid. The handout's: 2 hidden layers of 1024."""

    def __init__(self, inputs: int = 2, hiddens: int = 1024, depth: int = 2):
        super().__init__()
        self.net = mlp(inputs, 1, depth, hiddens)

    def forward(self, x):
        return self.net(x)
