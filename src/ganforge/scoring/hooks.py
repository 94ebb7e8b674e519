"""The scoring hook a run is trained with, and with which a finished run is scored: scorer_for(kind, cfg).

A scorer is called as scorer(networks, data) -> Scores, where data is what the
trainer loaded ({style: {"train", "test"}} for the emoji kinds, None for moons).
What every evaluation of a run shares (the feature network, the palette probe,
the features of the real sets) is prepared on the first call and kept.
"""
from __future__ import annotations

from ..data.images import parse_color
from ..features import FeatureNet
from ..runs import Scores
from .images import TranslationScorer, score_samples
from .moons import score_moons


class MoonsScorer:
    def __init__(self, cfg):
        self.cfg = cfg

    def __call__(self, nets, data=None) -> Scores:
        return score_moons(nets.sampler(), self.cfg, nets.discriminator)


class SamplesScorer:
    def __init__(self, cfg, cache=None):
        self.cfg, self.cache, self.features = cfg, cache, None

    def __call__(self, nets, data) -> Scores:
        self.features = self.features or FeatureNet(self.cache)
        split = data[self.cfg.style]
        return score_samples(nets.sampler(), self.cfg.style, split["train"].images, split["test"].images,
                             self.features)


class TranslatorScorer:
    def __init__(self, cfg, cache=None):
        self.cfg, self.cache, self.scorer = cfg, cache, None

    def __call__(self, nets, data) -> Scores:
        if self.scorer is None:  # the training sets never change: fit the palette probe once
            names = (self.cfg.source, self.cfg.target)
            self.scorer = TranslationScorer(names, data, FeatureNet(self.cache),
                                            background=parse_color(self.cfg.background))
        return self.scorer(nets)


def scorer_for(kind: str, cfg, cache=None):
    """The scorer of a run of `kind`; cache: where the feature network is (default: the run's --cache)."""
    cache = cache or (getattr(cfg, "cache", "") or None)
    if kind == "moons":
        return MoonsScorer(cfg)
    if kind == "dcgan":
        return SamplesScorer(cfg, cache)
    return TranslatorScorer(cfg, cache)  # cyclegan, cut, pix2pix
