"""Using a finished run: load its networks, translate images, draw samples, score it."""
from .evaluate import evaluate_run
from .load import load_trained
from .sample import sample_grid, sample_points
from .translate import translate_files, translate_test_set

__all__ = ["evaluate_run", "load_trained", "sample_grid", "sample_points", "translate_files", "translate_test_set"]
