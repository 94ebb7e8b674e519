"""The image sets a run trains and is scored on: folders of images (--data-dir) or the built emoji cache.

Training code reads data through `load_emoji_splits` only (called as a module
attribute), so one function decides where images come from.
"""
from __future__ import annotations

import dataclasses

from ...errors import GanforgeError
from ..folders import load_image_folders
from .store import load_style

IMAGE_SIZE = 32  # the default side of the square images the networks see (--image-size)


def load_emoji_splits(cfg, styles: list[str]) -> dict:
    """{style: {"train": EmojiSplit, "test": EmojiSplit}} from cfg.data_dir or the built cache, at cfg.image_size.

    Images of two styles pair (are the same picture) where their codepoints are equal: always for the
    built emoji styles, and for folders only where the config says so (cfg.paired, --pairs names);
    otherwise each domain's codepoints are made its own, so that nothing pairs by accident.
    """
    size = getattr(cfg, "image_size", IMAGE_SIZE)
    if cfg.data_dir:
        domains = load_image_folders(cfg.data_dir, size=size, background=cfg.background, strict=cfg.strict)
        found = {name.lower(): name for name in domains}
        missing = [s for s in styles if s.lower() not in found]
        if missing:
            option = "--style" if len(styles) == 1 else ("--source" if missing[0] == styles[0] else "--target")
            raise GanforgeError(f"{option} {missing[0]}: --data-dir {cfg.data_dir} has no such domain; "
                                f"it holds {', '.join(sorted(domains))}")
        splits = {s: domains[found[s.lower()]] for s in styles}  # trainA/ is domain a, given as a or A
    else:
        splits = {s: {split: load_style(s, split, size=size, background=cfg.background, cache=cfg.cache or None)
                      for split in ("train", "test")}
                  for s in styles}
    if getattr(cfg, "paired", True):
        return splits
    return {s: {part: _unpaired(split, s) for part, split in parts.items()} for s, parts in splits.items()}


def _unpaired(split, domain: str):
    """The split with codepoints no other domain's can equal."""
    return dataclasses.replace(split, codepoints=[f"{domain}/{cp}" for cp in split.codepoints])
