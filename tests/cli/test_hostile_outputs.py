"""Outputs written as an attacker or a careless user would aim them: onto an input, a FIFO, a
symlink, a file with other hard links or private permissions, a very long name, stdout, and a
SIGTERM in the middle. No input and no special file is ever replaced."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cactl.fileio import write_atomic
from cactl.render.errors import sarif_uri
from tests.audit.helpers import EXAMPLES
from tests.cli.test_output_paths import WRITERS, _files, _invoke, _refused
from tests.helpers import run


def _paper(tmp_path: Path) -> Path:
    paper = tmp_path / "p.yaml"
    shutil.copy(EXAMPLES / "gigpo.yaml", paper)
    return paper


@pytest.mark.parametrize("how", ["same path", "symlink", "hard link"])
def test_an_output_onto_an_input_is_refused(tmp_path: Path, how: str) -> None:
    paper = _paper(tmp_path)
    before = paper.read_bytes()
    target = tmp_path / "out.md"
    if how == "same path":
        target = paper
    elif how == "symlink":
        target.symlink_to(paper)
    else:
        os.link(paper, target)
    result = run("audit", str(paper), "--format", "markdown", "-o", str(target))
    _refused(result)
    assert "output is one of the command's inputs" in result.stderr
    assert paper.read_bytes() == before


def test_the_checklist_is_an_input_too(tmp_path: Path) -> None:
    checklist = tmp_path / "c.yaml"
    shutil.copy(Path(__file__).resolve().parents[2] / "checklists" / "ca-reporting.yaml", checklist)
    before = checklist.read_bytes()
    result = run(
        "audit", str(_paper(tmp_path)), "--checklist", str(checklist), "-o", str(checklist)
    )
    _refused(result)
    assert checklist.read_bytes() == before


def test_the_trajectories_are_an_input_of_record_and_plot(tmp_path: Path) -> None:
    data = tmp_path / "t.jsonl"
    shutil.copy(EXAMPLES.parent / "trajectories" / "fork.jsonl", data)
    before = data.read_bytes()
    pytest.importorskip("matplotlib")
    result = run("trial", "--input", str(data), "-e", "grpo", "--plot", str(data))
    _refused(result)
    assert data.read_bytes() == before


def test_answers_are_an_input_of_record(tmp_path: Path) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text("agents: single\nregime: reasoning\nfeedback: verifier\n")
    before = answers.read_bytes()
    result = run("recommend", "--answers", str(answers), "--record", str(answers))
    _refused(result)
    assert answers.read_bytes() == before


def test_a_fifo_is_written_through(tmp_path: Path) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_atomic(fifo, "through the pipe\n")
    reader.join(timeout=10)
    assert received == [b"through the pipe\n"]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still a FIFO
    assert _files(tmp_path) == ["out.fifo"]


def test_a_symlink_stays_a_link_and_its_target_is_written(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


def test_an_existing_file_keeps_its_permissions_and_hard_links(tmp_path: Path) -> None:
    private = tmp_path / "private.txt"
    private.write_text("old")
    private.chmod(0o600)
    write_atomic(private, "new")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600 and private.read_text() == "new"
    other = tmp_path / "other-name.txt"
    os.link(private, other)
    write_atomic(private, "newer")
    assert private.stat().st_nlink == 2
    assert other.read_text() == "newer" and os.path.samefile(private, other)
    assert sorted(_files(tmp_path)) == ["other-name.txt", "private.txt"]


def test_a_long_name_that_fits_gets_a_temporary_name_that_fits(tmp_path: Path) -> None:
    limit = os.pathconf(tmp_path, "PC_NAME_MAX")
    target = tmp_path / ("n" * limit)
    write_atomic(target, "x")
    assert target.read_text() == "x" and _files(tmp_path) == [target.name]


@pytest.mark.parametrize("writer", ["audit -o", "schema -o"])
def test_dash_is_stdout(writer: str, tmp_path: Path) -> None:
    os.chdir(tmp_path)
    result = _invoke(WRITERS[writer]("-"))
    assert result.exit_code in (0, 1), result.output  # gigpo's audit finds unmet items
    assert json.loads(result.stdout)
    assert "wrote" not in result.stderr
    assert _files(tmp_path) == []  # no file named '-'


@pytest.mark.parametrize("writer", ["trial --plot", "recommend --record", "audit -o"])
def test_a_missing_folder_is_refused_before_the_work(writer: str, tmp_path: Path) -> None:
    if writer == "trial --plot":
        pytest.importorskip("matplotlib")
    result = _invoke(WRITERS[writer](str(tmp_path / "missing" / "out")))
    _refused(result)
    assert "output folder does not exist" in result.stderr
    # no report, nothing was run: at most the errors as data (audit -o is --format json)
    assert result.stdout == "" or list(json.loads(result.stdout)) == ["errors", "count"]


SLOW_WRITE = """
import os, signal, sys, time
from cactl.cli import app
from cactl import fileio
signal.signal(signal.SIGTERM, app._terminated)
def slow_replace(src, dst):
    print("writing", flush=True)
    time.sleep(60)
fileio.os.replace = slow_replace
fileio.write_atomic(sys.argv[1], "x" * 1000)
"""


def test_sigterm_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITE, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "writing\n"  # the temporary file is there now
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 128 + signal.SIGTERM
    assert _files(tmp_path) == []


def test_sarif_uris_are_percent_encoded(tmp_path: Path) -> None:
    paper = tmp_path / "my paper #2 (50%).yaml"
    shutil.copy(EXAMPLES / "gigpo.yaml", paper)
    result = run("audit", str(paper), "--format", "sarif")
    assert result.exit_code == 1
    (sarif_run,) = json.loads(result.stdout)["runs"]
    # percent first, then the characters its escapes would not survive
    expected = str(paper).replace("%", "%25").replace(" ", "%20").replace("#", "%23")
    assert sarif_run["artifacts"] == [{"location": {"uri": expected}}]
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif_run["results"]
    }
    assert uris == {expected}


@pytest.mark.skipif(sys.platform != "linux", reason="a name with a byte that is not UTF-8")
def test_a_name_that_is_not_utf8_is_a_located_error_in_sarif_with_its_bytes_in_the_uri(
    tmp_path: Path,
) -> None:
    """``n\\xffx.yaml`` (os.fsdecode gives ``n\\udcffx.yaml``): the SARIF log reports the error
    as a result whose URI carries the byte (%FF), not an internal UnicodeEncodeError."""
    paper = os.path.join(os.fsencode(tmp_path), b"n\xffx.yaml")
    shutil.copy(EXAMPLES / "gigpo.yaml", paper)
    result = subprocess.run(  # the real streams (CliRunner's stdout refuses surrogates)
        [sys.executable, "-m", "cactl", "audit", paper, "--format", "sarif"],
        capture_output=True,
        text=True,
        errors="surrogateescape",
        check=False,
    )
    assert result.returncode == 2 and "internal error" not in result.stderr
    (sarif_run,) = json.loads(result.stdout)["runs"]
    (found,) = sarif_run["results"]
    uri = found["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert (found["ruleId"], uri) == ("bad-text", sarif_uri(str(tmp_path)) + "/n%FFx.yaml")
