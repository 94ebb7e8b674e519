"""An animated GIF of a picture series (sample grids or heatmaps) with the step written on each frame."""
from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

MAX_FRAMES = 26      # longer series are thinned evenly (first and last kept)
MAX_WIDTH = 640      # wider pictures (heatmap figures) are scaled down
FRAME_MS = 350
LAST_FRAME_MS = 1800


def thin(frames: list, limit: int = MAX_FRAMES) -> list:
    """At most `limit` frames, evenly spread, always keeping the first and the last."""
    if len(frames) <= limit:
        return list(frames)
    picks = sorted({round(i * (len(frames) - 1) / (limit - 1)) for i in range(limit)})
    return [frames[i] for i in picks]


STRIP = 20  # pixels above each frame for its caption


def _font():
    try:
        return ImageFont.load_default(size=14)  # a scalable font where Pillow has FreeType (Pillow >= 10.1)
    except (TypeError, ValueError, OSError):
        return ImageFont.load_default()


def _captioned(path: Path, caption: str, size: tuple[int, int] | None) -> Image.Image:
    with Image.open(path) as im:
        im = im.convert("RGB")
    if size is None and im.width > MAX_WIDTH:
        size = (MAX_WIDTH, round(im.height * MAX_WIDTH / im.width))
    if size is not None and im.size != size:
        im = im.resize(size, Image.LANCZOS)
    font = _font()
    strip = STRIP
    out = Image.new("RGB", (im.width, im.height + strip), "white")
    out.paste(im, (0, strip))
    ImageDraw.Draw(out).text((4, 2), caption, fill=(40, 46, 60), font=font)
    return out


def progression_gif(frames: list[tuple[int, Path]], unit: str) -> bytes | None:
    """GIF bytes of (step, png) frames, the last one held longer; None for fewer than two frames."""
    frames = thin(frames)
    if len(frames) < 2:
        return None
    images = []
    size = None
    for step, path in frames:
        image = _captioned(path, f"{unit} {step}", size)
        size = size or (image.width, image.height - STRIP)  # every frame the size of the first
        images.append(image.quantize(colors=255, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE))
    buf = io.BytesIO()
    durations = [FRAME_MS] * (len(images) - 1) + [LAST_FRAME_MS]
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0,
                   optimize=False, disposal=1)
    return buf.getvalue()
