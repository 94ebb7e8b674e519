"""ganforge: a workbench for adversarial training on a laptop CPU.

Notebook use:
    import ganforge
    result = ganforge.train_moons(trainer="revgrad", epochs=2)
    result.path, result.stats, result.generator
"""
from .api import train_moons
from .errors import GanforgeError
from .plots import moons_figure

__all__ = ["train_moons", "moons_figure", "GanforgeError"]
__version__ = "0.1.0"
