"""`ganforge data build`: download, render, split and cache emoji styles.

The test split is the same 100 emojis in every style, whatever styles a build asks
for: they are drawn (fixed seed) from the emojis that exist in all five styles. So a
later build that adds a style never changes an earlier style's test set, and test
sets are always paired by codepoint. Everything else is training data. Both splits
are stored sorted by codepoint. (Knowing the five-style set needs only the catalog
and the small Fluent package, 1.2 MB, so an apple-only build fetches that too.)
Nothing is downloaded at load time.
"""
from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

import numpy as np

from ...errors import GanforgeError
from ...fileio import cache_root, staged_folder
from ..images import parse_color
from .cache import DATA_VERSION, SPLITS, is_built, read_index, style_dir
from .npm import Downloader
from .packages import STYLES, check_styles
from .render import Sources

TEST_COUNT = 100    # emojis in every style's test split
TEST_SEED = 2516    # seeds the choice of the test emojis; changing it changes every test set
MAX_SIZE = 64       # the PNG packages hold 64x64 images; larger would only upscale them


def check_size(size: int) -> None:
    if not isinstance(size, int) or not 4 <= size <= MAX_SIZE:
        raise GanforgeError(f"--size must be a whole number of pixels from 4 to {MAX_SIZE} "
                            f"(the source PNGs are 64x64), got {size!r}")




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
    """Write index.json and the arrays into a staged folder that is renamed into place when complete."""
    # replace=True: a folder there now is an incomplete leftover (complete ones are never rebuilt).
    with staged_folder(folder, replace=True) as staging:
        for split in SPLITS:
            np.save(staging / f"{split}.npy", arrays[split], allow_pickle=False)
        index = {**meta, **{split: [vars(e) for e in splits[split]] for split in SPLITS}}
        (staging / "index.json").write_text(json.dumps(index, indent=1, ensure_ascii=False) + "\n",
                                            encoding="utf-8")


def _build_style(style, sources: Sources, test_codepoints: list[str], size, background, folder, progress):
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



def summarize(styles: list[str], size: int = 32, background="white", cache=None) -> list[dict]:
    """Rows of style, train, test, paired (emojis present in every one of the given styles)."""
    codes = {}
    for style in styles:
        index = read_index(style_dir(style, size, background, cache))
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
    check_size(size)
    parse_color(background)
    todo = [s for s in styles if not is_built(style_dir(s, size, background, cache))]
    if todo:
        downloader = downloader or Downloader(cache_root(cache) / "npm")
        sources = Sources(todo, downloader, progress)
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

