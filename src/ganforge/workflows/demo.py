"""`make demo`: build the emoji data, train the moons GAN and a short CycleGAN, say where to look."""
from __future__ import annotations

from ..data.emoji import build_styles
from ..runs import REPORT
from .training import train

DEMO_CYCLEGAN_ITERS = 2000  # about 2 minutes on 2 CPU cores with bf16 (see README)
# The toronto preset's hue swaps (blue spiral -> yellow) are gone with the colour anchor, and a weaker
# cycle loss lets translations move further toward the Windows look (docs/translations/README.md).
DEMO_COLOUR_TERMS = {"lambda_colour": 10.0, "lambda_cycle": 0.005}


def run_demo(root: str = "runs", threads: int = 0) -> list:
    """Build the data, train the moons GAN and a short CycleGAN (threads: torch threads, 0 for the free cores)."""
    print("== 1/3 building Apple and Windows emoji data (downloads once, then cached)")
    build_styles(["apple", "windows"])
    print("== 2/3 training the moons GAN (two-step, the Radboud settings)")
    moons = train("moons", preset="radboud", root=root, threads=threads)
    print(f"== 3/3 training a CycleGAN apple <-> windows for {DEMO_CYCLEGAN_ITERS} iterations (toronto preset "
          f"with the colour anchor, the best unpaired method of docs/translations/)")
    cycle = train("cyclegan", preset="toronto", iters=DEMO_CYCLEGAN_ITERS, checkpoint_every=500, root=root,
                  threads=threads, **DEMO_COLOUR_TERMS)
    last = f"{DEMO_CYCLEGAN_ITERS:06d}"
    print("\nDone. Open the reports in a browser:")
    print(f"  moons:     {moons.path / REPORT}   (heatmaps in {moons.path / 'heatmaps'})")
    print(f"  cyclegan:  {cycle.path / REPORT}   (samples in {cycle.path / 'samples'}, "
          f"e.g. {last}-apple-windows.png)")
    return [moons.path, cycle.path]
