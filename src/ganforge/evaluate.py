"""Scores for trained networks: which metrics fit which kind of run, on which data.

The same functions serve `ganforge eval RUN_DIR` (networks loaded from the run's
checkpoint) and `--eval-every` during training (the live networks). Every score
comes with its floor or baselines, so a number is never read alone:
- `<metric>_floor`: the metric between two independent real samples of the same size;
- translations: `_identity` (the do-nothing translator) and `_histmatch` (recolouring only).
"""
from __future__ import annotations

import torch

from .data.moons import make_moons
from .errors import GanforgeError
from .metrics import fit_palette_probe, frechet_distance, kid, moons_metrics, swd, translation_metrics
from .metrics.palette import enough_to_hold_out
from .train.batches import to_model_range, to_uint8

EVAL_SEED = 2516       # noise and subsets of every evaluation (independent of the training seed)
MOONS_POINTS = 2000    # points per set for the moons metrics
DCGAN_SAMPLES = 100    # generated images per DCGAN evaluation: as many as a real test split holds


def _flatten(prefix: str, scores: dict) -> dict:
    return {f"{prefix}{name}": value for name, value in scores.items()}


@torch.no_grad()
def moons_scores(generator, cfg) -> dict:
    """Moons metrics of G's samples against fresh real points, with the real-vs-real floor."""
    n = max(cfg.n_samples, MOONS_POINTS)  # standardized like the training data, fresh seeds
    real = make_moons(n, cfg.noise, seed=cfg.seed + 1)
    real_ref = make_moons(n, cfg.noise, seed=cfg.seed + 2)
    gen = torch.Generator().manual_seed(EVAL_SEED)
    noise = torch.rand(MOONS_POINTS, generator.input_size, generator=gen) * 2 - 1
    device = next(generator.parameters()).device
    was_training = generator.training
    generator.eval()
    fake = generator(noise.to(device)).float().cpu()
    generator.train(was_training)
    results = moons_metrics(real, fake, real_ref, seed=EVAL_SEED, n=MOONS_POINTS)
    out = {}
    for name, pair in results.items():
        out[name] = pair["value"]
        out[f"{name}_floor"] = pair["floor"]
    return out


class FeatureSpace:
    """The project's style classifier, loaded once; absent until `ganforge eval train-features` ran."""

    def __init__(self, cache=None):
        self.net, self.meta, self.missing = None, None, None
        try:
            from .metrics.features import load_feature_net

            self.net, self.meta = load_feature_net(cache)
        except (GanforgeError, ImportError) as e:
            self.missing = str(e)
        self._cache: dict[int, tuple] = {}

    def features(self, images_u8: torch.Tensor, remember: bool = False) -> torch.Tensor:
        """Features of images; `remember` keeps those of a real set, scored again at every evaluation."""
        from .metrics.features import extract_features

        key = id(images_u8)
        if key in self._cache:
            return self._cache[key][1]
        feats = extract_features(self.net, images_u8)
        if remember:
            self._cache[key] = (images_u8, feats)  # holding the tensor keeps its id from being reused
        return feats

    def style_rate(self, images_u8: torch.Tensor, style: str, versus: str | None = None) -> float | None:
        """Share of images classified as `style` (among all styles, or against `versus` only)."""
        if self.net is None or style not in self.meta["styles"] or (versus and versus not in self.meta["styles"]):
            return None
        from .metrics.features import style_rate

        return style_rate(self.net, self.meta, images_u8, style, versus)

    def pair_accuracy(self, a: str, b: str) -> float | None:
        """The classifier's held-out accuracy at telling real a from real b (from training)."""
        if self.net is None:
            return None
        from .metrics.features import pair_accuracy

        return pair_accuracy(self.meta, a, b)


def distribution_scores(reference: torch.Tensor, candidate: torch.Tensor, floor: torch.Tensor,
                        space: FeatureSpace | None) -> dict:
    """SWD, FD and KID of candidate images against real reference images, each with its floor.

    reference: real training images of the style; candidate: generated or translated
    images; floor: as many real held-out images, scored the same way.
    """
    n = candidate.shape[0]
    if floor.shape[0] != n:
        raise GanforgeError(f"need as many floor images as candidates ({floor.shape[0]} vs {n})")
    order = torch.randperm(reference.shape[0], generator=torch.Generator().manual_seed(EVAL_SEED))[:n]
    ref_subset = reference[order]
    out = {"swd": swd(ref_subset, candidate, seed=EVAL_SEED)["swd"],
           "swd_floor": swd(ref_subset, floor, seed=EVAL_SEED)["swd"]}
    if space is not None and space.net is not None:
        f_ref, f_floor = space.features(reference, remember=True), space.features(floor, remember=True)
        f_cand = space.features(candidate)
        out["fd"] = frechet_distance(f_ref, f_cand)
        out["fd_floor"] = frechet_distance(f_ref, f_floor)
        out["kid"] = kid(f_ref, f_cand, seed=EVAL_SEED, n_subsets=50)["kid"]
        out["kid_floor"] = kid(f_ref, f_floor, seed=EVAL_SEED, n_subsets=50)["kid"]
    return out


@torch.no_grad()
def _apply(module, images_u8: torch.Tensor) -> torch.Tensor:
    """Run a generator in eval mode, fp32, on uint8 images; uint8 out."""
    device = next(module.parameters()).device
    was_training = module.training
    module.eval()
    out = to_uint8(module(to_model_range(images_u8.to(device))).float())
    module.train(was_training)
    return out


@torch.no_grad()
def dcgan_scores(generator, style: str, train_u8: torch.Tensor, test_u8: torch.Tensor,
                 space: FeatureSpace | None) -> dict:
    device = next(generator.parameters()).device
    gen = torch.Generator().manual_seed(EVAL_SEED)
    noise = (torch.rand(test_u8.shape[0], generator.input_size, generator=gen) * 2 - 1).to(device)
    was_training = generator.training
    generator.eval()
    fake = to_uint8(generator(noise).float())
    generator.train(was_training)
    out = distribution_scores(train_u8, fake, test_u8, space)
    rate = space.style_rate(fake, style) if space is not None else None
    if rate is not None:
        out["style_rate"] = rate
        out["style_rate_floor"] = space.style_rate(test_u8, style)
    return out


@torch.no_grad()
def palette_probe_for(splits: dict, a: str, b: str):
    """The colour-only probe for a pair of styles, fitted on their training images; it judges both
    directions (b is its positive side). None when a training set is too small to hold images out."""
    a_images, b_images = splits[a]["train"].images, splits[b]["train"].images
    if not (enough_to_hold_out(a_images.shape[0]) and enough_to_hold_out(b_images.shape[0])):
        return None
    return fit_palette_probe(b_images, a_images, b, a)


def _palette_scores(probe, style: str, source, translated, target) -> dict:
    """Share judged to have `style`'s colours: translations, sources (doing nothing), real targets."""
    if probe is None:
        return {}

    def rate(images):
        share = probe.rate(images)
        return share if style == probe.style else 1 - share

    return {"target_palette_rate": rate(translated), "target_palette_rate_identity": rate(source),
            "target_palette_rate_floor": rate(target), "palette_probe_accuracy": probe.heldout_accuracy}


def cycle_scores(nets, names: tuple[str, str], splits: dict, space: FeatureSpace | None,
                 palette_probe=None) -> dict:
    """Paired translation metrics in both directions, with do-nothing and histogram baselines.

    palette_probe: from `palette_probe_for`, so a run scored many times fits it once; fitted here if None.
    """
    from .data.emojis import paired_indices

    a, b = names
    test_a, test_b = splits[a]["test"], splits[b]["test"]
    idx_a, idx_b = paired_indices(test_a, test_b)
    if len(idx_a) == 0:
        raise GanforgeError(f"the {a} and {b} test sets share no emoji; paired metrics need pairs")
    out = {}
    palette_probe = palette_probe or palette_probe_for(splits, a, b)
    for src, dst, g_there, g_back, sel_src, sel_dst in ((a, b, nets.g_ab, nets.g_ba, idx_a, idx_b),
                                                         (b, a, nets.g_ba, nets.g_ab, idx_b, idx_a)):
        source = splits[src]["test"].images[sel_src]
        target = splits[dst]["test"].images[sel_dst]
        translated = _apply(g_there, source)
        reconstructed = _apply(g_back, translated)
        scores = translation_metrics(source, translated, target, reconstructed,
                                     reference=splits[dst]["train"].images)
        # Target or source style? The two-way choice is what the question asks, and the
        # classifier makes it reliably (its held-out accuracy for the pair is reported beside).
        rate = space.style_rate(translated, dst, versus=src) if space is not None else None
        if rate is not None:
            scores["target_style_rate"] = rate
            scores["target_style_rate_identity"] = space.style_rate(source, dst, versus=src)
            scores["target_style_rate_floor"] = space.style_rate(target, dst, versus=src)
            accuracy = space.pair_accuracy(src, dst)
            if accuracy is not None:
                scores["style_classifier_pair_accuracy"] = accuracy
        scores.update(_palette_scores(palette_probe, dst, source, translated, target))
        scores.update(distribution_scores(splits[dst]["train"].images, translated, target, space))
        out.update(_flatten(f"{src}2{dst}_", scores))
    return out


def evaluate_run(run_dir, cache=None) -> dict:
    """Score a run's latest checkpoint; write and return metrics.json's content."""
    from .inference import load_trained
    from .runs import Run
    from .train.batches import load_emoji_splits

    run = Run.open(run_dir)
    cfg, nets = load_trained(run_dir)
    latest = run.latest_checkpoint()
    step = int(latest.name.split("-")[1])
    notes = []
    if run.kind == "moons":
        metrics = moons_scores(nets[0], cfg)
    else:
        space = FeatureSpace(cache or (cfg.cache or None))
        if space.missing:
            notes.append(f"no feature network, so no FD/KID/style rate: {space.missing}")
        if run.kind == "dcgan":
            split = load_emoji_splits(cfg, [cfg.style])[cfg.style]
            metrics = dcgan_scores(nets, cfg.style, split["train"].images, split["test"].images, space)
        else:
            splits = load_emoji_splits(cfg, [cfg.source, cfg.target])
            metrics = cycle_scores(nets, (cfg.source, cfg.target), splits, space)
    result = {"kind": run.kind, "step": step, "checkpoint": str(latest.name), "metrics": metrics, "notes": notes}
    run.write_json("metrics.json", result)
    return result
