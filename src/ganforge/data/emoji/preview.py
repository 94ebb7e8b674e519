"""`ganforge data show`: the same emojis in each style side by side, as one PNG."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ...errors import GanforgeError
from .cache import SPLITS
from .packages import check_styles
from .store import load_style


def _font(pixels: int):
    try:
        return ImageFont.load_default(size=pixels)
    except TypeError:  # Pillow < 10.1 has only the small bitmap font
        return ImageFont.load_default()


def show_styles(styles, out_png, n: int = 16, size: int = 32, cache=None, seed: int = 0,
                background="white") -> Path:
    """A PNG grid: one row per emoji (same codepoint in every column), one column per style."""
    styles = check_styles(styles)
    if n < 1:
        raise GanforgeError(f"--n must be >= 1, got {n}")
    where = {}  # style -> codepoint -> (split, index)
    splits = {}
    for style in styles:
        splits[style] = {split: load_style(style, split, size, background, cache) for split in SPLITS}
        where[style] = {cp: (split, i) for split in SPLITS for i, cp in enumerate(splits[style][split].codepoints)}
    common = sorted(set.intersection(*(set(w) for w in where.values())))
    if not common:
        raise GanforgeError(f"no emoji exists in all of {', '.join(styles)}")
    rng = np.random.default_rng(seed)
    chosen = [common[i] for i in sorted(rng.choice(len(common), size=min(n, len(common)), replace=False))]
    first = splits[styles[0]]
    names = {cp: first[split].names[i] for cp, (split, i) in where[styles[0]].items()}

    zoom = max(1, 96 // size)  # nearest-neighbour enlargement keeps the real pixels visible
    cell, gap, label_w, header_h = size * zoom, 6, 220, 28
    width = label_w + len(styles) * (cell + gap) + gap
    height = header_h + len(chosen) * (cell + gap) + gap
    grid = Image.new("RGB", (width, height), (224, 224, 224))
    draw = ImageDraw.Draw(grid)
    font = _font(16)
    for col, style in enumerate(styles):
        draw.text((label_w + gap + col * (cell + gap), 6), style, fill=(20, 20, 20), font=font)
    for row, cp in enumerate(chosen):
        y = header_h + gap + row * (cell + gap)
        draw.text((gap, y + cell // 2 - 16), names[cp][:26], fill=(20, 20, 20), font=_font(13))
        draw.text((gap, y + cell // 2 + 2), cp, fill=(90, 90, 90), font=_font(12))
        for col, style in enumerate(styles):
            split, i = where[style][cp]
            pixels = splits[style][split].images[i].permute(1, 2, 0).numpy()  # (H, W, 3)
            tile = Image.fromarray(pixels, "RGB").resize((cell, cell), Image.Resampling.NEAREST)
            grid.paste(tile, (label_w + gap + col * (cell + gap), y))
    out = Path(out_png)
    out.parent.mkdir(parents=True, exist_ok=True)
    grid.save(out)
    return out

