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


def _to_device(tensor: torch.Tensor, device) -> torch.Tensor:
    """`tensor` on `device`. To a GPU through pinned memory without blocking: a plain copy from pageable
    memory makes the host wait until the GPU has finished all the work queued before it."""
    if torch.device(device).type != "cuda":
        return tensor.to(device)
    return tensor.pin_memory().to(device, non_blocking=True)


class EpochOrder:
    """Which items each iteration takes: epoch e is the permutation drawn from a generator seeded with
    (seed, e), cut into batches; the last incomplete batch of an epoch is dropped (steady batch-norm batches)."""

    def __init__(self, n_items: int, batch_size: int, seed: int, device, what: str = "the data"):
        if n_items < batch_size:
            raise GanforgeError(f"{what} holds {n_items} images, fewer than --batch-size "
                                f"{batch_size}; a GAN needs hundreds")
        self.n_items, self.batch_size, self.seed, self.device = n_items, batch_size, seed, device
        self.per_epoch = n_items // batch_size
        self._epoch, self._order = -1, None

    def indices(self, step: int) -> torch.Tensor:
        """The item indices of iteration `step` (0-based), on the data's device."""
        epoch, i = divmod(step, self.per_epoch)
        if epoch != self._epoch:
            gen = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
            self._order = _to_device(torch.randperm(self.n_items, generator=gen), self.device)
            self._epoch = epoch
        return self._order[i * self.batch_size:(i + 1) * self.batch_size]


class BatchSampler:
    """Shuffled batches of one image set (unpaired training draws one per style, with its own seed)."""

    def __init__(self, images: torch.Tensor, batch_size: int, seed: int, channels_last: bool = False,
                 name: str = "images"):
        self.images, self.channels_last = images, channels_last
        self.order = EpochOrder(images.shape[0], batch_size, seed, images.device, name)

    def batch(self, step: int) -> torch.Tensor:
        """The float batch of iteration `step` (0-based)."""
        return to_model_range(self.images[self.order.indices(step)], self.channels_last)


# Keeps the flip and shift draws' generator seeds apart from the epoch orders' (seed * 1,000,003 + epoch).
_PAIR_DRAWS_STREAM = 1 << 62


class PairedBatchSampler:
    """Shuffled batches of pairs: the same emojis in two styles, row for row (paired training)."""

    def __init__(self, images_a: torch.Tensor, images_b: torch.Tensor, pairs: tuple[torch.Tensor, torch.Tensor],
                 batch_size: int, seed: int, channels_last: bool = False, name: str = "the pairs",
                 flip: bool = False, shift: int = 0):
        self.images_a, self.images_b, self.channels_last = images_a, images_b, channels_last
        self.pair_a, self.pair_b = (p.to(images_a.device) for p in pairs)
        self.order = EpochOrder(len(self.pair_a), batch_size, seed, images_a.device, name)
        self.seed, self.flip, self.shift = seed, flip, shift

    def batch(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The pairs of iteration `step`. With `flip`, half of them mirrored left-right; with `shift`, each
        moved by up to `shift` pixels in x and y; both images of a pair alike. The draws are a function of
        (seed, step), so a resumed run changes the same pairs the same way."""
        index = self.order.indices(step)
        a, b = self.images_a[self.pair_a[index]], self.images_b[self.pair_b[index]]
        if not (self.flip or self.shift):
            return to_model_range(a, self.channels_last), to_model_range(b, self.channels_last)
        gen = torch.Generator().manual_seed(_PAIR_DRAWS_STREAM + (self.seed << 32) + step)
        if self.flip:
            mirrored = _to_device(torch.rand(len(index), generator=gen) < 0.5, a.device).view(-1, 1, 1, 1)
            a, b = torch.where(mirrored, a.flip(-1), a), torch.where(mirrored, b.flip(-1), b)
        if self.shift:
            offsets = torch.randint(-self.shift, self.shift + 1, (len(index), 2), generator=gen).tolist()
            a, b = shifted(a, offsets), shifted(b, offsets)
        return to_model_range(a, self.channels_last), to_model_range(b, self.channels_last)


def shifted(images: torch.Tensor, offsets: list[list[int]]) -> torch.Tensor:
    """Each image (N, C, H, W) moved by its (dy, dx), the edge pixels repeated into the space it leaves."""
    m = max(abs(v) for pair in offsets for v in pair)
    if m == 0:
        return images
    h, w = images.shape[-2:]
    padded = torch.nn.functional.pad(images.float(), (m, m, m, m), mode="replicate").to(images.dtype)
    return torch.stack([padded[i, :, m - dy:m - dy + h, m - dx:m - dx + w] for i, (dy, dx) in enumerate(offsets)])


class PointBatches:
    """Consecutive slices of a point set, as the Radboud handout's unshuffled DataLoader serves them.

    An epoch is ceil(N / batch_size) batches; its last batch may be short, as in the
    handout. With `shuffle` the points are permuted at the start of every epoch with
    the global RNG (torch.randperm), which the checkpoints save and restore.
    """

    def __init__(self, points: torch.Tensor, batch_size: int, shuffle: bool = False):
        self.points, self.batch_size, self.shuffle = points, batch_size, shuffle
        self.per_epoch = self.per_epoch_of(points.shape[0], batch_size)
        self._order = None

    @staticmethod
    def per_epoch_of(n_points: int, batch_size: int) -> int:
        """Batches in an epoch of n_points (the last one may be short)."""
        return math.ceil(n_points / batch_size)

    def batch(self, step: int) -> torch.Tensor:
        """The batch of iteration `step` (0-based); call it once per iteration, in order."""
        b = step % self.per_epoch
        if self.shuffle and (b == 0 or self._order is None):
            self._order = torch.randperm(self.points.shape[0], device=self.points.device)
        index = slice(b * self.batch_size, (b + 1) * self.batch_size)
        return self.points[self._order[index]] if self.shuffle else self.points[index]
