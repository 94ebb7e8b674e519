"""Emoji images for the loops: loaded once onto the device, served by index."""
from __future__ import annotations

import torch

from ..errors import GanforgeError

IMAGE_SIZE = 32  # every emoji model here is built for 32x32 images


def load_emoji_splits(cfg, styles: list[str]) -> dict:
    """{style: {"train": EmojiSplit, "test": EmojiSplit}} from the archive layout or the built cache."""
    from ..data import emojis

    if cfg.data_dir:
        layout = emojis.load_archive_layout(cfg.data_dir, size=IMAGE_SIZE, background=cfg.background,
                                            strict=cfg.strict)
        missing = [s for s in styles if s not in layout]
        if missing:
            raise GanforgeError(f"--data-dir {cfg.data_dir} has no {missing[0]!r} style; "
                                f"it holds {', '.join(sorted(layout))}")
        return {s: layout[s] for s in styles}
    return {s: {split: emojis.load_style(s, split, size=IMAGE_SIZE, background=cfg.background,
                                         cache=cfg.cache or None)
                for split in ("train", "test")}
            for s in styles}


def to_model_range(images: torch.Tensor, channels_last: bool = False) -> torch.Tensor:
    """uint8 (B, 3, H, W) -> float in [-1, 1], the seeds' Normalize(0.5, 0.5)."""
    x = images.float().div_(127.5).sub_(1.0)
    return x.contiguous(memory_format=torch.channels_last) if channels_last else x


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """float in [-1, 1] -> uint8 (B, 3, H, W) on the CPU."""
    return ((images.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).cpu()


class BatchSampler:
    """Shuffled batches of one image set, a pure function of (seed, step).

    Epoch e is the permutation drawn from a generator seeded with (seed, e), and
    the last incomplete batch of an epoch is dropped (steady batch-norm batches).
    Because nothing is carried from step to step, a resumed run draws exactly
    the batches the uninterrupted run would have drawn.
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
