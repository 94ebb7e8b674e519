"""The emoji image sets a run trains and is scored on: the course archive (--data-dir) or the built cache.

Training code reads data through `load_emoji_splits` only (called as a module
attribute), so one function decides where images come from.
"""
from __future__ import annotations

from ...errors import GanforgeError
from .course_archive import load_archive_layout
from .store import load_style

IMAGE_SIZE = 32  # every emoji model here is built for 32x32 images


def load_emoji_splits(cfg, styles: list[str]) -> dict:
    """{style: {"train": EmojiSplit, "test": EmojiSplit}} from cfg.data_dir or the built cache."""
    if cfg.data_dir:
        layout = load_archive_layout(cfg.data_dir, size=IMAGE_SIZE, background=cfg.background, strict=cfg.strict)
        missing = [s for s in styles if s not in layout]
        if missing:
            raise GanforgeError(f"--data-dir {cfg.data_dir} has no {missing[0]!r} style; "
                                f"it holds {', '.join(sorted(layout))}")
        return {s: layout[s] for s in styles}
    return {s: {split: load_style(s, split, size=IMAGE_SIZE, background=cfg.background, cache=cfg.cache or None)
                for split in ("train", "test")}
            for s in styles}
