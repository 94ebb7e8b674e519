"""Networks of the user's as code a run carries: copied into the run folder, recorded with their sha256,
loaded again only where that is safe or the user says so.

A run trained with --generator nets.py:DCGenerator holds RUN/code/nets.py and, in
config.json, {"code": {"generator": {"file": "code/nets.py", "name": "DCGenerator",
"origin": "/abs/path/nets.py", "sha256": ...}}}. Resuming, scoring, sampling and
translating the run import that copy, which runs its code; so, as with Hugging Face's
trust_remote_code, a copy is imported without --trust-code only when it is byte for byte
the file at its recorded origin on this machine (a user's own run, their file unchanged).
A class defined in a notebook or script (module __main__) has no file to copy: the run
records its name, and only `load_run(run, generator=TheClass)` can build it again.
"""
from __future__ import annotations

import hashlib
import importlib.util
import inspect
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from ..config import option_name, own_code
from ..errors import GanforgeError
from ..fileio import file_digest, write_atomically

CODE_DIR = "code"
NOTEBOOK = "__main__"


@dataclass(frozen=True)
class CodeSource:
    """Where one network's code comes from when a run starts."""

    name: str                       # the class or factory in it
    origin: Path | None             # the file (None: defined in a notebook or script)
    given: Callable | None = None   # the object itself, when handed over in Python


def spec_of(obj: Callable) -> tuple[str, Path | None]:
    """(config value, file) for a class or factory handed over in Python: ('nets.py:G', /abs/nets.py), or
    ('__main__:G', None) for one defined in a notebook or script, whose file (if any) is not a module."""
    name = getattr(obj, "__qualname__", getattr(obj, "__name__", "network"))
    module = sys.modules.get(getattr(obj, "__module__", ""), None)
    try:
        path = inspect.getsourcefile(obj)
    except (TypeError, OSError):  # OSError: a class of a __main__ without a file (Jupyter, IPython)
        path = None
    if getattr(module, "__name__", NOTEBOOK) == NOTEBOOK or path is None or "." in name or "<" in name:
        return f"{NOTEBOOK}:{name}", None
    path = Path(path).resolve()
    return f"{path.name}:{name}", path


def sources(method, cfg, given: Mapping[str, Callable]) -> dict[str, CodeSource]:
    """The code of each network cfg gives as code (FILE.py:Class), found and imported once to fail early."""
    found = {}
    for field in method.own_networks:
        spec = own_code(getattr(cfg, field, None))
        if spec is None:
            continue
        file, name = spec
        if field in given:
            found[field] = CodeSource(name, spec_of(given[field])[1], given[field])
            continue
        if file == NOTEBOOK:
            raise GanforgeError(f"{option_name(field)} {file}:{name} names a class defined in a notebook; hand the "
                                f"class itself to the Python API ({field}={name})")
        path = Path(file).expanduser()
        if not path.is_file():
            raise GanforgeError(f"{option_name(field)} {file}:{name}: there is no file {file}")
        import_from(path.resolve(), name, field)
        found[field] = CodeSource(name, path.resolve())
    return found


def install(run_path: Path, found: Mapping[str, CodeSource]) -> dict:
    """Copy each file into RUN/code/ (atomically; one copy per file); return config.json's "code" record."""
    record, copies = {}, {}
    for field, source in found.items():
        if source.origin is None:
            record[field] = {"name": source.name, "file": None}
            continue
        if source.origin not in copies:
            data = source.origin.read_bytes()
            (run_path / CODE_DIR).mkdir(exist_ok=True)
            target = _free_name(run_path / CODE_DIR, source.origin.name, set(copies.values()))
            write_atomically(run_path / CODE_DIR / target, lambda p, data=data: p.write_bytes(data), sync=True)
            copies[source.origin] = target
        record[field] = {"name": source.name, "file": f"{CODE_DIR}/{copies[source.origin]}",
                         "origin": str(source.origin), "sha256": hashlib.sha256(source.origin.read_bytes()).hexdigest()}
    return record


def _free_name(folder: Path, name: str, taken: set[str]) -> str:
    stem, suffix, n = Path(name).stem, Path(name).suffix, 1
    while name in taken or (folder / name).exists():
        n += 1
        name = f"{stem}-{n}{suffix}"
    return name


def load(run_path, config: Mapping, given: Mapping[str, Callable] | None = None, trust: bool = False,
         ) -> dict[str, Callable]:
    """{config field: class or factory} of a run's own networks, from `given` or from the run's copies.

    A copy runs only when it is the file at its recorded origin here, byte for byte, or with trust;
    otherwise the refusal names the file and says why.
    """
    given = dict(given or {})
    loaded = {}
    for field, entry in (config.get("code") or {}).items():
        if field in given:
            loaded[field] = given[field]
            continue
        name, file = entry.get("name"), entry.get("file")
        if not file:
            raise GanforgeError(f"{run_path}'s {field} is {name}, a class defined in a notebook or script, which the "
                                f"run could not copy; load the run from Python with load_run(run, {field}={name})")
        copy = Path(run_path) / file
        if not copy.is_file():
            raise GanforgeError(f"{copy} is missing: the run's {field} ({name}) was copied there")
        if not trust:
            reason = _distrust(copy, entry)
            if reason:
                raise GanforgeError(f"{copy} is code that loading {run_path} would run, and {reason}; read it, "
                                    "then add --trust-code (trust_code=True in Python) to load it")
        loaded[field] = import_from(copy, name, field)
    return loaded


def _distrust(copy: Path, entry: Mapping) -> str | None:
    """Why a copy is not known to be the user's own file (None: it is)."""
    actual = file_digest(copy)
    if actual != entry.get("sha256"):
        return "it was changed after the run recorded it (its sha256 differs from config.json's)"
    origin = Path(entry.get("origin") or "")
    if not origin.is_file():
        return f"the file it was copied from ({origin}) is not on this machine"
    if file_digest(origin) != actual:
        return f"the file it was copied from ({origin}) has changed since"
    return None


def import_from(path: Path, name: str, field: str) -> Callable:
    """The class or factory `name` of the Python file `path`, imported under a name of its own."""
    module_name = f"ganforge_user_code_{hashlib.sha256(str(path).encode()).hexdigest()[:12]}_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as e:  # noqa: BLE001 - whatever the user's file raises on import, said in one line
        raise GanforgeError(f"{option_name(field)}: importing {path} failed: {type(e).__name__}: {e}") from None
    found = getattr(module, name, None)
    if not callable(found):
        defined = sorted(k for k, v in vars(module).items() if inspect.isclass(v) and v.__module__ == module_name)
        raise GanforgeError(f"{option_name(field)}: {path} defines no {name}"
                            + (f"; it defines {', '.join(defined)}" if defined else ""))
    return found
