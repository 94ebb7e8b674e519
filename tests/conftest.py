import os

import pytest
import torch

# Tests must be reproducible and light on a 2-core CI machine. `make test` runs one pytest-xdist worker per
# core: each keeps to one thread (and so do the processes it starts), since two processes that each use
# every core stall each other many times over.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    torch.set_num_threads(1)
else:
    torch.set_num_threads(min(2, os.cpu_count() or 1))
# Whether this machine has a GPU, asked before any test hides it (see cpu_unless_marked_cuda).
HAVE_CUDA = torch.cuda.is_available()


def pytest_collection_modifyitems(config, items):
    """Tests marked cuda need a GPU: skipped, saying so, where torch sees none."""
    if HAVE_CUDA:
        return
    skip = pytest.mark.skip(reason="needs a CUDA device (torch.cuda.is_available() is false)")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def cpu_unless_marked_cuda(request, monkeypatch):
    """Every test but those marked cuda trains on the CPU, also on a machine with a GPU.

    Bit-exact resume is promised on the CPU; a test that left --device on auto would
    otherwise run CUDA kernels there and could flake. Hiding the GPU from torch makes auto
    pick the CPU; the empty CUDA_VISIBLE_DEVICES hides it from child processes (sweep
    workers, subprocesses of the CLI, Ray) as well.
    """
    if request.node.get_closest_marker("cuda"):
        return
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


@pytest.fixture
def small_moons():
    """Options for a moons run that finishes in a second or two."""
    return dict(n_samples=512, batch_size=64, epochs=2, hidden_disc=32, heatmap_resolution=20, plot_every=1)
