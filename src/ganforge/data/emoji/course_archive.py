"""The course archive's layout: Apple/<class>/*.png, Test_Apple/<class>/*.png, ... (a folder or a .tar.gz)."""
from __future__ import annotations

from pathlib import Path

import torch

from ...errors import GanforgeError
from ...fileio import cache_root, file_digest, staged_folder
from .. import archive as archive_mod
from ..images import IMAGE_SUFFIXES, load_folder_files
from .store import EmojiSplit


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
    with staged_folder(folder) as staging:
        archive_mod.extract_archive(archive, staging, accept=_wanted_in_archive)
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
