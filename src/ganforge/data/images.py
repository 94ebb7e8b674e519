"""Image files -> RGB uint8 arrays, with transparency composited onto a background.

Emoji PNGs are mostly transparent, and the transparent pixels hold arbitrary
colours (often black). `convert('RGB')` exposes those colours; here every
image is composited onto an opaque background colour before it is resized,
so edges blend into the background and never into black.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageColor, ImageOps, UnidentifiedImageError

from ..errors import GanforgeError

# Pixels an image may declare before it is refused unread: 8192 x 8192. Emojis are
# tiny, so anything near this is a mistake or a decompression bomb.
DEFAULT_MAX_PIXELS = 8192 * 8192

# Files that load_folder considers images; other files (README.txt, ...) are ignored.
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff"})

# How many names a "skipped unreadable files" warning lists before "...".
_NAMES_SHOWN = 5


class UnreadableImage(GanforgeError):
    """A file that is not an image PIL can decode (or is too large to try)."""

    def __init__(self, path, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"cannot read the image {path}: {reason}")


def parse_color(background) -> tuple[int, int, int]:
    """'white', '#ffcc00', 'rgb(1,2,3)' or an (r, g, b) tuple -> (r, g, b) ints."""
    if isinstance(background, (tuple, list)) and len(background) == 3:
        rgb = tuple(int(c) for c in background)
    else:
        try:
            rgb = ImageColor.getrgb(str(background))[:3]
        except ValueError:
            raise GanforgeError(f"background colour {background!r} is not a colour name "
                                "(white, black, ...) or #rrggbb") from None
    if not all(0 <= c <= 255 for c in rgb):
        raise GanforgeError(f"background colour {background!r} has channels outside 0..255")
    return rgb


def _straight_rgba(image: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """Colour as float (H, W, 3) in [0, 1] and alpha (H, W) in [0, 1], or None when opaque."""
    mode = image.mode
    if mode.startswith("I;16") or mode in ("I", "F"):
        # 16-bit and integer grayscale: convert('L') would clip at 255 instead of scaling.
        gray = np.asarray(image, dtype=np.float64)
        if mode == "F":
            scale = 1.0 if gray.max(initial=0) <= 1.0 else 255.0
        elif mode == "I" and gray.max(initial=0) <= 255:
            scale = 255.0  # an 8-bit image stored as 32-bit integers
        else:
            scale = 65535.0
        gray = np.clip(gray / scale, 0.0, 1.0)
        return np.repeat(gray[:, :, None], 3, axis=2), None
    has_alpha = "A" in mode or "a" in mode or "transparency" in image.info
    # PIL knows palette, LA/PA, premultiplied RGBa/La, CMYK (incl. Adobe's inverted
    # JPEGs), YCbCr, LAB, HSV and 1-bit; tRNS transparency becomes alpha here.
    try:
        converted = image.convert("RGBA" if has_alpha else "RGB")
    except (ValueError, OSError) as e:
        raise ValueError(f"unsupported image mode {mode} ({e})") from None
    pixels = np.asarray(converted, dtype=np.float64) / 255.0
    if not has_alpha:
        return pixels, None
    return pixels[:, :, :3], pixels[:, :, 3]


def composite(image: Image.Image, background="white") -> Image.Image:
    """The image as opaque RGB, its transparency composited onto the background colour.

    out = alpha * colour + (1 - alpha) * background; the colour of fully transparent
    pixels is multiplied by 0, so whatever they hold never shows.
    """
    bg = np.asarray(parse_color(background), dtype=np.float64) / 255.0
    rgb, alpha = _straight_rgba(image)
    if alpha is not None:
        a = alpha[:, :, None]
        rgb = rgb * a + bg * (1.0 - a)
    return Image.fromarray(np.rint(rgb * 255.0).astype(np.uint8), "RGB")


def to_rgb_array(image: Image.Image, size: int, background="white") -> np.ndarray:
    """Composite onto the background, then resize to (size, size): uint8 (size, size, 3).

    Compositing first and resizing the opaque result is the same as resizing with
    premultiplied alpha and compositing afterwards (a resize is a weighted average
    whose weights sum to 1), so no dark fringes appear. Non-square images keep their
    aspect ratio and are centred on the background (letterboxed), not stretched.
    """
    if size < 1:
        raise GanforgeError(f"image size must be >= 1 pixel, got {size}")
    flat = composite(image, background)
    width, height = flat.size
    scale = size / max(width, height)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    if (new_w, new_h) != (width, height):
        # Downsizing averages each output pixel's area (BOX): no negative filter lobes,
        # so no light or dark halos at the emojis' sharp edges (LANCZOS rings there).
        # Upsizing interpolates linearly, which cannot overshoot either.
        shrinking = new_w <= width and new_h <= height
        flat = flat.resize((new_w, new_h), Image.Resampling.BOX if shrinking else Image.Resampling.BILINEAR)
    if (new_w, new_h) != (size, size):
        canvas = Image.new("RGB", (size, size), parse_color(background))
        canvas.paste(flat, ((size - new_w) // 2, (size - new_h) // 2))
        flat = canvas
    return np.asarray(flat, dtype=np.uint8).copy()  # (size, size, 3)


def open_image(source, max_pixels: int = DEFAULT_MAX_PIXELS, name=None) -> Image.Image:
    """Decode one image fully (first frame, EXIF orientation applied) or raise UnreadableImage.

    source is a path or a binary file object; name is what errors call it
    (default: the path).
    """
    name = name if name is not None else source
    try:
        with warnings.catch_warnings():
            # PIL only warns between its own limit and twice it; treat that as an error too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as image:
                width, height = image.size
                if width < 1 or height < 1:
                    raise UnreadableImage(name, f"it declares an empty size {width}x{height}")
                if width * height > max_pixels:
                    raise UnreadableImage(name, f"it declares {width}x{height} pixels, over the "
                                                f"limit of {max_pixels} (a decompression bomb?)")
                image.load()
                return ImageOps.exif_transpose(image)
    except UnreadableImage:
        raise
    except FileNotFoundError:
        raise UnreadableImage(name, "no such file") from None
    except IsADirectoryError:
        raise UnreadableImage(name, "it is a folder") from None
    except UnidentifiedImageError:
        raise UnreadableImage(name, "not an image PIL recognizes") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise UnreadableImage(name, f"too many pixels ({e})") from None
    except MemoryError:
        raise UnreadableImage(name, "out of memory while decoding it") from None
    except Exception as e:  # noqa: BLE001 - decoders raise anything on corrupt data
        raise UnreadableImage(name, f"corrupt or truncated ({type(e).__name__}: {e})") from None


def load_image(source, size: int, background="white", max_pixels: int = DEFAULT_MAX_PIXELS,
               name=None) -> np.ndarray:
    """One image (a path or binary file object) -> uint8 (size, size, 3) on the background."""
    return load_image_sized(source, size, background, max_pixels, name)[0]


def load_image_sized(source, size: int, background="white", max_pixels: int = DEFAULT_MAX_PIXELS,
                     name=None) -> tuple[np.ndarray, tuple[int, int]]:
    """load_image, and the (width, height) the image had before it was made size x size."""
    name = name if name is not None else source
    image = open_image(source, max_pixels, name)
    try:
        return to_rgb_array(image, size, background), image.size
    except ValueError as e:
        raise UnreadableImage(name, str(e)) from None


def _skipped_dir(name: str) -> bool:
    # Hidden folders and the resource forks macOS adds to zip/tar archives.
    return name.startswith(".") or name == "__MACOSX"


def image_files(folder) -> list[Path]:
    """Image files under folder, recursively, sorted by relative path (deterministic)."""
    folder = Path(folder)
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not _skipped_dir(d)]
        for name in files:
            # "._x.png" files are AppleDouble metadata, not images.
            if not name.startswith(".") and Path(name).suffix.lower() in IMAGE_SUFFIXES:
                found.append(Path(root, name))
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def load_folder_files(path, size: int, background="white", strict: bool = False,
                      min_count: int = 1) -> tuple[np.ndarray, list[Path]]:
    """Like load_folder, but returns the loaded files' paths instead of their stems."""
    folder = Path(path)
    if not folder.exists():
        raise GanforgeError(f"the folder {folder} does not exist")
    if not folder.is_dir():
        raise GanforgeError(f"{folder} is not a folder")
    images, loaded, skipped, resized = [], [], [], {}
    for file in image_files(folder):
        try:
            image, original = load_image_sized(file, size, background)
        except UnreadableImage as e:
            if strict:
                raise
            skipped.append(f"{file.relative_to(folder).as_posix()} ({e.reason})")
            continue
        images.append(image)
        loaded.append(file)
        if original != (size, size):
            resized[original] = resized.get(original, 0) + 1
    if skipped:
        shown = ", ".join(skipped[:_NAMES_SHOWN]) + (", ..." if len(skipped) > _NAMES_SHOWN else "")
        warnings.warn(f"skipped {len(skipped)} unreadable image file(s) in {folder}: {shown}", stacklevel=3)
    if resized:  # said once per folder, with the sizes found
        found = ", ".join(f"{w}x{h}" for (w, h), _ in sorted(resized.items(), key=lambda kv: -kv[1])[:3])
        warnings.warn(f"{sum(resized.values())} of the {len(loaded)} images in {folder} are not {size}x{size} "
                      f"({found}{', ...' if len(resized) > 3 else ''}): they are resized to {size}x{size}, the size "
                      "the networks see (--image-size)", stacklevel=3)
    if len(loaded) < max(min_count, 1):
        extra = f" ({len(skipped)} more could not be read)" if skipped else ""
        raise GanforgeError(f"the folder {folder} holds {len(loaded)} usable images{extra}; "
                            f"need at least {max(min_count, 1)}")
    stacked = np.stack(images)  # (N, H, W, 3)
    return np.ascontiguousarray(stacked.transpose(0, 3, 1, 2)), loaded  # (N, 3, H, W)


def load_folder(path, size: int, background="white", strict: bool = False,
                min_count: int = 1) -> tuple[np.ndarray, list[str]]:
    """Every image under path (recursively, sorted by path) -> (uint8 (N, 3, size, size), file stems).

    Unreadable files are skipped with one warning naming the first few, or, with
    strict=True, raise UnreadableImage naming the file. Fewer than min_count usable
    images is a GanforgeError that says how many were found.
    """
    images, files = load_folder_files(path, size, background, strict, min_count)
    return images, [f.stem for f in files]
