"""Scoring: networks + data -> metric records (values, what each value is, and notes).

The metrics themselves are pure functions registered in ganforge.metrics; this
package decides which of them score which kind of run, on which data, against
which baselines: engine.py runs registered metrics on named inputs, moons.py and
images.py prepare those inputs per kind, hooks.py hands training a scorer.
Importing the package loads only the engine (reports use it to read metric keys);
import the other modules by name.
"""
from .engine import EVAL_SEED, Inputs, describe, direction_name, direction_prefix, merge, score_metrics

__all__ = ["EVAL_SEED", "Inputs", "describe", "direction_name", "direction_prefix", "merge", "score_metrics"]
