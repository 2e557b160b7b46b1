"""Inputs are regular files (or stdin) within limits; output files are written whole or not
at all."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest

from cactl import fileio
from cactl.errors import InputError
from cactl.fileio import read_input, source_name, write_atomic


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


def _read_error(path: object) -> InputError:
    with pytest.raises(InputError) as caught:
        read_input(str(path), what="paper file")
    return caught.value


def test_an_input_must_be_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # nobody writes to it: reading it would block for ever
    error = _read_error(fifo)
    assert (error.code, error.message) == (
        "not-a-file",
        "paper file is a FIFO, expected a regular file",
    )
    assert error.hint == "pass - to read standard input"
    assert _read_error("/dev/zero").message == "paper file is a device, expected a regular file"
    assert _read_error(tmp_path).code == "not-a-file"
    assert _read_error(tmp_path / "none.yaml").code == "not-found"
    assert (_read_error("").code, _read_error("").message) == ("empty-path", "empty path")


def test_a_symlink_to_a_regular_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "real.yaml").write_text("a: 1\n", encoding="utf-8")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "real.yaml")
    assert read_input(tmp_path / "link.yaml") == "a: 1\n"


def test_size_and_line_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fileio, "MAX_INPUT_BYTES", 100)
    monkeypatch.setattr(fileio, "MAX_LINE_CHARS", 20)
    path = tmp_path / "p.yaml"
    path.write_text("a: 1\n" * 21, encoding="utf-8")  # 105 bytes
    error = _read_error(path)
    assert (error.code, error.expected, error.found) == (
        "too-large",
        "at most 100 bytes",
        "105 bytes",
    )
    path.write_text("a: 1\nb: " + "x" * 30 + "\n", encoding="utf-8")
    error = _read_error(path)
    assert (error.code, error.line, error.found) == ("too-large", 2, "33 characters")
    path.write_text("a: " + "x" * 17 + "\n", encoding="utf-8")  # 20 characters: at the limit
    assert read_input(path).startswith("a: x")


def test_a_byte_that_is_not_utf8_is_located(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes("a: 1\nbé: \xff\n".encode("latin-1").replace(b"\xe9", "é".encode()))
    error = _read_error(path)
    assert (error.code, error.line, error.column) == ("bad-text", 2, 5)  # b, é, :, space, then it


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"a: 1\n")))
    assert read_input("-") == "a: 1\n"
    assert source_name("-") == "<stdin>"
    monkeypatch.setattr(sys, "stdin", None)
    error = _read_error("-")
    assert (error.file, error.code) == ("<stdin>", "unreadable")
