"""DiffAugment (Zhao et al., NeurIPS 2020): differentiable augmentations of what the discriminator sees.

With about 1,500 images per style a discriminator memorizes the training set; showing it
randomly shifted and cut-out versions of real *and* generated images (the same policy
for both, gradients flowing through into the generator) keeps it from doing so without
teaching the generator to produce shifted images. Only geometric policies are offered:
colour is the style being learned, so colour jitter would blur the target.

Random draws use the global RNG, which checkpoints save, so resumed runs stay exact.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..errors import GanforgeError

TRANSLATION_RATIO = 0.125  # shift by up to 1/8 of the image side (4 pixels at 32x32), padding with zeros
CUTOUT_RATIO = 0.5         # zero a square half the image side at a random place


def translation(x: torch.Tensor, ratio: float = TRANSLATION_RATIO) -> torch.Tensor:
    """Shift each image by its own (dy, dx) in [-ratio * size, ratio * size], zeros coming in."""
    b, _, h, w = x.shape
    sy, sx = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy = torch.randint(-sy, sy + 1, (b, 1, 1), device=x.device)
    dx = torch.randint(-sx, sx + 1, (b, 1, 1), device=x.device)
    rows = (torch.arange(h, device=x.device).view(1, h, 1) + dy + 1).clamp(0, h + 1)   # (B, H, 1) into the padded image
    cols = (torch.arange(w, device=x.device).view(1, 1, w) + dx + 1).clamp(0, w + 1)   # (B, 1, W)
    padded = F.pad(x, (1, 1, 1, 1))                                                    # a zero border to clamp onto
    batch = torch.arange(b, device=x.device).view(b, 1, 1)
    return padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2).contiguous(memory_format=
                                                                                          _format(x))


def cutout(x: torch.Tensor, ratio: float = CUTOUT_RATIO) -> torch.Tensor:
    """Zero one square of side ratio * size per image, centred anywhere in the image (cut off at the edges)."""
    b, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    top = torch.randint(0, h + 1, (b, 1, 1), device=x.device) - ch // 2     # squares may reach past an edge
    left = torch.randint(0, w + 1, (b, 1, 1), device=x.device) - cw // 2
    ys = torch.arange(h, device=x.device).view(1, h, 1)
    xs = torch.arange(w, device=x.device).view(1, 1, w)
    inside = (ys >= top) & (ys < top + ch) & (xs >= left) & (xs < left + cw)  # (B, H, W)
    return x * (~inside).unsqueeze(1).to(x.dtype)


def _format(x: torch.Tensor):
    return torch.channels_last if x.is_contiguous(memory_format=torch.channels_last) and x.shape[1] > 1 \
        else torch.contiguous_format


POLICIES = {"translation": translation, "cutout": cutout}


def parse_policies(text: str) -> list[str]:
    """'translation,cutout' -> ["translation", "cutout"]; an unknown name is an error naming --augment."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in POLICIES]
    if unknown:
        raise GanforgeError(f"--augment: unknown policy {unknown[0]!r}; choose from {', '.join(POLICIES)} "
                            "(comma-separated, or empty for none)")
    return names


class DiffAugment:
    """Applies the named policies in order; the same object augments real and fake batches alike."""

    def __init__(self, policies: str):
        self.policies = [POLICIES[name] for name in parse_policies(policies)]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        for policy in self.policies:
            x = policy(x)
        return x
