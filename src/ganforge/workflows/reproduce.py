"""Reproduce a course assignment: every experiment of it, then one report.html in the assignment's order.

    ganforge reproduce radboud --scale quick --out reproduce-radboud
    ganforge reproduce toronto --scale full --workers 3

writes OUT/runs/<name>/ (ordinary run folders), OUT/sweeps/<study>/ (sweep folders),
OUT/figures/ (pictures that need no training), OUT/reproduce.json (what was run,
with the facts the report quotes) and OUT/report.html. Running it again reuses
every run folder that already holds metrics.json.
"""
from __future__ import annotations

import json
import math
import shutil
import time
from pathlib import Path

import torch
from torch import nn

from .. import methods
from ..data.emoji import load_style, paired_indices
from ..data.folders import load_image_folders
from ..data.moons import make_moons
from ..errors import GanforgeError
from ..fileio import write_json_atomically
from ..models.dcgan import DCDiscriminator
from ..models.moons import MoonDiscriminator, MoonGenerator, UniformMoonGenerator
from ..pictures.grids import save_figure, save_grid
from ..pictures.moons import discriminator_grid, generate_points, points_figure
from ..report.assignment_page import write_assignment_report
from ..runs import METRICS
from .stego import stego_probe
from .sweep import run_sweep
from .training import train

ASSIGNMENTS = ("radboud", "toronto")
MANIFEST = "reproduce.json"

# Every scale in one place: the options given to each group of runs (on top of the named preset).
# quick fits in about 15 minutes per assignment on a 2-core CPU; tiny is for tests.
SCALES: dict[str, dict[str, dict]] = {
    "full": {   # the handouts' own lengths
        "moons_runs": dict(n_samples=100_000, epochs=10),
        "dcgan_run": dict(iters=5000, sample_every=200, eval_every=200),
        "cyclegan_radboud": dict(iters=6300, sample_every=200, eval_every=900),
        "cyclegan_toronto": dict(iters=10000, sample_every=200, eval_every=200),
        "sweep_radboud": dict(iters=6300, sample_every=900, eval_every=0),
        "sweep_toronto": dict(iters=10000, sample_every=1000, eval_every=0),
    },
    "quick": {  # 10 moons epochs of 20,000 points; emoji runs shortened
        "moons_runs": dict(n_samples=20_000, epochs=10),
        "dcgan_run": dict(iters=1500, sample_every=200, eval_every=200),
        "cyclegan_radboud": dict(iters=1000, sample_every=200, eval_every=500),
        "cyclegan_toronto": dict(iters=1000, sample_every=200, eval_every=200),
        "sweep_radboud": dict(iters=500, sample_every=250, eval_every=0),
        "sweep_toronto": dict(iters=500, sample_every=250, eval_every=0),
    },
    "tiny": {   # a handful of steps on small data: checks that everything runs and renders
        "moons_runs": dict(n_samples=512, epochs=2, hidden_disc=16, heatmap_resolution=20),
        "dcgan_run": dict(iters=4, sample_every=2, log_every=1, eval_every=2, checkpoint_every=4, batch_size=8),
        "cyclegan_radboud": dict(iters=4, sample_every=2, log_every=1, eval_every=0, checkpoint_every=4,
                                 batch_size=8),
        "cyclegan_toronto": dict(iters=4, sample_every=2, log_every=1, eval_every=2, checkpoint_every=4,
                                 batch_size=8),
        "sweep_radboud": dict(iters=2, sample_every=2, log_every=1, eval_every=0, checkpoint_every=2, batch_size=8),
        "sweep_toronto": dict(iters=2, sample_every=2, log_every=1, eval_every=0, checkpoint_every=2, batch_size=8),
    },
}
SCALE_NOTES = {
    "full": "the handouts' lengths: moons 10 epochs of 100,000 points; DCGAN 5,000 iterations; CycleGAN 6,300 "
            "(radboud, about 100 epochs) and 10,000 (toronto) iterations, lambda studies at the same length",
    "quick": "shortened to fit about 15 minutes on a 2-core CPU: moons 10 epochs of 20,000 points; DCGAN 1,500 "
             "iterations; CycleGAN 1,000 iterations; lambda studies 500 iterations per value",
    "tiny": "a smoke test: a few iterations on small data; the numbers mean nothing",
}
LAMBDAS = {"radboud": [0.0, 0.5, 1.0, 10.0, 1000.0], "toronto": [0.0, 0.01, 0.015, 0.05, 0.1, 0.5]}
TINY_LAMBDAS = {"radboud": [0.0, 1.0, 1000.0], "toronto": [0.0, 0.015, 0.5]}
RADBOUD_SEED = 12345
TORONTO_SEEDS = (4, 2)   # the write-up's main seed and its second seed


def _jsonable(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


class Reproduction:
    """The runs of one assignment at one scale, in one folder."""

    def __init__(self, assignment: str, scale: str, out, workers: int, backend: str, threads: int | None,
                 data_dir: str | None, echo=print):
        if assignment not in ASSIGNMENTS:
            raise GanforgeError(f"assignment must be one of {', '.join(ASSIGNMENTS)}; got {assignment!r}")
        if scale not in SCALES:
            raise GanforgeError(f"--scale must be one of {', '.join(SCALES)}; got {scale!r}")
        if backend not in ("local", "ray"):
            raise GanforgeError(f"--backend must be local or ray; got {backend!r}")
        if not isinstance(workers, int) or workers < 1:
            raise GanforgeError(f"--workers must be >= 1, got {workers}")
        self.assignment, self.scale, self.out = assignment, scale, Path(out)
        self.workers, self.backend, self.threads, self.echo = workers, backend, threads, echo
        self.data_dir = str(data_dir) if data_dir else ""
        self.options = SCALES[scale]
        self.manifest = {"assignment": assignment, "scale": scale, "scale_note": SCALE_NOTES[scale],
                         "scale_options": self.options, "data_dir": self.data_dir, "runs": {}, "sweeps": {},
                         "figures": {}, "facts": {}, "seconds": {}}

    # Running.
    def emoji(self, group: str) -> dict:
        opts = dict(self.options[group])
        if self.data_dir:
            opts["data_dir"] = self.data_dir
        return opts

    def run(self, name: str, kind: str, **options) -> str:
        """Train into runs/<name>/ unless it holds metrics.json already; return the folder relative to out."""
        folder = self.out / "runs" / name
        started = time.monotonic()
        if (folder / METRICS).is_file():
            self._check_same(folder, kind, options)
            self.echo(f"reproduce: reusing {folder}")
        else:
            if (folder / "config.json").is_file():  # an unfinished run of ours: start it again
                shutil.rmtree(folder)
            self.echo(f"reproduce: training {folder}")
            train(kind, out=folder, threads=self.threads or 0, **options)
        self.manifest["seconds"][name] = round(time.monotonic() - started, 1)
        rel = f"runs/{name}"
        self.manifest["runs"][name] = rel
        return rel

    def _check_same(self, folder: Path, kind: str, options: dict) -> None:
        """Refuse to reuse a finished run trained with other settings (another --scale, say)."""
        options = dict(options)
        preset = options.pop("preset", None)
        method = methods.get(kind)
        wanted = method.to_dict(preset, method.resolve(preset, **options))
        try:
            existing = method.with_defaults(json.loads((folder / "config.json").read_text()))
        except (OSError, json.JSONDecodeError):
            existing = {}
        changed = sorted(k for k in wanted if k not in ("threads", "device", "precision")
                         and existing.get(k) != wanted[k])
        if changed:
            raise GanforgeError(f"{folder} holds a run with other settings ({', '.join(changed[:4])} differ); "
                                "give reproduce another --out, or the same --scale as before")

    def sweep(self, name: str, swept: dict, fixed: dict, preset: str) -> str:
        folder = self.out / "sweeps" / name
        started = time.monotonic()
        result = run_sweep("cyclegan", swept, fixed, preset=preset, out=folder, workers=self.workers,
                           backend=self.backend, threads=self.threads, report=True, echo=self.echo)
        for r in result.failed:
            self.echo(f"reproduce: warning: {name}/{r['name']} did not finish: {r.get('error')}")
        self.manifest["seconds"][name] = round(time.monotonic() - started, 1)
        rel = f"sweeps/{name}"
        self.manifest["sweeps"][name] = rel
        return rel

    def stego(self, rel: str) -> None:
        folder = self.out / rel
        done = folder / "stego.json"
        if not (done.is_file() and all((folder / v.get("residual_image", "")).is_file()
                                       for v in json.loads(done.read_text()).values())):
            self.echo(f"reproduce: steganography probe of {folder}")
            stego_probe(folder)
        self.manifest["stego_run"] = rel

    def figure(self, name: str, fig) -> str:
        path = save_figure(fig, self.out / "figures" / f"{name}.png")
        self.manifest["figures"][name] = f"figures/{name}.png"
        return str(path)

    def save(self) -> None:
        write_json_atomically(self.out / MANIFEST, _jsonable(self.manifest))

    # The assignments.
    def radboud(self) -> None:
        moons = dict(self.options["moons_runs"], seed=RADBOUD_SEED)
        # 9.4 and 9.7 come from the two-step run (its epoch-0000 heatmap is the untrained discriminator).
        for trainer in ("two-step", "disc-only", "revgrad"):
            self.run(f"moons-{trainer}", "moons", preset="radboud", trainer=trainer, **moons)
            self.save()
        self.moons_pictures(moons)
        self.emoji_pictures()
        main = self.run("cyclegan-radboud", "cyclegan", preset="radboud", source="windows", target="apple",
                        **self.emoji("cyclegan_radboud"))
        self.save()
        lambdas = TINY_LAMBDAS["radboud"] if self.scale == "tiny" else LAMBDAS["radboud"]
        self.sweep("lambda", {"lambda_cycle": lambdas, "seed": [RADBOUD_SEED]},
                   dict(self.emoji("sweep_radboud"), source="windows", target="apple"), preset="radboud")
        self.save()
        self.stego(main)

    def toronto(self) -> None:
        self.manifest["facts"]["padding"] = padding_table()
        self.save()
        self.run("dcgan", "dcgan", preset="toronto", style="windows", **self.emoji("dcgan_run"))
        self.save()
        seeds = self.sweep("seeds", {"seed": list(TORONTO_SEEDS)}, self.emoji("cyclegan_toronto"), preset="toronto")
        self.save()
        lambdas = TINY_LAMBDAS["toronto"] if self.scale == "tiny" else LAMBDAS["toronto"]
        self.sweep("lambda", {"lambda_cycle": lambdas, "seed": [TORONTO_SEEDS[0]]},
                   self.emoji("sweep_toronto"), preset="toronto")
        self.save()
        self.stego(f"{seeds}/seed={TORONTO_SEEDS[0]}")

    def moons_pictures(self, moons: dict) -> None:
        """9.1-9.3: the data, an untrained generator's and the uniform dummy's samples; 9.4's numbers."""
        real = make_moons(moons["n_samples"], 0.1, seed=RADBOUD_SEED)
        facts = self.manifest["facts"]
        facts["moons_data"] = _point_stats(real.numpy())
        self.figure("moons-data", points_figure(real.numpy(), f"moons data ({len(real)} points)", color="r"))
        torch.manual_seed(RADBOUD_SEED)
        untrained = generate_points(MoonGenerator(), 1000)
        facts["untrained_generator"] = _point_stats(untrained)
        self.figure("untrained-generator", points_figure(untrained, "untrained MoonGenerator (1000 points)",
                                                         alpha=0.2))
        uniform = generate_points(UniformMoonGenerator(), 1000)
        facts["uniform_generator"] = _point_stats(uniform)
        self.figure("uniform-generator", points_figure(uniform, "UniformMoonGenerator (1000 points)", alpha=0.2))
        torch.manual_seed(RADBOUD_SEED)
        grid = discriminator_grid(MoonDiscriminator(hiddens=moons.get("hidden_disc", 1024)),
                                  moons.get("heatmap_resolution", 200))
        facts["untrained_discriminator"] = {"min": float(grid.min()), "max": float(grid.max()),
                                            "mean": float(grid.mean())}

    def emoji_pictures(self, n: int = 16) -> None:
        """9.9: the same emojis in the Apple and Windows styles (training images)."""
        if self.data_dir:
            layout = load_image_folders(self.data_dir, progress=lambda *_: None)
            splits = {s: layout[s]["train"] for s in ("apple", "windows")}
        else:
            splits = {s: load_style(s, "train") for s in ("apple", "windows")}
        idx_a, idx_w = paired_indices(splits["apple"], splits["windows"])
        paired = len(idx_a) > 0
        if not paired:
            idx_a = torch.arange(min(n, len(splits["apple"])))
            idx_w = torch.arange(min(n, len(splits["windows"])))
        for style, idx in (("apple", idx_a[:n]), ("windows", idx_w[:n])):
            path = self.out / "figures" / f"emojis-{style}.png"
            save_grid(splits[style].images[idx], path, ncol=8, scale=3)
            self.manifest["figures"][f"emojis-{style}"] = f"figures/emojis-{style}.png"
        self.manifest["facts"]["emojis"] = {"apple": len(splits["apple"]), "windows": len(splits["windows"]),
                                            "paired": paired, "shown": int(min(n, len(idx_a)))}


def _point_stats(points) -> dict:
    return {"n": int(points.shape[0]),
            "x_min": float(points[:, 0].min()), "x_max": float(points[:, 0].max()),
            "y_min": float(points[:, 1].min()), "y_max": float(points[:, 1].max()),
            "std_x": float(points[:, 0].std()), "std_y": float(points[:, 1].std())}


def padding_table(image_size: int = 32) -> list[dict]:
    """1.1.1: per convolution of DCDiscriminator, the padding P = ceil(((O-1)*S + K - W)/2) for its output size."""
    model = DCDiscriminator().eval()
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    sizes = {}
    hooks = [c.register_forward_hook(lambda m, i, o: sizes.__setitem__(m, (i[0].shape[-1], o.shape[-1])))
             for c in convs]
    with torch.no_grad():
        model(torch.zeros(1, 3, image_size, image_size))
    for h in hooks:
        h.remove()
    rows = []
    for i, conv in enumerate(convs, 1):
        w, o = sizes[conv]
        k, s, p = conv.kernel_size[0], conv.stride[0], conv.padding[0]
        derived = math.ceil(((o - 1) * s + k - w) / 2)
        rows.append({"layer": i, "in_channels": conv.in_channels, "out_channels": conv.out_channels,
                     "W": w, "O": o, "K": k, "S": s, "P_derived": derived, "P_model": p, "match": derived == p})
    return rows


def reproduce(assignment: str, scale: str = "quick", out=None, workers: int = 1, backend: str = "local",
              threads: int | None = None, data_dir=None, echo=print) -> Path:
    """Run every experiment of an assignment (skipping finished runs) and write OUT/report.html; return its path."""
    out = Path(out or f"reproduce-{assignment}")
    job = Reproduction(assignment, scale, out, workers, backend, threads, data_dir, echo)  # checks the options
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    getattr(job, assignment)()
    job.manifest["seconds"]["total"] = round(time.monotonic() - started, 1)
    job.save()
    report = write_assignment_report(out)
    echo(f"reproduce: report: {report}")
    return report
