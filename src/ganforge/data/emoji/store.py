"""Loading built emoji styles (or the course archive) as uint8 tensors, and pairing them by codepoint."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

from ...errors import GanforgeError
from .cache import SPLITS, build_hint, is_built, read_index, style_dir
from .packages import check_styles


@dataclass
class EmojiSplit:
    images: torch.Tensor   # uint8 (N, 3, H, W)
    codepoints: list[str]  # normal form for built styles; file stems for the archive layout
    names: list[str]
    categories: list[str]

    def __len__(self) -> int:
        return len(self.codepoints)

    def to(self, device) -> "EmojiSplit":
        """The same split with its images on device (moved once, not per batch)."""
        return replace(self, images=self.images.to(device))



def load_style(style: str, split: str, size: int = 32, background="white", cache=None) -> EmojiSplit:
    """A built style's train or test split. Never downloads: unbuilt data is an error saying what to run."""
    style = check_styles([style], option="style")[0]
    if split not in SPLITS:
        raise GanforgeError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    folder = style_dir(style, size, background, cache)
    if not is_built(folder):
        raise GanforgeError(f"the {style} emojis at {size}x{size} on {background} are not built "
                            f"(looked in {folder}); run `{build_hint(style, size, background, cache)}`")
    entries = read_index(folder)[split]
    try:
        images = np.load(folder / f"{split}.npy", allow_pickle=False)
    except (OSError, ValueError) as e:
        raise GanforgeError(f"{folder / (split + '.npy')} is unreadable ({e}); delete {folder} and build again") from None
    if images.dtype != np.uint8 or images.shape != (len(entries), 3, size, size):
        raise GanforgeError(f"{folder / (split + '.npy')} holds {images.dtype} {images.shape}, expected uint8 "
                            f"({len(entries)}, 3, {size}, {size}); delete {folder} and build again")
    return EmojiSplit(torch.from_numpy(images), [e["codepoint"] for e in entries],
                      [e["name"] for e in entries], [e["category"] for e in entries])


def paired_indices(a: EmojiSplit, b: EmojiSplit) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices into a and b of the emojis with equal codepoints, sorted by codepoint (first of duplicates)."""
    first_a, first_b = {}, {}
    for i, cp in enumerate(a.codepoints):
        first_a.setdefault(cp, i)
    for i, cp in enumerate(b.codepoints):
        first_b.setdefault(cp, i)
    shared = sorted(first_a.keys() & first_b.keys())
    return (torch.tensor([first_a[cp] for cp in shared], dtype=torch.long),
            torch.tensor([first_b[cp] for cp in shared], dtype=torch.long))

