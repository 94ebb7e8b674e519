"""StyleNet: the project's own feature network for 32x32 emojis, trained here, no downloads.

FID and KID proper use Inception features, which means downloading weights trained
on ImageNet photos. StyleNet replaces it: a small CNN for 32x32 RGB (675k
parameters, 287k of them a colour lookup table) that learns to name an emoji's
style (apple, windows, ...) and its category ("Smileys & Emotion", ...); the second
task keeps the features about content, not only style. Its 128-d feature vector
feeds FD and KID; its style head gives the style rates. How it is trained, and the
accuracies measured on the way to this design, are in features/recipe.py.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _conv_bn_relu(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
                         nn.ReLU(inplace=True))


class ColourLUT(nn.Module):
    """A learned 3D colour lookup table: each pixel's RGB -> a `dim`-vector, trilinearly interpolated.

    The table has `levels` grid points per channel (33: one every 8 of 255). A
    style's palette is its strongest cue at 32x32 (a bag of colours alone tells the
    five styles apart 91% of the time; RGB through 3x3 convolutions learns colours
    too coarsely), and interpolation keeps the output a continuous function of the
    colour, so a generated image's slightly-off colours move its features slightly.
    """

    def __init__(self, levels: int = 33, dim: int = 8):
        super().__init__()
        self.levels, self.dim = levels, dim
        self.table = nn.Parameter(torch.randn(levels ** 3, dim))
        corners = [[(c >> k) & 1 for k in range(3)] for c in range(8)]
        self.register_buffer("corners", torch.tensor(corners), persistent=False)  # (8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) in [-1, 1] -> (N, dim, H, W) float32."""
        n, _, h, w = x.shape
        levels = self.levels
        u = ((x.float() + 1) / 2).clamp(0, 1) * (levels - 1)         # grid coordinates, (N, 3, H, W)
        low = u.floor().clamp(max=levels - 2)
        frac = (u - low).unsqueeze(1)                                  # (N, 1, 3, H, W)
        bits = self.corners.view(1, 8, 3, 1, 1)                        # the cell's 8 corners
        corner = low.long().unsqueeze(1) + bits                        # (N, 8, 3, H, W)
        index = (corner[:, :, 0] * levels + corner[:, :, 1]) * levels + corner[:, :, 2]  # (N, 8, H, W)
        weight = torch.where(bits.bool(), frac, 1 - frac).prod(2)      # (N, 8, H, W), sums to 1
        # One weighted sum of 8 table rows per pixel, in a single op (many small ops are slow
        # on a busy CPU).
        out = F.embedding_bag(index.permute(0, 2, 3, 1).reshape(-1, 8), self.table, mode="sum",
                              per_sample_weights=weight.permute(0, 2, 3, 1).reshape(-1, 8))
        return out.view(n, h, w, self.dim).permute(0, 3, 1, 2)         # (N, dim, H, W)


def _gram(h: torch.Tensor) -> torch.Tensor:
    """Channel co-activations averaged over positions (Gatys' style statistics), upper triangle.

    (N, K, H, W) -> (N, K(K+1)/2), signed square root and unit length (as in bilinear CNNs).
    """
    h = h.float().flatten(2)                          # (N, K, HW)
    g = h @ h.transpose(1, 2) / h.shape[2]            # (N, K, K)
    rows, cols = torch.triu_indices(g.shape[1], g.shape[1], device=g.device)
    g = g[:, rows, cols]
    return F.normalize(g.sign() * (g.abs() + 1e-6).sqrt(), dim=1)


class StyleNet(nn.Module):
    """Colour LUT + RGB -> three conv stages -> [pooled content, Gram style stats] -> D-d features.

    Two heads read the features: style (which emoji set) and category (what it
    depicts). Input: float (N, 3, 32, 32) in [-1, 1].
    """

    def __init__(self, n_styles: int, n_categories: int, width: int = 32, feature_dim: int = 128,
                 lut_levels: int = 33, lut_dim: int = 8, gram_channels: int = 24):
        super().__init__()
        self.n_styles, self.n_categories = n_styles, n_categories
        self.width, self.feature_dim = width, feature_dim
        self.lut_levels, self.lut_dim, self.gram_channels = lut_levels, lut_dim, gram_channels
        w = width
        self.lut = ColourLUT(lut_levels, lut_dim)
        self.stage1 = nn.Sequential(_conv_bn_relu(3 + lut_dim, w), _conv_bn_relu(w, w))     # (N, w, 32, 32)
        self.stage2 = nn.Sequential(nn.MaxPool2d(2), _conv_bn_relu(w, 2 * w),
                                    _conv_bn_relu(2 * w, 2 * w))                           # (N, 2w, 16, 16)
        self.stage3 = nn.Sequential(nn.MaxPool2d(2), _conv_bn_relu(2 * w, 4 * w), nn.MaxPool2d(2),
                                    _conv_bn_relu(4 * w, 4 * w),                           # (N, 4w, 4, 4)
                                    nn.AdaptiveAvgPool2d(1), nn.Flatten())                 # (N, 4w)
        self.reduce1 = nn.Conv2d(w, gram_channels, 1)
        self.reduce2 = nn.Conv2d(2 * w, gram_channels, 1)
        n_gram = gram_channels * (gram_channels + 1) // 2
        self.project = nn.Sequential(nn.Linear(4 * w + 2 * n_gram, feature_dim, bias=False),
                                     nn.BatchNorm1d(feature_dim), nn.ReLU(inplace=True))
        self.style_head = nn.Linear(feature_dim, n_styles)
        self.category_head = nn.Linear(feature_dim, n_categories)

    def config(self) -> dict:
        """The constructor's arguments, as saved in the meta."""
        return {"n_styles": self.n_styles, "n_categories": self.n_categories, "width": self.width,
                "feature_dim": self.feature_dim, "lut_levels": self.lut_levels, "lut_dim": self.lut_dim,
                "gram_channels": self.gram_channels}

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 3, 32, 32) in [-1, 1] -> (N, D) features (after BN and ReLU)."""
        x = torch.cat([x, self.lut(x).to(x.dtype)], 1)                       # (N, 3 + lut_dim, 32, 32)
        h1 = self.stage1(x.contiguous(memory_format=torch.channels_last))     # (N, w, 32, 32)
        h2 = self.stage2(h1)
        pooled = self.stage3(h2).float()                                       # (N, 4w)
        style_stats = [_gram(self.reduce1(h1)), _gram(self.reduce2(h2))]       # 2 x (N, K(K+1)/2)
        return self.project(torch.cat([pooled, *style_stats], 1))              # (N, D)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.features(x)
        return self.style_head(h), self.category_head(h)

