"""The README stays true: its library tour runs, and every command has a reference section."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from cactl.cli.app import COMMANDS

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.torch  # the tour runs an estimator
def test_library_tour_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocks = re.findall(r"```python\n(# Library tour.*?)```", README, flags=re.S)
    assert len(blocks) == 1
    monkeypatch.chdir(REPO)
    exec(compile(blocks[0], "README.md", "exec"), {})
    printed = capsys.readouterr().out.split()
    assert printed[0] == "2505.10978"  # GiGPO's arXiv id
    assert printed[1] == "False"  # GiGPO misses required items, as in the survey's Table 12


@pytest.mark.torch
def test_the_estimator_snippet_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"```python\n(# Estimators on a batch.*?)```", README, flags=re.S)
    assert len(blocks) == 1
    monkeypatch.chdir(REPO)
    scope: dict[str, object] = {}
    exec(compile(blocks[0], "README.md", "exec"), scope)
    credit = scope["credit"]
    batch = scope["batch"]
    assert credit.token.shape == (batch.num_tokens,)  # type: ignore[attr-defined]


def test_every_command_has_a_reference_section() -> None:
    assert len(COMMANDS) == 9
    for name in COMMANDS:
        assert f"### `cactl {name}`" in README, name


def test_quickstart_is_two_commands() -> None:
    quickstart = README.split("## Quickstart", 1)[1].split("##", 1)[0]
    (block,) = re.findall(r"```bash\n(.*?)```", quickstart, flags=re.S)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["./dev demo", "./dev test"]
    assert os.access(REPO / "dev", os.X_OK)
    assert "./dev test" in (REPO / ".ci" / "run").read_text()


def test_the_documented_limits_are_the_code_s() -> None:
    from cactl import fileio, yamlsrc
    from cactl.tasks import limits
    from cactl.trajectory import jsonl
    from cactl.trajectory.model import MAX_TEXT_CHARS

    section = README.split("### Inputs, outputs and limits", 1)[1].split("\n## ", 1)[0]
    section = " ".join(section.split())
    assert f"at most {fileio.MAX_INPUT_BYTES // 2**20} MiB" in section
    assert f"at most {fileio.MAX_LINE_CHARS} characters" in section
    assert f"at most {yamlsrc.MAX_NODES} values" in section
    assert f"{yamlsrc.MAX_DEPTH} levels" in section
    assert f"at most {jsonl.MAX_LINE_BYTES // 2**20} MiB" in section
    assert f"{jsonl.MAX_TRAJECTORIES} trajectories and {jsonl.MAX_STEPS} steps" in section
    assert f"at most {limits.MAX_STEPS} steps" in section
    assert f"and {limits.MAX_TOKENS} tokens" in section
    assert f"at most {limits.MAX_WORK} steps in all" in section
    assert f"trains on at most {limits.MAX_TRAIN_STEPS} sampled steps in all" in section
    assert f"in [0, {limits.MAX_LR:g}]" in section
    assert f"at most {limits.MAX_COALITIONS} coalition values in all" in section
    assert f"at most {limits.MAX_SHAPLEY_LOOKUPS} coalition values" in section
    assert f"at most {MAX_TEXT_CHARS} characters" in section
    assert f"and {jsonl.MAX_VALUES} entries of per-token and per-step lists" in section


#: Shell blocks marked ```bash runnable: each must run as written in a fresh clone.
RUNNABLE = re.findall(r"```bash runnable\n(.*?)```", README, flags=re.S)
#: What the examples read from a clone (the rest of it is code).
CLONE_PARTS = ("examples", "checklists", "decision_tree")


def _commands(block: str) -> list[str]:
    """The block's commands, without their trailing comments (two spaces, then #)."""
    lines = (re.sub(r"\s{2,}#.*$", "", line).strip() for line in block.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def test_the_readme_has_runnable_blocks_for_the_commands() -> None:
    commands = [command for block in RUNNABLE for command in _commands(block)]
    for name in ("methods", "audit", "init", "recommend", "trial"):
        assert any(command.startswith(f"cactl {name}") for command in commands), name


@pytest.mark.slow
@pytest.mark.parametrize(
    "block", RUNNABLE, ids=[_commands(block)[0].split("  ")[0][:40] for block in RUNNABLE]
)
def test_readme_examples_run_as_written(block: str, tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    from tests.conftest import HAS_TORCH, NEEDS_TORCH

    commands = _commands(block)
    if not HAS_TORCH and any(c.startswith("cactl trial") or "--run" in c for c in commands):
        pytest.skip(NEEDS_TORCH)
    if any("| jq" in c for c in commands) and shutil.which("jq") is None:
        pytest.skip("jq is not installed")
    for part in CLONE_PARTS:
        shutil.copytree(REPO / part, tmp_path / part)
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}"
                   + os.environ.get("PATH", "")}  # fmt: skip
    for command in commands:
        completed = subprocess.run(
            ["bash", "-o", "pipefail", "-c", command],
            cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=600,
            check=False,
        )  # fmt: skip
        # 0, or 1 for an audit that finds unmet items: the command ran; 2 and up: it did not
        assert completed.returncode in (0, 1), (command, completed.stderr)
        assert "error:" not in completed.stderr, (command, completed.stderr)
        assert completed.stdout or "wrote" in completed.stderr or ">" in command, command
