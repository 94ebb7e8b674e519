"""Emoji styles: built from public npm packages, cached as uint8 arrays, loaded for training.

One file per job: packages.py (the pinned packages and style names), npm.py
(downloading and verifying them), render.py (package -> pictures), build.py
(building, splitting and caching a style), cache.py (where built styles live),
store.py (loading them), datasets.py (what a run trains on), preview.py
(`ganforge data show`). Folders of your own images, and the course archive, are read by data/folders.py.
"""
from .build import TEST_COUNT, TEST_SEED, build_styles, choose_test_codepoints, format_summary, summarize
from .cache import DATA_VERSION, SPLITS, data_root, style_dir
from .datasets import IMAGE_SIZE, load_emoji_splits
from .npm import Downloader, npm_pack, sri_sha512
from .packages import DATASOURCE_STYLES, FLUENT_EXTRA_CHARS, PACKAGES, STYLES, Package, check_styles, normalize_codepoint
from .preview import show_styles
from .render import iconify_svg
from .store import EmojiSplit, load_style, paired_indices

__all__ = [
    "TEST_COUNT", "TEST_SEED", "build_styles", "choose_test_codepoints", "format_summary", "summarize",
    "DATA_VERSION", "SPLITS", "data_root", "style_dir", "IMAGE_SIZE", "load_emoji_splits",
    "Downloader", "npm_pack", "sri_sha512", "DATASOURCE_STYLES", "FLUENT_EXTRA_CHARS", "PACKAGES", "STYLES",
    "Package", "check_styles", "normalize_codepoint", "show_styles", "iconify_svg", "EmojiSplit", "load_style",
    "paired_indices",
]
