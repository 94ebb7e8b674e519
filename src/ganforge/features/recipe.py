"""How StyleNet is trained: data, augmentation, schedule, and the accuracies it reaches.

`ganforge eval train-features` trains StyleNet (models/stylenet.py) on every built
style's training split, in about 3.5 minutes on a 2-core laptop CPU, and saves it
(store.py). Held-out style accuracy (the 100 test emojis x 5 styles, seed 0, 16
epochs) is 0.88: windows 0.99, twitter 0.97, google 0.92, apple 0.81, facebook 0.73;
apple and facebook, both shaded and glossy, are what it confuses. Two-way choices
are easier: apple vs windows 0.99, and 0.945-0.995 for every pair except
apple-facebook (0.86) and google-facebook (0.91); a translation's target-style rate
makes the two-way choice (source or target style?). It holds under Gaussian noise
of 8/255 (0.87) and a half-strength blur (0.87); a 16x16 round trip gives 0.78.
Measured on the way (8-epoch runs unless said): plain RGB CNNs of 100k-450k
parameters 0.80-0.84 whatever the optimizer, width, depth or augmentation (0.84
after 20 epochs); a bag of quantized colours alone 0.86-0.91; RGB plus a colour
embedding 0.87; plus Gram statistics 0.89-0.90 (0.90 after 16 or 20 epochs);
ensembles of two such nets 0.92-0.94, at twice the time. The noise and blur
augmentation costs about 0.02 of clean accuracy.

Training is a pure function of the seed and the data (one thread, fp32; the same
torch gives the same weights, whatever --threads says: see train_feature_net).
"""
from __future__ import annotations

import math
import time
from typing import Callable

import torch
import torch.nn.functional as F

from ..data.emoji import STYLES, data_root, load_style, style_dir
from ..errors import GanforgeError
from ..hardware import adam, pick_hardware, set_threads
from ..models.stylenet import StyleNet
from .apply import IMAGE_SIZE, logits, to_input
from .store import FEATURES_VERSION, features_dir, save_feature_net

BUILD_HINT = "run `ganforge data build --styles apple,windows,google,twitter,facebook`"

DEFAULT_EPOCHS = 16       # passes over the training images
BATCH_SIZE = 128          # images per step
LEARNING_RATE = 3e-3      # peak Adam learning rate (warm-up over 5% of the steps, then cosine to 0)
CATEGORY_WEIGHT = 0.5     # weight of the category loss next to the style loss
MAX_SHIFT = 2             # augmentation: random shifts of up to this many pixels (edges replicated)
NOISE_MAX = 8 / 127.5     # augmentation: Gaussian noise of up to 8/255 on half the images ([-1, 1] units)
BLUR_MAX = 1.0            # augmentation: up to 100% of a half-resolution copy mixed into a quarter of them
TRAIN_THREADS = 1         # see train_feature_net: one thread is fast and the same on every machine


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
    found = {}
    for style in STYLES:
        if (style_dir(style, IMAGE_SIZE, "white", cache) / "index.json").is_file():  # built
            found[style] = (load_style(style, "train", IMAGE_SIZE, cache=cache),
                            load_style(style, "test", IMAGE_SIZE, cache=cache))
    if len(found) < 2:
        have = f"only {next(iter(found))} is built" if found else "no emoji style is built"
        raise GanforgeError(f"training the feature network needs at least two emoji styles; {have} "
                            f"(looked in {data_root(cache)}); "
                            f"{BUILD_HINT}")
    return found


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
    images = torch.cat([to_input(pair[part].images) for pair in pairs])           # (N, 3, 32, 32)
    styles = torch.cat([torch.full((len(pair[part].images),), i, dtype=torch.long) for i, pair in enumerate(pairs)])
    categories = torch.tensor([category_index[c] for pair in pairs for c in pair[part].categories], dtype=torch.long)
    return images, styles, categories


def _evaluate(net: StyleNet, images: torch.Tensor, styles: torch.Tensor, categories: torch.Tensor,
              names: list[str]) -> dict:
    """Held-out accuracies: style (overall and per style) and category."""
    style_logits, category_logits = logits(net, images)
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


def _fit(net: StyleNet, data: tuple, epochs: int, gen: torch.Generator, hw, progress) -> None:
    """Adam on style + CATEGORY_WEIGHT * category cross-entropy, shifted batches, one-cycle schedule."""
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
                      progress: Callable[[str], None] = print, *, splits: dict | None = None, threads: int = 0) -> dict:
    """Train StyleNet on every built style's train split, save it, return its meta.

    Needs at least two built styles (32x32 on white). `splits` replaces the built
    cache with in-memory data, {style: (train, test)}, each split with uint8
    `.images` (N, 3, H, W) and `.categories` (an EmojiSplit or alike). Held-out
    accuracies are measured once, after training, on the test splits (for built
    styles the same 100 emojis in every style). Saved under <cache>/features-v1/.

    Trains on the CPU, in fp32 and one thread (TRAIN_THREADS), whatever `threads`
    says and whatever the machine: so the weights depend only on the seed, the data
    and the torch version (and, where oneDNN picks other kernels for another
    instruction set, on that). Two threads sum a convolution's weight gradient over
    the batch in another order, and give other weights (measured: a different
    sha256 after 5 steps); bf16 autocast, which machines with bf16 instructions
    used to train in, gave another network too (an FD floor of 6.27 against 4.65).
    One thread is also the fast choice for a net this small on a busy laptop: on
    this project's 2-core machine, with one other process running, an epoch took
    10 s in one thread and 173 s in two. `threads` (0: the free cores) is for
    measuring the held-out accuracies after training.
    """
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
    hw = pick_hardware("cpu", "fp32", threads=TRAIN_THREADS, convolutional=True)
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
        seconds = time.perf_counter() - started
        net.eval()
        set_threads(threads)
        held_out = _evaluate(net, test_x, test_s, test_c, styles)
    finally:
        torch.set_num_threads(threads_before)

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

