"""Applying the trained StyleNet: features for FD/KID, style logits for the style rates.

    net, meta = load_feature_net()
    feats = extract_features(net, images)      # (N, 128) float32
    style_rate(net, meta, fake_windows, "windows")
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from ..errors import GanforgeError
from ..metrics.common import as_images
from ..metrics.style import share_classified_as
from ..models.modes import eval_mode
from ..models.stylenet import StyleNet
from .store import TRAIN_HINT, load_feature_net

IMAGE_SIZE = 32  # StyleNet is trained on 32x32 emojis; other sizes are resized to this


def to_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 or [-1, 1] float images -> float32 (N, 3, 32, 32) in [-1, 1] on the CPU."""
    x = as_images(images, "images").cpu()
    if x.shape[1] != 3:
        raise GanforgeError(f"images must have 3 channels (RGB); got {x.shape[1]}")
    if x.shape[-2:] != (IMAGE_SIZE, IMAGE_SIZE):
        x = F.interpolate(x, size=(IMAGE_SIZE, IMAGE_SIZE), mode="bilinear", antialias=True,
                          align_corners=False)
    return x


def _apply(net: StyleNet, images: torch.Tensor, fn: Callable, batch: int = 500) -> list:
    """fn(net, x) over batches of images in eval mode, no grad, fp32; the list of outputs."""
    if batch < 1:
        raise GanforgeError(f"batch must be >= 1, got {batch}")
    device = next(net.parameters()).device
    x = to_input(images)
    with eval_mode(net), torch.no_grad():
        return [fn(net, x[i:i + batch].to(device)) for i in range(0, x.shape[0], batch)]


def logits(net: StyleNet, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(style logits (N, n_styles), category logits (N, n_categories)), float32 on the CPU."""
    out = _apply(net, images, lambda n, x: tuple(t.float().cpu() for t in n(x)))
    return torch.cat([s for s, _ in out]), torch.cat([c for _, c in out])


def extract_features(net: StyleNet, images: torch.Tensor, batch: int = 500) -> torch.Tensor:
    """float32 (N, D) features of uint8 [0, 255] or float [-1, 1] images (N, 3, H, W), on the CPU.

    Other sizes than 32x32 are resized to it (bilinear, antialiased) first.
    """
    return torch.cat(_apply(net, images, lambda n, x: n.features(x).float().cpu(), batch))


def predict_styles(net: StyleNet, meta: dict, images: torch.Tensor) -> list[str]:
    """The style the net names for each image."""
    style_logits, _ = logits(net, images)
    return [meta["styles"][i] for i in style_logits.argmax(1).tolist()]


def _style_index(meta: dict, name: str) -> int:
    if name not in meta["styles"]:
        raise GanforgeError(f"the feature network knows the styles {', '.join(meta['styles'])}, not "
                            f"{name!r}; build that style and {TRAIN_HINT}")
    return meta["styles"].index(name)


def style_rate(net: StyleNet, meta: dict, images: torch.Tensor, style: str, versus: str | None = None) -> float:
    """The share of images classified as `style` (e.g. translations into it); higher is better.

    With `versus`, the choice is only between `style` and `versus` (a translation's
    target and source style): the share of images the net finds closer to `style`.
    """
    target = _style_index(meta, style)
    other = None if versus is None else _style_index(meta, versus)
    style_logits, _ = logits(net, images)
    return share_classified_as(style_logits, target, other)


def pair_accuracy(meta: dict, a: str, b: str) -> float | None:
    """The held-out two-way accuracy between styles a and b from the meta (None if not measured)."""
    pairs = meta.get("held_out", {}).get("style_pairwise", {})
    return pairs.get(f"{a}-{b}", pairs.get(f"{b}-{a}"))


class FeatureNet:
    """The trained StyleNet, loaded once for a run's evaluations; `missing` says why when it is not there.

    The features of real image sets that every evaluation scores against are computed
    once and remembered (`remember=True`).
    """

    def __init__(self, cache=None):
        self.net, self.meta, self.missing = None, None, None
        try:
            self.net, self.meta = load_feature_net(cache)
        except GanforgeError as e:
            self.missing = str(e)
        self._remembered: dict[int, tuple] = {}

    @property
    def available(self) -> bool:
        return self.net is not None

    @property
    def digest(self) -> str | None:
        """The first 16 hex digits of the weights' sha256: which network scores came through."""
        return self.meta["sha256"][:16] if self.meta else None

    @property
    def styles(self) -> list[str]:
        return list(self.meta["styles"]) if self.meta else []

    def _cached(self, images: torch.Tensor, remember: bool, compute: Callable) -> object:
        key = (id(images), compute.__name__)
        if key in self._remembered:
            return self._remembered[key][1]
        value = compute(self.net, images)
        if remember:
            self._remembered[key] = (images, value)  # holding the tensor keeps its id from being reused
        return value

    def features(self, images: torch.Tensor, remember: bool = False) -> torch.Tensor:
        return self._cached(images, remember, extract_features)

    def style_logits(self, images: torch.Tensor, remember: bool = False) -> torch.Tensor:
        return self._cached(images, remember, _style_logits)

    def pair_accuracy(self, a: str, b: str) -> float | None:
        return pair_accuracy(self.meta, a, b) if self.meta else None


def _style_logits(net: StyleNet, images: torch.Tensor) -> torch.Tensor:
    return logits(net, images)[0]
