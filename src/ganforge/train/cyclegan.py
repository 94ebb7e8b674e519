"""CycleGAN training between two emoji styles: two optimizers (toronto) or one with gradient reversal (radboud)."""
from __future__ import annotations

import torch

from ..config import CycleGANConfig
from ..data.batches import BatchSampler
from ..data.convert import to_model_range, to_uint8
from ..data.emoji import datasets as emoji_datasets
from ..hardware import Hardware, pick_hardware
from ..models.build import build_networks
from ..models.cyclegan import CycleNets
from ..models.modes import eval_mode
from ..pictures.grids import interleave, save_grid
from ..runs import Run
from .cycle_steps import make_cycle_step
from .loop import Schedule, Training, run_iterations
from .result import TrainingResult


def prepare_cyclegan(cfg: CycleGANConfig, hw: Hardware, train_a: torch.Tensor, train_b: torch.Tensor) -> Training:
    """The four networks, the step of cfg.trainer and unpaired batches of the two styles (uint8, on hw's device)."""
    # Different seeds per domain: the two styles are shuffled independently (unpaired training).
    sampler_a = BatchSampler(train_a, cfg.batch_size, cfg.seed, hw.channels_last, name=f"the {cfg.source} training set")
    sampler_b = BatchSampler(train_b, cfg.batch_size, cfg.seed + 1, hw.channels_last,
                             name=f"the {cfg.target} training set")
    nets = build_networks("cyclegan", cfg, hw)
    step = make_cycle_step(cfg, nets, hw)
    return Training(nets, step, lambda it: (sampler_a.batch(it), sampler_b.batch(it)), hw.device)


@torch.no_grad()
def sample_translations(nets: CycleNets, test_a: torch.Tensor, test_b: torch.Tensor, hw: Hardware,
                        folder, it: int, names: tuple[str, str]) -> None:
    """Grids of [source | translation | reconstruction] rows for both directions, from fixed test images."""
    with eval_mode(*nets.as_dict().values()):
        for src, g_there, g_back, tag in ((test_a, nets.g_ab, nets.g_ba, f"{names[0]}-{names[1]}"),
                                          (test_b, nets.g_ba, nets.g_ab, f"{names[1]}-{names[0]}")):
            x = to_model_range(src, hw.channels_last)
            with hw.autocast():
                fake = g_there(x)
                back = g_back(fake)
            grid = interleave(src.cpu(), to_uint8(fake), to_uint8(back))
            save_grid(grid, folder / f"{it:06d}-{tag}.png", ncol=6)


def train_cyclegan(cfg: CycleGANConfig, run: Run, resume: bool = False, score=None) -> TrainingResult:
    hw = pick_hardware(cfg.device, cfg.precision, cfg.threads, convolutional=True)
    torch.manual_seed(cfg.seed)
    data = emoji_datasets.load_emoji_splits(cfg, [cfg.source, cfg.target])
    train_a = data[cfg.source]["train"].images.to(hw.device)  # uint8, moved once
    train_b = data[cfg.target]["train"].images.to(hw.device)
    test_a = data[cfg.source]["test"].images[:cfg.n_sample_images].to(hw.device)
    test_b = data[cfg.target]["test"].images[:cfg.n_sample_images].to(hw.device)
    training = prepare_cyclegan(cfg, hw, train_a, train_b)
    nets = training.networks
    run.log(f"cyclegan {cfg.source} <-> {cfg.target} ({cfg.trainer}, {cfg.generator} generators): "
            f"{train_a.shape[0]} + {train_b.shape[0]} training images, {hw.describe()}, {cfg.iters} iterations")

    def sample(it: int) -> None:
        sample_translations(nets, test_a, test_b, hw, run.path / "samples", it, (cfg.source, cfg.target))

    schedule = Schedule(total=cfg.iters, log_every=cfg.log_every, sample_every=cfg.sample_every,
                        checkpoint_every=cfg.checkpoint_every, score_every=cfg.eval_every)
    run_iterations(run, training, schedule, sample, score=score and (lambda it: score(nets, data)),
                   resume=resume, desc="cyclegan")
    run.log(f"done: samples in {run.path / 'samples'}")
    return TrainingResult(run, nets)
