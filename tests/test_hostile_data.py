"""Whatever bytes a data folder holds, the loader loads them or raises the project's own clear error."""
import io
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from ganforge.data.images import load_folder, load_image
from ganforge.errors import GanforgeError
from emoji_fakes import patch_emoji_data, write_archive_layout  # noqa: F401


@st.composite
def image_bytes(draw):
    """A small image in a random mode and format, possibly cut short or with flipped bytes."""
    mode = draw(st.sampled_from(["RGB", "RGBA", "L", "LA", "P", "I;16", "1", "CMYK"]))
    fmt = draw(st.sampled_from(["PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP"]))
    w, h = draw(st.integers(1, 24)), draw(st.integers(1, 24))
    seed = draw(st.integers(0, 2**16))
    pixels = np.random.default_rng(seed).integers(0, 256, (h, w, 4), dtype=np.uint8)
    image = Image.fromarray(pixels, "RGBA")
    try:
        image = image.convert(mode)
        buffer = io.BytesIO()
        image.save(buffer, format=fmt)
    except (OSError, ValueError, KeyError):
        buffer = io.BytesIO(pixels.tobytes())  # a mode the format cannot hold: raw bytes instead
    data = bytearray(buffer.getvalue())
    damage = draw(st.sampled_from(["none", "truncate", "flip"]))
    if damage == "truncate" and len(data) > 1:
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif damage == "flip" and data:
        for i in draw(st.lists(st.integers(0, len(data) - 1), max_size=8)):
            data[i] ^= 0xFF
    return bytes(data)


def _load_or_clear_error(path):
    try:
        array = load_image(path, 8)
    except GanforgeError as e:
        assert path.name in str(e)
        return
    assert array.shape == (8, 8, 3) and array.dtype == np.uint8


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=300), image_bytes()))
def test_any_bytes_load_or_raise_the_projects_error(tmp_path, data):
    path = tmp_path / "fuzzed.png"
    path.write_bytes(data)
    _load_or_clear_error(path)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(st.one_of(st.binary(max_size=200), image_bytes()), min_size=1, max_size=6))
def test_any_folder_loads_or_raises_the_projects_error(tmp_path_factory, files):
    folder = tmp_path_factory.mktemp("fuzz")
    for i, data in enumerate(files):
        (folder / f"{i}.png").write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            images, stems = load_folder(folder, 8)
        except GanforgeError as e:
            # The message names the folder (too few usable images) or the file it could not use.
            assert str(folder) in str(e) or any(f"{i}.png" in str(e) for i in range(len(files))), str(e)
            return
    assert images.dtype == np.uint8 and images.shape[1:] == (3, 8, 8) and len(stems) == images.shape[0]


def _add_bad_files(folder):
    (folder / "notes.png").write_text("this is not a picture")
    good = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 10, 10)).save(good, format="PNG")
    (folder / "cut.png").write_bytes(good.getvalue()[:60])
    Image.new("I;16", (50, 30)).save(folder / "sixteen-bit.png")
    Image.new("CMYK", (40, 40), (0, 80, 200, 0)).save(folder / "cmyk.jpg")
    Image.new("P", (90, 60)).save(folder / "palette-wide.png")


def test_training_on_a_folder_with_bad_files_uses_the_good_ones_and_warns(tmp_path, capsys):
    from ganforge.cli import main

    root = write_archive_layout(tmp_path / "emojis", n_train=20, n_test=4)
    _add_bad_files(root / "Apple" / "emojis")
    with pytest.warns(UserWarning, match=r"skipped 2 unreadable.*(cut|notes)\.png"):
        rc = main(["train", "cyclegan", "--data-dir", str(root), "--iters", "2", "--batch-size", "4",
                   "--conv-dim", "4", "--precision", "fp32", "--out", str(tmp_path / "run")])
    assert rc == 0
    out = capsys.readouterr().out
    assert "apple: train 23" in out  # 20 good + 16-bit + CMYK + palette, converted


def test_strict_refuses_a_bad_file_by_name(tmp_path, capsys):
    from ganforge.cli import main

    root = write_archive_layout(tmp_path / "emojis", n_train=20, n_test=4)
    _add_bad_files(root / "Apple" / "emojis")
    rc = main(["train", "cyclegan", "--data-dir", str(root), "--strict", "--iters", "2", "--batch-size", "4",
               "--out", str(tmp_path / "run")])
    assert rc != 0
    err = capsys.readouterr().err
    assert "cut.png" in err or "notes.png" in err


def test_too_few_images_for_the_batch_says_how_many(tmp_path, capsys):
    from ganforge.cli import main

    root = write_archive_layout(tmp_path / "emojis", n_train=5, n_test=4)
    rc = main(["train", "cyclegan", "--data-dir", str(root), "--iters", "2", "--batch-size", "16",
               "--out", str(tmp_path / "run")])
    assert rc != 0
    assert "holds 5 images, fewer than --batch-size 16" in capsys.readouterr().err
