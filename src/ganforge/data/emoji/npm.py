"""Downloading the pinned npm packages with `npm pack`, verified against their sha512 pins."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ...errors import GanforgeError
from .. import archive as archive_mod
from .packages import PACKAGES


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


def read_package_json(tarball: Path, member: str):
    """One JSON file from an npm tarball (members live under package/)."""
    wanted = f"package/{member}"
    for _, file in archive_mod.iter_files(tarball, accept=lambda name: name == wanted):
        try:
            return json.load(file)
        except ValueError as e:
            raise GanforgeError(f"{member} in {tarball} is not valid JSON ({e})") from None
    raise GanforgeError(f"{tarball} holds no {member}; is it the right package?")

