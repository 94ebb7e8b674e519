"""The figures of docs/generation-quality.md's long-training section, drawn from run folders.

    python scripts/long_training_figures.py ROOT NAME[=LABEL] ... [--seeds 2,4] [--out docs/quality]

ROOT holds one run folder per NAME and seed, named NAME-sSEED (what `ganforge train dcgan ... --out
ROOT/NAME-sSEED` wrote, with --eval-every so that stats.jsonl has evaluation records). Writes

- long-training-curves.png: SWD / its real-data floor and FD against iterations, one colour per NAME
  (thin lines: each seed; thick: their mean), and the ADA probability p where a run logged one;
- long-training-grids.png: for each NAME, the first seed's fixed-noise samples at --early (5,000) and at
  the last evaluation, side by side (the top rows of each grid; the runs need --sample-every dividing both).

Only the runs' own files are read, so the figures can be redrawn from the folders at any time.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

ROWS_SHOWN = 4   # of the 10 rows of 10 samples in each saved grid


def records(run: Path) -> tuple[list[dict], list[dict]]:
    """(training records, evaluation records) of a run's stats.jsonl."""
    rows = [json.loads(line) for line in (run / "stats.jsonl").read_text().splitlines() if line.strip()]
    return [r for r in rows if r.get("kind") is None], [r for r in rows if r.get("kind") == "eval"]


def mean_curve(curves: list[list[tuple[int, float]]]) -> list[tuple[int, float]]:
    """The mean over seeds at the iterations every seed has."""
    common = sorted(set.intersection(*(set(i for i, _ in c) for c in curves)))
    return [(i, sum(dict(c)[i] for c in curves) / len(curves)) for i in common]


def draw_curves(root: Path, names: dict[str, str], seeds: list[int], out: Path) -> Path:
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for colour, (name, label) in zip(plt.rcParams["axes.prop_cycle"].by_key()["color"], names.items()):
        runs = [root / f"{name}-s{seed}" for seed in seeds if (root / f"{name}-s{seed}").is_dir()]
        swd, fd, p = [], [], []
        for run in runs:
            train, evals = records(run)
            swd.append([(r["iter"], r["swd"] / r["swd_floor"]) for r in evals])
            fd.append([(r["iter"], r["fd"]) for r in evals if "fd" in r])
            if any("ada_p" in r for r in train):
                p.append([(r["iter"], r["ada_p"]) for r in train if "ada_p" in r])
        for ax, curves in ((axes[0], swd), (axes[1], fd), (axes[2], p)):
            curves = [c for c in curves if c]
            for c in curves:
                ax.plot(*zip(*c), color=colour, lw=0.8, alpha=0.5)
            if curves:
                ax.plot(*zip(*mean_curve(curves)), color=colour, lw=2.2, label=f"{label} ({len(curves)} seeds)")
    axes[0].axhline(1.0, color="grey", ls=":", lw=1)
    titles = ("SWD / real-data floor (lower is better)", "FD (lower is better)", "ADA probability p")
    for ax, title in zip(axes, titles):
        ax.set_title(title)
        ax.set_xlabel("iteration")
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    fig.tight_layout()
    path = out / "long-training-curves.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def top_rows(grid: Path) -> Image.Image:
    """The first ROWS_SHOWN rows of a saved 10 x 10 sample grid."""
    picture = Image.open(grid).convert("RGB")
    return picture.crop((0, 0, picture.width, picture.height * ROWS_SHOWN // 10))


def draw_grids(root: Path, names: dict[str, str], seed: int, early: int, out: Path) -> Path:
    panels = []
    for name, label in names.items():
        run = root / f"{name}-s{seed}"
        _, evals = records(run)
        last = evals[-1]["iter"]
        grids = [run / "samples" / f"{it:06d}.png" for it in (early, last)]
        for grid in grids:
            if not grid.is_file():
                raise SystemExit(f"{grid}: no sample grid saved at that iteration (train with --sample-every "
                                 "dividing it, or choose another --early)")
        pair = [top_rows(grid) for grid in grids]
        panels.append((f"{label}, seed {seed}: iteration {early:,} | iteration {last:,}", pair))
    gap, caption = 12, 22
    width = max(a.width + b.width + gap for _, (a, b) in panels)
    height = sum(a.height + caption for _, (a, _) in panels)
    sheet = Image.new("RGB", (width, height), "white")
    draw, y = ImageDraw.Draw(sheet), 0
    for text, (a, b) in panels:
        draw.text((4, y + 4), text, fill="black")
        sheet.paste(a, (0, y + caption))
        sheet.paste(b, (a.width + gap, y + caption))
        y += a.height + caption
    path = out / "long-training-grids.png"
    sheet.save(path)
    return path


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("names", nargs="+", help="NAME or NAME=LABEL: the runs ROOT/NAME-sSEED")
    parser.add_argument("--seeds", default="2,4")
    parser.add_argument("--out", type=Path, default=Path("docs/quality"))
    parser.add_argument("--early", type=int, default=5000, help="the iteration of the left-hand grids")
    args = parser.parse_args(argv)
    names = dict((n.split("=", 1) + [n])[:2] for n in args.names)
    seeds = [int(s) for s in args.seeds.split(",")]
    args.out.mkdir(parents=True, exist_ok=True)
    print(draw_curves(args.root, names, seeds, args.out))
    print(draw_grids(args.root, names, seeds[0], args.early, args.out))


if __name__ == "__main__":
    main()
