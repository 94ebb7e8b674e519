"""File helpers shared by every writer: digests, atomic files and atomically built folders.

A reader never sees half of anything: a file is written under a temporary sibling
name and renamed into place; a folder (a checkpoint, a built emoji style, an
extracted archive) is filled under a temporary sibling name and renamed whole.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterator

import platformdirs


def cache_root(cache=None) -> Path:
    """Where downloads, built data and the trained feature network are kept: the `cache`
    argument, else $GANFORGE_CACHE, else the user cache folder (~/.cache/ganforge on Linux)."""
    if cache is not None:
        return Path(cache)
    if os.environ.get("GANFORGE_CACHE"):
        return Path(os.environ["GANFORGE_CACHE"])
    return Path(platformdirs.user_cache_dir("ganforge"))


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    """Hex digest of a file, read in 1 MiB chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fsync_file(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def fsync_dir(path: Path) -> None:
    """Make a rename inside `path` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def unused_path(path) -> Path:
    """`path`, or the first of NAME-2.EXT, NAME-3.EXT, ... that does not exist: nothing is overwritten."""
    first = candidate = Path(path)
    n = 2
    while candidate.exists():
        candidate = first.with_name(f"{first.stem}-{n}{first.suffix}")
        n += 1
    return candidate


def write_atomically(path, write: Callable[[Path], None], sync: bool = False) -> Path:
    """Call write(tmp) on a temporary sibling of `path`, then rename it into place; return `path`.

    The temporary name keeps the suffix, so writers that pick a format from it (PIL,
    safetensors) see the real one. sync=True also flushes the file to disk first.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        write(tmp)
        if sync:
            fsync_file(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_text_atomically(path, text: str, sync: bool = False) -> Path:
    return write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), sync=sync)


def write_json_atomically(path, data, sync: bool = False) -> Path:
    return write_text_atomically(path, json.dumps(data, indent=2) + "\n", sync=sync)


@contextlib.contextmanager
def staged_folder(final, replace: bool = False, sync: bool = False) -> Iterator[Path]:
    """Fill a temporary sibling folder in the `with` block, then rename it to `final`.

    A crash leaves either the complete folder or a leftover `.NAME.partial-*` that
    nothing reads. replace=True removes an existing `final` first (a checkpoint
    written again on resume, an incomplete leftover); otherwise an existing `final`
    (another process finished the same folder first) is kept and the staged copy
    dropped. sync=True flushes the files and the folders to disk.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.partial-"))
    try:
        yield staging
        if sync:
            for item in staging.iterdir():
                if item.is_file():
                    fsync_file(item)
            fsync_dir(staging)
        if replace and final.exists():
            shutil.rmtree(final)
        try:
            os.rename(staging, final)
        except OSError:
            if not final.is_dir():
                raise
        if sync:
            fsync_dir(final.parent)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
