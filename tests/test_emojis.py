"""Emoji styles from (fake) npm packages, the dataset API, the archive layout and the CLI."""
import io
import json
import os
import stat
import sys
import tarfile
import time

import numpy as np
import pytest
import torch
from PIL import Image

from ganforge.cli import Parser
from ganforge.cli_data import add_data_commands
from ganforge.data import emoji as emojis
from ganforge.data.emoji import npm
from ganforge.data.folders import load_image_folders as load_archive_layout
from ganforge.fileio import cache_root
from ganforge.data.emoji import (Downloader, EmojiSplit, Package, build_styles, iconify_svg,
                                  load_style, normalize_codepoint,
                                  paired_indices, show_styles, sri_sha512)
from ganforge.errors import GanforgeError

# A tiny catalog. 1f1e6-1f1e8 (a flag) is Apple-only; 1f44b has a skin-tone PNG that
# must not be built; 1f449 reaches Windows only through an hFlip alias.
CATALOG = [
    # unified, name, category, styles with a PNG
    ("1F600", "GRINNING FACE", "Smileys & Emotion", "apple google twitter facebook"),
    ("1F601", "BEAMING FACE", "Smileys & Emotion", "apple google twitter facebook"),
    ("2764-FE0F", "HEAVY BLACK HEART", "Smileys & Emotion", "apple google twitter facebook"),
    ("0023-FE0F-20E3", "HASH KEY", "Symbols", "apple google twitter facebook"),
    ("1F44B", "WAVING HAND SIGN", "People & Body", "apple google twitter facebook"),
    ("1F448", "BACKHAND INDEX POINTING LEFT", "People & Body", "apple google twitter facebook"),
    ("1F449", "BACKHAND INDEX POINTING RIGHT", "People & Body", "apple google twitter facebook"),
    ("1F1E6-1F1E8", "FLAG ASCENSION", "Flags", "apple"),
    ("1F34E", "RED APPLE", "Food & Drink", "google twitter"),
]
FLUENT_CHARS = {  # codepoint -> icon (1f449 comes from emojis.FLUENT_EXTRA_CHARS)
    "1f600": "grinning-face", "1f601": "beaming-face", "2764": "red-heart", "0023-20e3": "keycap-hash",
    "1f44b": "waving-hand", "1f44b-1f3fb": "waving-hand-light", "1f448": "backhand-index-pointing-left",
    "1f34e": "red-apple",
}
LEFT_HALF_RED = '<rect x="0" y="0" width="16" height="32" fill="#ff0000"/>'
TOP_HALF_RED = '<rect x="0" y="0" width="32" height="16" fill="#ff0000"/>'


def colour_of(style: str, codepoint: str) -> tuple[int, int, int]:
    """A distinct opaque colour per (style, emoji) so tests can tell pictures apart."""
    h = sum(map(ord, style + codepoint))
    return (h * 37 % 200 + 20, h * 91 % 200 + 20, h * 53 % 200 + 20)


def _tar(path, files: dict[str, bytes]):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _png_bytes(colour, size=16) -> bytes:
    # An opaque square on a transparent border whose RGB is black.
    rgba = np.zeros((size, size, 4), np.uint8)
    rgba[2:-2, 2:-2, :3] = colour
    rgba[2:-2, 2:-2, 3] = 255
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, format="PNG")
    return buffer.getvalue()


def _catalog_json():
    entries = []
    for unified, name, category, styles in CATALOG:
        entry = {"unified": unified, "name": name, "short_name": name.lower().replace(" ", "_"),
                 "category": category, "image": unified.lower() + ".png"}
        entry.update({f"has_img_{s}": s in styles.split() for s in emojis.DATASOURCE_STYLES})
        if unified == "1F44B":
            entry["skin_variations"] = {"1F3FB": {"unified": "1F44B-1F3FB", "image": "1f44b-1f3fb.png"}}
        entries.append(entry)
    return json.dumps(entries).encode()


def _fluent_json():
    def square(colour):
        return f'<rect x="4" y="4" width="24" height="24" fill="#{bytes(colour).hex()}"/>'
    icons = {name: {"body": square(colour_of("windows", normalize_codepoint(cp)))}
             for cp, name in FLUENT_CHARS.items()}
    icons["backhand-index-pointing-left"] = {"body": LEFT_HALF_RED}
    icon_set = {"prefix": "fluent-emoji-flat", "width": 32, "height": 32, "icons": icons,
                "aliases": {"backhand-index-pointing-right": {"parent": "backhand-index-pointing-left",
                                                              "hFlip": True}}}
    return json.dumps(icon_set).encode(), json.dumps(FLUENT_CHARS).encode()


@pytest.fixture
def fake_npm(tmp_path_factory):
    """Fake package tarballs, their pins, and a fetch function that counts its calls."""
    folder = tmp_path_factory.mktemp("registry")
    catalog = _catalog_json()
    tarballs = {"catalog": _tar(folder / "catalog.tgz", {"emoji.json": catalog})}
    for style in emojis.DATASOURCE_STYLES:
        files = {"emoji.json": catalog}
        for unified, _, _, styles in CATALOG:
            if style in styles.split():
                files[f"img/{style}/64/{unified.lower()}.png"] = _png_bytes(
                    colour_of(style, normalize_codepoint(unified)))
        files[f"img/{style}/64/1f44b-1f3fb.png"] = _png_bytes((0, 0, 0))
        tarballs[style] = _tar(folder / f"{style}.tgz", files)
    icons, chars = _fluent_json()
    tarballs["windows"] = _tar(folder / "windows.tgz", {"icons.json": icons, "chars.json": chars})
    packages = {key: Package(f"fake-{key}", "1.0.0", sri_sha512(path)) for key, path in tarballs.items()}
    by_name = {p.name: tarballs[key] for key, p in packages.items()}
    calls = []

    def fetch(name, version, dest):
        calls.append(name)
        target = dest / f"{name}-{version}.tgz"
        target.write_bytes(by_name[name].read_bytes())
        return target

    class Fake:
        pass
    fake = Fake()
    fake.packages, fake.fetch, fake.calls, fake.tarballs = packages, fetch, calls, tarballs
    fake.downloader = lambda cache: Downloader(cache / "npm", dict(packages), fetch)
    return fake


def _build(fake, cache, styles, **kwargs):
    return build_styles(styles, size=8, cache=cache, progress=lambda *_: None,
                        downloader=fake.downloader(cache), test_count=2, **kwargs)


# Codepoints and SVGs.
@pytest.mark.parametrize("text, expected", [
    ("1F600", "1f600"), ("0023-FE0F-20E3", "0023-20e3"), ("23-20e3", "0023-20e3"),
    ("2764-fe0f", "2764"), ("1F468-200D-2764-FE0F-200D-1F468", "1f468-200d-2764-200d-1f468"),
])
def test_normalize_codepoint(text, expected):
    assert normalize_codepoint(text) == expected


def _render(svg: str) -> np.ndarray:
    import resvg_py

    return np.asarray(Image.open(io.BytesIO(bytes(resvg_py.svg_to_bytes(svg_string=svg)))).convert("RGBA"))


@pytest.mark.parametrize("alias, body, red_region", [
    ({"hFlip": True}, LEFT_HALF_RED, "right"),
    ({"vFlip": True}, TOP_HALF_RED, "bottom"),
    ({"rotate": 1}, LEFT_HALF_RED, "top"),  # a clockwise quarter turn takes the left to the top
    ({"hFlip": True, "rotate": 2}, LEFT_HALF_RED, "left"),
])
def test_iconify_alias_transforms(alias, body, red_region):
    icon_set = {"width": 32, "height": 32, "icons": {"base": {"body": body}},
                "aliases": {"alias": {"parent": "base", **alias}}}
    pixels = _render(iconify_svg(icon_set, "alias", 32))
    alpha = pixels[..., 3] > 128
    regions = {"left": alpha[:, :16], "right": alpha[:, 16:], "top": alpha[:16], "bottom": alpha[16:]}
    opposite = {"left": "right", "right": "left", "top": "bottom", "bottom": "top"}[red_region]
    assert regions[red_region].all() and not regions[opposite].any()


def test_iconify_unknown_icon():
    with pytest.raises(KeyError, match="nope"):
        iconify_svg({"icons": {}, "aliases": {}}, "nope", 32)


# Building.
def test_build_from_fake_packages(tmp_path, fake_npm):
    rows = _build(fake_npm, tmp_path, ["apple", "windows"])
    assert rows == [{"style": "apple", "train": 6, "test": 2, "paired": 7},
                    {"style": "windows", "train": 6, "test": 2, "paired": 7}]
    apple, windows = (load_style(s, "train", size=8, cache=tmp_path) for s in ("apple", "windows"))
    assert apple.images.dtype == torch.uint8 and apple.images.shape == (6, 3, 8, 8)
    assert "1f1e6-1f1e8" in apple.codepoints and "1f1e6-1f1e8" not in windows.codepoints
    assert "1f34e" not in apple.codepoints and "1f34e" in windows.codepoints
    assert not any("1f3fb" in cp for cp in apple.codepoints + windows.codepoints)  # no skin tones
    assert apple.codepoints == sorted(apple.codepoints)
    # Each picture is the right one: the centre colour of the PNG, on a white border.
    i = apple.codepoints.index("0023-20e3")
    assert tuple(apple.images[i, :, 4, 4].tolist()) == colour_of("apple", "0023-20e3")
    assert tuple(apple.images[i, :, 0, 0].tolist()) == (255, 255, 255)
    assert apple.names[i] == "hash key" and apple.categories[i] == "Symbols"
    # Test sets: the same codepoints in the same order, drawn from the all-five-style emojis.
    tests = [load_style(s, "test", size=8, cache=tmp_path) for s in ("apple", "windows")]
    assert tests[0].codepoints == tests[1].codepoints and len(tests[0]) == 2
    assert not set(tests[0].codepoints) & {"1f1e6-1f1e8", "1f34e"}
    index = json.loads((emojis.style_dir("apple", 8, "white", tmp_path) / "index.json").read_text())
    assert [e["codepoint"] for e in index["test"]] == tests[0].codepoints


def test_windows_alias_is_mirrored(tmp_path, fake_npm):
    _build(fake_npm, tmp_path, ["windows"])
    both = {}
    for split in ("train", "test"):
        data = load_style("windows", split, size=8, cache=tmp_path)
        both.update({cp: data.images[i] for i, cp in enumerate(data.codepoints)})
    left, right = both["1f448"], both["1f449"]
    assert (left[:, :, :4] == torch.tensor([255, 0, 0]).view(3, 1, 1)).all()  # red on the left
    assert (left[:, :, 4:] == 255).all()                                      # white on the right
    assert torch.equal(right, left.flip(-1))


def test_second_build_is_a_fast_noop(tmp_path, fake_npm):
    _build(fake_npm, tmp_path, ["apple", "windows"])
    calls = len(fake_npm.calls)
    folder = emojis.style_dir("apple", 8, "white", tmp_path)
    stamp = (folder / "train.npy").stat().st_mtime_ns
    started = time.perf_counter()
    rows = _build(fake_npm, tmp_path, ["apple", "windows"])
    assert time.perf_counter() - started < 5
    assert len(fake_npm.calls) == calls
    assert (folder / "train.npy").stat().st_mtime_ns == stamp
    assert rows[0]["paired"] == 7
    # Downloads are kept: a new output cache with the same download folder fetches nothing.
    other = tmp_path / "other"
    build_styles(["apple"], size=8, cache=other, progress=lambda *_: None, test_count=2,
                 downloader=Downloader(tmp_path / "npm", dict(fake_npm.packages), fake_npm.fetch))
    assert len(fake_npm.calls) == calls


def test_adding_a_style_later_keeps_every_test_set(tmp_path, fake_npm):
    _build(fake_npm, tmp_path / "one", ["apple", "windows"])
    _build(fake_npm, tmp_path / "one", ["google"])
    _build(fake_npm, tmp_path / "two", ["facebook", "twitter", "google"])
    tests = [load_style(s, "test", size=8, cache=tmp_path / "one").codepoints for s in ("apple", "windows", "google")]
    tests += [load_style(s, "test", size=8, cache=tmp_path / "two").codepoints for s in ("twitter", "facebook")]
    assert len(tests[0]) == 2 and all(t == tests[0] for t in tests)


def test_changed_tarball_is_refused(tmp_path, fake_npm):
    downloader = fake_npm.downloader(tmp_path)
    downloader.packages["apple"] = Package("fake-apple", "1.0.0", "sha512-" + "A" * 86 + "==")
    with pytest.raises(GanforgeError, match="refusing the tarball of fake-apple@1.0.0"):
        build_styles(["apple"], size=8, cache=tmp_path, progress=lambda *_: None,
                     downloader=downloader, test_count=2)
    assert not emojis.style_dir("apple", 8, "white", tmp_path).exists()


def test_corrupt_kept_tarball_is_fetched_again(tmp_path, fake_npm):
    downloader = fake_npm.downloader(tmp_path)
    kept = downloader.tarball("windows", lambda *_: None)
    kept.write_bytes(b"corrupted")
    assert downloader.tarball("windows", lambda *_: None) == kept
    assert sri_sha512(kept) == fake_npm.packages["windows"].integrity
    assert fake_npm.calls.count("fake-windows") == 2


def test_build_checks_its_options(tmp_path, fake_npm):
    with pytest.raises(GanforgeError, match="--styles: unknown style emacs; choose from apple, windows"):
        build_styles(["apple", "emacs"], cache=tmp_path)
    with pytest.raises(GanforgeError, match="--size"):
        build_styles(["apple"], size=128, cache=tmp_path)
    with pytest.raises(GanforgeError, match="colour"):
        build_styles(["apple"], background="blurple", cache=tmp_path)


def test_npm_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(npm.shutil, "which", lambda name: None)
    with pytest.raises(GanforgeError, match="npm, which is not installed"):
        emojis.npm_pack("emoji-datasource-apple", "16.0.0", tmp_path)


@pytest.mark.skipif(sys.platform == "win32", reason="fake npm is a POSIX script")
@pytest.mark.parametrize("honest", [True, False])
def test_npm_pack_checks_the_reported_integrity(tmp_path, monkeypatch, honest):
    payload = tmp_path / "payload.tgz"
    payload.write_bytes(b"pretend tarball")
    integrity = sri_sha512(payload) if honest else "sha512-" + "B" * 86 + "=="
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "npm"
    # Fake npm: copies the payload into --pack-destination and reports it as npm 7+ does.
    script.write_text(f"""#!{sys.executable}
import json, shutil, sys
dest = sys.argv[sys.argv.index("--pack-destination") + 1]
shutil.copy({str(payload)!r}, dest + "/fake-1.0.0.tgz")
print(json.dumps([{{"filename": "fake-1.0.0.tgz", "integrity": {integrity!r}}}]))
""")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    dest = tmp_path / "dest"
    dest.mkdir()
    if honest:
        assert emojis.npm_pack("fake", "1.0.0", dest).read_bytes() == b"pretend tarball"
    else:
        with pytest.raises(GanforgeError, match="does not match the integrity npm reported"):
            emojis.npm_pack("fake", "1.0.0", dest)


# Loading.
def test_load_style_says_how_to_build(tmp_path):
    with pytest.raises(GanforgeError, match=r"not built.*ganforge data build --styles windows --size 16"):
        load_style("windows", "train", size=16, cache=tmp_path)
    with pytest.raises(GanforgeError, match="split"):
        load_style("apple", "validation", cache=tmp_path)


def test_cache_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("GANFORGE_CACHE", str(tmp_path / "env-cache"))
    assert cache_root() == tmp_path / "env-cache"
    assert cache_root(tmp_path / "given") == tmp_path / "given"


def test_paired_indices_and_to():
    a = EmojiSplit(torch.arange(4).view(4, 1, 1, 1).expand(4, 3, 2, 2).to(torch.uint8),
                   ["1f600", "2764", "1f601", "0023-20e3"], ["a"] * 4, ["c"] * 4)
    b = EmojiSplit(torch.zeros(3, 3, 2, 2, dtype=torch.uint8), ["2764", "1f34e", "1f600"], ["b"] * 3, ["c"] * 3)
    ia, ib = paired_indices(a, b)
    assert ia.tolist() == [0, 1] and ib.tolist() == [2, 0]  # 1f600, 2764 in codepoint order
    assert [a.codepoints[i] for i in ia] == [b.codepoints[i] for i in ib]
    moved = a.to("cpu")
    assert moved.images.device.type == "cpu" and moved.codepoints == a.codepoints and len(moved) == 4


def test_show_styles(tmp_path, fake_npm):
    _build(fake_npm, tmp_path, ["apple", "windows", "google"])
    out = show_styles(["apple", "windows", "google"], tmp_path / "grid.png", n=3, size=8, cache=tmp_path)
    grid = np.asarray(Image.open(out))
    zoom = 96 // 8
    assert grid.shape[0] >= 3 * 8 * zoom and grid.shape[1] >= 3 * 8 * zoom
    # Row 1, column 1 is one of the shared emojis, enlarged: its centre is an Apple colour.
    y, x = 28 + 6 + 4 * zoom, 220 + 6 + 4 * zoom
    apple_colours = {colour_of("apple", normalize_codepoint(u)) for u, *_ in CATALOG}
    assert tuple(grid[y, x]) in apple_colours


# The original archive layout.
def _archive_layout(root):
    """Apple/ with palette PNGs (72x72), Windows/ with RGBA PNGs, Test_* folders, one class folder each."""
    def palette_png(path, colour):
        image = Image.new("P", (72, 72), 0)
        image.putpalette([0, 0, 0, *colour] + [0] * 762)
        image.paste(1, (10, 10, 62, 62))
        image.info["transparency"] = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path, transparency=0)

    def rgba_png(path, colour):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_png_bytes(colour, size=36))

    for cp in ("1f600", "1f601", "2764"):
        palette_png(root / "Apple" / "emojis" / f"{cp}.png", (200, 0, 0))
        rgba_png(root / "Windows" / "emojis" / f"{cp}.png", (0, 0, 200))
    palette_png(root / "Test_Apple" / "emojis" / "1f34e.png", (200, 0, 0))
    rgba_png(root / "Test_Windows" / "emojis" / "1f34e.png", (0, 0, 200))
    rgba_png(root / "Test_Windows" / "emojis" / "1f44b.png", (0, 0, 200))
    (root / "README.txt").parent.mkdir(parents=True, exist_ok=True)
    (root / "README.txt").write_text("course data")
    return root


def test_archive_layout_folder(tmp_path, capsys):
    root = _archive_layout(tmp_path / "emojis")
    layout = load_archive_layout(root)
    assert sorted(layout) == ["apple", "windows"]
    assert [len(layout[s][split]) for s in ("apple", "windows") for split in ("train", "test")] == [3, 1, 3, 2]
    apple = layout["apple"]["train"]
    assert apple.images.shape == (3, 3, 32, 32) and apple.images.dtype == torch.uint8
    assert apple.codepoints == ["1f600", "1f601", "2764"] and apple.categories == ["emojis"] * 3
    assert tuple(apple.images[0, :, 0, 0].tolist()) == (255, 255, 255)  # transparency -> white
    assert tuple(apple.images[0, :, 16, 16].tolist()) == (200, 0, 0)
    ia, ib = paired_indices(layout["apple"]["test"], layout["windows"]["test"])
    assert ia.tolist() == [0] and ib.tolist() == [0]
    assert "apple: train 3, test 1" in capsys.readouterr().out


def test_archive_layout_tarball(tmp_path):
    root = _archive_layout(tmp_path / "src" / "emojis")
    archive = tmp_path / "emojis.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(root, arcname="emojis")
    cache = tmp_path / "cache"
    from_tar = load_archive_layout(archive, cache=cache, progress=lambda *_: None)
    from_folder = load_archive_layout(root, progress=lambda *_: None)
    for style in ("apple", "windows"):
        for split in ("train", "test"):
            assert torch.equal(from_tar[style][split].images, from_folder[style][split].images)
    extracted = list((cache / "archives").iterdir())
    assert len(extracted) == 1 and not (extracted[0] / "emojis" / "README.txt").exists()
    said = []
    load_archive_layout(archive, cache=cache, progress=said.append)  # reuses the extraction
    assert list((cache / "archives").iterdir()) == extracted
    assert not [m for m in said if m.startswith("extracting")] and said  # it loaded, without extracting


def test_archive_layout_problems(tmp_path):
    root = _archive_layout(tmp_path / "emojis")
    (root / "Apple" / "emojis" / "broken.png").write_bytes(b"nope")
    with pytest.warns(UserWarning, match="broken.png"):
        assert len(load_archive_layout(root, progress=lambda *_: None)["apple"]["train"]) == 3
    with pytest.raises(GanforgeError, match="broken.png"):
        load_archive_layout(root, strict=True, progress=lambda *_: None)
    (root / "Apple" / "emojis" / "broken.png").unlink()
    (root / "Windows").rename(root / "Elsewhere")
    with pytest.raises(GanforgeError, match="Test_Windows/ but no Windows/"):
        load_archive_layout(root, progress=lambda *_: None)
    # One folder of images (here Apple/ with its class folder) is one domain, named after that folder.
    alone = load_archive_layout(root / "Apple", progress=lambda *_: None)
    assert list(alone) == ["emojis"] and len(alone["emojis"]["train"]) + len(alone["emojis"]["test"]) == 3
    (tmp_path / "empty").mkdir()
    with pytest.raises(GanforgeError, match="holds no images"):
        load_archive_layout(tmp_path / "empty", progress=lambda *_: None)


# The command line.
def _cli(argv):
    parser = Parser(prog="ganforge")
    add_data_commands(parser.add_subparsers(dest="command", required=True, parser_class=Parser))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_build_show_inspect(tmp_path, fake_npm, monkeypatch, capsys):
    from ganforge.data.emoji import build

    # Where the CLI's build reads them: the pins and npm in npm.py, the test count in build.py.
    monkeypatch.setattr(npm, "PACKAGES", dict(fake_npm.packages))
    monkeypatch.setattr(npm, "npm_pack", fake_npm.fetch)
    monkeypatch.setattr(build, "TEST_COUNT", 2)
    cache = str(tmp_path / "cache")
    fetched = len(fake_npm.calls)
    assert _cli(["data", "build", "--styles", "Apple,windows", "--size", "8", "--cache", cache]) == 0
    assert len(fake_npm.calls) > fetched  # the fake packages were fetched, not the real ones
    out = capsys.readouterr().out
    assert "apple" in out and "windows" in out and "paired" in out
    png = tmp_path / "grid.png"
    assert _cli(["data", "show", "--styles", "apple,windows", "--size", "8", "--n", "4",
                 "--cache", cache, "--out", str(png)]) == 0
    assert Image.open(png).size[0] > 0
    root = _archive_layout(tmp_path / "emojis")
    assert _cli(["data", "inspect", "--data-dir", str(root)]) == 0
    assert "windows: train 3, test 2" in capsys.readouterr().out


def test_cli_unknown_style(tmp_path):
    with pytest.raises(GanforgeError, match="--styles.*choose from apple, windows, google, twitter, facebook"):
        _cli(["data", "build", "--styles", "apple,android", "--cache", str(tmp_path)])
    with pytest.raises(GanforgeError, match=r"--size.*expected a whole number, got 'many'"):
        _cli(["data", "build", "--size", "many", "--cache", str(tmp_path)])


# The real packages (downloads about 100 MB once into the user cache).
@pytest.mark.slow
@pytest.mark.network
def test_real_build_apple_windows(tmp_path):
    downloads = Downloader(cache_root() / "npm")
    rows = build_styles(["apple", "windows"], cache=tmp_path, downloader=downloads, progress=lambda *_: None)
    assert rows[0]["paired"] >= 1500 and rows[0]["test"] == 100 == rows[1]["test"]
    apple = load_style("apple", "test", cache=tmp_path)
    windows = load_style("windows", "test", cache=tmp_path)
    assert apple.codepoints == windows.codepoints
    assert apple.images.shape == (100, 3, 32, 32)
    # White backgrounds: the corners of almost every emoji are white.
    corners = apple.images[:, :, 0, 0].float().mean()
    assert corners > 250
