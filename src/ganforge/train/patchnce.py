"""PatchNCE (Park et al., ECCV 2020): a patch of the translation should be recognizable as the patch of the input
at the same place, among the input's other patches.

At each feature layer of the translator's encoder, the same random places are drawn for
the input and for its translation (run through the encoder again); each translation
patch (the query) must pick its own input patch (the positive) out of the input's
patches at the other places (the negatives), by cosine similarity through a projection
head, at temperature tau. The keys are detached, as in CUT: the loss moves the
translation, not the input's features.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def sample_places(feature: torch.Tensor, n: int) -> torch.Tensor:
    """n distinct places (flat indices) of a (B, C, H, W) map, the same for every image; all places if fewer."""
    places = feature.shape[2] * feature.shape[3]
    return torch.randperm(places, device=feature.device)[:n]


def gather(feature: torch.Tensor, places: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) -> (B, P, C): the feature vectors at the given flat places."""
    return feature.flatten(2)[:, :, places].transpose(1, 2)


def nce(queries: torch.Tensor, keys: torch.Tensor, temperature: float) -> torch.Tensor:
    """Cross-entropy of each query (B, P, D) against all P keys of its image; the key at its own place is right."""
    logits = torch.bmm(queries, keys.detach().transpose(1, 2)) / temperature        # (B, P, P)
    targets = torch.arange(logits.shape[1], device=logits.device).repeat(logits.shape[0])
    return F.cross_entropy(logits.flatten(0, 1).float(), targets)


def patch_nce_loss(source_features: list[torch.Tensor], translated_features: list[torch.Tensor], heads,
                   n_patches: int, temperature: float) -> torch.Tensor:
    """The mean PatchNCE loss over the layers (the features of the input and of its translation, layer by layer)."""
    places = [sample_places(f, n_patches) for f in source_features]
    keys = heads([gather(f, p) for f, p in zip(source_features, places)])
    queries = heads([gather(f, p) for f, p in zip(translated_features, places)])
    return torch.stack([nce(q, k, temperature) for q, k in zip(queries, keys)]).mean()
