"""Using a finished run: load its networks, translate images, draw samples, score it."""
from .evaluate import evaluate_run
from .load import load_trained
from .sample import sample_dcgan, sample_moons
from .translate import translate_files, translate_test_set

__all__ = ["evaluate_run", "load_trained", "sample_dcgan", "sample_moons", "translate_files", "translate_test_set"]
