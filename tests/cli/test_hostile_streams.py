"""Standard streams that fail (closed, full) and locales that cannot encode: a short message
and a nonzero exit that is never 1 (findings), no traceback; an ASCII-only locale degrades to
ASCII; an unusable width falls back to a sane one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.audit.helpers import EXAMPLES
from tests.conftest import HAS_TORCH
from tests.helpers import run

GIGPO = str(EXAMPLES / "gigpo.yaml")
TREE_FILE = (
    Path(__file__).resolve().parents[2] / "cactl/data/decision_tree/ca-method-selection.yaml"
)
needs_dev_full = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")


def _shell(command: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m cactl ...`` through a shell, for its redirections (``>&-``, ``>/dev/full``)."""
    cactl = f"{sys.executable} -m cactl"
    return subprocess.run(
        ["bash", "-c", command.replace("cactl", cactl, 1)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1", **env},
        check=False,
    )


def test_closed_stdout() -> None:
    done = _shell("cactl --version >&-")
    assert (done.returncode, done.stderr) == (
        2,
        "cactl: cannot write output: standard output is closed\n",
    )


@needs_dev_full
def test_full_disk() -> None:
    done = _shell("cactl --version >/dev/full")
    assert (done.returncode, done.stderr) == (
        2,
        "cactl: cannot write output: No space left on device\n",
    )


@needs_dev_full
def test_an_exit_2_stays_2_on_a_full_disk() -> None:
    done = _shell("cactl audit missing.yaml --format json >/dev/full")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr


def test_a_closed_stderr_keeps_the_exit_code() -> None:
    # the audit finds unmet items (exit 1); its verdict for stderr is dropped, the code stays
    done = _shell(f"cactl audit {GIGPO} --format json 2>&-")
    assert done.returncode == 1
    assert json.loads(done.stdout)["file"] == GIGPO  # the report itself was written


def test_a_closed_stdout_never_receives_an_output_file(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    done = _shell(f"cactl audit {GIGPO} --format json -o {out} >&-")
    assert done.returncode == 1, done.stderr  # the report went to its file; nothing to stdout
    assert json.loads(out.read_text(encoding="utf-8"))["file"] == GIGPO


def test_an_ascii_only_locale_degrades_to_ascii() -> None:
    ascii_env = {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""}
    table = _shell("cactl methods show gigpo", **ascii_env)
    assert table.returncode == 0, table.stderr
    assert table.stdout.isascii() and "GiGPO" in table.stdout
    document = _shell("cactl methods list --format json", **ascii_env)
    assert document.returncode == 0, document.stderr
    assert document.stdout.isascii()
    utf8 = _shell("cactl methods list --format json", LC_ALL="C.UTF-8")
    assert json.loads(document.stdout) == json.loads(utf8.stdout)  # the same document


@pytest.mark.parametrize("columns", ["0", "3", "-5", "wide"])
def test_an_unusable_width_falls_back(columns: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    result = run("methods", "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) > 47 and max(len(line) for line in lines) == 100


#: One run of every command: its arguments (``{tmp}`` a scratch folder, ``{n}`` a fresh name per
#: run), its exit code, and whether it writes its report to stdout. Exit codes by hand: the
#: compliant paper meets every item (0), gigpo's misses some (1), a missing file is exit 2.
STREAM_CASES: dict[str, tuple[str, int, bool]] = {
    "version": ("--version", 0, True),
    "methods list": ("methods list", 0, True),
    "methods show": ("methods show gigpo", 0, True),
    "methods grid": ("methods grid", 0, True),
    "audit": (f"audit {EXAMPLES / 'compliant.yaml'}", 0, True),
    "audit findings": (f"audit {GIGPO} --format json", 1, True),
    "audit to a file": (f"audit {GIGPO} -o {{tmp}}/{{n}}.txt", 1, False),
    "audit bad input": ("audit {tmp}/missing.yaml --format json", 2, True),
    "init": ("init {tmp}/{n}.yaml", 0, False),
    "schema": ("schema paper", 0, True),
    "recommend": ("recommend -a agents=multi -a team_size=few", 0, True),
    "tree show": ("tree show", 0, True),
    "tree check": (f"tree check {TREE_FILE}", 0, True),
    "estimators list": ("estimators list", 0, True),
    # Without torch (`pip install cactl`) trial is exit 2 with the install hint, streams or not.
    "trial": ("trial -t fork -p groups=1 -e grpo", 0 if HAS_TORCH else 2, True),
    "tasks list": ("tasks list", 0, True),
    "tasks sample": ("tasks sample fork -p groups=1", 0, True),
}


def test_every_command_has_a_stream_case() -> None:
    from cactl.cli.app import COMMANDS, load_command

    covered = {name.split(" ")[0] for name in STREAM_CASES} | set(STREAM_CASES)
    for name in COMMANDS:
        command = load_command(name)
        for sub in getattr(command, "commands", None) or {"": command}:
            assert f"{name} {sub}".strip() in covered, (name, sub)


def test_closed_streams_for_every_command(tmp_path: Path) -> None:
    """``2>&-`` never changes the exit code (messages are dropped); ``>&-`` is exit 2 with one
    short line where the report is lost, and no change where stdout has nothing to take."""
    lines = []
    for index, (args, _, _) in enumerate(STREAM_CASES.values()):
        for closed, redirect in (
            ("stderr", f"2>&- >{{tmp}}/o{index}"),
            ("stdout", f">&- 2>{{tmp}}/e{index}"),
        ):
            command = f"{sys.executable} -m cactl {args} {redirect}"
            command = command.replace("{n}", f"{closed}{index}").replace("{tmp}", str(tmp_path))
            lines.append(f'{command}; echo "{closed} {index} $?"')
    done = subprocess.run(
        ["bash", "-c", "\n".join(lines)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )
    codes = {tuple(line.split()[:2]): int(line.split()[2]) for line in done.stdout.splitlines()}
    for index, (name, (_, code, writes_stdout)) in enumerate(STREAM_CASES.items()):
        assert codes[("stderr", str(index))] == code, name
        lost = writes_stdout and code != 2
        assert codes[("stdout", str(index))] == (2 if lost else code), name
        said = (tmp_path / f"e{index}").read_text(encoding="utf-8")
        if lost:
            assert said.endswith("cactl: cannot write output: standard output is closed\n"), name
        assert "Traceback" not in said and "internal error" not in said, name


def test_a_report_moved_to_a_closed_stderr_is_lost_output(tmp_path: Path) -> None:
    # --record - takes stdout, so the recommendation goes to stderr, which is closed
    record = tmp_path / "record.yaml"
    done = _shell(f"cactl recommend -a agents=multi -a team_size=few --record - 2>&- >{record}")
    assert done.returncode == 2
    assert record.read_text(encoding="utf-8").startswith("# cactl recommend answers")
    # with stderr open, the same run is exit 0 and the panel is on stderr
    again = _shell("cactl recommend -a agents=multi -a team_size=few --record -")
    assert again.returncode == 0 and "team_size" in again.stdout and "why" in again.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_FSIZE and SIGXFSZ as on Linux")
@pytest.mark.parametrize("unbuffered", ["", "1"])
def test_a_report_cut_by_a_file_size_limit_is_a_message_and_exit_2(
    tmp_path: Path, unbuffered: str
) -> None:
    """``prlimit --fsize=100 cactl methods list > f``: the report cannot be written whole.
    With PYTHONUNBUFFERED a raw stdout takes 100 bytes and drops the rest without an error;
    the report must still be said lost."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (100, 100))

    out = tmp_path / "out.txt"
    env = {**os.environ, "PYTHONUNBUFFERED": unbuffered, "NO_COLOR": "1"}
    with open(out, "wb") as handle:
        done = subprocess.run(
            [sys.executable, "-m", "cactl", "methods", "list"],
            stdout=handle,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            preexec_fn=limit,
            check=False,
            timeout=60,
        )
    assert done.returncode == 2
    assert done.stderr == "cactl: cannot write output: File too large\n"
