"""The project's own feature network: a small CNN trained on the emoji styles, no downloads.

FID and KID proper use Inception features, which means downloading weights trained
on ImageNet photos. `StyleNet` replaces it: a small CNN for 32x32 RGB (675k
parameters, 287k of them a colour lookup table) trained here, in 3.5
minutes on a 2-core laptop CPU, to name an emoji's style (apple, windows, ...) and its
category ("Smileys & Emotion", ...). The second task keeps the features about
content, not only style. Its 128-d feature vector feeds FD and KID (`fd_style`,
`kid_style`); its style head gives a translation's target-style rate
(`style_rate`: the share of translated images classified as the target style).

Held-out style accuracy (the 100 test emojis x 5 styles, seed 0, 16 epochs) is
0.88: windows 0.99, twitter 0.97, google 0.92, apple 0.81, facebook 0.73; apple
and facebook, both shaded and glossy, are what it confuses. Two-way choices are
easier: apple vs windows 0.99, and 0.945-0.995 for every pair except apple-facebook
(0.86) and google-facebook (0.91); a translation's target-style rate makes the
two-way choice (source or target style?), see `style_rate(..., versus=)`. It holds under
Gaussian noise of 8/255 (0.87) and a half-strength blur (0.87); a 16x16 round trip
gives 0.78. Measured on the way (8-epoch runs unless said): plain RGB CNNs of
100k-450k parameters 0.80-0.84 whatever the optimizer, width, depth or
augmentation (0.84 after 20 epochs); a bag of quantized colours alone 0.86-0.91;
RGB plus a colour embedding 0.87; plus Gram statistics 0.89-0.90 (0.90 after 16
or 20 epochs); ensembles of two such nets 0.92-0.94, at twice the time. The
noise and blur augmentation costs about 0.02 of clean accuracy.

    meta = train_feature_net()                # once: `ganforge eval train-features`
    net, meta = load_feature_net()
    feats = extract_features(net, images)     # (N, 128) float32
    style_rate(net, meta, fake_windows, "windows")

Training is a pure function of the seed and the data (one thread; the same torch
and CPU precision give the same weights). The weights are stored as safetensors with a JSON meta under
<cache>/features-v1/; the meta holds the weights file's sha256 and is written last,
by an atomic rename, so it is the commit point: loading sees a complete pair or none,
and a modified weights file is refused. Numbers from these features are comparable
only between evaluations that use the same weights (same meta digest).
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import time
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import GanforgeError
from .common import as_images
from .fd import frechet_distance, kid
from .registry import register

FEATURES_VERSION = 1      # bump when the architecture or the training recipe changes
IMAGE_SIZE = 32           # the net is trained on 32x32 emojis; other sizes are resized to this
META_NAME = "stylenet.json"
TRAIN_HINT = "run `ganforge eval train-features`"
BUILD_HINT = "run `ganforge data build --styles apple,windows,google,twitter,facebook`"

DEFAULT_EPOCHS = 16       # passes over the training images
BATCH_SIZE = 128          # images per step
LEARNING_RATE = 3e-3      # peak Adam learning rate (warm-up over 5% of the steps, then cosine to 0)
CATEGORY_WEIGHT = 0.5     # weight of the category loss next to the style loss
MAX_SHIFT = 2             # augmentation: random shifts of up to this many pixels (edges replicated)
NOISE_MAX = 8 / 127.5     # augmentation: Gaussian noise of up to 8/255 on half the images ([-1, 1] units)
BLUR_MAX = 1.0            # augmentation: up to 100% of a half-resolution copy mixed into a quarter of them
TRAIN_THREADS = 1         # see train_feature_net: one thread is fast and the same on every machine


# The network.
def _conv_bn_relu(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
                         nn.ReLU(inplace=True))


class ColourLUT(nn.Module):
    """A learned 3D colour lookup table: each pixel's RGB -> a `dim`-vector, trilinearly interpolated.

    The table has `levels` grid points per channel (33: one every 8 of 255). A
    style's palette is its strongest cue at 32x32 (a bag of colours alone tells the
    five styles apart 91% of the time; RGB through 3x3 convolutions learns colours
    too coarsely), and interpolation keeps the output a continuous function of the
    colour, so a generated image's slightly-off colours move its features slightly.
    """

    def __init__(self, levels: int = 33, dim: int = 8):
        super().__init__()
        self.levels, self.dim = levels, dim
        self.table = nn.Parameter(torch.randn(levels ** 3, dim))
        corners = [[(c >> k) & 1 for k in range(3)] for c in range(8)]
        self.register_buffer("corners", torch.tensor(corners), persistent=False)  # (8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) in [-1, 1] -> (N, dim, H, W) float32."""
        n, _, h, w = x.shape
        levels = self.levels
        u = ((x.float() + 1) / 2).clamp(0, 1) * (levels - 1)         # grid coordinates, (N, 3, H, W)
        low = u.floor().clamp(max=levels - 2)
        frac = (u - low).unsqueeze(1)                                  # (N, 1, 3, H, W)
        bits = self.corners.view(1, 8, 3, 1, 1)                        # the cell's 8 corners
        corner = low.long().unsqueeze(1) + bits                        # (N, 8, 3, H, W)
        index = (corner[:, :, 0] * levels + corner[:, :, 1]) * levels + corner[:, :, 2]  # (N, 8, H, W)
        weight = torch.where(bits.bool(), frac, 1 - frac).prod(2)      # (N, 8, H, W), sums to 1
        # One weighted sum of 8 table rows per pixel, in a single op (many small ops are slow
        # on a busy CPU).
        out = F.embedding_bag(index.permute(0, 2, 3, 1).reshape(-1, 8), self.table, mode="sum",
                              per_sample_weights=weight.permute(0, 2, 3, 1).reshape(-1, 8))
        return out.view(n, h, w, self.dim).permute(0, 3, 1, 2)         # (N, dim, H, W)


def _gram(h: torch.Tensor) -> torch.Tensor:
    """Channel co-activations averaged over positions (Gatys' style statistics), upper triangle.

    (N, K, H, W) -> (N, K(K+1)/2), signed square root and unit length (as in bilinear CNNs).
    """
    h = h.float().flatten(2)                          # (N, K, HW)
    g = h @ h.transpose(1, 2) / h.shape[2]            # (N, K, K)
    rows, cols = torch.triu_indices(g.shape[1], g.shape[1], device=g.device)
    g = g[:, rows, cols]
    return F.normalize(g.sign() * (g.abs() + 1e-6).sqrt(), dim=1)


class StyleNet(nn.Module):
    """Colour LUT + RGB -> three conv stages -> [pooled content, Gram style stats] -> D-d features.

    Two heads read the features: style (which emoji set) and category (what it
    depicts). Input: float (N, 3, 32, 32) in [-1, 1].
    """

    def __init__(self, n_styles: int, n_categories: int, width: int = 32, feature_dim: int = 128,
                 lut_levels: int = 33, lut_dim: int = 8, gram_channels: int = 24):
        super().__init__()
        self.n_styles, self.n_categories = n_styles, n_categories
        self.width, self.feature_dim = width, feature_dim
        self.lut_levels, self.lut_dim, self.gram_channels = lut_levels, lut_dim, gram_channels
        w = width
        self.lut = ColourLUT(lut_levels, lut_dim)
        self.stage1 = nn.Sequential(_conv_bn_relu(3 + lut_dim, w), _conv_bn_relu(w, w))     # (N, w, 32, 32)
        self.stage2 = nn.Sequential(nn.MaxPool2d(2), _conv_bn_relu(w, 2 * w),
                                    _conv_bn_relu(2 * w, 2 * w))                           # (N, 2w, 16, 16)
        self.stage3 = nn.Sequential(nn.MaxPool2d(2), _conv_bn_relu(2 * w, 4 * w), nn.MaxPool2d(2),
                                    _conv_bn_relu(4 * w, 4 * w),                           # (N, 4w, 4, 4)
                                    nn.AdaptiveAvgPool2d(1), nn.Flatten())                 # (N, 4w)
        self.reduce1 = nn.Conv2d(w, gram_channels, 1)
        self.reduce2 = nn.Conv2d(2 * w, gram_channels, 1)
        n_gram = gram_channels * (gram_channels + 1) // 2
        self.project = nn.Sequential(nn.Linear(4 * w + 2 * n_gram, feature_dim, bias=False),
                                     nn.BatchNorm1d(feature_dim), nn.ReLU(inplace=True))
        self.style_head = nn.Linear(feature_dim, n_styles)
        self.category_head = nn.Linear(feature_dim, n_categories)

    def config(self) -> dict:
        """The constructor's arguments, as saved in the meta."""
        return {"n_styles": self.n_styles, "n_categories": self.n_categories, "width": self.width,
                "feature_dim": self.feature_dim, "lut_levels": self.lut_levels, "lut_dim": self.lut_dim,
                "gram_channels": self.gram_channels}

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 3, 32, 32) in [-1, 1] -> (N, D) features (after BN and ReLU)."""
        x = torch.cat([x, self.lut(x).to(x.dtype)], 1)                       # (N, 3 + lut_dim, 32, 32)
        h1 = self.stage1(x.contiguous(memory_format=torch.channels_last))     # (N, w, 32, 32)
        h2 = self.stage2(h1)
        pooled = self.stage3(h2).float()                                       # (N, 4w)
        style_stats = [_gram(self.reduce1(h1)), _gram(self.reduce2(h2))]       # 2 x (N, K(K+1)/2)
        return self.project(torch.cat([pooled, *style_stats], 1))              # (N, D)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.features(x)
        return self.style_head(h), self.category_head(h)


# Data.
def _as_split(value, style: str, part: str):
    images = getattr(value, "images", None)
    categories = getattr(value, "categories", None)
    if not torch.is_tensor(images) or images.dtype != torch.uint8 or images.ndim != 4 or images.shape[1] != 3:
        raise GanforgeError(f"the {style} {part} split must hold uint8 images (N, 3, H, W)")
    if categories is None or len(categories) != images.shape[0]:
        raise GanforgeError(f"the {style} {part} split must have one category per image")
    return value


def _built_splits(cache) -> dict:
    """{style: (train, test)} for every style built at 32x32 on white."""
    from ..data import emojis

    found = {}
    for style in emojis.STYLES:
        if (emojis.style_dir(style, IMAGE_SIZE, "white", cache) / "index.json").is_file():  # built
            found[style] = (emojis.load_style(style, "train", IMAGE_SIZE, cache=cache),
                            emojis.load_style(style, "test", IMAGE_SIZE, cache=cache))
    if len(found) < 2:
        have = f"only {next(iter(found))} is built" if found else "no emoji style is built"
        raise GanforgeError(f"training the feature network needs at least two emoji styles; {have} "
                            f"(looked in {emojis.cache_root(cache) / f'emojis-v{emojis.DATA_VERSION}'}); "
                            f"{BUILD_HINT}")
    return found


def _to_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 or [-1, 1] float images -> float32 (N, 3, 32, 32) in [-1, 1] on the CPU."""
    x = as_images(images, "images").cpu()
    if x.shape[1] != 3:
        raise GanforgeError(f"images must have 3 channels (RGB); got {x.shape[1]}")
    if x.shape[-2:] != (IMAGE_SIZE, IMAGE_SIZE):
        x = F.interpolate(x, size=(IMAGE_SIZE, IMAGE_SIZE), mode="bilinear", antialias=True,
                          align_corners=False)
    return x


def _shift(x: torch.Tensor, gen: torch.Generator, max_shift: int) -> torch.Tensor:
    """Move each image by its own random (dy, dx) in [-max_shift, max_shift], edges replicated."""
    if max_shift <= 0:
        return x
    n, _, h, w = x.shape
    padded = F.pad(x, (max_shift,) * 4, mode="replicate")          # (N, 3, H+2s, W+2s)
    dy, dx = torch.randint(0, 2 * max_shift + 1, (2, n), generator=gen)
    rows = (dy[:, None] + torch.arange(h))[:, None, :, None]         # (N, 1, H, 1)
    cols = (dx[:, None] + torch.arange(w))[:, None, None, :]         # (N, 1, 1, W)
    batch = torch.arange(n)[:, None, None, None]
    chans = torch.arange(3)[None, :, None, None]
    return padded[batch, chans, rows, cols]                          # (N, 3, H, W)


def _degrade(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Make half the images a little noisy and a quarter blurred, as generated images are.

    Without it the net learns that flat, noise-free colour means windows or twitter:
    Gaussian noise of 2/255 (invisible) turned 47% of the windows test emojis into
    other styles, 4/255 all of them; a style rate of translations would mean nothing.
    """
    n = x.shape[0]
    sigma = torch.rand(n, generator=gen) * NOISE_MAX * (torch.rand(n, generator=gen) < 0.5)
    x = x + torch.randn(x.shape, generator=gen) * sigma.view(n, 1, 1, 1)
    half = F.interpolate(x, scale_factor=0.5, mode="bilinear", antialias=True)        # (N, 3, H/2, W/2)
    blurred = F.interpolate(half, size=x.shape[-2:], mode="bilinear")                # (N, 3, H, W)
    amount = torch.rand(n, generator=gen) * BLUR_MAX * (torch.rand(n, generator=gen) < 0.25)
    amount = amount.view(n, 1, 1, 1)
    return (x * (1 - amount) + blurred * amount).clamp(-1, 1)


# Training.
def _one_cycle(step: int, total: int, warmup: int) -> float:
    """Learning-rate factor: linear warm-up, then a cosine down to 0."""
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


def _stack(splits: dict, part: int, category_index: dict) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Every style's train (part 0) or test (part 1) split as float images, style labels, category labels."""
    pairs = list(splits.values())
    images = torch.cat([_to_input(pair[part].images) for pair in pairs])           # (N, 3, 32, 32)
    styles = torch.cat([torch.full((len(pair[part].images),), i, dtype=torch.long) for i, pair in enumerate(pairs)])
    categories = torch.tensor([category_index[c] for pair in pairs for c in pair[part].categories], dtype=torch.long)
    return images, styles, categories


def _evaluate(net: StyleNet, images: torch.Tensor, styles: torch.Tensor, categories: torch.Tensor,
              names: list[str]) -> dict:
    """Held-out accuracies: style (overall and per style) and category."""
    style_logits, category_logits = _logits(net, images)
    style_ok = style_logits.argmax(1) == styles
    per_style = {name: round(float(style_ok[styles == i].float().mean()), 4)
                 for i, name in enumerate(names) if bool((styles == i).any())}
    return {"style": round(float(style_ok.float().mean()), 4),
            "category": round(float((category_logits.argmax(1) == categories).float().mean()), 4),
            "style_per_style": per_style, "style_pairwise": _pairwise(style_logits, styles, names),
            "test_images": int(images.shape[0])}


def _pairwise(style_logits: torch.Tensor, styles: torch.Tensor, names: list[str]) -> dict[str, float]:
    """{"a-b": accuracy of the two-way choice between styles a and b on the images of a and b}.

    This is the decision a translation's target-style rate makes (source or target?),
    and it is far easier than naming one of five styles: apple and facebook, both
    glossy, are confused with each other, but rarely with windows.
    """
    out = {}
    for i, a in enumerate(names):
        for j in range(i + 1, len(names)):
            mask = (styles == i) | (styles == j)
            if bool(mask.any()):
                picked = style_logits[mask][:, [i, j]].argmax(1)          # 0: a, 1: b
                out[f"{a}-{names[j]}"] = round(float((picked == (styles[mask] == j).long()).float().mean()), 4)
    return out


def pair_accuracy(meta: dict, a: str, b: str) -> float | None:
    """The held-out two-way accuracy between styles a and b from the meta (None if not measured)."""
    pairs = meta.get("held_out", {}).get("style_pairwise", {})
    return pairs.get(f"{a}-{b}", pairs.get(f"{b}-{a}"))


def _fit(net: StyleNet, data: tuple, epochs: int, gen: torch.Generator, hw, progress) -> None:
    """Adam on style + CATEGORY_WEIGHT * category cross-entropy, shifted batches, one-cycle schedule."""
    from ..train.common import adam

    images, style_labels, category_labels = data
    batch_size = min(BATCH_SIZE, images.shape[0])
    steps_per_epoch = images.shape[0] // batch_size
    total = steps_per_epoch * epochs
    optimizer = adam(net.parameters(), lr=LEARNING_RATE)
    started = time.perf_counter()
    net.train()
    for epoch in range(epochs):
        order = torch.randperm(images.shape[0], generator=gen)
        losses = torch.zeros(2)
        for i in range(steps_per_epoch):
            index = order[i * batch_size:(i + 1) * batch_size]
            x = _degrade(_shift(images[index], gen, MAX_SHIFT), gen)      # (B, 3, 32, 32)
            for group in optimizer.param_groups:
                group["lr"] = LEARNING_RATE * _one_cycle(epoch * steps_per_epoch + i, total,
                                                         warmup=max(1, total // 20))
            with hw.autocast():
                style_logits, category_logits = net(x)
            style_loss = F.cross_entropy(style_logits.float(), style_labels[index])
            category_loss = F.cross_entropy(category_logits.float(), category_labels[index])
            optimizer.zero_grad(set_to_none=True)
            (style_loss + CATEGORY_WEIGHT * category_loss).backward()
            optimizer.step()
            losses += torch.stack([style_loss.detach(), category_loss.detach()])
        losses /= steps_per_epoch
        progress(f"epoch {epoch + 1}/{epochs}: style_loss={losses[0]:.4f} category_loss={losses[1]:.4f} "
                 f"({time.perf_counter() - started:.0f} s)")


def _check_splits(splits: dict | None, cache) -> dict:
    if splits is None:
        return _built_splits(cache)
    if len(splits) < 2:
        raise GanforgeError(f"training the feature network needs at least two styles; got {len(splits)}")
    for style, pair in splits.items():
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise GanforgeError(f"splits[{style!r}] must be a (train, test) pair of splits")
        _as_split(pair[0], style, "train")
        _as_split(pair[1], style, "test")
    return splits


def train_feature_net(cache=None, seed: int = 0, epochs: int | None = None,
                      progress: Callable[[str], None] = print, *, splits: dict | None = None) -> dict:
    """Train StyleNet on every built style's train split, save it, return its meta.

    Needs at least two built styles (32x32 on white). `splits` replaces the built
    cache with in-memory data, {style: (train, test)}, each split with uint8
    `.images` (N, 3, H, W) and `.categories` (an EmojiSplit or alike). Held-out
    accuracies are measured once, after training, on the test splits (for built
    styles the same 100 emojis in every style). Saved under <cache>/features-v1/.

    Trains on the CPU, in one thread (TRAIN_THREADS), on any machine: so the
    weights depend only on the seed, the data, the torch version and the CPU's
    precision (bf16 autocast where it has bf16 instructions). One thread is also
    the fast choice for a net this small on a busy laptop: on this project's
    2-core machine, with one other process running, an epoch took 10 s in one
    thread and 173 s in two (the threads wait on each other at every layer).
    """
    from ..hardware import pick_hardware

    epochs = DEFAULT_EPOCHS if epochs is None else epochs
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
        raise GanforgeError(f"--epochs must be a whole number >= 1, got {epochs!r}")
    splits = _check_splits(splits, cache)
    styles = list(splits)
    categories = sorted({c for pair in splits.values() for split in pair for c in split.categories})
    category_index = {c: i for i, c in enumerate(categories)}
    train_x, train_s, train_c = _stack(splits, 0, category_index)  # (N, 3, 32, 32), (N,), (N,)
    test_x, test_s, test_c = _stack(splits, 1, category_index)
    threads_before = torch.get_num_threads()
    hw = pick_hardware("cpu", threads=TRAIN_THREADS, convolutional=True)
    progress(f"training the feature network on {', '.join(styles)}: {train_x.shape[0]} images, "
             f"{len(categories)} categories, {epochs} epochs ({hw.describe()}, {TRAIN_THREADS} thread)")

    # The weights and every random draw come from the seed; the global RNG is left as it was.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = StyleNet(len(styles), len(categories)).to(memory_format=torch.channels_last)
    gen = torch.Generator().manual_seed(seed)
    started = time.perf_counter()
    try:
        _fit(net, (train_x, train_s, train_c), epochs, gen, hw, progress)
    finally:
        torch.set_num_threads(threads_before)
    seconds = time.perf_counter() - started
    net.eval()
    held_out = _evaluate(net, test_x, test_s, test_c, styles)

    meta = {
        "format": FEATURES_VERSION,
        "styles": styles,                 # the style head's classes, in order
        "categories": categories,         # the category head's classes, in order
        "net": net.config(),              # StyleNet's constructor arguments
        "seed": seed,
        "epochs": epochs,
        "image_size": IMAGE_SIZE,
        "train_images": int(train_x.shape[0]),
        "held_out": held_out,             # accuracies on the test splits
        "train_seconds": round(seconds, 1),
        "precision": hw.precision,
        "threads": TRAIN_THREADS,
        "torch": torch.__version__,
    }
    meta = save_feature_net(net, meta, cache)
    progress(f"held-out style accuracy {held_out['style']:.3f} "
             f"({', '.join(f'{k} {v:.2f}' for k, v in held_out['style_per_style'].items())}), "
             f"category accuracy {held_out['category']:.3f}; {seconds:.0f} s; "
             f"saved {features_dir(cache) / meta['weights']}")
    return meta


# Saving and loading.
def features_dir(cache=None) -> Path:
    """Where the trained feature network lives: <cache>/features-v1/."""
    from ..data.emojis import cache_root

    return cache_root(cache) / f"features-v{FEATURES_VERSION}"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _write_synced(path: Path, write: Callable[[Path], None]) -> None:
    write(path)
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def save_feature_net(net: StyleNet, meta: dict, cache=None) -> dict:
    """Write the weights (named by their digest), then the meta by an atomic rename; return the meta.

    The meta is the commit point: until it is renamed into place, loading sees the
    previous complete pair (or nothing).
    """
    from safetensors.torch import save_file

    folder = features_dir(cache)
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}
    tmp_weights = folder / f".tmp-weights-{os.getpid()}.safetensors"
    _write_synced(tmp_weights, lambda p: save_file(tensors, str(p), metadata={"format": str(FEATURES_VERSION)}))
    digest = _sha256(tmp_weights)
    weights = f"stylenet-{digest[:16]}.safetensors"
    os.replace(tmp_weights, folder / weights)
    meta = {**meta, "weights": weights, "sha256": digest}
    tmp_meta = folder / f".tmp-meta-{os.getpid()}.json"
    _write_synced(tmp_meta, lambda p: p.write_text(json.dumps(meta, indent=2) + "\n"))
    os.replace(tmp_meta, folder / META_NAME)
    for old in folder.glob("stylenet-*.safetensors"):  # weights no meta refers to any more
        if old.name != weights:
            old.unlink(missing_ok=True)
    return meta


def load_feature_net(cache=None) -> tuple[StyleNet, dict]:
    """The trained StyleNet (eval mode, CPU, fp32) and its meta; the weights' digest is checked."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    folder = features_dir(cache)
    meta_path = folder / META_NAME
    if not meta_path.is_file():
        raise GanforgeError(f"the feature network is not trained (no {meta_path}); {TRAIN_HINT}")
    try:
        meta = json.loads(meta_path.read_text())
        weights = folder / Path(meta["weights"]).name
        expected = meta["sha256"]
        net = StyleNet(**meta["net"])
        if net.n_styles != len(meta["styles"]) or net.n_categories != len(meta["categories"]):
            raise ValueError("the head sizes differ from the styles and categories listed")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
        raise GanforgeError(f"{meta_path} is not a feature-network meta ({e}); {TRAIN_HINT}") from None
    if meta.get("format") != FEATURES_VERSION:
        raise GanforgeError(f"{meta_path} is format {meta.get('format')!r}, this ganforge reads format "
                            f"{FEATURES_VERSION}; {TRAIN_HINT}")
    if not weights.is_file():
        raise GanforgeError(f"the feature network's weights {weights} are missing; {TRAIN_HINT}")
    if _sha256(weights) != expected:
        raise GanforgeError(f"the feature network's weights {weights} do not match the sha256 in "
                            f"{meta_path} (modified or truncated); {TRAIN_HINT}")
    try:
        tensors = load_file(str(weights))
        net.load_state_dict(tensors, strict=True)
    except (SafetensorError, OSError, RuntimeError, ValueError) as e:
        raise GanforgeError(f"the feature network's weights {weights} do not fit its meta ({e}); "
                            f"{TRAIN_HINT}") from None
    return net.eval(), meta


# Using the network.
def _apply(net: StyleNet, images: torch.Tensor, fn: Callable, batch: int = 500):
    """fn(net, x) over batches of images in eval mode, no grad, fp32; the list of outputs."""
    if batch < 1:
        raise GanforgeError(f"batch must be >= 1, got {batch}")
    device = next(net.parameters()).device
    x = _to_input(images)
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            return [fn(net, x[i:i + batch].to(device)) for i in range(0, x.shape[0], batch)]
    finally:
        net.train(was_training)


def _logits(net: StyleNet, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
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
    style_logits, _ = _logits(net, images)
    return [meta["styles"][i] for i in style_logits.argmax(1).tolist()]


def style_rate(net: StyleNet, meta: dict, images: torch.Tensor, style: str, versus: str | None = None) -> float:
    """The share of images classified as `style` (e.g. translations into it); higher is better.

    With `versus`, the choice is only between `style` and `versus` (a translation's
    target and source style): the share of images the net finds closer to `style`.
    """
    for name in (style, versus):
        if name is not None and name not in meta["styles"]:
            raise GanforgeError(f"the feature network knows the styles {', '.join(meta['styles'])}, not "
                                f"{name!r}; build that style and {TRAIN_HINT}")
    target = meta["styles"].index(style)
    style_logits, _ = _logits(net, images)
    if versus is None:
        return float((style_logits.argmax(1) == target).float().mean())
    other = meta["styles"].index(versus)
    return float((style_logits[:, target] > style_logits[:, other]).float().mean())


# Registered metrics: images in, the saved network's features, then FD / KID.
@register("fd_style", "images", "Frechet distance between StyleNet features (the project's own emoji "
          "network, not Inception; ganforge eval train-features); lower is better", higher_is_better=False)
def fd_style(real: torch.Tensor, fake: torch.Tensor, seed: int = 0, cache=None) -> float:
    net, _ = load_feature_net(cache)
    return frechet_distance(extract_features(net, real), extract_features(net, fake), seed=seed)


@register("kid_style", "images", "kernel distance (KID) between StyleNet features, mean over subsets "
          "(kid_style_std: their spread); lower is better", higher_is_better=False)
def kid_style(real: torch.Tensor, fake: torch.Tensor, seed: int = 0, cache=None) -> dict[str, float]:
    net, _ = load_feature_net(cache)
    values = kid(extract_features(net, real), extract_features(net, fake), seed=seed)
    return {"kid_style": values["kid"], "kid_style_std": values["kid_std"]}


@register("style_rate", "images", "share of generated images StyleNet names as the wanted style, among every "
          "style it knows (DCGAN; style_rate_floor: the same for real test images); higher is better",
          higher_is_better=True, inputs="styles")
def style_rate_metric(images: torch.Tensor, style: str, versus: str | None = None, cache=None) -> float:
    net, meta = load_feature_net(cache)
    return style_rate(net, meta, images, style, versus)


@register("target_style_rate", "translation", "share of translations StyleNet finds closer to the target "
          "style than to the source style (reported with its held-out accuracy on that pair of real styles, "
          "style_classifier_pair_accuracy); higher is better", higher_is_better=True, inputs="styles")
def target_style_rate(translated: torch.Tensor, style: str, versus: str | None = None, cache=None) -> float:
    if versus is None:
        raise GanforgeError("target_style_rate needs the source style (versus=) to choose between two styles")
    net, meta = load_feature_net(cache)
    return style_rate(net, meta, translated, style, versus)
