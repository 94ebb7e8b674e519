"""StyleNet, the project's own feature network: trained on tiny synthetic styles, no downloads."""
import json

import pytest
import torch

from emoji_fakes import FakeSplit, circles
from ganforge.errors import GanforgeError
from ganforge.features import (FeatureNet, extract_features, features_dir, load_feature_net, predict_styles,
                               save_feature_net, style_rate, train_feature_net)
from ganforge.features.recipe import _pairwise
from ganforge.features.apply import pair_accuracy
from ganforge.models.stylenet import StyleNet

COLOURS = {"apple": (240, 200, 40), "windows": (60, 120, 230)}  # two trivially different styles


def two_styles(n_train: int = 48, n_test: int = 16) -> dict:
    """{style: (train, test)}: yellow circles vs blue circles, two categories each."""
    splits = {}
    for s, (style, colour) in enumerate(COLOURS.items()):
        pair = []
        for k, n in enumerate((n_train, n_test)):
            codes = [f"{style}{k}{i:03d}" for i in range(n)]
            categories = ["Smileys & Emotion" if i % 2 else "Objects" for i in range(n)]
            pair.append(FakeSplit(circles(n, colour, seed=10 * s + k), codes, codes, categories))
        splits[style] = tuple(pair)
    return splits


def quiet(message):
    pass


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Inference in one thread: on a busy 2-core machine two threads wait on each other at every op."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A net trained for two epochs on the synthetic styles: (cache, meta, splits)."""
    cache = tmp_path_factory.mktemp("cache")
    splits = two_styles()
    meta = train_feature_net(cache=cache, seed=0, epochs=2, progress=quiet, splits=splits)
    return cache, meta, splits


@pytest.mark.parametrize("n", [1, 5])
def test_stylenet_shapes(n):
    net = StyleNet(n_styles=5, n_categories=10).eval()
    x = torch.rand(n, 3, 32, 32) * 2 - 1
    style_logits, category_logits = net(x)
    assert style_logits.shape == (n, 5) and category_logits.shape == (n, 10)
    assert net.features(x).shape == (n, 128)
    assert 100_000 < sum(p.numel() for p in net.parameters()) < 1_000_000


def test_colour_lut_is_continuous_in_the_colour():
    net = StyleNet(2, 1).eval()
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    step = 2 / 255 / 16  # a sixteenth of one uint8 level
    near = (net.lut(x) - net.lut(x + step)).abs().max()
    assert near < 0.05 * net.lut(x).abs().max()


def test_training_separates_two_styles_and_saves_a_verified_pair(trained):
    cache, meta, splits = trained
    assert meta["styles"] == ["apple", "windows"]
    assert meta["categories"] == ["Objects", "Smileys & Emotion"]
    assert meta["held_out"]["style"] > 0.9
    assert meta["seed"] == 0 and meta["epochs"] == 2 and meta["torch"] == torch.__version__
    folder = features_dir(cache)
    saved = json.loads((folder / "stylenet.json").read_text())
    assert saved == meta and len(meta["sha256"]) == 64
    assert (folder / meta["weights"]).is_file()
    assert not [p for p in folder.iterdir() if p.name.startswith(".tmp")]  # no temporary files left


def test_load_round_trip_gives_the_trained_net(trained, tmp_path):
    cache, meta, splits = trained
    net, loaded = load_feature_net(cache)
    assert loaded == meta and not net.training
    # The loaded net reproduces the accuracy measured on the net that was trained.
    images = torch.cat([splits[s][1].images for s in meta["styles"]])
    truth = [s for s in meta["styles"] for _ in range(len(splits[s][1].images))]
    accuracy = sum(p == t for p, t in zip(predict_styles(net, meta, images), truth)) / len(truth)
    assert accuracy == pytest.approx(meta["held_out"]["style"], abs=1e-4)
    # Saving the loaded net again and loading it gives bit-identical features.
    save_feature_net(net, {k: v for k, v in meta.items() if k not in ("weights", "sha256")}, tmp_path)
    again, again_meta = load_feature_net(tmp_path)
    assert again_meta["sha256"] == meta["sha256"]
    assert torch.equal(extract_features(net, images), extract_features(again, images))


def test_extract_features_takes_uint8_or_float_and_returns_fp32(trained):
    cache, meta, splits = trained
    net, _ = load_feature_net(cache)
    images = splits["apple"][1].images
    from_uint8 = extract_features(net, images, batch=5)
    assert from_uint8.shape == (len(images), 128) and from_uint8.dtype == torch.float32
    assert not from_uint8.requires_grad
    assert torch.allclose(from_uint8, extract_features(net, images.float() / 127.5 - 1), atol=1e-5)
    assert torch.allclose(from_uint8, extract_features(net, images, batch=500), atol=1e-5)


def test_style_rate_of_each_style_under_a_net_trained_on_both(trained):
    cache, meta, splits = trained
    net, _ = load_feature_net(cache)
    apple, windows = splits["apple"][1].images, splits["windows"][1].images
    assert style_rate(net, meta, apple, "apple") > 0.9
    assert style_rate(net, meta, windows, "apple") < 0.1
    assert style_rate(net, meta, windows, "windows") == pytest.approx(1 - style_rate(net, meta, windows, "apple"))
    with pytest.raises(GanforgeError, match="not 'google'"):
        style_rate(net, meta, apple, "google")


def test_tampered_or_missing_weights_are_refused(trained, tmp_path):
    cache, meta, _ = trained
    net, _ = load_feature_net(cache)
    meta = save_feature_net(net, {k: v for k, v in meta.items() if k not in ("weights", "sha256")}, tmp_path)
    weights = features_dir(tmp_path) / meta["weights"]
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0x01  # one bit of the last weight
    weights.write_bytes(bytes(data))
    with pytest.raises(GanforgeError, match="do not match the sha256.*ganforge eval train-features"):
        load_feature_net(tmp_path)
    weights.unlink()
    with pytest.raises(GanforgeError, match="missing.*ganforge eval train-features"):
        load_feature_net(tmp_path)
    (features_dir(tmp_path) / "stylenet.json").unlink()
    with pytest.raises(GanforgeError, match="not trained.*ganforge eval train-features"):
        load_feature_net(tmp_path)


def test_same_seed_same_weights_other_seed_other_weights(trained, tmp_path):
    cache, meta, splits = trained
    again = train_feature_net(cache=tmp_path / "same", seed=0, epochs=2, progress=quiet, splits=splits)
    other = train_feature_net(cache=tmp_path / "other", seed=1, epochs=2, progress=quiet, splits=splits)
    assert again["sha256"] == meta["sha256"]  # bit-identical weights
    assert other["sha256"] != meta["sha256"]


def test_training_refuses_fewer_than_two_built_styles(tmp_path):
    with pytest.raises(GanforgeError, match="no emoji style is built.*ganforge data build --styles "
                                            "apple,windows,google,twitter,facebook"):
        train_feature_net(cache=tmp_path, progress=quiet)
    with pytest.raises(GanforgeError, match="at least two styles"):
        train_feature_net(cache=tmp_path, progress=quiet, splits={"apple": two_styles()["apple"]})
    with pytest.raises(GanforgeError, match="--epochs"):
        train_feature_net(cache=tmp_path, progress=quiet, epochs=0, splits=two_styles())


def test_fd_and_kid_of_the_scored_samples_read_the_trained_features(trained):
    from ganforge.metrics import get_metric

    cache, meta, splits = trained
    net = FeatureNet(cache)
    assert net.available and net.styles == meta["styles"]
    apple, windows = splits["apple"][0].images, splits["windows"][0].images
    fd = get_metric("fd").fn
    assert fd(net.features(apple), net.features(apple)) == pytest.approx(0, abs=1e-6)
    assert fd(net.features(windows), net.features(apple)) > fd(net.features(apple[24:]), net.features(apple[:24]))
    assert get_metric("kid").fn(net.features(windows), net.features(apple), seed=0) > 0
    # The real sets every evaluation scores again are computed once.
    assert net.features(apple, remember=True) is net.features(apple)


class ChannelMeans(torch.nn.Module):
    """Stands in for StyleNet: style logits are the image's mean red, green and blue."""

    def __init__(self):
        super().__init__()
        self.unused = torch.nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return x.mean((2, 3)), torch.zeros(x.shape[0], 1)


def test_style_rate_versus_one_style_only_chooses_between_the_two():
    meta = {"styles": ["red", "green", "blue"]}
    images = torch.zeros(4, 3, 32, 32, dtype=torch.uint8)
    images[:, 2] = 200                      # all mostly blue...
    images[:2, 1] = 120                     # ...two of them greener than red
    images[2:, 0] = 120                     # ...two of them redder than green
    net = ChannelMeans()
    assert style_rate(net, meta, images, "green") == 0.0          # among all three: blue wins
    assert style_rate(net, meta, images, "green", versus="red") == 0.5
    assert style_rate(net, meta, images, "red", versus="green") == 0.5
    with pytest.raises(GanforgeError, match="not 'purple'"):
        style_rate(net, meta, images, "red", versus="purple")


def test_pairwise_accuracies_cover_every_pair_of_styles():
    # Style 0 images whose logits favour style 2 over 0: wrong 3-way and wrong against 2, right against 1.
    logits = torch.tensor([[1.0, 0.0, 2.0], [1.0, 0.0, 2.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    styles = torch.tensor([0, 0, 1, 2])
    pairs = _pairwise(logits, styles, ["a", "b", "c"])
    assert pairs == {"a-b": 1.0, "a-c": pytest.approx(1 / 3, abs=1e-4), "b-c": 1.0}
    meta = {"held_out": {"style_pairwise": pairs}}
    assert pair_accuracy(meta, "c", "a") == pairs["a-c"] and pair_accuracy(meta, "a", "d") is None


def test_trained_meta_holds_the_pairwise_accuracy(trained):
    _, meta, _ = trained
    assert set(meta["held_out"]["style_pairwise"]) == {"apple-windows"}
    assert meta["held_out"]["style_pairwise"]["apple-windows"] == pytest.approx(meta["held_out"]["style"], abs=1e-4)


def test_style_rates_are_registered_and_read_the_classifier(trained):
    from ganforge.metrics import get_metric, list_metrics

    cache, meta, splits = trained
    listed = {m.name: m.scope for m in list_metrics()}
    assert listed["style_rate"] == "generation" and listed["target_style_rate"] == "translation"
    net = FeatureNet(cache)
    windows = net.style_logits(splits["windows"][1].images)
    apple_index, windows_index = meta["styles"].index("apple"), meta["styles"].index("windows")
    rate = get_metric("target_style_rate").fn(windows, windows_index, apple_index, pair_accuracy=0.9)
    assert rate["target_style_rate"] > 0.9 and rate["style_classifier_pair_accuracy"] == 0.9
    assert get_metric("style_rate").fn(windows, apple_index) < 0.1


def test_the_same_weights_whatever_the_thread_count(trained, tmp_path):
    """Every machine trains the same network: one thread and fp32 whatever --threads says (two threads sum a
    convolution's weight gradient in another order; bf16 rounds otherwise)."""
    cache, meta, splits = trained
    two = train_feature_net(cache=tmp_path / "two", seed=0, epochs=2, progress=quiet, splits=splits, threads=2)
    assert two["sha256"] == meta["sha256"] and two["precision"] == "fp32" and two["threads"] == 1


def test_scores_read_through_the_feature_network_name_it(trained, tmp_path, monkeypatch):
    """metrics.json says which network FD, KID and the style rates were read through, and so do the evaluation
    records of stats.jsonl; values read through different networks are not set side by side."""
    import json

    import ganforge.api as api
    from emoji_fakes import patch_emoji_data
    from ganforge.report.files import one_feature_network

    cache, meta, splits = trained
    patch_emoji_data(monkeypatch, {style: {"train": pair[0], "test": pair[1]} for style, pair in splits.items()})
    result = api.train_dcgan(out=tmp_path / "d", style="windows", cache=str(cache), iters=2, batch_size=8,
                             conv_dim=4, eval_every=1, precision="fp32", threads=1)
    data = json.loads((result.path / "metrics.json").read_text())
    digest = meta["sha256"][:16]
    assert data["feature_network"] == digest
    assert data["metric_info"]["fd"]["feature_network"] == digest and "feature_network" not in \
        data["metric_info"]["swd"]
    assert [r["feature_network"] for r in result.stats if r.get("kind") == "eval"] == [digest, digest]
    other = {"fd": {"feature_network": "0123456789abcdef"}, "swd": {}}
    kept, notes = one_feature_network([data["metric_info"], other], ["fd", "swd"])
    assert kept == ["swd"] and len(notes) == 1 and "fd" in notes[0] and digest in notes[0]
