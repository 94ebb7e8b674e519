"""What every translation method's training shares: its data, its sample grids, the loop around its step.

CycleGAN translates both ways and draws rows of source | translation | reconstruction;
one-way translators (CUT, pix2pix) draw source | translation | true target, from the
same test emojis in every run, so grids of different methods compare row for row.
"""
from __future__ import annotations

from typing import Callable

import torch

from ..data.convert import to_model_range, to_uint8
from ..data.emoji import datasets as emoji_datasets
from ..data.emoji import paired_indices
from ..hardware import Hardware, pick_hardware
from ..models.modes import eval_mode
from ..pictures.grids import Grid, interleave, save_grid
from ..runs import Run
from .loop import Schedule, Training, run_iterations
from .lr_decay import with_lr_decay
from .result import TrainingResult

# prepare(cfg, hw, train_a, train_b, pairs) -> Training; pairs: (indices into train_a, into train_b) of the
# same emojis, for methods that train on pairs.
Prepare = Callable[..., Training]


def training_pairs(data: dict, source: str, target: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices of the emojis both training splits hold (paired by codepoint); the test emojis are never among them."""
    return paired_indices(data[source]["train"], data[target]["train"])


def sample_sets(data: dict, source: str, target: str, n: int) -> dict:
    """Fixed test images for the grids: the first n of each style, and n source/true-target pairs
    (where the test sets hold none, the first n sources and no targets)."""
    idx_a, idx_b = paired_indices(data[source]["test"], data[target]["test"])
    paired = len(idx_a) > 0
    return {"a": data[source]["test"].images[:n], "b": data[target]["test"].images[:n],
            "pair_source": data[source]["test"].images[idx_a[:n] if paired else slice(0, n)],
            "pair_target": data[target]["test"].images[idx_b[:n]] if paired else None}


def sample_translations(nets, sets: dict, hw: Hardware, folder, step: int, names: tuple[str, str]) -> None:
    """One grid file per direction the networks translate: samples/NNNNNN-SRC-DST.png."""
    for grid in translation_grids(nets, sets, hw, names):
        save_grid(grid.images, folder / f"{step:06d}-{grid.name}.png", ncol=grid.ncol, header=grid.header)


@torch.no_grad()
def translation_grids(nets, sets: dict, hw: Hardware, names: tuple[str, str]) -> list[Grid]:
    """One grid per direction the networks translate, three images a row (two rows side by side)."""
    a, b = names
    grids = []
    with eval_mode(*nets.as_dict().values()), torch.no_grad():
        for direction, (there, back) in nets.translators().items():
            src, dst = (a, b) if direction == "forward" else (b, a)
            if back is not None:   # rows of source | translation | reconstruction
                source = sets["a"] if direction == "forward" else sets["b"]
            else:                  # rows of source | translation | true target
                source = sets["pair_source"]
            with hw.autocast():
                fake = there(to_model_range(source.to(hw.device), hw.channels_last))
                third = to_uint8(back(fake)) if back is not None else sets["pair_target"]
            columns = [source.cpu(), to_uint8(fake)] + ([third.cpu()] if third is not None else [])
            # (the picture's font has no arrows)
            header = [f"{src} (source)", f"to {dst}"] + ([f"back to {src}" if back is not None else f"true {dst}"]
                                                         if third is not None else [])
            grids.append(Grid(f"{src}-{dst}", interleave(*columns), 2 * len(columns), tuple(header)))
    return grids


def train_translation(cfg, run: Run, prepare: Prepare, resume: bool = False, score=None, name: str = "translator",
                      paired: bool = False) -> TrainingResult:
    """Train the translator `name` from cfg.source to cfg.target; paired=True trains on pairs of one emoji."""
    hw = pick_hardware(cfg.device, cfg.precision, cfg.threads, convolutional=True, deterministic=cfg.deterministic)
    torch.manual_seed(cfg.seed)
    data = emoji_datasets.load_emoji_splits(cfg, [cfg.source, cfg.target])
    train_a = data[cfg.source]["train"].images.to(hw.device)  # uint8, moved once
    train_b = data[cfg.target]["train"].images.to(hw.device)
    pairs = training_pairs(data, cfg.source, cfg.target) if paired else None
    sets = sample_sets(data, cfg.source, cfg.target, cfg.n_sample_images)
    training = with_lr_decay(prepare(cfg, hw, train_a, train_b, pairs), cfg.lr_decay, cfg.iters)
    nets = training.networks
    what = f"{len(pairs[0])} training pairs" if paired else f"{train_a.shape[0]} + {train_b.shape[0]} training images"
    run.log(f"{name} {cfg.source} -> {cfg.target}: {what}, {hw.describe()}, {cfg.iters} iterations")

    def sample(it: int) -> None:
        sample_translations(nets, sets, hw, run.path / "samples", it, (cfg.source, cfg.target))

    schedule = Schedule(total=cfg.iters, log_every=cfg.log_every, sample_every=cfg.sample_every,
                        checkpoint_every=cfg.checkpoint_every, score_every=cfg.eval_every)
    run_iterations(run, training, schedule, sample, score=score and (lambda it: score(nets, data)),
                   resume=resume, desc=name)
    run.log(f"done: samples in {run.path / 'samples'}")
    return TrainingResult(run, nets)
