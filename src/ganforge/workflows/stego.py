"""Does a CycleGAN hide information in its translations? (Chu et al., 2017, "CycleGAN, a Master of Steganography")

If G(x) carries a faint code that F uses to rebuild x, then F must amplify tiny
differences around translations: a little noise on G(x) changes F(G(x)) a lot and
the reconstruction error grows fast. Around a real target-style image y there is
no code to read, so the same noise changes F(y) only as much as the noise itself.
The probe reports, per perturbation, the reconstruction errors against the source
x and the growth ratio: how much the perturbation changes F's output around
translations, divided by how much it changes it around real images
(L1(F(G(x)+n), F(G(x))) / L1(F(y+n), F(y))). About 1 means F treats both alike;
far above 1 means F reads information the eye does not see.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..data.convert import to_model_range, to_uint8
from ..data.emoji import datasets as emoji_datasets
from ..data.emoji import paired_indices
from ..errors import GanforgeError
from ..inference import load_trained
from ..pictures.grids import save_grid
from ..runs import Run
from ..scoring import EVAL_SEED

NOISE_STDS = (0.0, 0.01, 0.02, 0.05)  # in [0, 1] image units
RESIDUAL_GAIN = 10.0                  # how much the high-frequency residual is amplified for display


def _perturb(images: torch.Tensor, kind: str, std: float, gen: torch.Generator, on_grid: bool = False) -> torch.Tensor:
    """Perturb [-1, 1] images: Gaussian noise of `std` in [0, 1] units, or 8-bit quantization.

    Images already on the 8-bit grid (`on_grid`: real images) would not change when
    rounded, so for them "quantize8" adds what rounding does to an image off the
    grid: uniform noise of up to half a level. Comparing against no change at all
    would make any translator look like a hider.
    """
    if kind == "quantize8":
        if on_grid:
            return (images + (torch.rand(images.shape, generator=gen) * 2 - 1) / 255).clamp(-1, 1)
        return to_model_range(to_uint8(images))
    noise = torch.randn(images.shape, generator=gen) * (2 * std)  # [0, 1] units -> [-1, 1] units
    return (images + noise).clamp(-1, 1)


def _low_pass(images: torch.Tensor, sigma: float = 1.0) -> torch.Tensor:
    radius = 3
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k1 = torch.exp(-(x ** 2) / (2 * sigma ** 2))
    k1 = k1 / k1.sum()
    kernel = (k1[:, None] * k1[None, :]).expand(3, 1, -1, -1)
    padded = F.pad(images, (radius,) * 4, mode="replicate")
    return F.conv2d(padded, kernel, groups=3)


@torch.no_grad()
def probe_direction(g_there, g_back, source_u8: torch.Tensor, target_u8: torch.Tensor) -> dict:
    """Error growth of F(G(x) + noise) vs F(y + noise) against x, per perturbation."""
    x, y = to_model_range(source_u8), to_model_range(target_u8)
    fake = g_there(x).float()
    clean_fake, clean_real = g_back(fake).float(), g_back(y).float()
    rows = []
    for kind, std in [("gaussian", s) for s in NOISE_STDS] + [("quantize8", 0.0)]:
        gen = torch.Generator().manual_seed(EVAL_SEED)
        back_fake = g_back(_perturb(fake, kind, std, gen)).float()
        gen = torch.Generator().manual_seed(EVAL_SEED)
        back_real = g_back(_perturb(y, kind, std, gen, on_grid=True)).float()
        change_fake = F.l1_loss(back_fake, clean_fake).item()
        change_real = F.l1_loss(back_real, clean_real).item()
        rows.append({"perturbation": kind if kind == "quantize8" else f"gaussian std {std}",
                     "kind": kind, "std": std,
                     "error_translation": F.l1_loss(back_fake, x).item(),
                     "error_real_target": F.l1_loss(back_real, x).item(),
                     "change_translation": change_fake, "change_real_target": change_real,
                     # A floor of 1e-4 on the denominator: F may ignore noise on real images entirely.
                     "growth_ratio": change_fake / max(change_real, 1e-4) if change_fake > 1e-6 else None})
    residual = (fake - _low_pass(fake)) * RESIDUAL_GAIN
    return {"rows": rows, "translations": to_uint8(fake), "residuals": to_uint8(residual)}


def verdict(rows: list[dict]) -> str:
    """A plain statement from the numbers: how much faster the translation's error grows under noise."""
    measured = [r for r in rows if r["growth_ratio"] is not None]
    if not measured:
        return "cannot tell: no perturbation changed the reconstructions"
    worst = max(measured, key=lambda r: r["growth_ratio"])
    ratio = worst["growth_ratio"]
    if ratio >= 2.0:
        strength = "hides information strongly"
    elif ratio >= 1.25:
        strength = "hides some information"
    else:
        strength = "shows no sign of hidden information"
    return (f"{strength}: {worst['perturbation']} changes the reconstruction {ratio:.2f}x as much around "
            f"translations as around real target-style images (reconstruction error of x: "
            f"{rows[0]['error_translation']:.3f} clean, {worst['error_translation']:.3f} perturbed)")


def stego_probe(run_dir, n_images: int = 100) -> dict:
    """Probe both directions of a CycleGAN run; write stego.json and residual images into the run."""
    run = Run.open(run_dir)
    cfg, nets = load_trained(run_dir, "translations")
    translators = nets.translators()
    if set(translators) != {"forward", "backward"}:
        raise GanforgeError(f"{run_dir} is a {run.kind} run, which translates one way; the probe needs a translator "
                            "that translates back (a CycleGAN)")
    splits = emoji_datasets.load_emoji_splits(cfg, [cfg.source, cfg.target])
    a, b = cfg.source, cfg.target
    idx_a, idx_b = paired_indices(splits[a]["test"], splits[b]["test"])
    if len(idx_a) == 0:  # the probe compares distributions: real target-style images need not be the pairs
        n = min(len(splits[a]["test"]), len(splits[b]["test"]))
        idx_a = idx_b = torch.arange(n)
    idx_a, idx_b = idx_a[:n_images], idx_b[:n_images]
    result = {}
    for (src, dst, i_src, i_dst), (g_there, g_back) in zip(((a, b, idx_a, idx_b), (b, a, idx_b, idx_a)),
                                                           (translators["forward"], translators["backward"])):
        probe = probe_direction(g_there, g_back, splits[src]["test"].images[i_src], splits[dst]["test"].images[i_dst])
        tag = f"{src}-{dst}"
        n = min(16, probe["translations"].shape[0])
        save_grid(torch.stack([probe["translations"][:n], probe["residuals"][:n]], 1).flatten(0, 1),
                  run.path / "stego" / f"residuals-{tag}.png", ncol=8)
        result[tag] = {"rows": probe["rows"], "verdict": verdict(probe["rows"]),
                       "residual_image": f"stego/residuals-{tag}.png"}
    run.write_json("stego.json", result)
    return result
