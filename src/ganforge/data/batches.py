"""Real batches for the training loop, each a pure function of (seed, iteration).

Data lives on the device once (uint8 images, float points) and batches are indexed
from it: no decoding, no collation. Because nothing is carried from one iteration
to the next, a resumed run draws exactly the batches the uninterrupted run drew.
"""
from __future__ import annotations

import math

import torch

from ..errors import GanforgeError
from .convert import to_model_range


class BatchSampler:
    """Shuffled batches of one image set.

    Epoch e is the permutation drawn from a generator seeded with (seed, e), and
    the last incomplete batch of an epoch is dropped (steady batch-norm batches).
    """

    def __init__(self, images: torch.Tensor, batch_size: int, seed: int, channels_last: bool = False,
                 name: str = "images"):
        if images.shape[0] < batch_size:
            raise GanforgeError(f"{name} holds {images.shape[0]} images, fewer than --batch-size "
                                f"{batch_size}; a GAN needs hundreds")
        self.images, self.batch_size, self.seed = images, batch_size, seed
        self.channels_last = channels_last
        self.per_epoch = images.shape[0] // batch_size
        self._epoch, self._order = -1, None

    def _permutation(self, epoch: int) -> torch.Tensor:
        if epoch != self._epoch:
            gen = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
            self._order = torch.randperm(self.images.shape[0], generator=gen).to(self.images.device)
            self._epoch = epoch
        return self._order

    def batch(self, step: int) -> torch.Tensor:
        """The float batch of iteration `step` (0-based)."""
        epoch, i = divmod(step, self.per_epoch)
        index = self._permutation(epoch)[i * self.batch_size:(i + 1) * self.batch_size]
        return to_model_range(self.images[index], self.channels_last)


class PointBatches:
    """Consecutive slices of a point set, as the Radboud handout's unshuffled DataLoader serves them.

    An epoch is ceil(N / batch_size) batches; its last batch may be short, as in the
    handout. With `shuffle` the points are permuted at the start of every epoch with
    the global RNG (torch.randperm), which the checkpoints save and restore.
    """

    def __init__(self, points: torch.Tensor, batch_size: int, shuffle: bool = False):
        self.points, self.batch_size, self.shuffle = points, batch_size, shuffle
        self.per_epoch = math.ceil(points.shape[0] / batch_size)
        self._order = None

    def batch(self, step: int) -> torch.Tensor:
        """The batch of iteration `step` (0-based); call it once per iteration, in order."""
        b = step % self.per_epoch
        if self.shuffle and (b == 0 or self._order is None):
            self._order = torch.randperm(self.points.shape[0], device=self.points.device)
        index = slice(b * self.batch_size, (b + 1) * self.batch_size)
        return self.points[self._order[index]] if self.shuffle else self.points[index]
