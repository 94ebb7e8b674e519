"""Loading single images and folders: modes, transparency, resizing, failures."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from ganforge.data.images import (UnreadableImage, load_folder, load_image, parse_color,
                                  to_rgb_array)
from ganforge.errors import GanforgeError


def red_circle_on_black_transparency(size=64) -> Image.Image:
    """An opaque red disc; the transparent pixels around it hold black RGB."""
    rgba = np.zeros((size, size, 4), np.uint8)  # transparent black
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).ellipse((8, 8, size - 9, size - 9), fill=255)
    alpha = np.asarray(mask)
    rgba[..., 0] = np.where(alpha > 0, 255, 0)
    rgba[..., 3] = alpha
    return Image.fromarray(rgba, "RGBA")


def test_transparent_edges_blend_into_white_not_black(tmp_path):
    path = tmp_path / "circle.png"
    red_circle_on_black_transparency().save(path)
    out = load_image(path, 32, "white")
    assert out.shape == (32, 32, 3) and out.dtype == np.uint8
    # Red and white both have R = 255: any black leaking in would lower R at the edge.
    assert out[..., 0].min() >= 250
    assert tuple(out[0, 0]) == (255, 255, 255)
    assert tuple(out[16, 16]) == (255, 0, 0)
    # Edge pixels are pink (between red and white), never darker than either.
    edge = (out[..., 1] > 10) & (out[..., 1] < 245)
    assert edge.any()
    assert np.all(out[edge][:, 1] == out[edge][:, 2])
    # The seeds' convert('RGB') would have shown the black: this fixture can fail.
    naive = np.asarray(Image.open(path).convert("RGB").resize((32, 32), Image.LANCZOS))
    assert naive[..., 0].min() < 50


def test_other_background_colour(tmp_path):
    path = tmp_path / "circle.png"
    red_circle_on_black_transparency().save(path)
    out = load_image(path, 16, "#00ff00")
    assert tuple(out[0, 0]) == (0, 255, 0)


def _palette_with_transparency():
    image = Image.new("P", (20, 20), 0)
    image.putpalette([0, 0, 0, 0, 0, 255] + [0] * 762)  # index 0 black (transparent), 1 blue
    ImageDraw.Draw(image).rectangle((5, 5, 14, 14), fill=1)
    image.info["transparency"] = 0
    return image


@pytest.mark.parametrize("make, corner, centre", [
    (_palette_with_transparency, (255, 255, 255), (0, 0, 255)),
    (lambda: Image.new("LA", (20, 20), (0, 0)), (255, 255, 255), (255, 255, 255)),
    (lambda: Image.new("L", (20, 20), 100), (100, 100, 100), (100, 100, 100)),
    (lambda: Image.new("RGB", (20, 20), (10, 20, 30)), (10, 20, 30), (10, 20, 30)),
    (lambda: Image.new("1", (20, 20), 1), (255, 255, 255), (255, 255, 255)),
])
def test_modes(tmp_path, make, corner, centre):
    path = tmp_path / "x.png"
    make().save(path)
    out = load_image(path, 10)
    assert tuple(out[0, 0]) == corner
    assert tuple(out[5, 5]) == centre


def test_16_bit_grayscale_is_scaled_not_clipped(tmp_path):
    values = np.full((8, 8), 32768, np.uint16)
    values[:, :4] = 65535
    path = tmp_path / "gray16.png"
    Image.fromarray(values).save(path)
    assert Image.open(path).mode.startswith("I")
    out = load_image(path, 8)
    assert tuple(out[0, 0]) == (255, 255, 255)
    assert tuple(out[0, 7]) == (128, 128, 128)  # convert('L') would clip this to 255


def test_cmyk_jpeg(tmp_path):
    path = tmp_path / "cyan.jpg"
    Image.new("CMYK", (16, 16), (255, 0, 0, 0)).save(path, quality=95)
    out = load_image(path, 8).astype(int)
    assert out[..., 0].max() < 30 and out[..., 1].min() > 225 and out[..., 2].min() > 225


def test_non_square_is_letterboxed(tmp_path):
    path = tmp_path / "wide.png"
    Image.new("RGB", (40, 20), (255, 0, 0)).save(path)
    out = load_image(path, 20, "white")
    assert tuple(out[0, 10]) == (255, 255, 255)  # padding above
    assert tuple(out[10, 10]) == (255, 0, 0)     # the image in the middle
    assert tuple(out[19, 10]) == (255, 255, 255)  # padding below


@pytest.mark.parametrize("content, reason", [
    (b"this is not a picture", "not an image"),
    (b"", "not an image"),
])
def test_not_an_image(tmp_path, content, reason):
    path = tmp_path / "fake.png"
    path.write_bytes(content)
    with pytest.raises(UnreadableImage, match=reason) as info:
        load_image(path, 8)
    assert "fake.png" in str(info.value)
    assert isinstance(info.value, GanforgeError)


def test_truncated_png(tmp_path):
    path = tmp_path / "cut.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(path)
    path.write_bytes(path.read_bytes()[:400])
    with pytest.raises(UnreadableImage, match="cut.png"):
        load_image(path, 8)


def test_too_many_pixels_is_refused_before_decoding(tmp_path):
    path = tmp_path / "big.png"
    Image.new("RGB", (100, 100)).save(path)
    assert load_image(path, 8, max_pixels=100 * 100).shape == (8, 8, 3)
    # Cut right after the header: the pixel data is gone, so only a check made before decoding can
    # say "too many pixels" (decoding would fail as truncated instead).
    path.write_bytes(path.read_bytes()[:45])
    with pytest.raises(UnreadableImage, match=r"declares 100x100 pixels, over the"):
        load_image(path, 8, max_pixels=99 * 99)


def test_parse_color():
    assert parse_color("white") == (255, 255, 255)
    assert parse_color("#102030") == (16, 32, 48)
    with pytest.raises(GanforgeError, match="not-a-colour"):
        parse_color("not-a-colour")


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 40), st.integers(1, 40), st.integers(1, 24), st.integers(0, 2**32 - 1))
def test_fully_transparent_is_pure_background(width, height, size, seed):
    # Whatever colours the transparent pixels hold, the result is the background.
    rgba = np.random.default_rng(seed).integers(0, 256, (height, width, 4), dtype=np.uint8)
    rgba[..., 3] = 0
    out = to_rgb_array(Image.fromarray(rgba, "RGBA"), size, (12, 34, 56))
    assert out.shape == (size, size, 3)
    assert np.all(out == np.array([12, 34, 56], np.uint8))


# Folders.
def _png(path, colour, size=(12, 12)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)


def test_load_folder_recursive_sorted(tmp_path):
    _png(tmp_path / "b" / "2.png", (0, 255, 0))
    _png(tmp_path / "a" / "9.png", (255, 0, 0))
    _png(tmp_path / "a" / "10.png", (0, 0, 255))
    (tmp_path / "notes.txt").write_text("not an image, and not named like one")
    _png(tmp_path / ".hidden" / "x.png", (1, 2, 3))
    images, stems = load_folder(tmp_path, 8)
    assert stems == ["10", "9", "2"]  # sorted by relative path: a/10, a/9, b/2
    assert images.shape == (3, 3, 8, 8) and images.dtype == np.uint8
    assert tuple(images[0, :, 0, 0]) == (0, 0, 255)
    assert tuple(images[2, :, 0, 0]) == (0, 255, 0)


def test_load_folder_skips_unreadable_with_a_warning(tmp_path):
    _png(tmp_path / "good.png", (0, 0, 0))
    (tmp_path / "broken.png").write_bytes(b"garbage")
    with pytest.warns(UserWarning, match=r"skipped 1 unreadable.*broken\.png"):
        images, stems = load_folder(tmp_path, 8)
    assert stems == ["good"]
    with pytest.raises(UnreadableImage, match="broken.png"):
        load_folder(tmp_path, 8, strict=True)


def test_load_folder_counts(tmp_path):
    with pytest.raises(GanforgeError, match="does not exist"):
        load_folder(tmp_path / "missing", 8)
    (tmp_path / "empty").mkdir()
    with pytest.raises(GanforgeError, match="holds 0 usable images; need at least 1"):
        load_folder(tmp_path / "empty", 8)
    for i in range(3):
        _png(tmp_path / "few" / f"{i}.png", (i, i, i))
    with pytest.raises(GanforgeError, match="holds 3 usable images; need at least 16"):
        load_folder(tmp_path / "few", 8, min_count=16)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert load_folder(tmp_path / "few", 8, min_count=3)[0].shape[0] == 3
    assert [str(w.message).split(":")[0] for w in seen] == [f"3 of the 3 images in {tmp_path / 'few'} are not 8x8 "
                                                           "(12x12)"]   # resized, and said; nothing skipped
