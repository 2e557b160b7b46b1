"""Reading inputs within limits, and writing output files whole or not at all.

Inputs are regular files, or ``-`` for standard input (named ``<stdin>`` in messages). A
file larger than :data:`MAX_INPUT_BYTES` or with a line longer than :data:`MAX_LINE_CHARS`
is refused before it is parsed (exit 2, code ``too-large``); the limits are module constants
(tests lower them).
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cactl.errors import InputError

#: The path that means standard input (for an input) or standard output (for an output).
STDIO = "-"
#: How messages name standard input.
STDIN_NAME = "<stdin>"
#: Bytes a YAML input (paper, checklist, tree, answers) may have: 16 MiB.
MAX_INPUT_BYTES = 16 * 1024 * 1024
#: Characters a line of a YAML input may have.
MAX_LINE_CHARS = 100_000


def source_name(path: Path | str) -> str:
    """How messages name an input: the path as given, ``<stdin>`` for ``-``."""
    return STDIN_NAME if str(path) == STDIO else str(path)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _empty_path(field: str | None, stream: str = "input") -> InputError:
    return InputError(
        "empty path",
        field=field,
        expected=f"the path of a file, or - for standard {stream}",
        found="''",
        code="empty-path",
    )


def check_input(path: str, *, field: str) -> None:
    """Refuse, before any work, an input path that names nothing: the empty path ``''``
    (``field`` is the option or argument that gave it). A command calls this for each input
    path it takes, as given (a :class:`~pathlib.Path` turns ``''`` into ``.``, a folder);
    :func:`open_input` refuses ``''`` too, without the field."""
    if path == "":
        raise _empty_path(field)


def open_input(path: Path | str, *, what: str = "file") -> tuple[BinaryIO, bool]:
    """``(binary handle, whether the caller closes it)`` for a regular file, or for standard
    input when ``path`` is ``-``; an :class:`InputError` for anything else."""
    name = str(path)
    if name == STDIO:
        stdin = sys.stdin
        buffer = getattr(stdin, "buffer", None) if stdin is not None else None
        if buffer is None:
            raise InputError(
                f"standard input is closed; no {what} to read", file=STDIN_NAME, code="unreadable"
            )
        return buffer, False
    if not name:
        raise _empty_path(None)
    if not name.isprintable():  # an ESC or a lone surrogate would reach every report
        raise InputError(
            f"the {what}'s name holds a control character or an undecodable byte",
            file=name,
            hint="rename the file",
            code="bad-text",
        )
    try:
        mode = os.stat(name).st_mode
        if stat.S_ISREG(mode):
            handle = open(name, "rb")  # noqa: SIM115 (the caller closes it)
            mode = os.fstat(handle.fileno()).st_mode  # the file opened, not the one stat saw
            if stat.S_ISREG(mode):
                _remember(handle)
                return handle, True
            handle.close()
    except FileNotFoundError:
        raise InputError(f"{what} not found", file=name, code="not-found") from None
    except OSError as exc:
        raise InputError(
            f"cannot read {what}: {exc.strerror}", file=name, code="unreadable"
        ) from None
    except ValueError as exc:  # a NUL character in the name
        raise InputError(f"cannot read {what}: {exc}", file=repr(name), code="unreadable") from None
    raise InputError(
        f"{what} is {_kind(mode)}, expected a regular file",
        file=name,
        hint="pass - to read standard input" if not stat.S_ISDIR(mode) else None,
        code="not-a-file",
    )


def _too_large(name: str, what: str, limit: int, found: str) -> InputError:
    return InputError(
        f"{what} is too large",
        file=name,
        expected=f"at most {limit} bytes",
        found=found,
        code="too-large",
    )


def read_input(path: Path | str, *, what: str = "file") -> str:
    """The UTF-8 text of an input (see :func:`open_input`), within :data:`MAX_INPUT_BYTES`
    and :data:`MAX_LINE_CHARS`; an :class:`InputError` (located where it can be) if not."""
    name = source_name(path)
    limit = MAX_INPUT_BYTES
    handle, owned = open_input(path, what=what)
    try:
        if owned:
            size = os.fstat(handle.fileno()).st_size
            if size > limit:
                raise _too_large(name, what, limit, f"{size} bytes")
        data = handle.read(limit + 1)
    except OSError as exc:
        raise InputError(
            f"cannot read {what}: {exc.strerror}", file=name, code="unreadable"
        ) from None
    finally:
        if owned:
            handle.close()
    if len(data) > limit:
        raise _too_large(name, what, limit, f"more than {limit} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[start : exc.start].decode("utf-8", "replace")) + 1
        raise InputError(
            f"{what} is not UTF-8 text (byte {exc.start})",
            file=name,
            line=line,
            column=column,
            code="bad-text",
        ) from None
    _check_lines(text, name, what)
    return text


def _check_lines(text: str, name: str, what: str) -> None:
    if len(text) <= MAX_LINE_CHARS:
        return
    start = 0
    number = 1
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        if end - start > MAX_LINE_CHARS:
            raise InputError(
                "line is too long",
                file=name,
                line=number,
                expected=f"at most {MAX_LINE_CHARS} characters",
                found=f"{end - start} characters",
                code="too-large",
            )
        start = end + 1
        number += 1


class _Inputs:
    """The regular files a command has read (device and inode), while :func:`tracking_inputs`
    is on (the CLI turns it on per command): an output onto one of them is refused."""

    files: set[tuple[int, int]] | None = None


@contextlib.contextmanager
def tracking_inputs() -> Iterator[None]:
    """Within this block, the inputs read are remembered and no output may replace one."""
    previous = _Inputs.files
    _Inputs.files = set()
    try:
        yield
    finally:
        _Inputs.files = previous


def _remember(handle: BinaryIO) -> None:
    if _Inputs.files is not None:
        info = os.fstat(handle.fileno())
        _Inputs.files.add((info.st_dev, info.st_ino))


def _name_max(folder: Path) -> int:
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return 255


def _temp_prefix(name: str, folder: Path) -> str:
    """``.NAME.`` for the temporary file, NAME shortened so that the temporary name (prefix, 8
    random characters, ``.tmp``) fits the file system's name limit whenever NAME does."""
    room = _name_max(folder) - len(".") - len(".") - 8 - len(".tmp")
    encoded = name.encode("utf-8", "surrogateescape")
    if len(encoded) > room:
        encoded = encoded[: max(room, 1)]
        name = encoded.decode("utf-8", "ignore") or "out"
    return f".{name}."


def check_output(path: Path | str) -> None:
    """Refuse, before any work, an output path that cannot be written: a missing folder, a
    folder as the file, a name with a NUL (``-``, standard output, always passes)."""
    if str(path) == STDIO:
        return
    _target(path)


def _target(path: Path | str) -> tuple[Path, os.stat_result | None]:
    """The file to write (a symlink's target; the link itself is kept) and its state now."""
    name = str(path)
    if not name:
        raise _empty_path(None, stream="output")
    try:
        target = Path(os.path.realpath(name))
        folder = target.parent
        if not folder.is_dir():
            shown = Path(name).parent
            problem = "is not a folder" if shown.exists() else "does not exist"
            raise InputError(f"output folder {problem}", file=str(shown) or ".", code="unwritable")
        if target.is_dir():
            raise InputError(
                "output path is a directory, expected a file", file=name, code="not-a-file"
            )
        info = target.stat() if target.exists() else None
    except OSError as exc:  # a name too long, a folder not readable, ...
        raise InputError(
            f"cannot write output file: {exc.strerror}", file=name, code="unwritable"
        ) from None
    except ValueError as exc:  # a NUL character in the name
        raise InputError(
            f"cannot write output file: {exc}", file=repr(name), code="unwritable"
        ) from None
    return target, info


def write_atomic(path: Path | str, content: str | bytes) -> None:
    """Write ``content`` to ``path`` whole or not at all: through a temporary file in the
    same folder and a rename, so a reader never sees half a file and a failure (or SIGTERM,
    which the CLI turns into an exit) leaves no file behind.

    ``-`` is standard output. An existing file keeps its permission bits; a file with other
    hard links, a FIFO or a device is written through (never replaced by a new file); a
    symlink stays a link and its target is written. An output that is one of the command's
    inputs is refused (see :func:`tracking_inputs`)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    if str(path) == STDIO:
        _to_stdout(data, content)
        return
    target, info = _target(path)
    inputs = _Inputs.files
    if info is not None and inputs is not None and (info.st_dev, info.st_ino) in inputs:
        raise InputError(
            "output is one of the command's inputs; not replacing it",
            file=str(path),
            hint="write the output to another file",
            code="output-is-input",
        )
    if info is not None and (not stat.S_ISREG(info.st_mode) or info.st_nlink > 1):
        if stat.S_ISSOCK(info.st_mode):
            raise InputError(
                "output path is a socket, expected a file", file=str(path), code="not-a-file"
            )
        _write_through(target, data, str(path))
        return
    folder = target.parent
    try:
        fd, temp_name = tempfile.mkstemp(
            prefix=_temp_prefix(target.name, folder), suffix=".tmp", dir=folder
        )
    except OSError as exc:  # a folder not writable, ...
        raise InputError(
            f"cannot write output file: {exc.strerror}", file=str(path), code="unwritable"
        ) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if info is not None:
            mode = stat.S_IMODE(info.st_mode)  # an existing file keeps its permissions
        else:
            umask = os.umask(0)  # mkstemp makes the file private (0600): the usual mode
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temp_name, mode)
        os.replace(temp_name, target)
    except OSError as exc:
        Path(temp_name).unlink(missing_ok=True)
        raise InputError(
            f"cannot write output file: {exc.strerror}", file=str(path), code="unwritable"
        ) from None
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def _write_through(target: Path, data: bytes, shown: str) -> None:
    """Write into the existing file itself (its inode, links and mode stay)."""
    try:
        with open(target, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise InputError(
            f"cannot write output file: {exc.strerror}", file=shown, code="unwritable"
        ) from None


def _to_stdout(data: bytes, content: str | bytes) -> None:
    buffer = getattr(sys.stdout, "buffer", None)
    if isinstance(content, str) or buffer is None:
        sys.stdout.write(content if isinstance(content, str) else data.decode("latin-1"))
        sys.stdout.flush()
    else:
        sys.stdout.flush()
        buffer.write(data)
        buffer.flush()
