"""`ganforge reproduce` at the tiny scale: every question of each assignment has its section, pictures and summary."""
import re

import pytest
from emoji_fakes import write_archive_layout

from ganforge.cli import main
from ganforge.errors import GanforgeError
from ganforge.workflows.reproduce import SCALES, padding_table, reproduce

SECTIONS = {
    "radboud": ["q9-1", "q9-2", "q9-3", "q9-4", "q9-6", "q9-7", "q9-8", "q9-9", "q9-12a", "q9-12c", "q9-12e",
                "q9-13c"],
    "toronto": ["q1-1-1", "q1-3", "q2-3-1", "q2-3-2", "q2-3-3", "stego"],
}
NO_PICTURE = {"q1-1-1"}  # a table derived from the model


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return write_archive_layout(tmp_path_factory.mktemp("archive") / "emojis", n_train=24, n_test=8)


def _sections(text: str) -> dict:
    out = {}
    for m in re.finditer(r'<section id="([^"]+)">', text):
        out[m.group(1)] = text[m.start():text.find("</section>", m.start())]
    return out


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ["radboud", "toronto"])
def test_reproduce_tiny(tmp_path, archive, assignment, capsys):
    out = tmp_path / assignment
    argv = ["reproduce", assignment, "--scale", "tiny", "--out", str(out), "--threads", "1",
            "--data-dir", str(archive)]
    assert main(argv) == 0
    text = (out / "report.html").read_text()
    sections = _sections(text)
    order = [s for s in sections if s in SECTIONS[assignment]]
    assert order == SECTIONS[assignment]  # every question, in the assignment's order
    for ident in SECTIONS[assignment]:
        body = sections[ident]
        if ident not in NO_PICTURE:
            assert "<img" in body, f"section {ident} has no picture"
        summary = re.search(r'<p class="summary">(.+?)</p>', body, re.S)
        assert summary and "missing" not in summary.group(1), f"section {ident}: {summary and summary.group(1)}"
    assert "scale" in sections and "tiny" in sections["scale"]
    assert "http://" not in text and "https://" not in text

    # A second call reuses every finished run and writes the same sections.
    capsys.readouterr()
    assert main(argv) == 0
    log = capsys.readouterr().out
    assert "reproduce: training" not in log
    assert "to run" not in log or "(0 to run" in log
    assert list(_sections((out / "report.html").read_text())) == list(sections)

    # Another scale into the same folder is refused, naming what differs.
    if assignment == "radboud":
        assert main([*argv[:3], "quick", *argv[4:]]) == 2
        assert "other settings" in capsys.readouterr().err


def test_padding_table_matches_model():
    rows = padding_table()
    assert [r["P_derived"] for r in rows] == [2, 2, 2, 1]
    assert all(r["match"] for r in rows)
    assert [r["O"] for r in rows] == [16, 8, 4, 1]


def test_scales_cover_every_group():
    groups = set(SCALES["full"])
    assert all(set(v) == groups for v in SCALES.values())
    assert SCALES["full"]["cyclegan_toronto"]["iters"] == 10000
    assert SCALES["full"]["dcgan_run"]["iters"] == 5000


def test_unknown_assignment_is_refused(tmp_path, capsys):
    assert main(["reproduce", "nowhere"]) == 2
    assert "radboud" in capsys.readouterr().err
    with pytest.raises(GanforgeError, match="--scale"):
        reproduce("radboud", scale="huge", out=tmp_path / "r")
