"""The moons networks' old home (before ganforge 0.2); they live in ganforge.models.moons now."""
import warnings

from .moons import MoonDiscriminator, MoonGenerator, MoonGeneratorMixture, UniformMoonGenerator

warnings.warn("ganforge.models.toy is now ganforge.models.moons; the old name will go in a later release",
              DeprecationWarning, stacklevel=2)

__all__ = ["MoonDiscriminator", "MoonGenerator", "MoonGeneratorMixture", "UniformMoonGenerator"]
