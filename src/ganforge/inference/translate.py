"""`ganforge translate`: images through a trained translator (CycleGAN, CUT, pix2pix, or a method of yours).

A direction is written `apple2windows` (as in run folders and metrics), and `apple-windows`
or `apple->windows` are read as the same; without one, a run translates its own
direction (source to target).
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
import torch

from ..data.convert import to_model_range, to_uint8
from ..data.emoji import datasets as emoji_datasets
from ..data.emoji import paired_indices
from ..data.images import load_image
from ..errors import GanforgeError
from ..fileio import write_text_atomically
from ..pictures.grids import save_grid
from ..scoring import direction_name
from .load import load_trained


def parse_direction(text: str | None, cfg) -> str:
    """'forward' or 'backward' for a --direction such as apple2windows, apple-windows or apple->windows."""
    if text is None:
        return "forward"
    given = text.strip().lower()
    for direction, (a, b) in (("forward", (cfg.source, cfg.target)), ("backward", (cfg.target, cfg.source))):
        if given in (direction_name(a, b), f"{a}-{b}", f"{a}->{b}", f"{a}→{b}"):
            return direction
    raise GanforgeError(f"--direction must be {direction_name(cfg.source, cfg.target)} or "
                        f"{direction_name(cfg.target, cfg.source)} (or written with - or ->) for this run; "
                        f"got {text!r}")


def translator(nets, direction: str, run_dir=None):
    translators = dict((d, there) for d, (there, _) in nets.translators().items())
    if direction not in translators:
        raise GanforgeError(f"--run {run_dir} translates one way only (its source to its target); "
                            "give its own direction, or none")
    return translators[direction]


@torch.no_grad()
def translate_images(generator, images_u8: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 3, H, W) -> their translations, uint8, on the CPU."""
    return to_uint8(generator(to_model_range(images_u8)))


def direction_styles(cfg, direction: str) -> tuple[str, str]:
    """(source style, target style) of a run's 'forward' or 'backward' translator."""
    return (cfg.source, cfg.target) if direction == "forward" else (cfg.target, cfg.source)


def translate_files(run_dir, direction: str | None, images: list, out_dir, scale: int = 4,
                    step: int | None = None, trust_code: bool = False) -> list[Path]:
    """For each image file: NAME-DIR.png ([input | translation], enlarged), and the translation alone at the
    networks' size (NAME-DIR-32.png) and enlarged `scale` times (NAME-DIR-x4.png). Returns the paths."""
    cfg, nets = load_trained(run_dir, "translations", step=step, trust_code=trust_code)
    which = parse_direction(direction, cfg)
    generator, name = translator(nets, which, run_dir), direction_name(*direction_styles(cfg, which))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in images:
        array = load_image(path, cfg.image_size, cfg.background)  # (S, S, 3) uint8, any input format
        source = torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))[None]  # (1, 3, S, S)
        translated = translate_images(generator, source)
        stem = f"{Path(path).stem}-{name}"
        written.append(save_grid(torch.cat([source, translated]), out_dir / f"{stem}.png", ncol=2, scale=scale))
        written.append(save_grid(translated, out_dir / f"{stem}-{cfg.image_size}.png", ncol=1, pad=0, scale=1))
        written.append(save_grid(translated, out_dir / f"{stem}-x{scale}.png", ncol=1, pad=0, scale=scale))
    return written


def translate_test_set(run_dir, direction: str | None, out_dir, step: int | None = None,
                       trust_code: bool = False) -> Path:
    """Every test image of the direction's source, translated into OUT/images/, with OUT/index.html
    showing source | translation | true target (where the test sets pair them). Returns index.html."""
    cfg, nets = load_trained(run_dir, "translations", step=step, trust_code=trust_code)
    which = parse_direction(direction, cfg)
    generator, (src, dst) = translator(nets, which, run_dir), direction_styles(cfg, which)
    data = emoji_datasets.load_emoji_splits(cfg, [src, dst])
    test_src, test_dst = data[src]["test"], data[dst]["test"]
    translated = translate_images(generator, test_src.images)
    pairs = dict(zip(*(i.tolist() for i in paired_indices(test_src, test_dst))))
    out_dir = Path(out_dir)
    rows = []
    for i, name in enumerate(test_src.codepoints):
        stem = re.sub(r"[^A-Za-z0-9._-]", "_", str(name)) or f"{i:04d}"
        cells = {"source": save_grid(test_src.images[i:i + 1], out_dir / "images" / f"{stem}-source.png",
                                     ncol=1, pad=0, scale=1),
                 "translation": save_grid(translated[i:i + 1], out_dir / "images" / f"{stem}-{direction_name(src, dst)}.png",
                                          ncol=1, pad=0, scale=1)}
        if i in pairs:
            j = pairs[i]
            cells["true target"] = save_grid(test_dst.images[j:j + 1], out_dir / "images" / f"{stem}-target.png",
                                             ncol=1, pad=0, scale=1)
        rows.append((test_src.names[i], cells))
    return write_text_atomically(out_dir / "index.html", _index_page(rows, src, dst, run_dir, paired=bool(pairs)))


def _index_page(rows, src: str, dst: str, run_dir, paired: bool) -> str:
    """A results page in the spirit of pytorch-CycleGAN-and-pix2pix's: one row per test image; a true target
    column only where the test sets pair their images."""
    columns = ["source", "translation"] + (["true target"] if paired else [])

    def cell(path):
        return (f'<td><img src="images/{html.escape(path.name)}" width="96" height="96" '
                f'style="image-rendering: pixelated"></td>') if path else "<td></td>"
    body = "".join(f"<tr><td>{html.escape(str(name))}</td>{''.join(cell(c.get(k)) for k in columns)}</tr>"
                   for name, c in rows)
    note = "" if paired else ("<p>No true targets: the test images of the two domains are not known to be the same "
                              "pictures (with folders of your own, --pairs names says that files of the same name "
                              "are).</p>")
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{src} to {dst}</title></head>"
            f"<body><h1>{src} → {dst}: {len(rows)} test images</h1><p>from <code>{html.escape(str(run_dir))}</code>"
            f"</p>{note}<table><tr><th>name</th>{''.join(f'<th>{c}</th>' for c in columns)}</tr>"
            f"{body}</table></body></html>\n")
