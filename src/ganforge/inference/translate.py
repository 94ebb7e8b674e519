"""`ganforge translate`: image files through a trained CycleGAN, written as [input | translation] PNGs."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..data.convert import to_model_range, to_uint8
from ..data.emoji import IMAGE_SIZE
from ..data.images import load_image
from ..config import TRANSLATION_KINDS
from ..errors import GanforgeError
from ..pictures.grids import save_grid
from .load import load_trained


def translate_files(run_dir, direction: str, images: list, out_dir) -> list[Path]:
    """Write [input | translation] PNGs for each image file; return their paths."""
    cfg, nets = load_trained(run_dir, TRANSLATION_KINDS)
    names = {"forward": f"{cfg.source}-{cfg.target}", "backward": f"{cfg.target}-{cfg.source}"}
    translators = {names[d]: there for d, (there, _) in nets.translators().items()}
    if direction not in translators:
        raise GanforgeError(f"--direction must be {' or '.join(translators)} for this run; got {direction!r}")
    generator = translators[direction]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in images:
        array = load_image(path, IMAGE_SIZE, cfg.background)  # (32, 32, 3) uint8, any input format
        source = torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))[None]  # (1, 3, 32, 32)
        with torch.no_grad():
            translated = to_uint8(generator(to_model_range(source)))
        target = out_dir / f"{Path(path).stem}-{direction}.png"
        written.append(save_grid(torch.cat([source, translated]), target, ncol=2, scale=4))
    return written
