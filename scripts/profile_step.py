"""Where one training step's time goes: torch.profiler over the training code's own step, grouped by kind of op.

    python scripts/profile_step.py [--model cyclegan-toronto] [--steps 20] [--threads 2]

Builds the model as `ganforge bench` times it (batch 16, the machine's precision, the
built emoji data when present), runs 10 warm-up steps, profiles the next --steps, and
prints each group's share of the self CPU time of all ops, then the ten costliest ops.
The groups are by op name, so "convolution backward" holds oneDNN's backward kernels
for both data and weights. Results go into docs/performance.md.
"""
from __future__ import annotations

import argparse
from collections import defaultdict

import torch
from torch.profiler import ProfilerActivity, profile

from ganforge.hardware import pick_hardware
from ganforge.train.cyclegan import prepare_cyclegan
from ganforge.train.dcgan import prepare_dcgan
from ganforge.workflows.bench import _config, _emoji_images

WARMUP = 10

# First matching pattern names an op's group; the order matters ("convolution_backward" before "conv").
GROUPS = [
    ("convolution backward", ("convolution_backward", "mkldnn_convolution_backward")),
    ("convolution forward", ("conv", "mkldnn_convolution")),
    ("copies and casts", ("copy_", "to_copy", "_to_copy", "clone", "contiguous")),
    ("batch norm", ("batch_norm",)),
    ("Adam", ("adam", "_fused_adam")),
    ("elementwise", ("add", "mul", "sub", "div", "relu", "clamp", "tanh", "leaky", "threshold", "pow", "sqrt",
                     "where", "fill_", "zero_", "neg")),
    ("reductions and losses", ("sum", "mean", "mse", "l1", "abs", "norm")),
    ("reshapes and shuffles", ("shuffle", "view", "reshape", "permute", "cat", "stack", "repeat", "expand",
                               "as_strided", "upsample")),
    ("phase kernels (einsum)", ("einsum", "bmm", "matmul")),
]


def group_of(name: str) -> str:
    lowered = name.lower()
    for group, patterns in GROUPS:
        if any(p in lowered for p in patterns):
            return group
    return "other"


def training(model: str, hw):
    cfg = _config(model)
    if model.startswith("cyclegan"):
        a, b = _emoji_images(cfg.source)[0], _emoji_images(cfg.target)[0]
        return prepare_cyclegan(cfg, hw, a.to(hw.device), b.to(hw.device))
    return prepare_dcgan(cfg, hw, _emoji_images("windows")[0].to(hw.device))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="cyclegan-toronto",
                        choices=["cyclegan-toronto", "cyclegan-radboud", "dcgan", "dcgan-modern"])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    hw = pick_hardware("cpu", "auto", args.threads, convolutional=True)
    run = training(args.model, hw)
    for i in range(WARMUP):
        run.step(*run.batches(i))
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for i in range(WARMUP, WARMUP + args.steps):
            run.step(*run.batches(i))
    events = [e for e in prof.key_averages() if e.self_cpu_time_total > 0]
    total = sum(e.self_cpu_time_total for e in events)
    shares = defaultdict(float)
    for e in events:
        shares[group_of(e.key)] += e.self_cpu_time_total / total
    print(f"{args.model}, {args.steps} steps, {hw.precision}, {torch.get_num_threads()} threads, "
          f"{total / 1e3 / args.steps:.1f} ms of op time per step")
    for group, share in sorted(shares.items(), key=lambda kv: -kv[1]):
        print(f"  {group:24s} {100 * share:5.1f}%")
    print("costliest ops:")
    for e in sorted(events, key=lambda e: -e.self_cpu_time_total)[:10]:
        print(f"  {e.key:40s} {100 * e.self_cpu_time_total / total:5.1f}%  ({group_of(e.key)})")


if __name__ == "__main__":
    main()
