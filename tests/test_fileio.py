"""Output files are written whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from cactl.errors import InputError
from cactl.fileio import write_atomic


def test_writes_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_atomic(target, "one")
    write_atomic(target, b"two")
    assert target.read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_missing_folder_and_directory_target(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="output folder does not exist"):
        write_atomic(tmp_path / "no" / "out.txt", "x")
    with pytest.raises(InputError, match="is a directory"):
        write_atomic(tmp_path, "x")


def test_failure_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_replace(src: str, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("cactl.fileio.os.replace", broken_replace)
    with pytest.raises(InputError, match="No space left on device"):
        write_atomic(tmp_path / "out.txt", "x")
    assert list(tmp_path.iterdir()) == []


def test_new_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    import os

    umask = os.umask(0o022)
    try:
        write_atomic(tmp_path / "out.txt", "x")
    finally:
        os.umask(umask)
    assert (tmp_path / "out.txt").stat().st_mode & 0o777 == 0o644


def test_folder_that_is_a_file_and_names_the_system_refuses(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("keep")
    with pytest.raises(InputError) as caught:
        write_atomic(tmp_path / "f" / "out.txt", "x")
    assert caught.value.render() == f"{tmp_path / 'f'}: output folder is not a folder"
    with pytest.raises(InputError, match="cannot write output file: File name too long"):
        write_atomic(tmp_path / ("x" * 300), "x")
    with pytest.raises(InputError, match="cannot write output file: embedded null byte"):
        write_atomic(tmp_path / "a\0b", "x")
    assert [p.name for p in tmp_path.iterdir()] == ["f"]
