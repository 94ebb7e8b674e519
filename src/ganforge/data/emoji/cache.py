"""Where built emoji styles live: <cache>/emojis-v<DATA_VERSION>/<style>-<size>-<background>/.

A built style is a folder holding train.npy and test.npy (uint8 (N, 3, H, W)) and
index.json (the emojis of each split, in the arrays' order). The folder appears by
an atomic rename only when complete.
"""
from __future__ import annotations

import json
from pathlib import Path

from ...errors import GanforgeError
from ...fileio import cache_root
from ..images import parse_color

SPLITS = ("train", "test")
DATA_VERSION = 1    # bump when a build would produce different arrays; old folders are then ignored


def data_root(cache=None) -> Path:
    """<cache>/emojis-v<DATA_VERSION>/, the parent of every built style."""
    return cache_root(cache) / f"emojis-v{DATA_VERSION}"


def _background_tag(background) -> str:
    text = str(background).strip().lower()
    if text.isalpha():
        parse_color(text)  # validates
        return text
    return "%02x%02x%02x" % parse_color(background)


def style_dir(style: str, size: int = 32, background="white", cache=None) -> Path:
    """Where a built style lives: <cache>/emojis-v1/<style>-<size>-<background>/."""
    return data_root(cache) / f"{style}-{size}-{_background_tag(background)}"


def is_built(folder: Path) -> bool:
    # The folder appears by an atomic rename only when complete, so this suffices.
    return all((folder / name).is_file() for name in ("index.json", "train.npy", "test.npy"))



def read_index(folder: Path) -> dict:
    try:
        return json.loads((folder / "index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise GanforgeError(f"{folder / 'index.json'} is unreadable ({e}); delete {folder} and build again") from None


def build_hint(style, size, background, cache) -> str:
    command = f"ganforge data build --styles {style}"
    if size != 32:
        command += f" --size {size}"
    if str(background) != "white":
        command += f" --background '{background}'"
    if cache is not None:
        command += f" --cache {cache}"
    return command

