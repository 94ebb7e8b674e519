"""Image grids written as PNG files."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from ..fileio import write_atomically


def grid_array(images: torch.Tensor, ncol: int, pad: int = 2, scale: int = 2, fill: int = 255) -> np.ndarray:
    """uint8 (N, 3, H, W) -> one (rows*H', ncol*W', 3) array, each image enlarged `scale` times."""
    images = images.cpu()
    if scale > 1:
        images = images.repeat_interleave(scale, dim=2).repeat_interleave(scale, dim=3)
    n, _, h, w = images.shape
    nrow = -(-n // ncol)
    out = np.full((nrow * (h + pad) + pad, ncol * (w + pad) + pad, 3), fill, dtype=np.uint8)
    for i in range(n):
        r, c = divmod(i, ncol)
        y, x = pad + r * (h + pad), pad + c * (w + pad)
        out[y:y + h, x:x + w] = images[i].permute(1, 2, 0).numpy()
    return out


@dataclass(frozen=True)
class Grid:
    """A grid of images to draw: what it shows (name: the file's suffix, "" for samples), the images (uint8
    (N, 3, H, W), row after row), the columns, and the label over each column (repeated)."""
    name: str
    images: torch.Tensor
    ncol: int
    header: tuple[str, ...] = ()


def grid_picture(images: torch.Tensor, ncol: int, header=None, **kwargs) -> Image.Image:
    """The grid as a picture; header: a label over each column (repeated when the grid has more columns than
    labels), wrapped to the column's width."""
    picture = Image.fromarray(grid_array(images, ncol, **kwargs))
    if header:
        picture = with_header(picture, [header[c % len(header)] for c in range(ncol)], kwargs.get("pad", 2))
    return picture


def grid_png(grid: Grid, compress_level: int = 1, **kwargs) -> bytes:
    """The grid as PNG bytes, for a page that shows it live: compressed lightly by default, since a frame is
    sent once to a page on this machine and zlib's default level takes most of a frame's time."""
    out = io.BytesIO()
    grid_picture(grid.images, grid.ncol, grid.header, **kwargs).save(out, format="PNG", compress_level=compress_level)
    return out.getvalue()


def save_grid(images: torch.Tensor, path: Path, ncol: int, header=None, **kwargs) -> Path:
    """Write the grid atomically: a half-written PNG never appears under the final name."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    picture = grid_picture(images, ncol, header, **kwargs)
    return write_atomically(path, lambda tmp: picture.save(tmp, format="PNG"))


HEADER_FONT_SIZE = 11


def with_header(picture: Image.Image, labels: list[str], pad: int = 2) -> Image.Image:
    """The picture under a white band that names its columns (equal widths, `pad` pixels apart)."""
    font = ImageFont.load_default(size=HEADER_FONT_SIZE)
    column = (picture.width - pad) / len(labels)
    wrapped = [_wrap(label, font, column - pad) for label in labels]
    line = HEADER_FONT_SIZE + 3
    band = line * max(len(lines) for lines in wrapped) + 4
    out = Image.new("RGB", (picture.width, picture.height + band), "white")
    out.paste(picture, (0, band))
    draw = ImageDraw.Draw(out)
    for c, lines in enumerate(wrapped):
        for k, text in enumerate(lines):
            width = draw.textlength(text, font=font)
            draw.text((pad + c * column + max(0.0, (column - pad - width) / 2), 2 + k * line), text, fill="black",
                      font=font)
    return out


def _wrap(text: str, font, width: float) -> list[str]:
    """Words into lines of at most `width` pixels (a word longer than that is cut with an ellipsis)."""
    lines: list[str] = []
    for word in text.split():
        while font.getlength(word) > width and len(word) > 1:
            word = word[:-2] + "…"
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def interleave(*columns: torch.Tensor) -> torch.Tensor:
    """[a0, b0, c0, a1, b1, c1, ...]: rows of (source | translation | reconstruction)."""
    return torch.stack(columns, dim=1).flatten(0, 1)


def save_figure(fig, path: Path, dpi: int = 100) -> Path:
    """Write a matplotlib Figure as a PNG, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomically(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format="png"))
