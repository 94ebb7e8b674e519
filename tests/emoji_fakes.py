"""Small synthetic emoji-like image sets for training tests (no downloads)."""
from dataclasses import dataclass

import torch


@dataclass
class FakeSplit:
    images: torch.Tensor
    codepoints: list
    names: list
    categories: list


def circles(n: int, colour, seed: int, size: int = 32) -> torch.Tensor:
    """uint8 (n, 3, size, size): filled circles of random radius and centre on white."""
    gen = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    out = torch.full((n, 3, size, size), 255, dtype=torch.uint8)
    for i in range(n):
        cy, cx = (torch.randint(10, 22, (2,), generator=gen)).tolist()
        r = int(torch.randint(5, 10, (1,), generator=gen))
        mask = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
        for c in range(3):
            out[i, c][mask] = colour[c]
    return out


def fake_styles(n_train: int = 48, n_test: int = 8) -> dict:
    styles = {}
    for s, (name, colour) in enumerate((("apple", (240, 200, 40)), ("windows", (60, 120, 230)))):
        split = {}
        for k, (part, n) in enumerate((("train", n_train), ("test", n_test))):
            codes = [f"{part}{i:03d}" for i in range(n)]
            split[part] = FakeSplit(circles(n, colour, seed=100 * k + (s if part == "train" else 0)),
                                    codes, codes, ["smileys"] * n)
        styles[name] = split
    return styles


def patch_emoji_data(monkeypatch, styles=None):
    """Make the training loops read the synthetic styles instead of the built cache."""
    styles = styles or fake_styles()
    # Every reader calls the loader as an attribute of this one module, so one patch covers them all.
    from ganforge.data.emoji import datasets

    monkeypatch.setattr(datasets, "load_emoji_splits", lambda cfg, names: {n: styles[n] for n in names})
    return styles


def write_archive_layout(root, n_train: int = 40, n_test: int = 8):
    """The course archive layout with synthetic PNGs: Apple/, Windows/, Test_Apple/, Test_Windows/."""
    from pathlib import Path

    from PIL import Image

    root = Path(root)
    styles = fake_styles(n_train, n_test)
    for style, folder in (("apple", "Apple"), ("windows", "Windows")):
        for part, prefix in (("train", ""), ("test", "Test_")):
            target = root / f"{prefix}{folder}" / "emojis"
            target.mkdir(parents=True)
            split = styles[style][part]
            for code, image in zip(split.codepoints, split.images):
                Image.fromarray(image.permute(1, 2, 0).numpy()).save(target / f"{code}.png")
    return root
