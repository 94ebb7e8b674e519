"""ganforge: a workbench for adversarial training on a laptop CPU.

Notebook use:
    import ganforge
    result = ganforge.train_moons(trainer="revgrad", epochs=2)
    result.path, result.stats, result.generator

`import ganforge` itself loads nothing heavy: the names below are imported from
ganforge.api the first time they are used (PEP 562).
"""
from .errors import GanforgeError

__all__ = ["train_moons", "moons_figure", "GanforgeError"]
__version__ = "0.1.0"


def __getattr__(name: str):
    if name in __all__:
        from . import api  # deferred so that `import ganforge` stays light (no torch, no training code)

        return getattr(api, name)
    raise AttributeError(f"module 'ganforge' has no attribute {name!r}")
