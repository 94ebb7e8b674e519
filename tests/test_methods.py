"""Methods as records found by name: no method named outside its own module, methods from notebooks, old import
paths. (Methods from installed packages: test_plugin_example.py.)"""
import ast
import json
import sys
from pathlib import Path

import pytest

import ganforge
import ganforge.api as api
from ganforge import methods
from ganforge.cli import main
from ganforge.errors import GanforgeError

SRC = Path(ganforge.__file__).parent
BUILT_IN = ("moons", "dcgan", "cyclegan", "cut", "pix2pix")


def _named(node) -> list[str]:
    """The built-in method names a literal (or a tuple, list or set of literals) holds."""
    items = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]
    return [i.value for i in items if isinstance(i, ast.Constant) and i.value in BUILT_IN]


def method_names_used_as_keys_or_compared(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, name) wherever a method's name is a dict key, a subscript, a keyword (dict(moons=...)), a match case,
    or compared (==, !=, in): the shapes a per-method branch or table takes."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            found += [(node.lineno, n) for key in node.keys if key is not None for n in _named(key)]
        elif isinstance(node, ast.Compare):
            found += [(node.lineno, n) for part in (node.left, *node.comparators) for n in _named(part)]
        elif isinstance(node, ast.Subscript):
            found += [(node.lineno, n) for n in _named(node.slice)]
        elif isinstance(node, ast.keyword) and node.arg in BUILT_IN:
            found.append((node.value.lineno, node.arg))
        elif isinstance(node, ast.MatchValue):
            found += [(node.lineno, n) for n in _named(node.value)]
    return found


def test_no_method_is_a_key_or_a_comparison_outside_its_own_module():
    own = {SRC / "methods" / f"{name}.py" for name in BUILT_IN}
    # The 2-D data sets include the handout's moons, a data set of the same name as the method that trains on it.
    own.add(SRC / "data" / "points.py")
    found = [f"{path.relative_to(SRC)}:{line}: {name}" for path in sorted(SRC.rglob("*.py")) if path not in own
             for line, name in method_names_used_as_keys_or_compared(ast.parse(path.read_text()))]
    assert found == []


def test_the_check_finds_the_shapes_a_per_method_branch_takes():
    code = ('if kind == "moons": pass\nx = {"dcgan": 1}\ny = table["cut"]\nz = dict(pix2pix=2)\n'
            'w = kind in ("cut", "pix2pix")\ntrain("moons")\n')
    assert sorted(method_names_used_as_keys_or_compared(ast.parse(code))) == [
        (1, "moons"), (2, "dcgan"), (3, "cut"), (4, "pix2pix"), (5, "cut"), (5, "pix2pix")]


def test_every_built_in_method_is_a_record_found_by_name():
    assert methods.names()[:5] == list(BUILT_IN)
    for name in BUILT_IN:
        method = methods.get(name)
        assert method.name == name and method.config.__module__ == f"ganforge.methods.{name}"
        cfg = method.resolve()
        assert method.tag(cfg).startswith(f"{name}-")
    with pytest.raises(GanforgeError, match="no method is called 'nope'; there are moons, dcgan, cyclegan"):
        methods.get("nope")


def test_a_method_registered_in_a_notebook_trains_and_is_known_to_the_cli(tmp_path, monkeypatch, capsys,
                                                                           small_moons):
    monkeypatch.setattr(methods, "_added", {})
    methods.reload()
    moons = methods.get("moons")
    mine = methods.Method(name="my-moons", title="my moons", summary="the moons, registered in a notebook",
                          config=moons.config, data=moons.data, networks=moons.networks, step=moons.step)
    try:
        ganforge.register_method(mine)
        with pytest.raises(GanforgeError, match="already called 'my-moons'"):
            ganforge.register_method(methods.Method(**{**mine.__dict__}))
        result = ganforge.train_my_moons(out=tmp_path / "m", **small_moons)
        assert json.loads((result.path / "config.json").read_text())["kind"] == "my-moons"
        assert main(["train", "my-moons", "--dry-run"]) == 0
        assert '"kind": "my-moons"' in capsys.readouterr().out
        assert "my moons · two-step" in (result.path / "report.html").read_text()
    finally:
        methods.reload()
        monkeypatch.setattr(methods, "_added", {})
        methods.reload()
    assert "my-moons" not in methods.names()


def test_a_run_of_a_method_that_is_not_installed_says_so(tmp_path, small_moons, capsys):
    run = api.train_moons(out=tmp_path / "m", **small_moons)
    config = json.loads((run.path / "config.json").read_text())
    (run.path / "config.json").write_text(json.dumps({**config, "kind": "gone"}))
    assert main(["eval", str(run.path)]) == 2
    assert "is a 'gone' run, and no installed method is called so" in capsys.readouterr().err
    assert main(["report", str(run.path)]) == 0  # reports read files: the run is still shown


def test_the_old_import_path_of_the_moons_networks_works_with_a_deprecation_warning():
    import importlib

    sys.modules.pop("ganforge.models.toy", None)
    with pytest.warns(DeprecationWarning, match="ganforge.models.toy is now ganforge.models.moons"):
        toy = importlib.import_module("ganforge.models.toy")
    from ganforge.models.moons import MoonGenerator

    assert toy.MoonGenerator is MoonGenerator
