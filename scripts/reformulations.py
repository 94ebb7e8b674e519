"""Exact reformulations of the handout networks' layers, checked and timed against the layers as written.

    python scripts/reformulations.py [--threads N] [--repeats R]

Each candidate computes the same function as a layer of the handouts' networks (the script
checks the outputs agree) with other arithmetic. Forward + backward of batch 16, both forms
timed alternately in one process (the median of R alternations), in fp32 and in bf16
autocast with channels-last tensors, as training runs them. Results go into
docs/performance.md; only reformulations that pay are used by the models.

- upconv: nearest x2 upsampling + 5x5 convolution, as four 3x3 phase convolutions
  (models/layers.py PhaseUpConv2d, the models' default).
- downconv: a 5x5 stride-2 convolution as space-to-depth + a 3x3 convolution over 4x the
  channels. 4 x 9 = 36 taps per output against 25: more arithmetic, measured in case the
  stride-1 kernel is enough faster.
- first layer: the discriminators' 3 input channels padded to 4 with a zero channel.
- batch norm folded into the convolution before it, for inference (eval mode) only.
"""
from __future__ import annotations

import argparse
import contextlib
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

from ganforge.models.dcgan import DCGenerator
from ganforge.models.layers import PhaseUpConv2d

BATCH = 16


class SpaceToDepthConv(nn.Module):
    """A k=5, stride-2, padding-2 convolution computed as space-to-depth then a 3x3 stride-1 convolution.

    With x_s[(c, s, t), i, j] = x[c, 2i + s, 2j + t], output (i, j) reads input offsets
    2i + u - 2 = 2(i + q) + s for u = 2q + s + 2, q in {-1, 0, 1}, s in {0, 1}; the tap
    with u = 5 does not exist and gets a zero weight.
    """

    def __init__(self, conv: nn.Conv2d):
        super().__init__()
        self.conv = conv

    def weight(self) -> torch.Tensor:
        w = F.pad(self.conv.weight, (0, 1, 0, 1))                       # (o, c, 6, 6): taps u, v = 0..5
        o, c = w.shape[:2]
        w = w.view(o, c, 3, 2, 3, 2).permute(0, 1, 3, 5, 2, 4)          # (o, c, s, t, q, r)
        return w.reshape(o, c * 4, 3, 3)

    def forward(self, x):
        x = F.pixel_unshuffle(x, 2)                                     # (B, 4c, H/2, W/2), channel c*4 + 2s + t
        return F.conv2d(x, self.weight(), self.conv.bias, padding=1)


class PaddedInput(nn.Module):
    """A convolution over 3 channels run over 4: a zero channel in, a zero weight slice."""

    def __init__(self, conv: nn.Conv2d):
        super().__init__()
        self.conv = conv

    def forward(self, x):
        w = F.pad(self.conv.weight, (0, 0, 0, 0, 0, 1))
        return F.conv2d(F.pad(x, (0, 0, 0, 0, 0, 1)), w, self.conv.bias, self.conv.stride, self.conv.padding)


def fold_batch_norm(generator: DCGenerator) -> nn.Module:
    """An eval-mode copy of a DCGenerator's upconv stack with each batch norm folded into the convolution before it."""
    import copy

    folded = copy.deepcopy(generator).eval()
    for block in folded.net:
        if isinstance(block, nn.Sequential) and len(block) == 3 and isinstance(block[2], nn.BatchNorm2d):
            conv, bn = block[1], block[2]
            scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
            fused = type(conv)(conv.in_channels, conv.out_channels, conv.kernel_size[0], bias=True) \
                if isinstance(conv, PhaseUpConv2d) else nn.Conv2d(conv.in_channels, conv.out_channels,
                                                                  conv.kernel_size, conv.stride, conv.padding)
            with torch.no_grad():
                fused.weight.copy_(conv.weight * scale.view(-1, 1, 1, 1))
                fused.bias.copy_(bn.bias - bn.running_mean * scale)
            block[1], block[2] = fused, nn.Identity()
    return folded


def timed_pair(a, b, repeats: int) -> tuple[float, float]:
    """Median seconds of a() and b(), alternated so that both see the same machine."""
    for f in (a, b, a, b):
        f()
    ta, tb = [], []
    for _ in range(repeats):
        for f, times in ((a, ta), (b, tb)):
            start = time.perf_counter()
            f()
            times.append(time.perf_counter() - start)
    return statistics.median(ta), statistics.median(tb)


def train_pass(module, x, bf16: bool):
    def run():
        module.zero_grad(set_to_none=True)
        ctx = torch.autocast("cpu", torch.bfloat16) if bf16 else contextlib.nullcontext()
        with ctx:
            y = module(x)
        y.float().square().mean().backward()
    return run


def compare(name: str, written: nn.Module, other: nn.Module, shape, repeats: int) -> None:
    x = torch.randn(*shape)
    with torch.no_grad():
        diff = (written(x) - other(x)).abs().max().item()
    for bf16 in (False, True):
        xs = x.contiguous(memory_format=torch.channels_last) if bf16 else x
        if bf16:
            written.to(memory_format=torch.channels_last)
            other.to(memory_format=torch.channels_last)
        ta, tb = timed_pair(train_pass(written, xs, bf16), train_pass(other, xs, bf16), repeats)
        print(f"{name:<44} {'bf16' if bf16 else 'fp32':<5} {ta * 1e3:8.2f} ms {tb * 1e3:8.2f} ms "
              f"{ta / tb:6.2f}x   max diff {diff:.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {BATCH}; forward + backward, "
          "median of alternated repeats")
    print(f"{'layer':<44} {'':<5} {'as written':>11} {'reformulated':>11} {'speed-up':>7}")
    for c_in, c_out, size in ((128, 64, 4), (64, 32, 8), (32, 3, 16)):
        conv = nn.Conv2d(c_in, c_out, 5, 1, 2, bias=False)
        phase = PhaseUpConv2d(c_in, c_out, 5, bias=False)
        phase.weight.data.copy_(conv.weight.data)
        compare(f"upconv {c_in}->{c_out}, {size}->{2 * size} px: phases",
                nn.Sequential(nn.Upsample(scale_factor=2), conv), phase, (BATCH, c_in, size, size), args.repeats)
    for c_in, c_out, size in ((3, 32, 32), (32, 64, 16), (64, 128, 8)):
        conv = nn.Conv2d(c_in, c_out, 5, 2, 2, bias=False)
        compare(f"downconv {c_in}->{c_out}, {size}->{size // 2} px: space-to-depth", conv, SpaceToDepthConv(conv),
                (BATCH, c_in, size, size), args.repeats)
    conv = nn.Conv2d(3, 32, 5, 2, 2, bias=False)
    compare("first layer 3->32, 32 px: input padded to 4 channels", conv, PaddedInput(conv), (BATCH, 3, 32, 32),
            args.repeats)
    generator = DCGenerator(100, 32)
    generator(torch.rand(64, 100) * 2 - 1)  # running statistics that are not the initial ones
    generator.eval()
    folded = fold_batch_norm(generator)
    noise = torch.rand(100, 100) * 2 - 1
    with torch.no_grad():
        diff = (generator(noise) - folded(noise)).abs().max().item()
        ta, tb = timed_pair(lambda: generator(noise), lambda: folded(noise), args.repeats)
    print(f"{'DCGAN generator, eval, 100 samples: BN folded':<44} {'fp32':<5} {ta * 1e3:8.2f} ms {tb * 1e3:8.2f} ms "
          f"{ta / tb:6.2f}x   max diff {diff:.1e}")


if __name__ == "__main__":
    main()
