"""`ganforge bench`: the project's training loop against its arithmetic floor and the handouts' way.

Three ways to train the same networks, timed in one process after warm-up,
median over repeats:
- loop: the project's own step fed as the training loop feeds it (data on the
  device as uint8, batches by index, bf16 autocast where native, stats summed on
  the device and read once);
- bare: the same step object called again and again on one pre-made batch (no
  indexing, no conversion, no stats kept): the loop's floor;
- handout: the handouts' way, written here as they do it: ImageFolder +
  DataLoader decoding PNGs every batch (moons: a DataLoader over a TensorDataset),
  fp32, default memory format and optimizer, `.item()` on every statistic every
  iteration.
loop and bare are built by the training code itself (train/*.py prepare_*), so the
benchmark times exactly what `ganforge train` runs.
"""
from __future__ import annotations

import json
import math
import resource
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torchvision
from torch.utils.flop_counter import FlopCounterMode
from PIL import Image
from torchvision import transforms

from .. import config as config_mod
from ..data.emoji import load_style
from ..data.moons import make_moons
from ..errors import GanforgeError
from ..hardware import Hardware, pick_hardware
from ..models.cyclegan import make_cycle_discriminator, make_cycle_generator
from ..models.dcgan import DCDiscriminator, DCGenerator
from ..models.moons import MoonDiscriminator, MoonGenerator
from ..train.cut import prepare_cut
from ..train.cyclegan import prepare_cyclegan
from ..train.dcgan import prepare_dcgan
from ..train.loop import Training
from ..train.losses import cycle_loss, revgrad
from ..train.moons import prepare_moons
from ..train.pix2pix import prepare_pix2pix

MODELS = ("moons", "dcgan", "dcgan-modern", "cyclegan-toronto", "cyclegan-radboud", "cut", "pix2pix")
# Iterations of a full run: the handouts' (moons 10 epochs of 782 batches; DCGAN 5,000; CycleGAN 10,000),
# and for the methods beyond them the 10,000 their comparison trains.
FULL_RUN_ITERS = {"moons": 10 * math.ceil(100_000 / 128), "dcgan": 5000, "dcgan-modern": 5000,
                  "cyclegan-toronto": 10_000, "cyclegan-radboud": 10_000, "cut": 10_000, "pix2pix": 10_000}


@dataclass
class Timing:
    warmup: int
    repeats: int
    iters: int


def _config(model: str, compile: bool = False):
    """The settings a model is timed with; `compile`: loop and bare use torch.compile'd networks."""
    if model == "moons":
        return config_mod.resolve("moons", "radboud", compile=compile)
    if model in ("dcgan", "dcgan-modern"):  # the handout's settings, and the modern preset beyond them
        return config_mod.resolve("dcgan", "toronto" if model == "dcgan" else "modern", compile=compile)
    if model in ("cut", "pix2pix"):
        return config_mod.resolve(model, batch_size=16, compile=compile)
    preset = model.split("-", 1)[1]
    # Batch 16 for every emoji model, as the targets are stated for it.
    return config_mod.resolve("cyclegan", preset, batch_size=16, compile=compile)


def _synchronize(device: torch.device) -> None:
    """Wait for queued GPU work, so the clock times work, not kernel launches."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _median_rate(run_iters, timing: Timing, device: torch.device) -> float:
    """Iterations per second: median over repeats, after warm-up."""
    run_iters(timing.warmup)
    _synchronize(device)
    rates = []
    for _ in range(timing.repeats):
        start = time.perf_counter()
        run_iters(timing.iters)
        _synchronize(device)
        rates.append(timing.iters / (time.perf_counter() - start))
    return statistics.median(rates)


def _loop_and_bare(prepare) -> tuple:
    """loop(n) and bare(n) from two fresh Trainings made by the training code's own prepare()."""
    torch.manual_seed(0)
    looped: Training = prepare()
    totals = torch.zeros(len(looped.step.stat_names), device=looped.device)
    cursor = {"i": 0}

    def loop(n):
        nonlocal totals
        for _ in range(n):
            totals += looped.step(*looped.batches(cursor["i"]))
            cursor["i"] += 1
        totals.tolist()  # one sync at the end, as at a log step

    torch.manual_seed(0)
    bare_training: Training = prepare()
    fixed = tuple(batch.clone() for batch in bare_training.batches(0))

    def bare(n):
        for _ in range(n):
            bare_training.step(*fixed)

    return loop, bare


# Emoji images: the built dataset when present, otherwise synthetic stand-ins.
def _emoji_images(style: str, n: int = 512) -> tuple[torch.Tensor, str]:
    try:
        return load_style(style, "train").images, "built"
    except GanforgeError:  # no data built: time on random images of the same shape
        gen = torch.Generator().manual_seed(0)
        return torch.randint(0, 256, (n, 3, 32, 32), dtype=torch.uint8, generator=gen), "synthetic"


def _write_png_folder(images: torch.Tensor, folder: Path, size: int = 72) -> Path:
    """The course archive's layout: one class folder of PNGs at 72x72, like the course archive."""
    cls = folder / "emojis"
    cls.mkdir(parents=True)
    for i, img in enumerate(images):
        Image.fromarray(img.permute(1, 2, 0).numpy()).resize((size, size), Image.Resampling.NEAREST).save(
            cls / f"{i:05d}.png")
    return folder


def _handout_loader(folder: Path, batch_size: int):
    """ImageFolder + DataLoader as the handouts build them; yields batches forever."""
    def loader(path):
        with open(path, "rb") as f:
            return Image.open(f).convert("RGBA").convert("RGB")

    transform = transforms.Compose([transforms.Resize((32, 32)), transforms.ToTensor(),
                                    transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    dataset = torchvision.datasets.ImageFolder(str(folder), transform, loader=loader)
    data = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True, drop_last=True)
    while True:
        for images, _ in data:
            yield images


def _lsgan(d, real: bool):
    return ((d - 1) ** 2).mean() if real else (d ** 2).mean()


# --- moons ---------------------------------------------------------------------------------------------

def _bench_moons(cfg, hw: Hardware, timing: Timing) -> dict:
    real = make_moons(cfg.n_samples, cfg.noise, cfg.seed).to(hw.device)
    loop, bare = _loop_and_bare(lambda: prepare_moons(cfg, hw, real))

    # handout: DataLoader over a TensorDataset, two D passes, default Adam, .item() every step.
    torch.manual_seed(0)
    gen3, disc3 = MoonGenerator(cfg.noise_size), MoonDiscriminator(2, cfg.hidden_disc)
    opt_g, opt_d = torch.optim.Adam(gen3.parameters(), 1e-3), torch.optim.Adam(disc3.parameters(), 1e-3)
    bce = torch.nn.BCEWithLogitsLoss()
    dataset = torch.utils.data.TensorDataset(real.cpu(), torch.zeros(len(real)))
    loader = torch.utils.data.DataLoader(dataset, batch_size=cfg.batch_size)

    def batches():
        while True:
            yield from loader

    it = batches()

    def handout(n):
        for _ in range(n):
            x, _ = next(it)
            fake = gen3(torch.rand(x.shape[0], gen3.input_size) * 2 - 1)
            d_real, d_fake = disc3(x), disc3(fake)
            d_loss = bce(d_real, torch.ones_like(d_real)) + bce(d_fake, torch.zeros_like(d_fake))
            d_acc = ((d_real > 0).float().mean() + (d_fake < 0).float().mean()) / 2
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
            d_fake = disc3(gen3(torch.rand(x.shape[0], gen3.input_size) * 2 - 1))
            g_loss = bce(d_fake, torch.ones_like(d_fake))
            g_acc = (d_fake > 0).float().mean()
            opt_g.zero_grad()
            g_loss.backward()
            opt_g.step()
            d_loss.item(), g_loss.item(), d_acc.item(), g_acc.item()

    return _rates(loop, bare, handout, timing, cfg.batch_size, "n/a", hw.device)


# --- DCGAN ---------------------------------------------------------------------------------------------

def _bench_dcgan(model: str, cfg, hw: Hardware, timing: Timing, png_root: Path) -> dict:
    images, source = _emoji_images(cfg.style)
    bs, betas = cfg.batch_size, (cfg.beta1, cfg.beta2)
    loop, bare = _loop_and_bare(lambda: prepare_dcgan(cfg, hw, images.to(hw.device)))

    torch.manual_seed(0)
    g3, d3 = DCGenerator(cfg.noise_size, cfg.conv_dim, "reference"), DCDiscriminator(cfg.conv_dim)
    og3 = torch.optim.Adam(g3.parameters(), cfg.lr_gen, betas=betas)
    od3 = torch.optim.Adam(d3.parameters(), cfg.lr_disc, betas=betas)
    batches = _handout_loader(_write_png_folder(images, png_root / model), bs)

    def handout(n):
        for _ in range(n):
            real = next(batches)
            od3.zero_grad()
            d_real_loss = _lsgan(d3(real), True)
            fake = g3(torch.rand(bs, cfg.noise_size) * 2 - 1)
            d_fake_loss = _lsgan(d3(fake), False)
            (d_real_loss + d_fake_loss).backward()
            od3.step()
            og3.zero_grad()
            g_loss = _lsgan(d3(g3(torch.rand(bs, cfg.noise_size) * 2 - 1)), True)
            g_loss.backward()
            og3.step()
            d_real_loss.item(), d_fake_loss.item(), g_loss.item()

    return _rates(loop, bare, handout, timing, bs, source, hw.device)


# --- CycleGAN ------------------------------------------------------------------------------------------

def _bench_cyclegan(model: str, cfg, hw: Hardware, timing: Timing, png_root: Path) -> dict:
    images_a, source = _emoji_images(cfg.source)
    images_b, _ = _emoji_images(cfg.target)
    bs, lam = cfg.batch_size, cfg.lambda_cycle
    loop, bare = _loop_and_bare(lambda: prepare_cyclegan(cfg, hw, images_a.to(hw.device), images_b.to(hw.device)))

    # The handouts' way on the same architectures: fp32, default layout and Adam, PNGs decoded every batch.
    distance = cycle_loss(cfg.cycle_loss, cfg.cycle_reduction)
    torch.manual_seed(0)
    g_ab = make_cycle_generator(cfg.generator, cfg.conv_dim, "reference")
    g_ba = make_cycle_generator(cfg.generator, cfg.conv_dim, "reference")
    d_a = make_cycle_discriminator(cfg.discriminator, cfg.conv_dim)
    d_b = make_cycle_discriminator(cfg.discriminator, cfg.conv_dim)
    betas = (cfg.beta1, cfg.beta2)
    batches_a = _handout_loader(_write_png_folder(images_a, png_root / f"{model}-a"), bs)
    batches_b = _handout_loader(_write_png_folder(images_b, png_root / f"{model}-b"), bs)
    if cfg.trainer == "two-optimizers":
        og = torch.optim.Adam(list(g_ab.parameters()) + list(g_ba.parameters()), cfg.lr, betas=betas)
        od = torch.optim.Adam(list(d_a.parameters()) + list(d_b.parameters()), cfg.lr, betas=betas)

        def handout(n):
            for _ in range(n):
                x, y = next(batches_a), next(batches_b)
                od.zero_grad()
                d_real = _lsgan(d_a(x), True) + _lsgan(d_b(y), True)
                d_real.backward()
                od.step()
                od.zero_grad()
                d_fake = _lsgan(d_a(g_ba(y)), False) + _lsgan(d_b(g_ab(x)), False)
                d_fake.backward()
                od.step()
                og.zero_grad()
                fake_x = g_ba(y)
                g1 = _lsgan(d_a(fake_x), True) + lam * distance(g_ab(fake_x), y)
                g1.backward()
                og.step()
                og.zero_grad()
                fake_y = g_ab(x)
                g2 = _lsgan(d_b(fake_y), True) + lam * distance(g_ba(fake_y), x)
                g2.backward()
                og.step()
                d_real.item(), d_fake.item(), g1.item(), g2.item()
    else:
        opt = torch.optim.Adam([p for m in (g_ab, g_ba, d_a, d_b) for p in m.parameters()], cfg.lr, betas=betas)
        mse = torch.nn.MSELoss()

        def handout(n):
            for _ in range(n):
                a, b = next(batches_a), next(batches_b)
                fab, fba = g_ab(a), g_ba(b)
                caba, cbab = g_ba(fab), g_ab(fba)
                dra, drb = d_a(a), d_b(b)
                dfa, dfb = d_a(revgrad(fba)), d_b(revgrad(fab))
                terms = [mse(dra, torch.ones_like(dra)), mse(drb, torch.ones_like(drb)),
                         mse(dfa, torch.zeros_like(dfa)), mse(dfb, torch.zeros_like(dfb)),
                         mse(caba, a), mse(cbab, b)]
                loss = sum(terms[:4]) + lam * (terms[4] + terms[5])
                opt.zero_grad()
                loss.backward()
                opt.step()
                loss.item(), [t.item() for t in terms]

    return _rates(loop, bare, handout, timing, bs, source, hw.device)


# --- CUT and pix2pix: beyond the handouts, so no handout way to compare with ------------------------------

def _bench_translator(model: str, cfg, hw: Hardware, timing: Timing) -> dict:
    images_a, source = _emoji_images(cfg.source)
    images_b, _ = _emoji_images(cfg.target)
    n = min(len(images_a), len(images_b))
    pairs = (torch.arange(n), torch.arange(n))  # stand-in pairs: timing does not depend on which images pair
    prepare = prepare_cut if model == "cut" else prepare_pix2pix
    loop, bare = _loop_and_bare(lambda: prepare(cfg, hw, images_a.to(hw.device), images_b.to(hw.device), pairs))
    return _rates(loop, bare, None, timing, cfg.batch_size, source, hw.device)


def _flops_per_iteration(run_iters) -> int:
    """Multiply-add FLOPs (x2) of one iteration, counted by torch's flop counter (matmuls and convolutions)."""
    with FlopCounterMode(display=False) as counter:
        run_iters(1)
    return counter.get_total_flops()


def _rates(loop, bare, handout, timing: Timing, batch_size: int, data: str, device: torch.device) -> dict:
    """Iterations per second of each way, and the FLOPs of one iteration in the handout's form.

    FLOPs come from the handout's way where there is one (its upconv as written), else from
    the bare step: the same arithmetic for every form, so GFLOP/s credits an exact
    reformulation with the work it avoids.
    """
    cpu = torch.device("cpu")  # the handouts' way runs on the CPU
    return {"loop_it_per_s": _median_rate(loop, timing, device), "bare_it_per_s": _median_rate(bare, timing, device),
            "handout_it_per_s": _median_rate(handout, timing, cpu) if handout else None,
            "flops_per_iter": _flops_per_iteration(handout or bare),
            "batch_size": batch_size, "data": data}


def matmul_peak_gflops(precision: str, device: torch.device, n: int = 2048, repeats: int = 5) -> float:
    """GFLOP/s of a large square matmul in the run's precision: what this machine can reach at best."""
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16 if precision == "fp16" else torch.float32
    gen = torch.Generator().manual_seed(0)
    a, b = (torch.randn(n, n, generator=gen).to(device, dtype) for _ in range(2))
    a @ b  # warm-up: thread pool, kernel choice
    _synchronize(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        _synchronize(device)
        times.append(time.perf_counter() - start)
    return 2 * n ** 3 / min(times) / 1e9


def _peak(peaks: dict, hw: Hardware) -> float:
    """The matmul peak of hw's precision and device, measured once per bench run."""
    key = (hw.precision, str(hw.device))
    if key not in peaks:
        peaks[key] = matmul_peak_gflops(hw.precision, hw.device)
    return peaks[key]


def run_bench(models=MODELS, quick: bool = False, precision: str = "auto", device: str = "auto",
              threads: int = 0, compile: bool = False) -> list[dict]:
    """One row per model; with `compile`, loop and bare use torch.compile'd networks (compiled in warm-up)."""
    timing = Timing(warmup=2, repeats=1, iters=3) if quick else Timing(warmup=10, repeats=5, iters=30)
    results, peaks = [], {}
    with tempfile.TemporaryDirectory(prefix="ganforge-bench-") as tmp:
        for model in models:
            cfg = _config(model, compile)
            conv = model != "moons"
            hw = pick_hardware(device, precision, threads, convolutional=conv)
            moons_timing = Timing(timing.warmup * 5, timing.repeats, timing.iters * 5) if not quick else timing
            if model == "moons":
                row = _bench_moons(cfg, hw, moons_timing)
            elif model in ("dcgan", "dcgan-modern"):
                row = _bench_dcgan(model, cfg, hw, timing, Path(tmp))
            elif model in ("cut", "pix2pix"):
                row = _bench_translator(model, cfg, hw, timing)
            else:
                row = _bench_cyclegan(model, cfg, hw, timing, Path(tmp))
            full = FULL_RUN_ITERS[model]
            row = {"model": model, **row, "precision": hw.precision, "device": str(hw.device),
                   "torch": torch.__version__, "threads": torch.get_num_threads(), "compile": compile,
                   "loop_over_bare": row["loop_it_per_s"] / row["bare_it_per_s"],
                   "gflop_per_iter": row["flops_per_iter"] / 1e9,
                   "loop_gflop_per_s": row["flops_per_iter"] * row["loop_it_per_s"] / 1e9,
                   "matmul_peak_gflop_per_s": _peak(peaks, hw),
                   "loop_over_handout": _ratio(row["loop_it_per_s"], row["handout_it_per_s"]),
                   "full_run_iters": full,
                   "projected_full_run_min_loop": full / row["loop_it_per_s"] / 60,
                   "projected_full_run_min_handout": _ratio(full / 60, row["handout_it_per_s"])}
            row["share_of_peak"] = row["loop_gflop_per_s"] / row["matmul_peak_gflop_per_s"]
            results.append(row)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for row in results:
        row["peak_rss_mb_process"] = peak_mb
    return results


def _ratio(a: float, b: float | None) -> float | None:
    return None if b is None else a / b


def _cell(value, width: int, digits: int, unit: str = "") -> str:
    return f"{'–':>{width}}" if value is None else f"{value:>{width - len(unit)}.{digits}f}{unit}"


def format_table(rows: list[dict]) -> str:
    header = (f"{'model':<18}{'loop it/s':>10}{'bare it/s':>10}{'handout it/s':>13}{'loop/bare':>10}"
              f"{'loop/handout':>13}{'GFLOP/it':>9}{'GFLOP/s':>9}{'of peak':>8}"
              f"{'full run (loop)':>17}{'full run (handout)':>20}  precision")
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(f"{r['model']:<18}{r['loop_it_per_s']:>10.1f}{r['bare_it_per_s']:>10.1f}"
                     f"{_cell(r['handout_it_per_s'], 13, 1)}{r['loop_over_bare']:>10.2f}"
                     f"{_cell(r['loop_over_handout'], 13, 2)}{r['gflop_per_iter']:>9.2f}{r['loop_gflop_per_s']:>9.0f}"
                     f"{r['share_of_peak']:>8.0%}"
                     f"{_cell(r['projected_full_run_min_loop'], 17, 1, ' min')}"
                     f"{_cell(r['projected_full_run_min_handout'], 20, 1, ' min')}  {r['precision']}")
    first = rows[0] if rows else {}
    peaks = ", ".join(sorted({f"{r['precision']} {r['matmul_peak_gflop_per_s']:.0f}" for r in rows}))
    lines.append(f"device {first.get('device')}, torch {first.get('torch')}, {first.get('threads')} threads, "
                 f"{'torch.compile, ' if first.get('compile') else ''}"
                 f"peak RSS {first.get('peak_rss_mb_process', 0):.0f} MB; emoji data: "
                 f"{', '.join(sorted({r['data'] for r in rows if r['data'] != 'n/a'})) or 'n/a'}")
    lines.append(f"GFLOP/it: one iteration in the handout's form (torch's flop counter); GFLOP/s: that times loop "
                 f"it/s; of peak: against a 2048x2048 matmul here (GFLOP/s: {peaks})")
    return "\n".join(lines)


def main_bench(models, quick, as_json, precision, device, threads, compile=False) -> list[dict]:
    rows = run_bench(models, quick, precision, device, threads, compile)
    print(json.dumps(rows, indent=2) if as_json else format_table(rows))
    return rows
