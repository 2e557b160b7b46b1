"""Standard streams that fail: closed (``>&-``, ``2>&-``), full (``>/dev/full``), or a reader
that went away (``| head``).

One rule for every command:

- stdout carries the report. A report that cannot be written is an exit 2 with a short
  message on stderr (none for a reader that went away), so exit 0 or 1 never hides a lost
  report; a closed stdout that the command has nothing to write to leaves the exit code alone.
- stderr carries messages for a person (notes, verdicts, progress, warnings, the error
  message of an exit 2). A message that cannot be written is dropped: a closed or full stderr
  never changes the exit code, whatever the command would have said there, and never stops a
  command half-way. The exit code still says how the run ended.
- When another output has stdout (``trial --plot -``) the report goes to stderr
  (:func:`report_stream`), and a report lost there is an exit 2 as on stdout.

:func:`guard` runs first: a closed standard descriptor is held open on ``/dev/null`` (so no
file the command opens takes its number and receives its output); a closed stdout's Python
stream refuses writes; stderr becomes a :class:`Messages` stream that drops what it cannot
write. :func:`finish` flushes what is left and gives the exit code.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import os
import sys
from typing import Any, TextIO, cast

_failures: list[OSError] = []


class StreamClosed(OSError):
    """A write to a standard stream whose descriptor was closed (or to the report's stream,
    ``report``, that failed)."""

    def __init__(self, stream: str, name: str, code: int = errno.EBADF, reason: str = "") -> None:
        super().__init__(code, reason or f"{name} is closed")
        self.stream = stream


class ClosedStream(io.TextIOBase):
    """Stands in for a standard stream whose descriptor was closed: every write fails."""

    def __init__(self, stream: str, name: str) -> None:
        super().__init__()
        self.stream = stream
        self.label = name

    def write(self, text: str) -> int:
        raise StreamClosed(self.stream, self.label)

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True


class _Sink(io.TextIOBase):
    """A stream that takes everything and keeps nothing (a stream after it failed)."""

    def write(self, text: str) -> int:
        return len(text)

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True


class _OnStderr(io.TextIOBase):
    """A stream that writes to ``target``, the real stderr (None: it is closed)."""

    def __init__(self, target: TextIO | None) -> None:
        super().__init__()
        self.target = target

    def isatty(self) -> bool:
        try:
            return self.target is not None and self.target.isatty()
        except (OSError, ValueError):
            return False

    def fileno(self) -> int:
        if self.target is None:
            raise io.UnsupportedOperation("standard error is closed")
        return self.target.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.target, "encoding", None) or "utf-8"


class Messages(_OnStderr):
    """stderr for messages: writes go to ``target`` (None: stderr is closed) until one fails;
    from then on, and for a closed stderr, messages are dropped and the run goes on."""

    def write(self, text: str) -> int:
        if self.target is not None:
            try:
                self.target.write(text)
            except (OSError, ValueError):
                self.lost()
        return len(text)

    def flush(self) -> None:
        if self.target is not None:
            try:
                self.target.flush()
            except (OSError, ValueError):
                self.lost()

    def lost(self) -> None:
        """The target failed: drop every message from now on."""
        self.target = None
        _hold_on_devnull(2)  # what the failed stream still buffers is flushed there

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.target, "errors", None)

    def __getattr__(self, name: str) -> Any:  # buffer, reconfigure, ... of the real stream
        if name == "target":
            raise AttributeError(name)
        return getattr(self.target, name)


class _Report(_OnStderr):
    """The report written on stderr (another output has stdout): a write that fails there is
    a lost report, raised as :class:`StreamClosed` of the ``report`` stream."""

    def write(self, text: str) -> int:
        try:
            if self.target is None:
                raise OSError(errno.EBADF, "standard error is closed")
            self.target.write(text)
            self.target.flush()
        except (OSError, ValueError) as exc:
            code = getattr(exc, "errno", None) or errno.EBADF
            reason = getattr(exc, "strerror", None) or str(exc)
            raise StreamClosed("report", "standard error", code, reason) from None
        return len(text)


def report_on_stderr() -> TextIO:
    """A stream for the report on stderr: unlike messages, a report lost there is an exit 2."""
    target: Any = sys.stderr
    if isinstance(target, Messages):
        target = target.target
    elif isinstance(target, (ClosedStream, _Sink)):
        target = None
    return cast(TextIO, _Report(target))


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _escape(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: a character the stream cannot encode becomes ``\\uXXXX`` (UTF-16
    units, so JSON reads it back as the same character); ASCII-only output stays readable."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    units = error.object[error.start : error.end].encode("utf-16-be", "surrogatepass")
    escaped = "".join(
        f"\\u{int.from_bytes(units[k : k + 2], 'big'):04x}" for k in range(0, len(units), 2)
    )
    return escaped, error.end


codecs.register_error("cactl-escape", _escape)


def _degrade(stream: object) -> None:
    """Characters the stream's encoding lacks (an ASCII-only locale, a lone surrogate from a
    file name) are escaped instead of failing the command."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        with contextlib.suppress(ValueError, OSError):
            reconfigure(errors="cactl-escape")


def _buffered(stream: Any) -> Any:
    """``stream``, or where it writes straight to its file (``python -u``,
    ``PYTHONUNBUFFERED``) the same stream over a buffer flushed at each line: a raw file takes
    part of a write and drops the rest without an error (a file size limit, a full pipe
    after a signal), where a buffer writes the rest and raises what stops it (EFBIG, ENOSPC),
    so a lost report is a message and exit 2, not silently cut."""
    raw = getattr(stream, "buffer", None)
    if not isinstance(raw, io.RawIOBase):
        return stream
    return io.TextIOWrapper(
        io.BufferedWriter(raw),
        encoding=stream.encoding,
        errors=stream.errors,
        line_buffering=True,
    )


def _hold_on_devnull(fd: int) -> None:
    """Point descriptor ``fd`` at /dev/null (its stream failed, or it was closed)."""
    with contextlib.suppress(OSError):
        held = os.open(os.devnull, os.O_RDWR)
        if held != fd:
            os.dup2(held, fd)
            os.close(held)


def guard() -> None:
    """Hold closed standard descriptors on /dev/null (a closed stdout's stream refuses writes,
    a closed stderr's drops them); let the open ones escape what their encoding cannot write;
    make stderr a :class:`Messages` stream."""
    _failures.clear()
    sys.stdout = _buffered(sys.stdout)
    _degrade(sys.stdout)
    _degrade(sys.stderr)
    streams = {0: sys.stdin, 1: sys.stdout, 2: sys.stderr}
    closed = set()
    for fd in (0, 1, 2):
        # Python sets the stream to None when the descriptor was closed at start; a file
        # opened since (an import) may hold the number now: it is left alone.
        if streams[fd] is not None and _is_open(fd):
            continue
        closed.add(fd)
        if not _is_open(fd):
            _hold_on_devnull(fd)
    if 1 in closed:
        sys.stdout = ClosedStream("stdout", "standard output")
    if 0 in closed:
        sys.stdin = None  # what Python itself sets for a closed descriptor
    sys.stderr = Messages(None if 2 in closed else sys.stderr)


def _silence_stdout() -> None:
    original = sys.__stdout__
    try:
        if original is not None:
            _hold_on_devnull(original.fileno())
    except (OSError, ValueError):
        pass
    sys.stdout = _Sink()


def _drop_messages() -> None:
    if isinstance(sys.stderr, Messages):
        sys.stderr.lost()
    else:
        sys.stderr = _Sink()


def say(message: str) -> None:
    """One line on stderr, if stderr can take it (if not, it is dropped)."""
    try:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        _drop_messages()


def failed(exc: OSError) -> None:
    """An output stream failed. The report (on stdout, or on stderr when another output has
    stdout): say so (not for a reader that went away; not where stderr is what failed), silence
    it, and make the exit code 2. stderr: drop the messages; the exit code stays."""
    stream = getattr(exc, "stream", "stdout")
    if stream == "stderr":
        _drop_messages()
        return
    _failures.append(exc)
    if stream == "report":
        _drop_messages()
        return
    _silence_stdout()
    if exc.errno != errno.EPIPE:
        say(f"cactl: cannot write output: {exc.strerror or exc}")


def finish(code: int) -> int:
    """Flush stdout and stderr; the exit code, 2 if the report was lost on the way."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except (OSError, ValueError) as exc:
        failed(exc if isinstance(exc, OSError) else OSError(errno.EBADF, str(exc)))
    try:
        if sys.stderr is not None:
            sys.stderr.flush()
    except (OSError, ValueError):
        _drop_messages()
    if _failures and code in (0, 1):
        return 2
    return code
