"""Emoji styles: built from public npm packages, cached as uint8 arrays, loaded for training.

Sources (SPEC section 3), pinned in PACKAGES:
- apple, google, twitter, facebook: `emoji-datasource-<style>`, 64x64 PNGs in
  img/<style>/64/. Every emoji-datasource package ships the same emoji.json (the
  catalog: unified codepoint, name, category, has_img_<style>).
- windows: `@iconify-json/fluent-emoji-flat` (Microsoft's Fluent Emoji Flat): SVG
  bodies in icons.json, codepoint -> icon name in chars.json, rasterized with resvg.

Only base emojis are built: the catalog's top-level entries, not their skin-tone
variations. Codepoints are compared in a normal form (lowercase hex, at least four
digits, variation selectors FE0E/FE0F dropped), which pairs about 1,590 Apple and
Windows emojis.

The test split is the same 100 emojis in every style, whatever styles a build asks
for: they are drawn (fixed seed) from the emojis that exist in all five styles. So a
later build that adds a style never changes an earlier style's test set, and test
sets are always paired by codepoint. Everything else is training data. Both splits
are stored sorted by codepoint. (Knowing the five-style set needs only the catalog
and the small Fluent package, 1.2 MB, so an apple-only build fetches that too.)

Outputs: <cache>/emojis-v<DATA_VERSION>/<style>-<size>-<background>/{train,test}.npy
(uint8 (N, 3, H, W)) and index.json. Nothing is downloaded at load time.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from ..errors import GanforgeError
from ..fileio import file_digest
from . import archive as archive_mod
from .images import (IMAGE_SUFFIXES, UnreadableImage, load_folder_files, load_image,
                     parse_color)

STYLES = ("apple", "windows", "google", "twitter", "facebook")
DATASOURCE_STYLES = ("apple", "google", "twitter", "facebook")  # styles with PNGs in emoji-datasource-*
SPLITS = ("train", "test")

DATA_VERSION = 1    # bump when a build would produce different arrays; old folders are then ignored
TEST_COUNT = 100    # emojis in every style's test split
TEST_SEED = 2516    # seeds the choice of the test emojis; changing it changes every test set
MAX_SIZE = 64       # the PNG packages hold 64x64 images; larger would only upscale them
WINDOWS_OVERSAMPLE = 4  # SVGs are rendered at 4x the output size, then downsized like the PNGs


@dataclass(frozen=True)
class Package:
    name: str       # npm package name
    version: str    # exact version
    integrity: str  # sha512 SRI of the tarball, as `npm pack --json` reports it

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def tarball_name(self) -> str:
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}.tgz"


# Pinned 2026-11-23 with `npm view NAME version` and `npm pack NAME@VERSION --json`.
# A tarball whose digest differs is refused, so the data cannot change silently.
PACKAGES = {
    "catalog": Package("emoji-datasource", "16.0.0",
                       "sha512-/qHKqK5Nr3+8zhgO6kHmF43Fm5C8HNn0AaFRIpgw8HF3+uF0Vfc8jgLI1ZQS5ba1vBzksS8NBCjHejwLb2D/Sg=="),
    "apple": Package("emoji-datasource-apple", "16.0.0",
                     "sha512-dVYjsK0FnCry9F+PBtnivhG2K0xdwlmqYaSgiUtztUdAGPYiHYhZcVKvNBqC791g2qyEcFNTBO6utg4eQ3uLTw=="),
    "google": Package("emoji-datasource-google", "16.0.0",
                      "sha512-ZRexfzs7MVoLnmzZmNsO4TKhnAJp5D++Vm6PpUpH/jEQQlemp3l88CjZ+DoZ2faM9R4QxZkOPJCoT8DlPhfQ3A=="),
    "twitter": Package("emoji-datasource-twitter", "16.0.0",
                       "sha512-7F+uCuHH+7Qnrc15P5tnbvKkg9E6tlzi4MnT2uW1RlN4pLYTza6cP/dstIfSDMtpjFLWuZewWg8jBbuL2eyELQ=="),
    "facebook": Package("emoji-datasource-facebook", "16.0.0",
                        "sha512-b9ZxJdB7nMWGckH1vyCjPSosaa6MJYuojPPFiQ0LmDIZS8vlG454XKcmTFKrXIMAA72O4MRJMYFhvWI8pjyciQ=="),
    "windows": Package("@iconify-json/fluent-emoji-flat", "1.2.6",
                       "sha512-RY47RgPb47fYUiyrA64sIOL0+UU02s29sXpNBbIQRBUlPlfNFTKUmZDERGuxDs/7yNGWqQYvuaSYM1M4fRXlUw=="),
}


# chars.json (1.2.6) leaves out icons that are aliases of others; this is the one
# base emoji among them (its skin-tone aliases are not needed). Drawn as the
# mirror image of backhand-index-pointing-left.
FLUENT_EXTRA_CHARS = {"1f449": "backhand-index-pointing-right"}


# Styles, sizes and cache folders.
def check_styles(styles, option: str = "--styles") -> list[str]:
    """Lowercased, de-duplicated style names in the given order; unknown names are an error."""
    if isinstance(styles, str):
        styles = styles.split(",")
    names = []
    for style in styles:
        style = style.strip().lower()
        if style and style not in names:
            names.append(style)
    unknown = [s for s in names if s not in STYLES]
    if unknown or not names:
        got = ", ".join(unknown) if unknown else "nothing"
        raise GanforgeError(f"{option}: unknown style {got}; choose from {', '.join(STYLES)} "
                            "(comma-separated, e.g. apple,windows)")
    return names


def _check_size(size: int) -> None:
    if not isinstance(size, int) or not 4 <= size <= MAX_SIZE:
        raise GanforgeError(f"--size must be a whole number of pixels from 4 to {MAX_SIZE} "
                            f"(the source PNGs are 64x64), got {size!r}")


def cache_root(cache=None) -> Path:
    """The cache argument, else $GANFORGE_CACHE, else the user cache folder."""
    if cache is not None:
        return Path(cache)
    if os.environ.get("GANFORGE_CACHE"):
        return Path(os.environ["GANFORGE_CACHE"])
    import platformdirs

    return Path(platformdirs.user_cache_dir("ganforge"))


def _background_tag(background) -> str:
    text = str(background).strip().lower()
    if text.isalpha():
        parse_color(text)  # validates
        return text
    return "%02x%02x%02x" % parse_color(background)


def style_dir(style: str, size: int = 32, background="white", cache=None) -> Path:
    """Where a built style lives: <cache>/emojis-v1/<style>-<size>-<background>/."""
    return cache_root(cache) / f"emojis-v{DATA_VERSION}" / f"{style}-{size}-{_background_tag(background)}"


def _is_built(folder: Path) -> bool:
    # The folder appears by an atomic rename only when complete, so this suffices.
    return all((folder / name).is_file() for name in ("index.json", "train.npy", "test.npy"))


# Codepoints.
_VARIATION_SELECTORS = {"fe0e", "fe0f"}
_SKIN_TONES = {"1f3fb", "1f3fc", "1f3fd", "1f3fe", "1f3ff"}


def normalize_codepoint(text: str) -> str:
    """'0023-FE0F-20E3' -> '0023-20e3': lowercase hex, >= 4 digits, no variation selectors."""
    parts = [p for p in str(text).replace("_", "-").lower().split("-") if p]
    try:
        values = [int(p, 16) for p in parts]
    except ValueError:
        raise GanforgeError(f"{text!r} is not a codepoint sequence such as 1f600 or 0023-fe0f-20e3") from None
    return "-".join(f"{v:04x}" for v in values if f"{v:04x}" not in _VARIATION_SELECTORS)


# Downloads.
def sri_sha512(path) -> str:
    """The file's sha512 in Subresource Integrity form ('sha512-<base64>'), as npm reports it."""
    digest = hashlib.sha512()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return "sha512-" + base64.b64encode(digest.digest()).decode("ascii")


def npm_pack(name: str, version: str, dest: Path) -> Path:
    """Download NAME@VERSION's tarball into dest with `npm pack`; verify npm's reported integrity.

    npm uses the registry the user configured; no registry address is written here.
    """
    npm = shutil.which("npm")
    if npm is None:
        raise GanforgeError(f"building emoji data downloads {name}@{version} with npm, which is not "
                            "installed; install Node.js (it includes npm) and try again")
    command = [npm, "pack", f"{name}@{version}", "--pack-destination", str(dest), "--json",
               "--ignore-scripts"]
    try:
        done = subprocess.run(command, cwd=dest, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise GanforgeError(f"`npm pack {name}@{version}` failed to run ({e})") from None
    try:
        report = json.loads(done.stdout)
    except ValueError:
        report = None
    if done.returncode != 0 or not isinstance(report, list) or not report:
        reason = ""
        if isinstance(report, dict) and isinstance(report.get("error"), dict):
            reason = report["error"].get("summary", "")
        if not reason:
            errors = [line for line in done.stderr.splitlines() if "error" in line.lower()]
            reason = " / ".join(errors[-3:]) or done.stderr.strip()[-300:] or f"exit status {done.returncode}"
        raise GanforgeError(f"could not download {name}@{version} with `npm pack`: {reason}")
    entry = report[0]
    tarball = Path(dest) / entry.get("filename", "")
    if not entry.get("filename") or not tarball.is_file():
        raise GanforgeError(f"`npm pack {name}@{version}` reported no tarball in {dest}")
    if entry.get("integrity") and sri_sha512(tarball) != entry["integrity"]:
        raise GanforgeError(f"the tarball of {name}@{version} does not match the integrity npm reported "
                            f"({entry['integrity']}); the download is corrupt, try again")
    return tarball


@dataclass
class Downloader:
    """Fetches pinned npm tarballs once and keeps them, verified, in `folder`."""

    folder: Path                                                    # where verified tarballs are kept
    packages: dict = field(default_factory=lambda: dict(PACKAGES))  # key -> Package (the pins)
    fetch: Callable[[str, str, Path], Path] | None = None           # (name, version, dest) -> tarball; default npm_pack

    def has(self, key: str) -> bool:
        """Whether the package's tarball is already kept (unverified until used)."""
        return (Path(self.folder) / self.packages[key].tarball_name).is_file()

    def tarball(self, key: str, progress: Callable[[str], None] = print) -> Path:
        package = self.packages[key]
        kept = Path(self.folder) / package.tarball_name
        if kept.is_file() and sri_sha512(kept) == package.integrity:
            return kept
        self.folder = Path(self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        progress(f"downloading {package.spec} with npm pack ...")
        fetch = self.fetch or npm_pack
        with tempfile.TemporaryDirectory(dir=self.folder, prefix=".download-") as tmp:
            fetched = Path(fetch(package.name, package.version, Path(tmp)))
            digest = sri_sha512(fetched)
            if digest != package.integrity:
                raise GanforgeError(f"refusing the tarball of {package.spec}: its digest {digest} differs "
                                    f"from the one ganforge pins ({package.integrity}); the package "
                                    "changed on the registry or the download is corrupt")
            os.replace(fetched, kept)
        return kept


def _read_json(tarball: Path, member: str):
    """One JSON file from an npm tarball (members live under package/)."""
    wanted = f"package/{member}"
    for _, file in archive_mod.iter_files(tarball, accept=lambda name: name == wanted):
        try:
            return json.load(file)
        except ValueError as e:
            raise GanforgeError(f"{member} in {tarball} is not valid JSON ({e})") from None
    raise GanforgeError(f"{tarball} holds no {member}; is it the right package?")


# The sources: what each style holds, and how to turn one emoji into pixels.
@dataclass(frozen=True)
class Emoji:
    codepoint: str  # normal form, see normalize_codepoint
    name: str       # e.g. "grinning face"
    category: str   # e.g. "Smileys & Emotion"


class _Sources:
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
            entries = _read_json(self.downloader.tarball(key, self.progress), "emoji.json")
            self._catalog = {normalize_codepoint(e["unified"]): e for e in entries}
        return self._catalog

    def fluent(self) -> tuple[dict, dict[str, str]]:
        """(icons.json, normal codepoint -> icon name) of the Fluent Emoji Flat set."""
        if self._fluent is None:
            tarball = self.downloader.tarball("windows", self.progress)
            icons = _read_json(tarball, "icons.json")
            chars = {**FLUENT_EXTRA_CHARS, **_read_json(tarball, "chars.json")}
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
        import resvg_py

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


def choose_test_codepoints(pool, count: int = TEST_COUNT, seed: int = TEST_SEED) -> list[str]:
    """count codepoints drawn from pool with a fixed seed, sorted; depends only on the set pool."""
    ordered = sorted(set(pool))
    if len(ordered) <= count:
        raise GanforgeError(f"only {len(ordered)} emojis exist in every style; a test split of "
                            f"{count} would leave nothing to pair with training data")
    order = np.random.default_rng(seed).permutation(len(ordered))
    return sorted(ordered[i] for i in order[:count])


# Building.
def _write_style(folder: Path, style: str, splits: dict, arrays: dict, meta: dict) -> None:
    """Write index.json and the arrays to a temporary sibling, then rename it into place."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.partial-"))
    try:
        for split in SPLITS:
            np.save(staging / f"{split}.npy", arrays[split], allow_pickle=False)
        index = {**meta, **{split: [vars(e) for e in splits[split]] for split in SPLITS}}
        (staging / "index.json").write_text(json.dumps(index, indent=1, ensure_ascii=False) + "\n",
                                            encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)  # an incomplete leftover; complete ones never get here
        try:
            os.rename(staging, folder)
        except OSError:
            if not _is_built(folder):  # not another build finishing the same style first
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _build_style(style, sources: _Sources, test_codepoints: list[str], size, background, folder, progress):
    started = time.perf_counter()
    wanted = sources.available(style)
    pictures = sources.render(style, dict(sorted(wanted.items())), size, background)
    test_set = set(test_codepoints)
    lost = sorted(test_set - set(pictures))
    if lost:
        warnings.warn(f"{style}: test emojis {', '.join(lost)} did not render; this style's test split "
                      "is smaller than the others'", stacklevel=2)
    splits = {
        "train": [sources.emoji(cp) for cp in sorted(pictures) if cp not in test_set],
        "test": [sources.emoji(cp) for cp in test_codepoints if cp in pictures],
    }
    arrays = {}
    for split, emojis in splits.items():
        stack = np.stack([pictures[e.codepoint] for e in emojis]) if emojis else np.zeros((0, size, size, 3), np.uint8)
        arrays[split] = np.ascontiguousarray(stack.transpose(0, 3, 1, 2))  # (N, 3, size, size)
    package = sources.downloader.packages[style]
    meta = {"format": "ganforge-emojis", "version": DATA_VERSION, "style": style, "size": size,
            "background": list(parse_color(background)), "source": package.spec,
            "test_seed": TEST_SEED}
    _write_style(folder, style, splits, arrays, meta)
    progress(f"{style}: {len(splits['train'])} train + {len(splits['test'])} test images "
             f"-> {folder} ({time.perf_counter() - started:.1f} s)")


def _read_index(folder: Path) -> dict:
    try:
        return json.loads((folder / "index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise GanforgeError(f"{folder / 'index.json'} is unreadable ({e}); delete {folder} and build again") from None


def summarize(styles: list[str], size: int = 32, background="white", cache=None) -> list[dict]:
    """Rows of style, train, test, paired (emojis present in every one of the given styles)."""
    codes = {}
    for style in styles:
        index = _read_index(style_dir(style, size, background, cache))
        codes[style] = {split: [e["codepoint"] for e in index[split]] for split in SPLITS}
    shared = set.intersection(*(set(c["train"]) | set(c["test"]) for c in codes.values()))
    return [{"style": s, "train": len(codes[s]["train"]), "test": len(codes[s]["test"]),
             "paired": len(shared)} for s in styles]


def format_summary(rows: list[dict]) -> str:
    lines = [f"{'style':<10} {'train':>6} {'test':>5} {'paired':>7}"]
    lines += [f"{r['style']:<10} {r['train']:>6} {r['test']:>5} {r['paired']:>7}" for r in rows]
    return "\n".join(lines) + "\n(paired: emojis present in every style listed)"


def build_styles(styles, size: int = 32, background="white", cache=None, progress=print, *,
                 downloader: Downloader | None = None, test_count: int | None = None) -> list[dict]:
    """`ganforge data build`: download, render, split and cache the styles; return summary rows.

    Styles already built for this size and background are left alone, so a repeated
    build is a no-op that downloads nothing. downloader defaults to npm into
    <cache>/npm; tests pass one with a fake fetch and their own pins, and a
    small test_count (default TEST_COUNT).
    """
    styles = check_styles(styles)
    _check_size(size)
    parse_color(background)
    todo = [s for s in styles if not _is_built(style_dir(s, size, background, cache))]
    if todo:
        downloader = downloader or Downloader(cache_root(cache) / "npm")
        sources = _Sources(todo, downloader, progress)
        # The test pool is "in all five styles" whatever was asked for (see the module docstring).
        pool = set.intersection(*(set(sources.available(s)) for s in STYLES))
        test_codepoints = choose_test_codepoints(pool, TEST_COUNT if test_count is None else test_count)
        for style in todo:
            _build_style(style, sources, test_codepoints, size, background,
                         style_dir(style, size, background, cache), progress)
    else:
        progress(f"already built: {', '.join(styles)} in {style_dir(styles[0], size, background, cache).parent}")
    rows = summarize(styles, size, background, cache)
    progress(format_summary(rows))
    return rows


# Loading.
@dataclass
class EmojiSplit:
    images: torch.Tensor   # uint8 (N, 3, H, W)
    codepoints: list[str]  # normal form for built styles; file stems for the archive layout
    names: list[str]
    categories: list[str]

    def __len__(self) -> int:
        return len(self.codepoints)

    def to(self, device) -> "EmojiSplit":
        """The same split with its images on device (moved once, not per batch)."""
        return replace(self, images=self.images.to(device))


def _build_hint(style, size, background, cache) -> str:
    command = f"ganforge data build --styles {style}"
    if size != 32:
        command += f" --size {size}"
    if str(background) != "white":
        command += f" --background '{background}'"
    if cache is not None:
        command += f" --cache {cache}"
    return command


def load_style(style: str, split: str, size: int = 32, background="white", cache=None) -> EmojiSplit:
    """A built style's train or test split. Never downloads: unbuilt data is an error saying what to run."""
    style = check_styles([style], option="style")[0]
    if split not in SPLITS:
        raise GanforgeError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    folder = style_dir(style, size, background, cache)
    if not _is_built(folder):
        raise GanforgeError(f"the {style} emojis at {size}x{size} on {background} are not built "
                            f"(looked in {folder}); run `{_build_hint(style, size, background, cache)}`")
    entries = _read_index(folder)[split]
    try:
        images = np.load(folder / f"{split}.npy", allow_pickle=False)
    except (OSError, ValueError) as e:
        raise GanforgeError(f"{folder / (split + '.npy')} is unreadable ({e}); delete {folder} and build again") from None
    if images.dtype != np.uint8 or images.shape != (len(entries), 3, size, size):
        raise GanforgeError(f"{folder / (split + '.npy')} holds {images.dtype} {images.shape}, expected uint8 "
                            f"({len(entries)}, 3, {size}, {size}); delete {folder} and build again")
    return EmojiSplit(torch.from_numpy(images), [e["codepoint"] for e in entries],
                      [e["name"] for e in entries], [e["category"] for e in entries])


def paired_indices(a: EmojiSplit, b: EmojiSplit) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices into a and b of the emojis with equal codepoints, sorted by codepoint (first of duplicates)."""
    first_a, first_b = {}, {}
    for i, cp in enumerate(a.codepoints):
        first_a.setdefault(cp, i)
    for i, cp in enumerate(b.codepoints):
        first_b.setdefault(cp, i)
    shared = sorted(first_a.keys() & first_b.keys())
    return (torch.tensor([first_a[cp] for cp in shared], dtype=torch.long),
            torch.tensor([first_b[cp] for cp in shared], dtype=torch.long))


# Showing.
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


# The original course archive layout.
def _wanted_in_archive(name: str) -> bool:
    parts = name.split("/")
    return (Path(name).suffix.lower() in IMAGE_SUFFIXES
            and not any(p.startswith(".") or p == "__MACOSX" for p in parts))


def _extract_cached(archive: Path, cache=None, progress=print) -> Path:
    """Extract the archive's images once into <cache>/archives/<sha256>/ (safe, atomic)."""
    folder = cache_root(cache) / "archives" / file_digest(archive)[:20]
    if folder.is_dir():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    progress(f"extracting {archive} into {folder} ...")
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.partial-"))
    try:
        archive_mod.extract_archive(archive, staging, accept=_wanted_in_archive)
        try:
            os.rename(staging, folder)
        except OSError:
            if not folder.is_dir():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def _layout_root(given: Path) -> Path:
    """The folder holding Test_<Style>/ folders: given itself, or a single wrapper folder inside it."""
    folder = given
    for _ in range(3):
        children = [c for c in sorted(folder.iterdir()) if c.is_dir() and not c.name.startswith((".", "__MACOSX"))]
        if any(c.name.lower().startswith("test_") for c in children):
            return folder
        if len(children) != 1:
            break
        folder = children[0]
    raise GanforgeError(f"{given} does not look like the emoji archive: expected folders such as "
                        "Apple/, Windows/, Test_Apple/ and Test_Windows/")


def _archive_split(folder: Path, size, background, strict) -> EmojiSplit:
    images, files = load_folder_files(folder, size, background, strict, min_count=1)
    relative = [f.relative_to(folder).parts for f in files]
    categories = [parts[0] if len(parts) > 1 else "" for parts in relative]  # the class folder
    stems = [f.stem for f in files]
    return EmojiSplit(torch.from_numpy(images), stems, list(stems), categories)


def load_archive_layout(path, size: int = 32, background="white", strict: bool = False,
                        cache=None, progress=print) -> dict[str, dict[str, EmojiSplit]]:
    """The original archive layout: <Style>/<class>/*.png and Test_<Style>/<class>/*.png.

    path is that folder or a .tar.gz/.tgz/.tar of it (extracted safely, once, into the
    cache). Styles are the folder names lowercased. Returns {style: {"train", "test"}}
    and prints the counts per split.
    """
    path = Path(path)
    if not path.exists():
        raise GanforgeError(f"--data-dir {path} does not exist")
    folder = _extract_cached(path, cache, progress) if path.is_file() else path
    root = _layout_root(folder)
    children = {c.name: c for c in root.iterdir() if c.is_dir()}
    result = {}
    for name in sorted(children):
        if not name.lower().startswith("test_"):
            continue
        style_name = name[len("test_"):]
        train = children.get(style_name) or next(
            (c for n, c in children.items() if n.lower() == style_name.lower()), None)
        if train is None:
            raise GanforgeError(f"{root} has {name}/ but no {style_name}/ folder of training images")
        style = style_name.lower()
        result[style] = {"train": _archive_split(train, size, background, strict),
                         "test": _archive_split(children[name], size, background, strict)}
        progress(f"{style}: train {len(result[style]['train'])}, test {len(result[style]['test'])} "
                 f"images ({train.name}/, {name}/)")
    return result
