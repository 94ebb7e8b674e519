"""`ganforge bench`: the project's training loop against its arithmetic floor and the seeds' way.

Three ways to train the same networks, timed in one process after warm-up,
median over repeats:
- loop: the project's own step at its defaults (data on the device as uint8,
  batches by index, bf16 autocast where native, stats summed on the device);
- bare: only forward + backward + optimizer steps of the same networks on
  pre-made tensors, same precision and memory format (the loop's floor);
- seed_style: the seeds' way: ImageFolder + DataLoader decoding PNGs every batch
  (moons: a DataLoader over a TensorDataset), fp32, default memory format and
  optimizer, `.item()` on every statistic every iteration.
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
import torch.nn.functional as F

from . import config as config_mod
from .hardware import Hardware, pick_hardware
from .losses import adversarial_loss, cycle_loss, revgrad

MODELS = ("moons", "dcgan", "cyclegan-toronto", "cyclegan-radboud")
# Iterations of the seeds' full runs: moons 10 epochs of 782 batches; DCGAN 5,000; CycleGAN 10,000.
FULL_RUN_ITERS = {"moons": 10 * math.ceil(100_000 / 128), "dcgan": 5000,
                  "cyclegan-toronto": 10_000, "cyclegan-radboud": 10_000}


@dataclass
class Timing:
    warmup: int
    repeats: int
    iters: int


def _config(model: str, compile: bool = False):
    """The settings a model is timed with; `compile`: loop and bare use torch.compile'd networks."""
    if model == "moons":
        return config_mod.resolve("moons", "radboud", compile=compile)
    if model == "dcgan":
        return config_mod.resolve("dcgan", "toronto", compile=compile)
    preset = model.split("-", 1)[1]
    # Batch 16 for every emoji model, as the targets are stated for it.
    return config_mod.resolve("cyclegan", preset, batch_size=16, compile=compile)


def _median_rate(run_iters, timing: Timing) -> float:
    """Iterations per second: median over repeats, after warm-up."""
    run_iters(timing.warmup)
    rates = []
    for _ in range(timing.repeats):
        start = time.perf_counter()
        run_iters(timing.iters)
        rates.append(timing.iters / (time.perf_counter() - start))
    return statistics.median(rates)


# Emoji images: the built dataset when present, otherwise synthetic stand-ins.
def _emoji_images(style: str, n: int = 512) -> tuple[torch.Tensor, str]:
    try:
        from .data.emojis import load_style

        return load_style(style, "train").images, "built"
    except Exception:  # noqa: BLE001 - no data built: time on random images of the same shape
        gen = torch.Generator().manual_seed(0)
        return torch.randint(0, 256, (n, 3, 32, 32), dtype=torch.uint8, generator=gen), "synthetic"


def _write_png_folder(images: torch.Tensor, folder: Path, size: int = 72) -> Path:
    """The seeds' archive layout: one class folder of PNGs at 72x72, like the course archive."""
    from PIL import Image

    cls = folder / "emojis"
    cls.mkdir(parents=True)
    for i, img in enumerate(images):
        Image.fromarray(img.permute(1, 2, 0).numpy()).resize((size, size), Image.Resampling.NEAREST).save(
            cls / f"{i:05d}.png")
    return folder


def _seed_loader(folder: Path, batch_size: int):
    """ImageFolder + DataLoader as the seeds build them; yields batches forever."""
    import torchvision
    from PIL import Image
    from torchvision import transforms

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


# --- moons ---------------------------------------------------------------------------------------------

def _bench_moons(cfg, hw: Hardware, timing: Timing) -> dict:
    from .data.moons import make_moons
    from .train.gan import _make_step, build_moons

    real = make_moons(cfg.n_samples, cfg.noise, cfg.seed).to(hw.device)
    n_batches = math.ceil(cfg.n_samples / cfg.batch_size)
    bs = cfg.batch_size

    # loop: the project's step over batches sliced from the on-device data.
    torch.manual_seed(0)
    gen, disc = build_moons(cfg, hw.device)
    step, _ = _make_step(cfg, gen, disc, hw)
    totals = torch.zeros(len(step.stat_names), device=hw.device)
    cursor = {"b": 0}

    def loop(n):
        nonlocal totals
        for _ in range(n):
            b = cursor["b"] % n_batches
            totals += step(real[b * bs:(b + 1) * bs])
            cursor["b"] += 1
        totals.tolist()  # one sync at the end, as at a log step

    # bare: the same arithmetic on pre-made tensors.
    torch.manual_seed(0)
    gen2, disc2 = build_moons(cfg, hw.device)
    _, opts = _make_step(cfg, gen2, disc2, hw)
    x_real, z = real[:bs].clone(), torch.rand(bs, gen2.input_size, device=hw.device) * 2 - 1
    ones, zeros = torch.ones(bs, 1, device=hw.device), torch.zeros(bs, 1, device=hw.device)

    def bare(n):
        for _ in range(n):
            with hw.autocast():
                with torch.no_grad():
                    fake = gen2(z)
                d = disc2(torch.cat([x_real, fake])).float()
                d_loss = F.binary_cross_entropy_with_logits(d, torch.cat([ones, zeros]))
            opts["disc"].zero_grad(set_to_none=True)
            d_loss.backward()
            opts["disc"].step()
            disc2.requires_grad_(False)
            with hw.autocast():
                g_loss = F.binary_cross_entropy_with_logits(disc2(gen2(z)).float(), ones)
            opts["gen"].zero_grad(set_to_none=True)
            g_loss.backward()
            opts["gen"].step()
            disc2.requires_grad_(True)
        torch.cuda.synchronize() if hw.device.type == "cuda" else None

    # seed_style: DataLoader over a TensorDataset, two D passes, default Adam, .item() every step.
    torch.manual_seed(0)
    gen3, disc3 = build_moons(cfg, "cpu")
    opt_g, opt_d = torch.optim.Adam(gen3.parameters(), 1e-3), torch.optim.Adam(disc3.parameters(), 1e-3)
    bce = torch.nn.BCEWithLogitsLoss()
    dataset = torch.utils.data.TensorDataset(real.cpu(), torch.zeros(len(real)))
    loader = torch.utils.data.DataLoader(dataset, batch_size=bs)

    def batches():
        while True:
            yield from loader

    it = batches()

    def seed_style(n):
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

    return _rates(loop, bare, seed_style, timing, bs, "n/a")


# --- DCGAN ---------------------------------------------------------------------------------------------

def _lsgan(d, real: bool):
    return ((d - 1) ** 2).mean() if real else (d ** 2).mean()


def _bench_dcgan(cfg, hw: Hardware, timing: Timing, png_root: Path) -> dict:
    from .train.batches import BatchSampler, to_model_range
    from .train.common import adam
    from .train.dcgan import build_dcgan
    from .train.steps import TwoStepGAN

    images, source = _emoji_images(cfg.style)
    bs, betas = cfg.batch_size, (cfg.beta1, cfg.beta2)

    def nets_and_opts(h):
        torch.manual_seed(0)
        g, d = build_dcgan(cfg, h)
        return g, d, adam(g.parameters(), cfg.lr_gen, betas), adam(d.parameters(), cfg.lr_disc, betas)

    g, d, og, od = nets_and_opts(hw)
    step = TwoStepGAN(g, d, og, od, adversarial_loss("lsgan"), hw)
    sampler = BatchSampler(images.to(hw.device), bs, 0, hw.channels_last)
    totals = torch.zeros(4, device=hw.device)
    cursor = {"i": 0}

    def loop(n):
        nonlocal totals
        for _ in range(n):
            totals += step(sampler.batch(cursor["i"]))
            cursor["i"] += 1
        totals.tolist()

    g2, d2, og2, od2 = nets_and_opts(hw)
    x = to_model_range(images[:bs].to(hw.device), hw.channels_last)
    z = torch.rand(bs, cfg.noise_size, device=hw.device) * 2 - 1

    def bare(n):
        for _ in range(n):
            with hw.autocast():
                with torch.no_grad():
                    fake = g2(z)
                d_loss = _lsgan(d2(x).float(), True) + _lsgan(d2(fake).float(), False)
            od2.zero_grad(set_to_none=True)
            d_loss.backward()
            od2.step()
            d2.requires_grad_(False)
            with hw.autocast():
                g_loss = _lsgan(d2(g2(z)).float(), True)
            og2.zero_grad(set_to_none=True)
            g_loss.backward()
            og2.step()
            d2.requires_grad_(True)

    torch.manual_seed(0)
    from .models.dcgan import DCDiscriminator, DCGenerator

    g3, d3 = DCGenerator(cfg.noise_size, cfg.conv_dim), DCDiscriminator(cfg.conv_dim)
    og3 = torch.optim.Adam(g3.parameters(), cfg.lr_gen, betas=betas)
    od3 = torch.optim.Adam(d3.parameters(), cfg.lr_disc, betas=betas)
    batches = _seed_loader(_write_png_folder(images, png_root / "dcgan"), bs)

    def seed_style(n):
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

    return _rates(loop, bare, seed_style, timing, bs, source)


# --- CycleGAN ------------------------------------------------------------------------------------------

def _bench_cyclegan(model: str, cfg, hw: Hardware, timing: Timing, png_root: Path) -> dict:
    from .train.batches import BatchSampler, to_model_range
    from .train.cycle import build_cycle_nets, make_cycle_step

    images_a, source = _emoji_images(cfg.source)
    images_b, _ = _emoji_images(cfg.target)
    bs, lam = cfg.batch_size, cfg.lambda_cycle
    distance = cycle_loss(cfg.cycle_loss, cfg.cycle_reduction)

    torch.manual_seed(0)
    nets = build_cycle_nets(cfg, hw)
    step = make_cycle_step(cfg, nets, hw)
    sa = BatchSampler(images_a.to(hw.device), bs, 0, hw.channels_last)
    sb = BatchSampler(images_b.to(hw.device), bs, 1, hw.channels_last)
    totals = torch.zeros(len(step.stat_names), device=hw.device)
    cursor = {"i": 0}

    def loop(n):
        nonlocal totals
        for _ in range(n):
            totals += step(sa.batch(cursor["i"]), sb.batch(cursor["i"]))
            cursor["i"] += 1
        totals.tolist()

    torch.manual_seed(0)
    n2 = build_cycle_nets(cfg, hw)
    opts = make_cycle_step(cfg, n2, hw).optimizers
    xa = to_model_range(images_a[:bs].to(hw.device), hw.channels_last)
    xb = to_model_range(images_b[:bs].to(hw.device), hw.channels_last)

    def bare_two(n):
        for _ in range(n):
            with hw.autocast():
                d_real = _lsgan(n2.d_a(xa).float(), True) + _lsgan(n2.d_b(xb).float(), True)
            opts["disc"].zero_grad(set_to_none=True)
            d_real.backward()
            opts["disc"].step()
            with hw.autocast():
                with torch.no_grad():
                    fba, fab = n2.g_ba(xb), n2.g_ab(xa)
                d_fake = _lsgan(n2.d_a(fba).float(), False) + _lsgan(n2.d_b(fab).float(), False)
            opts["disc"].zero_grad(set_to_none=True)
            d_fake.backward()
            opts["disc"].step()
            n2.d_a.requires_grad_(False), n2.d_b.requires_grad_(False)
            for src, there, back, d in ((xb, n2.g_ba, n2.g_ab, n2.d_a), (xa, n2.g_ab, n2.g_ba, n2.d_b)):
                with hw.autocast():
                    fake = there(src)
                    g = _lsgan(d(fake).float(), True) + lam * distance(back(fake).float(), src)
                opts["gen"].zero_grad(set_to_none=True)
                g.backward()
                opts["gen"].step()
            n2.d_a.requires_grad_(True), n2.d_b.requires_grad_(True)

    def bare_revgrad(n):
        for _ in range(n):
            with hw.autocast():
                fab, fba = n2.g_ab(xa), n2.g_ba(xb)
                caba, cbab = n2.g_ba(fab), n2.g_ab(fba)
                total = (_lsgan(n2.d_a(xa).float(), True) + _lsgan(n2.d_b(xb).float(), True)
                         + _lsgan(n2.d_a(revgrad(fba)).float(), False) + _lsgan(n2.d_b(revgrad(fab)).float(), False)
                         + lam * (distance(caba.float(), xa) + distance(cbab.float(), xb)))
            opts["all"].zero_grad(set_to_none=True)
            total.backward()
            opts["all"].step()

    # The seeds' way on the same architectures: fp32, default layout and Adam, PNGs decoded every batch.
    from .models.cycle import CycleGenerator, cycle_discriminator

    torch.manual_seed(0)
    g_ab, g_ba = CycleGenerator(cfg.generator, cfg.conv_dim), CycleGenerator(cfg.generator, cfg.conv_dim)
    d_a, d_b = cycle_discriminator(cfg.discriminator, cfg.conv_dim), cycle_discriminator(cfg.discriminator, cfg.conv_dim)
    betas = (cfg.beta1, cfg.beta2)
    batches_a = _seed_loader(_write_png_folder(images_a, png_root / f"{model}-a"), bs)
    batches_b = _seed_loader(_write_png_folder(images_b, png_root / f"{model}-b"), bs)
    if cfg.trainer == "two-optimizers":
        og = torch.optim.Adam(list(g_ab.parameters()) + list(g_ba.parameters()), cfg.lr, betas=betas)
        od = torch.optim.Adam(list(d_a.parameters()) + list(d_b.parameters()), cfg.lr, betas=betas)

        def seed_style(n):
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

        bare = bare_two
    else:
        opt = torch.optim.Adam([p for m in (g_ab, g_ba, d_a, d_b) for p in m.parameters()], cfg.lr, betas=betas)
        mse = torch.nn.MSELoss()

        def seed_style(n):
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

        bare = bare_revgrad
    return _rates(loop, bare, seed_style, timing, bs, source)


def _rates(loop, bare, seed_style, timing: Timing, batch_size: int, data: str) -> dict:
    return {"loop_it_per_s": _median_rate(loop, timing), "bare_it_per_s": _median_rate(bare, timing),
            "seed_style_it_per_s": _median_rate(seed_style, timing), "batch_size": batch_size, "data": data}


def run_bench(models=MODELS, quick: bool = False, precision: str = "auto", device: str = "auto",
              threads: int = 0, compile: bool = False) -> list[dict]:
    """One row per model; with `compile`, loop and bare use torch.compile'd networks (compiled in warm-up)."""
    timing = Timing(warmup=2, repeats=1, iters=3) if quick else Timing(warmup=10, repeats=5, iters=30)
    results = []
    with tempfile.TemporaryDirectory(prefix="ganforge-bench-") as tmp:
        for model in models:
            cfg = _config(model, compile)
            conv = model != "moons"
            hw = pick_hardware(device, precision, threads, convolutional=conv)
            moons_timing = Timing(timing.warmup * 5, timing.repeats, timing.iters * 5) if not quick else timing
            if model == "moons":
                row = _bench_moons(cfg, hw, moons_timing)
            elif model == "dcgan":
                row = _bench_dcgan(cfg, hw, timing, Path(tmp))
            else:
                row = _bench_cyclegan(model, cfg, hw, timing, Path(tmp))
            full = FULL_RUN_ITERS[model]
            row = {"model": model, **row, "precision": hw.precision, "device": str(hw.device),
                   "torch": torch.__version__, "threads": torch.get_num_threads(), "compile": compile,
                   "loop_over_bare": row["loop_it_per_s"] / row["bare_it_per_s"],
                   "loop_over_seed_style": row["loop_it_per_s"] / row["seed_style_it_per_s"],
                   "full_run_iters": full,
                   "projected_full_run_min_loop": full / row["loop_it_per_s"] / 60,
                   "projected_full_run_min_seed_style": full / row["seed_style_it_per_s"] / 60}
            results.append(row)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for row in results:
        row["peak_rss_mb_process"] = peak_mb
    return results


def format_table(rows: list[dict]) -> str:
    header = (f"{'model':<18}{'loop it/s':>10}{'bare it/s':>10}{'seed it/s':>10}{'loop/bare':>10}"
              f"{'loop/seed':>10}{'full run (loop)':>17}{'full run (seed)':>17}  precision")
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(f"{r['model']:<18}{r['loop_it_per_s']:>10.1f}{r['bare_it_per_s']:>10.1f}"
                     f"{r['seed_style_it_per_s']:>10.1f}{r['loop_over_bare']:>10.2f}{r['loop_over_seed_style']:>10.2f}"
                     f"{r['projected_full_run_min_loop']:>13.1f} min{r['projected_full_run_min_seed_style']:>13.1f} min"
                     f"  {r['precision']}")
    first = rows[0] if rows else {}
    lines.append(f"device {first.get('device')}, torch {first.get('torch')}, {first.get('threads')} threads, "
                 f"{'torch.compile, ' if first.get('compile') else ''}"
                 f"peak RSS {first.get('peak_rss_mb_process', 0):.0f} MB; emoji data: "
                 f"{', '.join(sorted({r['data'] for r in rows if r['data'] != 'n/a'})) or 'n/a'}")
    return "\n".join(lines)


def main_bench(models, quick, as_json, precision, device, threads, compile=False) -> list[dict]:
    rows = run_bench(models, quick, precision, device, threads, compile)
    print(json.dumps(rows, indent=2) if as_json else format_table(rows))
    return rows
