"""The scorers a run is trained with, and with which a finished run is scored: one per kind of data.

A scorer is made as Scorer(cfg, cache) (cache: where the feature network is) and called
as scorer(networks, data) -> Scores, where data is what the trainer loaded ({style:
{"train", "test"}} for images, None for points).
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
    """Generated points against the moons distribution."""

    def __init__(self, cfg, cache=None):
        self.cfg = cfg

    def __call__(self, nets, data=None) -> Scores:
        return score_moons(nets.sampler(), self.cfg, nets.discriminator)


class SamplesScorer:
    """Generated images against the real images of cfg.style."""

    def __init__(self, cfg, cache=None):
        self.cfg, self.cache, self.features = cfg, cache, None

    def __call__(self, nets, data) -> Scores:
        self.features = self.features or FeatureNet(self.cache)
        split = data[self.cfg.style]
        return score_samples(nets.sampler(), self.cfg.style, split["train"].images, split["test"].images,
                             self.features, draws=getattr(self.cfg, "eval_draws", 1))


class TranslatorScorer:
    """Every direction a translator translates, on the test images of cfg.source and cfg.target."""

    def __init__(self, cfg, cache=None):
        self.cfg, self.cache, self.scorer = cfg, cache, None

    def __call__(self, nets, data) -> Scores:
        if self.scorer is None:  # the training sets never change: fit the palette probe once
            names = (self.cfg.source, self.cfg.target)
            self.scorer = TranslationScorer(names, data, FeatureNet(self.cache),
                                            background=parse_color(self.cfg.background))
        return self.scorer(nets)
