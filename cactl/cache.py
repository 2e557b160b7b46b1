"""A cache of validated built-in data, so a command does not parse the same YAML on every start.

:func:`cached` returns ``build()``'s result, pickled under the user's cache folder and keyed by
what it is made from: the text that was parsed, the source code of the modules that parse and
validate it (and define the classes of the result), and the versions of cactl, pydantic,
PyYAML (with or without libyaml) and Python. Change any of them and the next call builds it
again, so an entry never holds an object of a class its code no longer defines. cactl caches
the built-in checklists (:func:`cactl.audit.checklist.load_checklist`), decision tree
(:func:`cactl.recommend.load.load_tree`), inventory (:func:`cactl.inventory.load_inventory`)
and the inventory's index (:func:`cactl.inventory_index.method_index`); a user's own files are
validated on every load.
The cache is an optimisation only: a folder that cannot be written, or an entry that cannot be
read, means ``build()`` runs, never an error. An entry is unpickled only when it is a regular
file of the current user that no one else can write; any other is rebuilt over.

Folder: ``$CACTL_CACHE_DIR``, else ``$XDG_CACHE_HOME/cactl``, else ``~/.cache/cactl``;
``CACTL_CACHE_DIR=off`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TypeVar

T = TypeVar("T")


def cache_dir() -> Path | None:
    """Where entries live; None when the cache is turned off."""
    configured = os.environ.get("CACTL_CACHE_DIR")
    if configured == "off":
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cactl"


def _source_file(module: ModuleType | str) -> str | None:
    """The source file of a module, or of a module named but not imported (its import may be
    the cost the cache saves)."""
    if isinstance(module, str):
        spec = importlib.util.find_spec(module)
        return spec.origin if spec is not None else None
    return getattr(module, "__file__", None)


def cache_key(name: str, text: str, modules: Sequence[ModuleType | str]) -> str:
    """The entry's name: what it is, and a digest of everything the result depends on."""
    import yaml
    from pydantic import VERSION as PYDANTIC_VERSION

    import cactl

    parser = f"PyYAML {yaml.__version__} libyaml {yaml.__with_libyaml__}"
    digest = hashlib.sha256()
    for part in (cactl.__version__, PYDANTIC_VERSION, parser, sys.version, text):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    for module in modules:
        source = _source_file(module)
        label = module if isinstance(module, str) else module.__name__
        digest.update(Path(source).read_bytes() if source else label.encode())
        digest.update(b"\0")
    return f"{name}-{digest.hexdigest()[:32]}.pickle"


def cached(name: str, text: str, modules: Sequence[ModuleType | str], build: Callable[[], T]) -> T:
    """``build()``, or its result from an earlier call with the same text and modules.

    ``build`` must be a pure function of ``text`` and of the code in ``modules`` (modules, or
    the names of modules, which are then not imported); what it raises is raised (and nothing
    is stored).
    """
    folder = cache_dir()
    if folder is None:
        return build()
    if "-" in name or "/" in name:
        raise ValueError(f"cache entry names are plain words: {name!r}")
    path = folder / cache_key(name, text, modules)
    try:
        with open(path, "rb") as handle:
            if _trusted(os.fstat(handle.fileno())):
                result: T = pickle.load(handle)
                return result
    except Exception:  # absent, truncated, or from classes that changed: build it anew
        pass
    result = build()
    _store(folder, path, result)
    return result


def _trusted(info: os.stat_result) -> bool:
    """Whether an entry may be unpickled: a regular file of this user that no one else can
    write (a pickle runs code as it loads; an entry in a shared or planted folder is rebuilt)."""
    import stat

    owner = getattr(os, "getuid", None)
    mine = owner is None or info.st_uid == owner()
    return stat.S_ISREG(info.st_mode) and mine and not info.st_mode & 0o022


def _store(folder: Path, path: Path, value: object) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        for stale in folder.glob(path.name.split("-", 1)[0] + "-*.pickle"):  # older versions
            stale.unlink(missing_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".pickle")
        try:
            with os.fdopen(handle, "wb") as out:
                pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except (OSError, pickle.PicklingError):
        pass  # a read-only or full disk: the next start parses again
