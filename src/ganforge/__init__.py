"""ganforge: a workbench for adversarial training on a laptop CPU.

Notebook use:
    import ganforge
    result = ganforge.train_moons(trainer="revgrad", epochs=2)
    result.path, result.config, result.stats, result.networks
    fig = ganforge.moons_figure(result.discriminator, result.generator)   # the heatmap, in the notebook

`import ganforge` itself loads nothing heavy: the names below are imported from
ganforge.api the first time they are used (PEP 562).
"""
from importlib.metadata import PackageNotFoundError, version

from .errors import GanforgeError

try:
    __version__ = version("ganforge")  # pyproject.toml is the one place the version is written
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "unknown"

__all__ = ["train", "train_moons", "train_dcgan", "train_cyclegan", "train_cut", "train_pix2pix", "load_run",
           "translate", "sample", "evaluate", "register_method", "moons_figure", "GanforgeError"]


def __getattr__(name: str):
    if name in __all__ or name.startswith("train_"):  # train_<method> for every method there is
        from . import api  # deferred so that `import ganforge` stays light (no torch, no training code)

        return getattr(api, name)
    raise AttributeError(f"module 'ganforge' has no attribute {name!r}")
