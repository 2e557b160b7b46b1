"""Writing output files whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from cactl.errors import InputError


def write_atomic(path: Path | str, content: str | bytes) -> None:
    """Write ``content`` to ``path`` through a temporary file in the same folder and a rename,
    so a reader never sees half a file and a failure leaves no file behind."""
    target = Path(path)
    folder = target.parent
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        if not folder.is_dir():
            problem = "is not a folder" if folder.exists() else "does not exist"
            raise InputError(f"output folder {problem}", file=str(folder) or ".")
        if target.is_dir():
            raise InputError("output path is a directory, expected a file", file=str(target))
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:  # a name too long, a folder not writable, ...
        raise InputError(f"cannot write output file: {exc.strerror}", file=str(target)) from None
    except ValueError as exc:  # a NUL character in the name
        raise InputError(f"cannot write output file: {exc}", file=repr(str(target))) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        # mkstemp makes the file private (0600); give it the usual mode of a new file.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp_name, 0o666 & ~umask)
        os.replace(temp_name, target)
    except OSError as exc:
        Path(temp_name).unlink(missing_ok=True)
        raise InputError(f"cannot write output file: {exc.strerror}", file=str(target)) from None
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
