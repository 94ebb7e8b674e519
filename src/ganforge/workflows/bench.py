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
loop and bare are built by the training code itself (methods.prepare_training), so the
benchmark times exactly what `ganforge train` runs. What is timed comes from the method
records: each declares its benchmarks (settings, full-run length, the handouts' way).
"""
from __future__ import annotations

import dataclasses
import json
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

from .. import methods
from ..data.emoji import load_style
from ..data.points import real_points
from ..errors import GanforgeError
from ..hardware import CPU_FP32, Hardware, pick_hardware
from ..methods import IMAGES, PAIRS, POINTS, UNPAIRED, Benchmark, Method
from ..train.loop import Training


def benchmarks() -> dict[str, tuple[Method, Benchmark]]:
    """Every benchmark the methods declare, by name: {"cyclegan-toronto": (method, benchmark), ...}."""
    return {bench.name: (method, bench) for method in methods.all_methods() for bench in method.benchmarks}


@dataclass
class Timing:
    warmup: int
    repeats: int
    iters: int


def _config(method: Method, bench: Benchmark, compile: bool = False):
    """The settings a benchmark is timed with; `compile`: loop and bare use torch.compile'd networks."""
    return method.resolve(bench.preset, **bench.options, compile=compile)


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


def _data(method: Method, cfg, png_root: Path) -> tuple[tuple, object, str]:
    """(the training data on the CPU, the handouts' batches (an iterator of tuples), where the images came from):
    the moons, or emoji images (the built dataset when present, else synthetic stand-ins) with the handouts'
    PNG folders."""
    if method.data is POINTS:
        real = real_points(cfg)
        loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(real), batch_size=cfg.batch_size)
        return (real,), _forever(loader), "n/a"
    if method.data is IMAGES:
        images, source = _emoji_images(cfg.style)
        return (images,), _forever_tuples(_handout_loader(_write_png_folder(images, png_root / "images"),
                                                         cfg.batch_size)), source
    images_a, source = _emoji_images(cfg.source)
    images_b, _ = _emoji_images(cfg.target)
    n = min(len(images_a), len(images_b))
    pairs = (torch.arange(n), torch.arange(n)) if method.data is PAIRS else None  # stand-ins: timing is the same
    handout = None
    if method.data is UNPAIRED:
        handout = zip(_handout_loader(_write_png_folder(images_a, png_root / "a"), cfg.batch_size),
                      _handout_loader(_write_png_folder(images_b, png_root / "b"), cfg.batch_size))
    return (images_a, images_b, pairs), handout, source


def _forever(loader):
    while True:
        yield from loader


def _forever_tuples(batches):
    for batch in batches:
        yield (batch,)


def _bench(method: Method, bench: Benchmark, cfg, hw: Hardware, timing: Timing, png_root: Path) -> dict:
    """loop and bare from the training code's own prepare_training, and the handouts' way where there is one."""
    data, handout_batches, source = _data(method, cfg, png_root)
    on_device = tuple(x.to(hw.device) if torch.is_tensor(x) else x for x in data)
    loop, bare = _loop_and_bare(lambda: methods.prepare_training(method, cfg, hw, on_device))
    handout = _handout(method, bench, cfg, handout_batches) if bench.handout is not None else None
    return _rates(loop, bare, handout, timing, cfg.batch_size, source, hw.device)


def _handout(method: Method, bench: Benchmark, cfg, batches):
    """handout(n): n iterations the handouts' way on the same architectures (fp32, default layout and Adam, their
    data pipeline), on networks built with the upconv layers as written."""
    reference = dataclasses.replace(cfg, compile=False, **({"upconv": "reference"} if hasattr(cfg, "upconv") else {}))
    torch.manual_seed(0)
    one_iteration = bench.handout(reference, methods.build_networks(method, reference, CPU_FP32))

    def handout(n):
        for _ in range(n):
            one_iteration(*next(batches))

    return handout


def _flops_per_iteration(run_iters) -> int | None:
    """Multiply-add FLOPs (x2) of one iteration, counted by torch's flop counter (matmuls and convolutions);
    None where the counter cannot follow the step (a gradient of a gradient, e.g. a gradient penalty)."""
    try:
        with FlopCounterMode(display=False) as counter:
            run_iters(1)
    except RuntimeError:
        return None
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


def run_bench(models=None, quick: bool = False, precision: str = "auto", device: str = "auto",
              threads: int = 0, compile: bool = False) -> list[dict]:
    """One row per benchmark (default: every method's); with `compile`, loop and bare use torch.compile'd
    networks (compiled in warm-up)."""
    known = benchmarks()
    models = list(known) if models is None else list(models)
    unknown = [m for m in models if m not in known]
    if unknown or not models:
        raise GanforgeError(f"--models must be a comma-separated subset of {','.join(known)}; got {','.join(models)!r}")
    timing = Timing(warmup=2, repeats=1, iters=3) if quick else Timing(warmup=10, repeats=5, iters=30)
    results, peaks = [], {}
    with tempfile.TemporaryDirectory(prefix="ganforge-bench-") as tmp:
        for model in models:
            method, bench = known[model]
            cfg = _config(method, bench, compile)
            hw = pick_hardware(device, precision, threads, convolutional=method.data is not POINTS)
            # A points step is tiny: five times the iterations for a steady rate.
            scaled = Timing(timing.warmup * 5, timing.repeats, timing.iters * 5) if method.data is POINTS and \
                not quick else timing
            row = _bench(method, bench, cfg, hw, scaled, Path(tmp) / model)
            full = bench.full_run_iters
            row = {"model": model, **row, "precision": hw.precision, "device": str(hw.device),
                   "torch": torch.__version__, "threads": torch.get_num_threads(), "compile": compile,
                   "loop_over_bare": row["loop_it_per_s"] / row["bare_it_per_s"],
                   "gflop_per_iter": _ratio(row["flops_per_iter"], 1e9),
                   "loop_gflop_per_s": _ratio(row["flops_per_iter"], 1e9 / row["loop_it_per_s"]),
                   "matmul_peak_gflop_per_s": _peak(peaks, hw),
                   "loop_over_handout": _ratio(row["loop_it_per_s"], row["handout_it_per_s"]),
                   "full_run_iters": full,
                   "projected_full_run_min_loop": full / row["loop_it_per_s"] / 60,
                   "projected_full_run_min_handout": _ratio(full / 60, row["handout_it_per_s"])}
            row["share_of_peak"] = _ratio(row["loop_gflop_per_s"], row["matmul_peak_gflop_per_s"])
            results.append(row)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for row in results:
        row["peak_rss_mb_process"] = peak_mb
    return results


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a / b


def _percent(share: float | None) -> float | None:
    return None if share is None else 100 * share


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
                     f"{_cell(r['loop_over_handout'], 13, 2)}{_cell(r['gflop_per_iter'], 9, 2)}"
                     f"{_cell(r['loop_gflop_per_s'], 9, 0)}{_cell(_percent(r['share_of_peak']), 8, 0, '%')}"
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
