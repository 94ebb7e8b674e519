"""Convolution blocks the handouts' networks are made of (SPEC section 2), and the exact fast form of `upconv`.

`upconv` is nearest upsampling x2 followed by a k x k convolution (stride 1, padding k // 2).
On the upsampled image every 2x2 block repeats one input value, so each output pixel
reads only a few distinct input pixels, and the whole layer is four small convolutions
of the low-resolution input, one per output phase, interleaved (`PhaseUpConv2d`):

    Output row 2i + a (phase a = 0, 1) takes its tap u (u = 0 .. k-1) from upsampled row
    2i + a + u - p (p = k // 2), which holds input row i + floor((a + u - p) / 2). Along
    each axis, phase a therefore sums the taps that land on the same input row: with
    A_a[r, u] = 1 when tap u reads input offset r, the 1-D phase kernel is A_a W, and the
    2-D one W_ab = A_a W A_b^T. Zero padding agrees too: an upsampled row outside the
    image is exactly one whose input row is outside it.

For k = 5 each phase is a 3 x 3 convolution: 4 x 9 = 36 multiply-adds per output block
instead of 4 x 25 = 100 (0.36x the arithmetic). The phase kernels are recomputed from
the one k x k weight at every call (cheap), so parameters, gradients, optimizer state
and checkpoint keys are those of the handouts' layer; `upconv(..., form="reference")`
keeps the handouts' Upsample + Conv2d for checking.

The phase form does not pay on the smallest maps. Measured (scripts/reformulations.py,
forward + backward, batch 16, 2026-11-30, 2-core AMD EPYC): 128 -> 64 channels from 4x4
input 0.52x (bf16) and 0.53x (fp32) the speed of the layer as written; 64 -> 32 from 8x8
1.08x / 1.37x; 32 -> 3 from 16x16 1.78x / 6.6x. A 3x3 convolution over a 4x4 map is mostly
padding, and oneDNN runs it poorly. So form="auto", the default, takes the phase form
from 8x8 input up and the layer as written below.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

UPCONV_FORMS = ("auto", "phases", "reference")
PHASES_FROM = 8  # "auto": the phase form for input maps at least this wide (see above)


def phase_matrices(k: int) -> torch.Tensor:
    """(2, m, k) 0/1 matrices: A[a, r, u] = 1 when tap u of output phase a reads input offset r - (m - 1) // 2."""
    p = k // 2
    offsets = [[(a + u - p) // 2 for u in range(k)] for a in (0, 1)]
    low, high = min(min(o) for o in offsets), max(max(o) for o in offsets)
    out = torch.zeros(2, high - low + 1, k)
    for a in (0, 1):
        for u, r in enumerate(offsets[a]):
            out[a, r - low, u] = 1
    return out


class PhaseUpConv2d(nn.Conv2d):
    """Nearest x2 upsampling and then this convolution, computed as four phase convolutions and a pixel shuffle.

    A drop-in for nn.Upsample(scale_factor=2) + nn.Conv2d(c_in, c_out, k, 1, k // 2) with
    the same parameters (odd k); the input is the *low-resolution* map.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, bias: bool = True):
        super().__init__(in_channels, out_channels, kernel_size, 1, kernel_size // 2, bias=bias)
        self.register_buffer("phases", phase_matrices(kernel_size), persistent=False)  # (2, m, k)

    def phase_weight(self) -> torch.Tensor:
        """(4 * c_out, c_in, m, m): W_ab = A_a W A_b^T, output channel c's phases at 4c + 2a + b."""
        a = self.phases.to(self.weight.dtype)
        w = torch.einsum("arU,oiUV,bsV->oabirs", a, self.weight, a)     # (c_out, 2, 2, c_in, m, m)
        return w.reshape(-1, *w.shape[3:])

    def forward(self, x):                                                  # x: (B, c_in, H, W)
        bias = self.bias.repeat_interleave(4) if self.bias is not None else None
        y = F.conv2d(x, self.phase_weight(), bias, padding=self.phases.shape[1] // 2)  # (B, 4 c_out, H, W)
        return F.pixel_shuffle(y, 2)                                       # (B, c_out, 2H, 2W)


def upsample_conv(in_ch: int, out_ch: int, kernel: int, bias: bool, form: str = "auto",
                  upsample: str = "nearest", in_size: int | None = None) -> list[nn.Module]:
    """[upsampling, convolution]: two modules either way, so the convolution's checkpoint keys never change.

    upsample="bilinear" interpolates instead of repeating pixels (no blocky 2x2 pattern); the
    phase form is exact only for nearest, so bilinear always runs as written.
    """
    if form == "auto":  # in_size None: a caller that does not know its map size gets the phase form
        form = "reference" if in_size is not None and in_size < PHASES_FROM else "phases"
    if upsample == "bilinear":
        return [nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                nn.Conv2d(in_ch, out_ch, kernel, 1, kernel // 2, bias=bias)]
    if form == "phases":
        return [nn.Identity(), PhaseUpConv2d(in_ch, out_ch, kernel, bias=bias)]
    if form == "reference":
        return [nn.Upsample(scale_factor=2), nn.Conv2d(in_ch, out_ch, kernel, 1, kernel // 2, bias=bias)]
    raise ValueError(f"unknown upconv form {form!r}; choose from {', '.join(UPCONV_FORMS)}")


def upconv(in_ch: int, out_ch: int, batch_norm: bool = True, form: str = "auto",
           upsample: str = "nearest", in_size: int | None = None) -> nn.Sequential:
    """Nearest upsampling x2 then a 5x5 convolution (stride 1, padding 2), the handout's `upconv`;
    in_size, the input map's side, lets form="auto" pick the faster form."""
    layers = upsample_conv(in_ch, out_ch, 5, bias=not batch_norm, form=form, upsample=upsample, in_size=in_size)
    if batch_norm:
        layers.append(nn.BatchNorm2d(out_ch))
    return nn.Sequential(*layers)


def downconv(in_ch: int, out_ch: int, padding: int = 2, batch_norm: bool = True,
             spectral: bool = False) -> nn.Sequential:
    """A 5x5 convolution with stride 2 that halves the spatial size (spectral: spectral norm instead of batch norm)."""
    conv = nn.Conv2d(in_ch, out_ch, 5, 2, padding, bias=not batch_norm or spectral)
    if spectral:
        return nn.Sequential(nn.utils.parametrizations.spectral_norm(conv))
    layers = [conv]
    if batch_norm:
        layers.append(nn.BatchNorm2d(out_ch))
    return nn.Sequential(*layers)


class ResnetBlock(nn.Module):
    """x + BN(Conv3x3(x)), as in the Toronto handout."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(channels, channels, 3, 1, 1, bias=False), nn.BatchNorm2d(channels))

    def forward(self, x):
        return x + self.conv(x)
