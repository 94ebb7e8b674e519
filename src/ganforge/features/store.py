"""Where the trained StyleNet lives and how it is saved and loaded: safetensors + a JSON meta.

The weights are stored under <cache>/features-v1/ in a file named by their digest;
the meta (stylenet.json) holds that file's sha256 and is written last, by an atomic
rename, so it is the commit point: loading sees a complete pair or none, and a
modified weights file is refused. Numbers from these features are comparable only
between evaluations that use the same weights (the same meta digest).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save

from ..errors import GanforgeError
from ..fileio import cache_root, file_digest, write_atomically, write_json_atomically
from ..models.stylenet import StyleNet

FEATURES_VERSION = 1      # bump when the architecture or the training recipe changes
META_NAME = "stylenet.json"
TRAIN_HINT = "run `ganforge eval train-features`"


def features_dir(cache=None) -> Path:
    """Where the trained feature network lives: <cache>/features-v1/."""
    return cache_root(cache) / f"features-v{FEATURES_VERSION}"


def save_feature_net(net: StyleNet, meta: dict, cache=None) -> dict:
    """Write the weights (named by their digest), then the meta by an atomic rename; return the meta.

    The meta is the commit point: until it is renamed into place, loading sees the
    previous complete pair (or nothing).
    """
    folder = features_dir(cache)
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}
    data = save(tensors, metadata={"format": str(FEATURES_VERSION)})
    digest = hashlib.sha256(data).hexdigest()
    weights = f"stylenet-{digest[:16]}.safetensors"
    write_atomically(folder / weights, lambda p: p.write_bytes(data), sync=True)
    meta = {**meta, "weights": weights, "sha256": digest}
    write_json_atomically(folder / META_NAME, meta, sync=True)
    for old in folder.glob("stylenet-*.safetensors"):  # weights no meta refers to any more
        if old.name != weights:
            old.unlink(missing_ok=True)
    return meta


def load_feature_net(cache=None) -> tuple[StyleNet, dict]:
    """The trained StyleNet (eval mode, CPU, fp32) and its meta; the weights' digest is checked."""
    folder = features_dir(cache)
    meta_path = folder / META_NAME
    if not meta_path.is_file():
        raise GanforgeError(f"the feature network is not trained (no {meta_path}); {TRAIN_HINT}")
    try:
        meta = json.loads(meta_path.read_text())
        weights = folder / Path(meta["weights"]).name
        expected = meta["sha256"]
        # Its initial weights are overwritten below: building it must not draw from the global RNG,
        # or loading the feature network would change the noise of the training run that scores with it.
        with torch.random.fork_rng(devices=[]):
            net = StyleNet(**meta["net"])
        if net.n_styles != len(meta["styles"]) or net.n_categories != len(meta["categories"]):
            raise ValueError("the head sizes differ from the styles and categories listed")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
        raise GanforgeError(f"{meta_path} is not a feature-network meta ({e}); {TRAIN_HINT}") from None
    if meta.get("format") != FEATURES_VERSION:
        raise GanforgeError(f"{meta_path} is format {meta.get('format')!r}, this ganforge reads format "
                            f"{FEATURES_VERSION}; {TRAIN_HINT}")
    if not weights.is_file():
        raise GanforgeError(f"the feature network's weights {weights} are missing; {TRAIN_HINT}")
    if file_digest(weights) != expected:
        raise GanforgeError(f"the feature network's weights {weights} do not match the sha256 in "
                            f"{meta_path} (modified or truncated); {TRAIN_HINT}")
    try:
        tensors = load_file(str(weights))
        net.load_state_dict(tensors, strict=True)
    except (SafetensorError, OSError, RuntimeError, ValueError) as e:
        raise GanforgeError(f"the feature network's weights {weights} do not fit its meta ({e}); "
                            f"{TRAIN_HINT}") from None
    return net.eval(), meta
