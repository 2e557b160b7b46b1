"""The cache of parsed built-in data: reused while its inputs stay, rebuilt when one changes."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from cactl import cache


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cache"
    monkeypatch.setenv("CACTL_CACHE_DIR", str(path))
    return path


class Builder:
    """A build function that counts its calls."""

    def __init__(self, value: object) -> None:
        self.value = value
        self.calls = 0

    def __call__(self) -> object:
        self.calls += 1
        return self.value


def _module(tmp_path: Path, source: str) -> ModuleType:
    path = tmp_path / "model_source.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("model_source", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_built_once_then_read_back(folder: Path) -> None:
    build = Builder({"a": [1, 2]})
    assert cache.cached("probe", "text", [cache], build) == {"a": [1, 2]}
    assert cache.cached("probe", "text", [cache], build) == {"a": [1, 2]}
    assert build.calls == 1
    (entry,) = folder.glob("probe-*.pickle")
    assert entry.stat().st_mode & 0o077 == 0  # the user's own, like the folder


def test_new_text_rebuilds_and_replaces_the_old_entry(folder: Path) -> None:
    first, second = Builder(1), Builder(2)
    assert cache.cached("probe", "one", [cache], first) == 1
    assert cache.cached("probe", "two", [cache], second) == 2
    assert (first.calls, second.calls) == (1, 1)
    assert len(list(folder.glob("probe-*.pickle"))) == 1


def test_another_yaml_parser_rebuilds(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    build = Builder(1)
    cache.cached("probe", "text", [cache], build)
    monkeypatch.setattr(yaml, "__with_libyaml__", not yaml.__with_libyaml__)
    cache.cached("probe", "text", [cache], build)
    monkeypatch.setattr(yaml, "__version__", "0.0")
    cache.cached("probe", "text", [cache], build)
    assert build.calls == 3


def test_changed_model_code_rebuilds(folder: Path, tmp_path: Path) -> None:
    module = _module(tmp_path, "FIELDS = ('a',)\n")
    old = cache.cache_key("probe", "text", [module])
    module = _module(tmp_path, "FIELDS = ('a', 'b')\n")
    assert cache.cache_key("probe", "text", [module]) != old
    build = Builder(3)
    cache.cached("probe", "text", [module], build)
    module = _module(tmp_path, "FIELDS = ('a', 'b', 'c')\n")
    cache.cached("probe", "text", [module], build)
    assert build.calls == 2


def test_a_damaged_entry_is_rebuilt(folder: Path) -> None:
    build = Builder([1])
    cache.cached("probe", "text", [cache], build)
    (entry,) = folder.glob("probe-*.pickle")
    entry.write_bytes(b"not a pickle")
    assert cache.cached("probe", "text", [cache], build) == [1]
    assert build.calls == 2


def test_an_entry_others_can_write_is_not_unpickled(folder: Path) -> None:
    """A pickle runs code as it loads: an entry that another user could have written (group-
    or world-writable) is rebuilt over, never loaded."""
    build = Builder([1])
    cache.cached("probe", "text", [cache], build)
    (entry,) = folder.glob("probe-*.pickle")
    entry.chmod(0o666)
    assert cache.cached("probe", "text", [cache], Builder([2])) == [2]
    (entry,) = folder.glob("probe-*.pickle")
    assert entry.stat().st_mode & 0o077 == 0  # rebuilt as the user's own
    assert cache.cached("probe", "text", [cache], Builder([3])) == [2]


def test_off_and_unwritable_mean_build_every_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CACTL_CACHE_DIR", "off")
    build = Builder(4)
    cache.cached("probe", "text", [cache], build)
    cache.cached("probe", "text", [cache], build)
    assert build.calls == 2
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("CACTL_CACHE_DIR", str(blocker / "cache"))  # a folder under a file
    cache.cached("probe", "text", [cache], build)
    assert build.calls == 3


def test_errors_are_raised_and_not_stored(folder: Path) -> None:
    def fail() -> object:
        raise ValueError("bad data")

    with pytest.raises(ValueError, match="bad data"):
        cache.cached("probe", "text", [cache], fail)
    assert not folder.exists() or not list(folder.glob("probe-*.pickle"))


def test_default_folder_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CACTL_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "cactl"


def test_the_inventory_is_validated_once_and_read_back(folder: Path) -> None:
    import pickle

    from cactl import inventory
    from cactl.resources import read_builtin

    inventory.load_inventory.cache_clear()
    try:
        cold = inventory.load_inventory()
        (entry,) = folder.glob("inventory-*.pickle")
        stamp = entry.stat().st_mtime_ns
        inventory.load_inventory.cache_clear()
        warm = inventory.load_inventory()
    finally:
        inventory.load_inventory.cache_clear()
    assert entry.stat().st_mtime_ns == stamp  # read back, not written again
    fresh = inventory.parse_inventory(read_builtin("inventory", "methods"), "methods.yaml")
    assert warm == cold == fresh and warm is not cold
    # the generic Sourced[...] fields come back as the same parametrized classes
    assert [type(m.code) for m in warm.methods] == [type(m.code) for m in fresh.methods]
    assert pickle.loads(pickle.dumps(fresh.methods[0].venue)) == fresh.methods[0].venue


def test_a_cached_result_depends_on_named_modules_without_importing_them(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    source = tmp_path / "unimported_probe.py"
    source.write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    build = Builder({"x": 1})
    assert cache.cached("probe", "text", ["unimported_probe"], build) == {"x": 1}
    assert cache.cached("probe", "text", ["unimported_probe"], build) == {"x": 1}
    assert build.calls == 1 and "unimported_probe" not in sys.modules
    source.write_text("VALUE = 2\n")
    cache.cached("probe", "text", ["unimported_probe"], build)
    assert build.calls == 2
