"""The kinds of data a method trains on, and what follows from each: how a run is trained, scored, named and
used afterwards.

    points    2-D points (the moons): heatmaps per epoch; the trained networks offer points
    images    one image set: sample grids from fixed noise; they offer samples
    unpaired  two image sets, never paired in training; they offer translations
    pairs     pairs of the same picture in two styles; they offer translations

A method names its kind in its record (record.py); nothing here names a method.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from ..data.batches import BatchSampler, PairedBatchSampler, PointBatches
from ..data.emoji import datasets as emoji_datasets
from ..errors import GanforgeError
from ..scoring import direction_name
from ..scoring.hooks import MoonsScorer, SamplesScorer, TranslatorScorer
from ..train.images import train_images
from ..train.points import train_points
from ..train.translation import train_translation


@dataclass(frozen=True)
class DataKind:
    """One kind of data, and everything about a method that follows from it."""

    name: str            # "points", "images", "unpaired" or "pairs"
    unit: str            # the step a run counts (stats.jsonl's key): "epoch" or "iter"
    length: str          # the config field that says how many: "epochs" or "iters"
    offers: str          # what trained networks give: "points", "samples" or "translations"
    train: Callable      # train(cfg, run, prepare, resume, score, name) -> TrainingResult (train/)
    batches: Callable    # batches(cfg, hw, *data) -> (iteration -> the real batches of that iteration)
    scorer: type         # Scorer(cfg, cache)(networks, data) -> Scores (scoring/hooks.py)
    styles: Callable     # styles(cfg) -> the image sets it reads ([] for points)
    subject: Callable    # subject(config dict, both_ways) -> what a run is about: "apple ↔ windows"
    tag: Callable        # tag(config dict) -> the run folder's name after the method's: "apple2windows"

    @property
    def word(self) -> str:
        """The unit as a sentence says it: "epoch" or "iteration"."""
        return {"iter": "iteration"}.get(self.unit, self.unit)

    def load(self, cfg) -> dict | None:
        """The data a run is scored on: {style: {"train", "test"}} of its image sets, or None (points)."""
        styles = self.styles(cfg)
        return emoji_datasets.load_emoji_splits(cfg, styles) if styles else None


def _point_batches(cfg, hw, real):
    batches = PointBatches(real, cfg.batch_size, cfg.shuffle)
    return lambda it: (batches.batch(it),)


def _image_batches(cfg, hw, images):
    sampler = BatchSampler(images, cfg.batch_size, cfg.seed, hw.channels_last, name=f"the {cfg.style} training set")
    return lambda it: (sampler.batch(it),)


def _unpaired_batches(cfg, hw, train_a, train_b, pairs=None):
    # Different seeds per domain: the two styles are shuffled independently (no batch is built from pairs).
    sampler_a = BatchSampler(train_a, cfg.batch_size, cfg.seed, hw.channels_last, name=f"the {cfg.source} training set")
    sampler_b = BatchSampler(train_b, cfg.batch_size, cfg.seed + 1, hw.channels_last,
                             name=f"the {cfg.target} training set")
    return lambda it: (sampler_a.batch(it), sampler_b.batch(it))


def paired_batches(cfg, hw, train_a, train_b, pairs, flip: bool = False, shift: int = 0):
    """Batches of the training pairs, row for row; flip and shift move both images of a pair alike."""
    if len(pairs[0]) == 0:
        how = ("--pairs names says that files of the same name in both domains are the same picture" if cfg.data_dir
               else "ganforge's emoji styles pair them by codepoint")
        raise GanforgeError(f"the {cfg.source} and {cfg.target} training sets share no picture: this method needs "
                            f"pairs, the same picture in both domains ({how})")
    sampler = PairedBatchSampler(train_a, train_b, pairs, cfg.batch_size, cfg.seed, hw.channels_last,
                                 name=f"the {cfg.source}/{cfg.target} training pairs", flip=flip, shift=shift)
    return sampler.batch


def _translation_subject(config: Mapping, both_ways: bool) -> str:
    return f"{config.get('source', '?')} {'↔' if both_ways else '→'} {config.get('target', '?')}"


def _direction(config: Mapping) -> str:
    return direction_name(config.get("source", "?"), config.get("target", "?"))


POINTS = DataKind(
    "points", unit="epoch", length="epochs", offers="points", train=train_points, batches=_point_batches,
    scorer=MoonsScorer, styles=lambda cfg: [],
    subject=lambda config, both_ways: str(config.get("trainer", "?")), tag=lambda config: str(config.get("trainer")))
IMAGES = DataKind(
    "images", unit="iter", length="iters", offers="samples", train=train_images, batches=_image_batches,
    scorer=SamplesScorer, styles=lambda cfg: [cfg.style],
    subject=lambda config, both_ways: str(config.get("style", "?")), tag=lambda config: str(config.get("style")))
UNPAIRED = DataKind(
    "unpaired", unit="iter", length="iters", offers="translations", train=train_translation,
    batches=_unpaired_batches, scorer=TranslatorScorer, styles=lambda cfg: [cfg.source, cfg.target],
    subject=_translation_subject, tag=_direction)
PAIRS = DataKind(
    "pairs", unit="iter", length="iters", offers="translations",
    train=lambda *args, **kwargs: train_translation(*args, **kwargs, paired=True), batches=paired_batches,
    scorer=TranslatorScorer, styles=lambda cfg: [cfg.source, cfg.target], subject=_translation_subject,
    tag=_direction)

DATA_KINDS = {kind.name: kind for kind in (POINTS, IMAGES, UNPAIRED, PAIRS)}
