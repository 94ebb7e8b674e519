"""Style rates: the share of images a classifier assigns to a style, from its logits.

The classifier is StyleNet (models/stylenet.py, trained by `ganforge eval
train-features`); scoring applies it and hands these functions its style logits.
"""
from __future__ import annotations

import torch

from .registry import Extra, register


def share_classified_as(style_logits: torch.Tensor, index: int, versus_index: int | None = None) -> float:
    """The share of rows whose top style is `index` or, with `versus_index`, that rank `index` above it."""
    if versus_index is None:
        return float((style_logits.argmax(1) == index).float().mean())
    return float((style_logits[:, index] > style_logits[:, versus_index]).float().mean())


@register("target_style_rate", "translation", "share of images StyleNet finds closer to the target style than to "
          "the source style", higher_is_better=True, baselines=("identity", "floor"), headline=True,
          extras=(Extra("style_classifier_pair_accuracy",
                        "StyleNet's held-out accuracy at telling real images of the two styles apart"),))
def target_style_rate(candidate_style_logits: torch.Tensor, style_index: int, versus_index: int,
                      pair_accuracy: float | None = None) -> dict:
    """The two-way choice "target or source style?", which the classifier makes reliably (see the extra)."""
    out = {"target_style_rate": share_classified_as(candidate_style_logits, style_index, versus_index)}
    if pair_accuracy is not None:
        out["style_classifier_pair_accuracy"] = pair_accuracy
    return out


@register("style_rate", "generation", "share of generated images StyleNet names as the wanted style, among every "
          "style it knows", higher_is_better=True, baselines=("floor",), headline=True)
def style_rate(candidate_style_logits: torch.Tensor, style_index: int) -> float:
    return share_classified_as(candidate_style_logits, style_index)
