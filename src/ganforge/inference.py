"""Using a finished run: translate user images with a CycleGAN, draw DCGAN samples."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import torch

from . import checkpoint
from . import config as config_mod
from .errors import GanforgeError
from .grids import save_grid
from .hardware import Hardware
from .runs import Run
from .train.batches import IMAGE_SIZE, to_model_range, to_uint8

CPU_FP32 = Hardware(torch.device("cpu"), "fp32", channels_last=False)


def load_trained(run_dir, kind: str | None = None):
    """(config, networks) of a run's latest checkpoint, in eval mode on the CPU."""
    run = Run.open(run_dir)
    kind = kind or run.kind
    if run.kind != kind:
        raise GanforgeError(f"--run {run_dir} is a {run.kind} run; this command needs a {kind} run")
    _, _, cfg = config_mod.from_dict(run.config)
    cfg = dataclasses.replace(cfg, compile=False)  # a few images: compiling would take longer than they do
    latest = run.latest_checkpoint()
    if latest is None:
        raise GanforgeError(f"--run {run_dir} has no checkpoint yet")
    if kind == "cyclegan":
        from .train.cycle import build_cycle_nets

        nets = build_cycle_nets(cfg, CPU_FP32)
        modules = nets.as_dict()
    elif kind == "moons":
        from .train.gan import build_moons

        generator, discriminator = build_moons(cfg, "cpu")
        nets, modules = (generator, discriminator), {"generator": generator, "discriminator": discriminator}
    else:
        from .train.dcgan import build_dcgan

        generator, discriminator = build_dcgan(cfg, CPU_FP32)
        nets, modules = generator, {"generator": generator, "discriminator": discriminator}
    checkpoint.load(latest, modules, restore_rng=False)
    for module in modules.values():
        module.eval()
    return cfg, nets


def translate_files(run_dir, direction: str, images: list, out_dir) -> list[Path]:
    """Write [input | translation] PNGs for each image file; return their paths."""
    from .data.images import load_image

    cfg, nets = load_trained(run_dir, "cyclegan")
    forward, backward = f"{cfg.source}-{cfg.target}", f"{cfg.target}-{cfg.source}"
    if direction not in (forward, backward):
        raise GanforgeError(f"--direction must be {forward} or {backward} for this run; got {direction!r}")
    generator = nets.g_ab if direction == forward else nets.g_ba
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


def sample_dcgan(run_dir, n: int, out, seed: int = 0) -> Path:
    """A grid of n samples from a DCGAN run's generator."""
    cfg, generator = load_trained(run_dir, "dcgan")
    gen = torch.Generator().manual_seed(seed)
    noise = torch.rand(n, cfg.noise_size, generator=gen) * 2 - 1
    with torch.no_grad():
        images = to_uint8(generator(noise))
    return save_grid(images, out, ncol=int(np.ceil(np.sqrt(n))))
