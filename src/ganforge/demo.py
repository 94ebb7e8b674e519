"""`make demo`: build the emoji data, train the moons GAN and a short CycleGAN, say where to look."""
from __future__ import annotations

from . import api

DEMO_CYCLEGAN_ITERS = 2000  # about 2 minutes on 2 CPU cores with bf16 (see README)


def run_demo(root: str = "runs") -> dict:
    from .data.emojis import build_styles

    print("== 1/3 building Apple and Windows emoji data (downloads once, then cached)")
    build_styles(["apple", "windows"])
    print("== 2/3 training the moons GAN (two-step, the Radboud settings)")
    moons = api.train_moons(preset="radboud", root=root)
    print(f"== 3/3 training a CycleGAN apple <-> windows for {DEMO_CYCLEGAN_ITERS} iterations (toronto preset)")
    cycle = api.train_cyclegan(preset="toronto", iters=DEMO_CYCLEGAN_ITERS, checkpoint_every=500, root=root)
    last = f"{DEMO_CYCLEGAN_ITERS:06d}"
    print("\nDone. Open the reports in a browser:")
    print(f"  moons:     {moons.path / 'report.html'}   (heatmaps in {moons.path / 'heatmaps'})")
    print(f"  cyclegan:  {cycle.path / 'report.html'}   (samples in {cycle.path / 'samples'}, "
          f"e.g. {last}-apple-windows.png)")
    return {"moons": moons.path, "cyclegan": cycle.path}
