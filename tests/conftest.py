import os

import pytest
import torch

# Tests must be reproducible and light on a 2-core CI machine.
torch.set_num_threads(min(2, os.cpu_count() or 1))


@pytest.fixture
def small_moons():
    """Options for a moons run that finishes in a second or two."""
    return dict(n_samples=512, batch_size=64, epochs=2, hidden_disc=32, heatmap_resolution=20, plot_every=1)
