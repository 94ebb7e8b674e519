"""Image folders as domains: your own (Cats/ Dogs/, trainA/ trainB/ ...) or the course archive (Apple/ Test_Apple/ ...)."""
from __future__ import annotations

from pathlib import Path

import torch

from ..errors import GanforgeError
from ..fileio import cache_root, file_digest, staged_folder
from . import archive as archive_mod
from .emoji.store import EmojiSplit
from .images import IMAGE_SUFFIXES, load_folder_files


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


# Folder names of pytorch-CycleGAN-and-pix2pix's layout, per domain: (training folder, test folder).
JUNYAN = {"a": ("trainA", "testA"), "b": ("trainB", "testB")}
HOLD_OUT_EVERY = 10   # without test folders, every tenth image (in name order) is held out for testing


def _subfolders(folder: Path) -> dict[str, Path]:
    return {c.name: c for c in sorted(folder.iterdir())
            if c.is_dir() and not c.name.startswith((".", "__MACOSX"))}


def _has_images(folder: Path) -> bool:
    return any(f.suffix.lower() in IMAGE_SUFFIXES for f in folder.rglob("*") if f.is_file())


def _find_root(given: Path) -> Path:
    """The folder that holds the domains: given itself, or a single wrapper folder inside it."""
    folder = given
    for _ in range(3):
        children = _subfolders(folder)
        names = {n.lower() for n in children}
        if names & {"traina", "trainb"} or any(n.startswith("test_") for n in names) or len(children) != 1:
            return folder
        folder = next(iter(children.values()))
    return folder


def _domains(root: Path) -> dict[str, tuple[Path, Path | None]]:
    """{domain: (training folder, test folder or None)} in the first layout that fits.

    - pytorch-CycleGAN-and-pix2pix: trainA/ trainB/ testA/ testB/ -> domains a and b;
    - the course archive: NAME/ beside Test_NAME/ -> domain name (lowercased);
    - any other folders of images: NAME1/ NAME2/ ..., or the folder itself when it holds the
      images directly (one domain, for a DCGAN), with test images held out.
    """
    children = _subfolders(root)
    lower = {n.lower(): c for n, c in children.items()}
    if "traina" in lower or "trainb" in lower:
        return {d: (lower[train.lower()], lower.get(test.lower())) for d, (train, test) in JUNYAN.items()
                if train.lower() in lower}
    tests = {n[len("test_"):]: c for n, c in children.items() if n.lower().startswith("test_")}
    if tests:
        out = {}
        for name, test in tests.items():
            train = children.get(name) or next((c for n, c in children.items() if n.lower() == name.lower()), None)
            if train is None:
                raise GanforgeError(f"{root} has {test.name}/ but no {name}/ folder of training images")
            out[name.lower()] = (train, test)
        return out
    with_images = {n.lower(): (c, None) for n, c in children.items() if _has_images(c)}
    if with_images:
        return with_images
    if any(f.suffix.lower() in IMAGE_SUFFIXES for f in root.iterdir() if f.is_file()):
        return {root.name.lower(): (root, None)}
    raise GanforgeError(f"{root} holds no images: expected folders of images such as Apple/ and Windows/ "
                        "(with Test_Apple/ and Test_Windows/, or trainA/ trainB/ testA/ testB/), or images")


def _split(folder: Path, size, background, strict, direct_only: bool = False) -> EmojiSplit:
    images, files = load_folder_files(folder, size, background, strict, min_count=1)
    if direct_only:  # a folder that is its own domain: its subfolders are not its images
        keep = [i for i, f in enumerate(files) if f.parent == folder]
        images, files = images[keep], [files[i] for i in keep]
    relative = [f.relative_to(folder).parts for f in files]
    categories = [parts[0] if len(parts) > 1 else "" for parts in relative]  # the class folder
    stems = [f.stem for f in files]
    return EmojiSplit(torch.from_numpy(images), stems, list(stems), categories)


def _hold_out(split: EmojiSplit) -> tuple[EmojiSplit, EmojiSplit]:
    """(training images, test images): every HOLD_OUT_EVERY-th image, in name order, is a test image."""
    n = len(split)
    if n < 2:
        raise GanforgeError(f"{n} image(s) cannot be split into training and test images; a GAN needs hundreds")
    test = [i for i in range(n) if i % HOLD_OUT_EVERY == HOLD_OUT_EVERY - 1] or [n - 1]
    train = [i for i in range(n) if i not in set(test)]

    def pick(index):
        return EmojiSplit(split.images[index], [split.codepoints[i] for i in index],
                          [split.names[i] for i in index], [split.categories[i] for i in index])
    return pick(train), pick(test)


def load_image_folders(path, size: int = 32, background="white", strict: bool = False,
                       cache=None, progress=print) -> dict[str, dict[str, EmojiSplit]]:
    """Your own domains from folders of images (any size; resized to size x size), or the course archive.

    path is a folder or a .tar.gz/.tgz/.tar of one (extracted safely, once, into the cache);
    see `_domains` for the layouts read. Returns {domain: {"train", "test"}} and prints the
    counts per domain. Images of two domains with the same file name get the same codepoint; they count
    as pairs (the same picture) only where a run says so (--pairs names; data/emoji/datasets.py).
    """
    path = Path(path)
    if not path.exists():
        raise GanforgeError(f"--data-dir {path} does not exist")
    folder = _extract_cached(path, cache, progress) if path.is_file() else path
    root = _find_root(folder)
    result = {}
    for domain, (train, test) in _domains(root).items():
        if test is not None:
            result[domain] = {"train": _split(train, size, background, strict),
                              "test": _split(test, size, background, strict)}
            where = f"{train.name}/, {test.name}/"
        else:
            held = _hold_out(_split(train, size, background, strict, direct_only=train == root))
            result[domain] = {"train": held[0], "test": held[1]}
            where = f"{train.name}/, every {HOLD_OUT_EVERY}th image held out for testing"
        progress(f"{domain}: train {len(result[domain]['train'])}, test {len(result[domain]['test'])} "
                 f"images ({where})")
    return result
