"""From package to pixels: what each style holds, and one emoji as a uint8 RGB picture.

PNG styles are read from their tarball; the Windows (Fluent) SVGs are rendered with
resvg at WINDOWS_OVERSAMPLE times the output size, then downsized like the PNGs.
Only base emojis are built: the catalog's top-level entries, not their skin-tone
variations.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
import resvg_py

from .. import archive as archive_mod
from ..images import UnreadableImage, load_image
from .npm import Downloader, read_package_json
from .packages import DATASOURCE_STYLES, FLUENT_EXTRA_CHARS, normalize_codepoint

WINDOWS_OVERSAMPLE = 4  # SVGs are rendered at 4x the output size, then downsized like the PNGs


@dataclass(frozen=True)
class Emoji:
    codepoint: str  # normal form, see normalize_codepoint
    name: str       # e.g. "grinning face"
    category: str   # e.g. "Smileys & Emotion"


class Sources:
    """The packages of one build, downloaded and parsed on first use."""

    def __init__(self, styles: list[str], downloader: Downloader, progress):
        self.styles = styles
        self.downloader = downloader
        self.progress = progress
        self._catalog = None
        self._fluent = None

    def catalog(self) -> dict[str, dict]:
        """Normal codepoint -> emoji.json entry, base emojis only."""
        if self._catalog is None:
            # emoji.json is identical in every emoji-datasource package: read it from a
            # package this build downloads anyway, or one already downloaded, else
            # from the (smaller) metadata package.
            key = next((s for s in self.styles if s in DATASOURCE_STYLES), None)
            key = key or next((s for s in DATASOURCE_STYLES if self.downloader.has(s)), "catalog")
            entries = read_package_json(self.downloader.tarball(key, self.progress), "emoji.json")
            self._catalog = {normalize_codepoint(e["unified"]): e for e in entries}
        return self._catalog

    def fluent(self) -> tuple[dict, dict[str, str]]:
        """(icons.json, normal codepoint -> icon name) of the Fluent Emoji Flat set."""
        if self._fluent is None:
            tarball = self.downloader.tarball("windows", self.progress)
            icons = read_package_json(tarball, "icons.json")
            chars = {**FLUENT_EXTRA_CHARS, **read_package_json(tarball, "chars.json")}
            self._fluent = icons, {normalize_codepoint(cp): name for cp, name in chars.items()
                                   if name in icons.get("icons", {}) or name in icons.get("aliases", {})}
        return self._fluent

    def emoji(self, codepoint: str) -> Emoji:
        entry = self.catalog()[codepoint]
        name = (entry.get("name") or entry.get("short_name") or codepoint).lower()
        return Emoji(codepoint, name, entry.get("category") or "")

    def available(self, style: str) -> dict[str, str]:
        """Normal codepoint -> where its picture is (PNG file or icon name), base emojis only."""
        catalog = self.catalog()
        if style == "windows":
            # Skin-tone variants are not top-level catalog entries, so they drop out here.
            _, chars = self.fluent()
            return {cp: icon for cp, icon in chars.items() if cp in catalog}
        return {cp: e["image"] for cp, e in catalog.items() if e.get(f"has_img_{style}") and e.get("image")}

    def render(self, style: str, wanted: dict[str, str], size: int, background) -> dict[str, np.ndarray]:
        """Codepoint -> uint8 (size, size, 3) for the wanted emojis that render; others warned about."""
        if style == "windows":
            pictures, failed = self._render_fluent(wanted, size, background)
        else:
            pictures, failed = self._read_pngs(style, wanted, size, background)
        missing = [cp for cp in wanted if cp not in pictures and cp not in failed]
        problems = failed + [f"{cp} (no image in the package)" for cp in missing]
        if problems:
            warnings.warn(f"{style}: skipped {len(problems)} emoji(s): {', '.join(problems[:5])}"
                          + (", ..." if len(problems) > 5 else ""), stacklevel=2)
        return pictures

    def _read_pngs(self, style, wanted, size, background):
        tarball = self.downloader.tarball(style, self.progress)
        prefix = f"package/img/{style}/64/"
        by_file = {prefix + image: cp for cp, image in wanted.items()}
        pictures, failed = {}, []
        for name, file in archive_mod.iter_files(tarball, accept=by_file.__contains__):
            codepoint = by_file[name]
            try:
                pictures[codepoint] = load_image(io.BytesIO(file.read()), size, background,
                                                 name=f"{name} in {tarball.name}")
            except UnreadableImage as e:
                failed.append(f"{codepoint} ({e.reason})")
        return pictures, failed

    def _render_fluent(self, wanted, size, background):
        icons, _ = self.fluent()
        pixels = size * WINDOWS_OVERSAMPLE
        pictures, failed = {}, []
        for codepoint, icon in wanted.items():
            try:
                png = resvg_py.svg_to_bytes(svg_string=iconify_svg(icons, icon, pixels), skip_system_fonts=True)
                pictures[codepoint] = load_image(io.BytesIO(bytes(png)), size, background, name=f"icon {icon}")
            except (KeyError, ValueError, UnreadableImage) as e:
                failed.append(f"{codepoint} ({icon}: {e})")
        return pictures, failed


def iconify_svg(icon_set: dict, name: str, pixels: int) -> str:
    """A standalone SVG document (pixels x pixels) of one icon of an Iconify JSON icon set.

    Aliases are followed to their parent; their hFlip/vFlip toggle and their rotate
    (quarter turns clockwise) add up along the chain. Flips apply to the body first,
    then the rotation, as Iconify renders them. A non-square viewBox is centred.
    """
    icons, aliases = icon_set.get("icons", {}), icon_set.get("aliases", {})
    chain, current = [], name
    while current not in icons:
        if current not in aliases or current in chain:
            raise KeyError(f"no icon {name!r} in the icon set" if current not in aliases
                           else f"the alias {name!r} loops")
        chain.append(current)
        current = aliases[current].get("parent")
    entries = [aliases[a] for a in chain] + [icons[current]]  # nearest definition first

    def prop(key, default):
        return next((e[key] for e in entries if key in e), icon_set.get(key, default))

    h_flip = sum(bool(e.get("hFlip")) for e in entries) % 2 == 1
    v_flip = sum(bool(e.get("vFlip")) for e in entries) % 2 == 1
    quarter_turns = sum(int(e.get("rotate", 0)) for e in entries) % 4
    left, top = float(prop("left", 0)), float(prop("top", 0))
    width, height = float(prop("width", 16)), float(prop("height", 16))

    body = icons[current]["body"]
    if h_flip:
        body = f'<g transform="translate({2 * left + width:g} 0) scale(-1 1)">{body}</g>'
    if v_flip:
        body = f'<g transform="translate(0 {2 * top + height:g}) scale(1 -1)">{body}</g>'
    if quarter_turns:
        cx, cy = left + width / 2, top + height / 2
        body = f'<g transform="rotate({90 * quarter_turns} {cx:g} {cy:g})">{body}</g>'
        if quarter_turns % 2:
            # A quarter turn swaps the box's sides around the same centre.
            width, height = height, width
            left, top = cx - width / 2, cy - height / 2
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'width="{pixels}" height="{pixels}" viewBox="{left:g} {top:g} {width:g} {height:g}">'
            f"{body}</svg>")
