"""The package's shape: imports go down the layers, never up, never in a cycle (function-level ones included).

    commands < errors < fileio < config < hardware < runs      the foundation
    < data | models | metrics                                  peers: none imports another
    < pictures | features < scoring < train < methods < inference < report < workflows < api < cli_data < cli
    < launch (the command's entry point: it imports cli only for a command, so --help and --version need no torch)
"""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

import ganforge

SRC = Path(ganforge.__file__).parent
LAYERS = [
    {"commands"},
    {"errors"}, {"fileio"}, {"config"}, {"hardware"}, {"runs"},
    {"data", "models", "metrics"},
    {"pictures", "features"},
    {"scoring"},
    {"train"},
    {"methods"},
    {"inference"},
    {"report"},
    {"workflows"},
    {"api"},
    {"cli_data"},
    {"cli"},
    {"launch"},
    {"__main__"},
]
RANK = {unit: i for i, layer in enumerate(LAYERS) for unit in layer}
# Imported inside a function only: optional extras, or heavy packages a command may not need.
LAZY_ALLOWED = ("ray", "tensorboard", "torch.utils.tensorboard", "scipy", "matplotlib", "starlette", "uvicorn")


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in SRC.rglob("*.py")}


def unit(module: str) -> str:
    """The top-level part of ganforge a module belongs to: 'data' for ganforge.data.emoji.store."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(path: Path):
    """(line, imported module, function-level?) for every import of the file, relative ones resolved."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text())
    function_level = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                      for n in ast.walk(f)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, id(node) in function_level
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            for alias in node.names:  # `from . import config` imports the module ganforge.config
                sub = f"{target}.{alias.name}"
                yield node.lineno, sub if sub in MODULES else target, id(node) in function_level


def own_imports():
    for name, path in MODULES.items():
        for line, target, lazy in imports(path):
            if target == "ganforge" or target.startswith("ganforge."):
                yield name, path, line, target, lazy


def test_every_unit_has_a_layer():
    assert {unit(m) for m in MODULES} <= set(RANK) | {"__init__"}


def test_imports_go_down_the_layers():
    wrong = []
    for name, path, line, target, _ in own_imports():
        source, dest = unit(name), unit(target)
        if source == "__init__" or dest == "__init__" and target == "ganforge":
            continue
        if source != dest and RANK[dest] >= RANK[source]:
            wrong.append(f"{path.relative_to(SRC)}:{line} imports {target} ({dest} is not below {source})")
    assert wrong == []


def test_the_package_root_loads_the_api_only_on_demand():
    root = {(target, lazy) for name, _, _, target, lazy in own_imports() if name == "ganforge"}
    assert root == {("ganforge.errors", False), ("ganforge.api", True)}


def test_no_import_cycles():
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for name, _, _, target, _ in own_imports():
        if target in MODULES and target != name:
            graph[name].add(target)
    graph["ganforge"] = {t for t in graph["ganforge"] if t == "ganforge.errors"}  # the lazy API is not an edge
    state, cycles = {}, []

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(trail[trail.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_function_level_imports_are_only_optional_or_heavy_packages_with_a_reason():
    wrong = []
    for path in MODULES.values():
        lines = path.read_text().splitlines()
        for line, target, lazy in imports(path):
            if not lazy:
                continue
            if target.startswith("ganforge"):
                # The package root loads its API on first use, the entry point its commands.
                if module_name(path) not in ("ganforge", "ganforge.launch"):
                    wrong.append(f"{path.relative_to(SRC)}:{line} imports {target} inside a function")
                continue
            allowed = any(target == p or target.startswith(p + ".") for p in LAZY_ALLOWED)
            reason = "#" in lines[line - 1] or lines[line - 2].strip().startswith("#")
            if not (allowed and reason):
                wrong.append(f"{path.relative_to(SRC)}:{line} imports {target} inside a function"
                             + ("" if allowed else " (not an optional or heavy package)")
                             + ("" if reason else " without a comment saying why"))
    assert wrong == []


def test_import_ganforge_loads_no_training_report_or_torch():
    code = "import sys, ganforge; print(' '.join(sorted(m for m in sys.modules if m.startswith(('ganforge', 'torch')))))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == ["ganforge", "ganforge.errors"]


@pytest.mark.parametrize("name", ["train_moons", "moons_figure", "GanforgeError"])
def test_the_public_names_are_there_on_first_use(name):
    assert getattr(ganforge, name) is not None


def test_help_and_version_import_no_torch():
    for argv in (["--version"], ["--help"]):
        code = ("import sys; from ganforge.launch import main\ntry:\n    main(%r)\nexcept SystemExit:\n    pass\n"
                "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('ganforge.')))" % argv)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        assert out.splitlines()[-1] == "['ganforge.commands', 'ganforge.errors', 'ganforge.launch']", argv
