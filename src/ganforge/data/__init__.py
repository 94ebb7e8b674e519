"""Data sources: the moons distribution and emoji styles."""
