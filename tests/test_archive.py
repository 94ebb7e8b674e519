"""Safe tar extraction: unsafe members refuse the archive and nothing lands outside the target."""
import io
import tarfile

import pytest

from ganforge.data.archive import extract_archive, iter_files
from ganforge.errors import GanforgeError


def _file(name: str, data: bytes = b"x") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def _special(name: str, kind: bytes, link: str = "") -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    return info, None


def make_tar(path, members, mode="w:gz"):
    with tarfile.open(path, mode) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def test_extracts_only_accepted_files(tmp_path):
    archive = make_tar(tmp_path / "a.tar.gz", [
        _file("package/img/a.png", b"A"), _file("package/img/b.png", b"B"),
        _file("package/README.md", b"R"), _file("./package/./img/c.png", b"C"),
    ])
    target = tmp_path / "out"
    written = extract_archive(archive, target, accept=lambda name: name.endswith(".png"))
    assert sorted(p.relative_to(target).as_posix() for p in written) == [
        "package/img/a.png", "package/img/b.png", "package/img/c.png"]
    assert (target / "package/img/b.png").read_bytes() == b"B"
    assert not (target / "package/README.md").exists()


@pytest.mark.parametrize("mode", ["w", "w:gz"])
def test_plain_and_gzipped_tar(tmp_path, mode):
    archive = make_tar(tmp_path / "a.tar", [_file("x/y.txt", b"hello")], mode=mode)
    assert {name: f.read() for name, f in iter_files(archive)} == {"x/y.txt": b"hello"}


@pytest.mark.parametrize("member, why", [
    (_file("../evil.txt"), "'..'"),
    (_file("ok/../../evil.txt"), "'..'"),
    (_file("/tmp/evil.txt"), "absolute"),
    (_file("C:/evil.txt"), "absolute"),
    (_file("ok\\..\\..\\evil.txt"), "'..'"),
    (_special("link", tarfile.SYMTYPE, "/etc/passwd"), "symbolic link"),
    (_special("hard", tarfile.LNKTYPE, "package/a.png"), "hard link"),
    (_special("dev", tarfile.CHRTYPE), "device"),
    (_special("blk", tarfile.BLKTYPE), "device"),
    (_special("pipe", tarfile.FIFOTYPE), "FIFO"),
])
def test_unsafe_members_refuse_the_archive(tmp_path, member, why):
    archive = make_tar(tmp_path / "bad.tar.gz", [_file("package/a.png", b"A"), member])
    target = tmp_path / "deep" / "out"
    with pytest.raises(GanforgeError, match=why) as info:
        extract_archive(archive, target)
    message = str(info.value)
    assert "bad.tar.gz" in message and repr(member[0].name) in message
    # Nothing written: not the good member (cleaned up), not the bad one anywhere.
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["bad.tar.gz", "deep"]


def test_unsafe_member_refuses_even_when_not_accepted(tmp_path):
    archive = make_tar(tmp_path / "bad.tgz", [_special("link", tarfile.SYMTYPE, "/etc")])
    with pytest.raises(GanforgeError, match="symbolic link"):
        extract_archive(archive, tmp_path / "out", accept=lambda name: False)


def test_size_limit(tmp_path):
    archive = make_tar(tmp_path / "big.tar.gz", [_file("a", b"1" * 600), _file("b", b"2" * 600)])
    with pytest.raises(GanforgeError, match=r"member 'b'.*limit of 1000 bytes"):
        extract_archive(archive, tmp_path / "out", max_bytes=1000)
    assert not (tmp_path / "out").exists()
    # Files the filter rejects do not count towards the limit.
    extract_archive(archive, tmp_path / "out", accept=lambda n: n == "a", max_bytes=1000)
    assert (tmp_path / "out" / "a").stat().st_size == 600


def test_not_a_tar(tmp_path):
    path = tmp_path / "x.tar.gz"
    path.write_bytes(b"definitely not gzip")
    with pytest.raises(GanforgeError, match="x.tar.gz"):
        extract_archive(path, tmp_path / "out")
    with pytest.raises(GanforgeError, match="does not exist"):
        extract_archive(tmp_path / "missing.tgz", tmp_path / "out")


def test_target_must_be_empty(tmp_path):
    archive = make_tar(tmp_path / "a.tar.gz", [_file("a.txt")])
    target = tmp_path / "out"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(GanforgeError, match="not an empty folder"):
        extract_archive(archive, target)
    assert (target / "keep.txt").read_text() == "mine"
