"""Scoring images: DCGAN samples and CycleGAN translations against real images of the wanted style.

Every score comes with what it is read against (metrics/registry.py): the floor
(real held-out images scored the same way) and, for translations, the do-nothing
and recolour-only translators. FD, KID and the style rates need the trained
StyleNet; without it they are left out with a note saying how to add them.
"""
from __future__ import annotations

import torch

from ..data.convert import to_model_range, to_uint8
from ..data.emoji import paired_indices
from ..features import FeatureNet
from ..metrics import enough_to_hold_out, fit_palette_probe, histogram_match, metrics_in
from ..metrics.common import same_shape
from ..models.modes import eval_mode
from ..models.noise import uniform_noise
from ..runs import Scores
from .engine import EVAL_SEED, Inputs, check_same_count, direction_prefix, mean_of_draws, merge, score_metrics

FEATURE_INPUTS = ("reference_features", "candidate_features", "candidate_style_logits", "style_index", "versus_index")


def _add_feature_inputs(inputs: Inputs, features: FeatureNet | None, reference: torch.Tensor,
                        style: str, versus: str | None = None) -> None:
    """StyleNet features and style logits, remembered for the real sets that every evaluation scores again."""
    if features is None or not features.available:
        inputs.unavailable(FEATURE_INPUTS, features.missing if features else "no feature network was loaded")
        return
    unknown = [s for s in (style, versus) if s is not None and s not in features.styles]
    if unknown:  # its features describe emojis: for other images FD, KID and style rates would mislead
        inputs.unavailable(FEATURE_INPUTS, f"StyleNet, the feature network, is trained on the emoji styles "
                           f"({', '.join(features.styles)}); {unknown[0]} is not one of them")
        return
    if getattr(features, "digest", None):
        inputs.through(FEATURE_INPUTS, features.digest)
    inputs.lazy("reference_features", lambda: features.features(reference, remember=True))
    inputs.of_candidate("candidate_features", lambda images, role: features.features(images, remember=role != "value"))
    inputs.of_candidate("candidate_style_logits",
                        lambda images, role: features.style_logits(images, remember=role != "value"))
    for name, wanted in (("style_index", style), ("versus_index", versus)):
        if wanted is not None:
            inputs.set(name, features.styles.index(wanted))
    if versus is not None:
        inputs.set("pair_accuracy", features.pair_accuracy(versus, style))


@torch.no_grad()
def score_samples(generator, style: str, train_u8: torch.Tensor, test_u8: torch.Tensor,
                  features: FeatureNet | None, draws: int = 1) -> Scores:
    """A DCGAN's samples from fixed noise, as many as the test split holds, against the style's real images.

    draws > 1: score that many sets, each from its own fixed noise and evaluation seed (the first is
    the one draws=1 scores), and keep each score's mean. The sets are as large as the floor's, so the
    mean stays comparable with the floor (FD's bias depends on the set's size).
    """
    parts = [_score_draw(generator, style, train_u8, test_u8, features, EVAL_SEED + k) for k in range(draws)]
    return parts[0] if draws == 1 else mean_of_draws(parts, test_u8.shape[0])


def _score_draw(generator, style: str, train_u8: torch.Tensor, test_u8: torch.Tensor,
                features: FeatureNet | None, seed: int) -> Scores:
    device = next(generator.parameters()).device
    noise = uniform_noise(test_u8.shape[0], generator.input_size, device,
                          generator=torch.Generator().manual_seed(seed))
    with eval_mode(generator):
        fake = to_uint8(generator(noise).float())
    candidates = {"value": fake, "floor": test_u8}
    check_same_count(candidates)
    inputs = Inputs(reference=train_u8, seed=seed)
    _add_feature_inputs(inputs, features, train_u8, style)
    return score_metrics(metrics_in({"images", "generation"}), inputs, candidates)


@torch.no_grad()
def _translate(module, images_u8: torch.Tensor) -> torch.Tensor:
    """Run a generator in eval mode, fp32, on uint8 images; uint8 out."""
    device = next(module.parameters()).device
    with eval_mode(module):
        return to_uint8(module(to_model_range(images_u8.to(device))).float())


def palette_probe_for(splits: dict, a: str, b: str):
    """The colour-only probe for a pair of styles, fitted on their training images; it judges both
    directions (b is its positive side). None when a training set is too small to hold images out."""
    a_images, b_images = splits[a]["train"].images, splits[b]["train"].images
    if not (enough_to_hold_out(a_images.shape[0]) and enough_to_hold_out(b_images.shape[0])):
        return None
    return fit_palette_probe(b_images, a_images, b, a)


def score_translation(source: torch.Tensor, translated: torch.Tensor, target: torch.Tensor | None,
                      reconstructed: torch.Tensor | None, reference: torch.Tensor, names: tuple[str, str],
                      features: FeatureNet | None = None, palette_probe=None,
                      histmatched: torch.Tensor | None = None, background=(255, 255, 255),
                      floor: torch.Tensor | None = None) -> Scores:
    """One translation direction names = (source style, target style), scored on uint8 test images.

    source x, translated G(x), target y (the true translation, None where the test sets hold no
    pairs), reconstructed F(G(x)) (None for a translator with no way back): one shape. floor:
    real target-style test images, as many as the sources (default: the targets).
    reference: other target-style images (not the targets y), for the distributions and the
    recolour-only baseline; histmatched: that baseline, when already computed; background: the
    colour transparent pixels were composited onto (what is not part of a drawing).
    """
    src, dst = names
    floor = target if floor is None else floor
    for what, images in (("translated", translated), ("target", target), ("reconstructed", reconstructed),
                         ("floor", floor)):
        if images is not None:
            same_shape(source, images, "source", what)
    inputs = Inputs(source=source, reference=reference, target_style=dst, seed=EVAL_SEED, background=tuple(background))
    if target is None:
        inputs.unavailable("target", f"the {src} and {dst} test images are not known to be the same pictures "
                           "(ganforge's emoji styles pair by codepoint; folders of your own pair only with --pairs "
                           "names, when files of the same name are the same picture)")
    else:
        inputs.set("target", target)
    if reconstructed is None:
        inputs.unavailable("reconstructed", "this translator translates one way: there is no cycle to reconstruct")
    else:
        inputs.set("reconstructed", reconstructed)
    if palette_probe is None:
        inputs.unavailable("palette_probe", "a training set is too small to fit the palette probe and hold images out")
    else:
        inputs.set("palette_probe", palette_probe)
    _add_feature_inputs(inputs, features, reference, dst, versus=src)
    histmatched = histogram_match(source, reference) if histmatched is None else histmatched
    candidates = {"value": translated, "identity": source, "histmatch": histmatched, "floor": floor}
    return score_metrics(metrics_in({"translation", "images"}), inputs, candidates,
                         prefix=direction_prefix(src, dst), direction=(src, dst))


class TranslationScorer:
    """Scores every direction a translator's networks translate (both for CycleGAN, one for CUT and pix2pix)
    on the paired test emojis; the fixed sets are prepared once.

    palette_probe: from `palette_probe_for`, fitted here when not given (a run scored
    many times passes one).
    """

    def __init__(self, names: tuple[str, str], splits: dict, features: FeatureNet | None, palette_probe=None,
                 background=(255, 255, 255)):
        a, b = names
        idx_a, idx_b = paired_indices(splits[a]["test"], splits[b]["test"])
        paired = len(idx_a) > 0
        if not paired:  # your own domains: score what needs no pairs, on as many images of each
            n = min(len(splits[a]["test"]), len(splits[b]["test"]))
            idx_a = idx_b = torch.arange(n)
        self.features, self.background = features, background
        self.palette_probe = palette_probe or palette_probe_for(splits, a, b)
        self.directions = {}
        for direction, src, dst, sel_src, sel_dst in (("forward", a, b, idx_a, idx_b), ("backward", b, a, idx_b, idx_a)):
            source, real = splits[src]["test"].images[sel_src], splits[dst]["test"].images[sel_dst]
            reference = splits[dst]["train"].images
            self.directions[direction] = ((src, dst), source, real if paired else None, real, reference,
                                          histogram_match(source, reference))

    def __call__(self, nets) -> Scores:
        parts = []
        for direction, (there, back) in nets.translators().items():
            names, source, target, floor, reference, histmatched = self.directions[direction]
            translated = _translate(there, source)
            reconstructed = _translate(back, translated) if back is not None else None
            parts.append(score_translation(source, translated, target, reconstructed, reference, names,
                                           self.features, self.palette_probe, histmatched, self.background, floor))
        return merge(*parts)
