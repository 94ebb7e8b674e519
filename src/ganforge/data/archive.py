"""Safe reading and extraction of tar archives (.tar.gz, .tgz, .tar; npm tarballs too).

An archive is untrusted input. Every member is checked as the archive streams
past: an absolute path, a `..` component, a link, a device or a FIFO refuses the
whole archive (whether or not the member was wanted), and the accepted files may
not add up to more than a byte limit. Only regular files are ever written, only
below the target folder, and a refused extraction removes what it wrote.
"""
from __future__ import annotations

import gzip
import re
import shutil
import tarfile
import zlib
from pathlib import Path
from typing import IO, Callable, Iterator

from ..errors import GanforgeError

DEFAULT_MAX_BYTES = 2 * 1024**3  # 2 GiB of accepted, uncompressed files

_DRIVE = re.compile(r"^[A-Za-z]:")


def _unsafe(archive: Path, member: tarfile.TarInfo, why: str) -> GanforgeError:
    return GanforgeError(f"refusing the archive {archive}: its member {member.name!r} {why}")


def _member_path(archive: Path, member: tarfile.TarInfo) -> str | None:
    """The member's name as a clean relative POSIX path, None for the root itself, or raise."""
    name = member.name
    if "\x00" in name:
        raise _unsafe(archive, member, "has a NUL character in its name")
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        raise _unsafe(archive, member, "has an absolute path")
    # Backslashes count as separators too: a Windows checkout would treat them so.
    parts = re.split(r"[/\\]", name)
    if ".." in parts:
        raise _unsafe(archive, member, "has a '..' component that would leave the target folder")
    if member.issym():
        raise _unsafe(archive, member, f"is a symbolic link (to {member.linkname!r})")
    if member.islnk():
        raise _unsafe(archive, member, f"is a hard link (to {member.linkname!r})")
    if member.ischr() or member.isblk():
        raise _unsafe(archive, member, "is a device file")
    if member.isfifo():
        raise _unsafe(archive, member, "is a FIFO")
    if not (member.isreg() or member.isdir()):
        raise _unsafe(archive, member, f"has an unsupported type {member.type!r}")
    clean = [p for p in parts if p not in ("", ".")]
    return "/".join(clean) or None


def iter_files(archive, accept: Callable[[str], bool] | None = None,
               max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[tuple[str, IO[bytes]]]:
    """Yield (relative path, readable file) for each regular file that accept(path) approves.

    Streams the archive once. Each file object is valid only until the next one is
    yielded. Raises GanforgeError naming the archive and member on an unsafe member,
    on passing max_bytes, or when the archive is not a readable tar file.
    """
    archive = Path(archive)
    if not archive.is_file():
        raise GanforgeError(f"the archive {archive} does not exist")
    total = 0
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                name = _member_path(archive, member)
                if name is None or not member.isreg() or (accept is not None and not accept(name)):
                    continue
                total += member.size
                if total > max_bytes:
                    raise _unsafe(archive, member, f"takes the extracted size past the limit "
                                                   f"of {max_bytes} bytes")
                yield name, tar.extractfile(member)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise GanforgeError(f"the archive {archive} is not a readable tar file ({e})") from None
    except OSError as e:
        raise GanforgeError(f"cannot read the archive {archive} ({e})") from None


def extract_archive(archive, target, accept: Callable[[str], bool] | None = None,
                    max_bytes: int = DEFAULT_MAX_BYTES) -> list[Path]:
    """Extract the regular files that accept(relative path) approves into target.

    target must not exist or be an empty folder. On any error the files written so
    far are removed again, so target is left absent (or empty, if it existed).
    Empty folders, links and permissions are not reproduced. Returns the written paths.
    """
    archive, target = Path(archive), Path(target)
    created = not target.exists()
    if not created and (not target.is_dir() or any(target.iterdir())):
        raise GanforgeError(f"cannot extract {archive} into {target}: it is not an empty folder")
    target.mkdir(parents=True, exist_ok=True)
    root = target.resolve()
    written = []
    try:
        for name, source in iter_files(archive, accept, max_bytes):
            dest = target.joinpath(*name.split("/"))
            # Defence in depth: names were checked above and nothing here makes links.
            if not dest.resolve().is_relative_to(root):
                raise GanforgeError(f"refusing the archive {archive}: its member {name!r} "
                                    "would be written outside the target folder")
            try:
                dest.parent.mkdir(parents=True, exist_ok=True)
                with open(dest, "wb") as out:
                    shutil.copyfileobj(source, out)
            except OSError as e:
                raise GanforgeError(f"cannot extract {name!r} from {archive} into {target} ({e})") from None
            written.append(dest)
    except BaseException:
        _remove_contents(target, remove_folder=created)
        raise
    return written


def _remove_contents(folder: Path, remove_folder: bool) -> None:
    if remove_folder:
        shutil.rmtree(folder, ignore_errors=True)
        return
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
