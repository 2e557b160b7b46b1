"""Shared test set-up: an isolated, predictable environment for every test."""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """No colour, a fixed width, no debug mode, a scratch working folder, and a cache of parsed
    data (cactl.cache) shared by the session's tests but not with the user's own."""
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("CACTL_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cactl-cache"))
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("CACTL_DEBUG", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    yield


# -- torch: the light install (pip install cactl, no extras) runs the torch-free tests ----------

#: Whether torch is installed. Without it (``pip install cactl``, as an audit-only CI job has
#: it) the tests that need it are skipped, each with the reason; .ci/run runs the suite so in an
#: environment without torch (``./dev light-test``).
HAS_TORCH = importlib.util.find_spec("torch") is not None
NEEDS_TORCH = "needs torch: pip install 'cactl[torch]'"


class _Module(pytest.Module):
    """A test module that imports torch (or numpy) is skipped where torch is missing, not an
    error."""

    def _getobj(self) -> Any:
        try:
            return super()._getobj()
        except self.CollectError as error:
            cause = error.__cause__
            # numpy arrives with torch here (the uids verl hands over are numpy arrays).
            if isinstance(cause, ModuleNotFoundError) and cause.name in {"torch", "numpy"}:
                raise pytest.skip.Exception(NEEDS_TORCH, allow_module_level=True) from None
            raise


def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> Any:
    return None if HAS_TORCH else _Module.from_parent(parent, path=module_path)


#: What in a test's code or parameters says it runs torch: the trial command, recommend's
#: --run (which runs a trial), --plot (a trial's picture), torch itself.
_TORCH_SIGNS = ('"trial', "'trial", '"--run"', "'--run'", "--plot", "import torch", "torch.")


def _runs_torch(item: pytest.Item) -> bool:
    if item.get_closest_marker("torch") is not None:
        return True
    function = getattr(item, "function", None)
    try:
        source = inspect.getsource(function) if function is not None else ""
    except (OSError, TypeError):
        source = ""
    callspec = getattr(item, "callspec", None)
    params = repr(callspec.params) if callspec is not None else ""
    return any(sign in source or sign in params for sign in _TORCH_SIGNS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Where torch is missing, the tests that run it skip: those marked ``torch`` and those
    whose code or parameters run a torch command (the rest run, and must pass)."""
    if HAS_TORCH:
        return
    skip = pytest.mark.skip(reason=NEEDS_TORCH)
    for item in items:
        if _runs_torch(item):
            item.add_marker(skip)
