"""Errors as data: an exit 2 under --format json, sarif or github is also a document on
stdout that a program parses (the message stays on stderr); trial's estimator errors carry
the trajectory and the field as data."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import run

PAPER = "paper:\n  title: x\nmodle:\n  name: y\nregime: agentic\n"


def _bad_paper(tmp_path: Path) -> str:
    path = tmp_path / "bad paper#1.yaml"
    path.write_text(PAPER, encoding="utf-8")
    return str(path)


def test_json_exit_2_prints_the_errors_on_stdout(tmp_path: Path) -> None:
    paper = _bad_paper(tmp_path)
    result = run("audit", paper, "--format", "json")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {paper}:3:1: modle: unknown key 'modle'")
    document = json.loads(result.stdout)
    assert document["count"] == 1
    (error,) = document["errors"]
    assert error == {
        "code": "unknown-key",
        "message": "unknown key 'modle'",
        "file": paper,
        "line": 3,
        "column": 1,
        "field": "modle",
        "expected": None,
        "found": None,
        "hint": "did you mean 'model' or 'method'?",
        "trajectory": None,
        "context": {},
    }


def test_table_exit_2_prints_nothing_on_stdout(tmp_path: Path) -> None:
    result = run("audit", _bad_paper(tmp_path))
    assert result.exit_code == 2
    assert result.stdout == ""


def test_sarif_exit_2_reports_the_errors_as_results(tmp_path: Path) -> None:
    paper = _bad_paper(tmp_path)
    result = run("audit", paper, "--format", "sarif")
    assert result.exit_code == 2
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    (run_,) = log["runs"]
    assert run_["tool"]["driver"]["rules"][0]["id"] == "unknown-key"
    (finding,) = run_["results"]
    assert finding["ruleId"] == "unknown-key" and finding["level"] == "error"
    location = finding["locations"][0]["physicalLocation"]
    # the space and the '#' of the file name are percent-encoded
    assert location["artifactLocation"]["uri"].endswith("/bad%20paper%231.yaml")
    assert location["region"] == {"startLine": 3, "startColumn": 1}


def test_github_exit_2_prints_annotations(tmp_path: Path) -> None:
    paper = _bad_paper(tmp_path)
    result = run("audit", paper, "--format", "github")
    assert result.exit_code == 2
    file = paper.replace(":", "%3A").replace(",", "%2C")
    assert result.stdout == (
        f"::error file={file},line=3,col=1,title=cactl unknown-key::"
        f"{paper}:3:1: modle: unknown key 'modle'. did you mean 'model' or 'method'?\n"
    )


def test_unknown_name_is_data_too() -> None:
    result = run("methods", "show", "no-such-method", "--format", "json")
    assert result.exit_code == 2
    (error,) = json.loads(result.stdout)["errors"]
    assert error["code"] == "unknown-name"


def test_a_missing_input_is_not_found() -> None:
    result = run("trial", "--input", "no/such.jsonl", "--format", "json")
    assert result.exit_code == 2
    (error,) = json.loads(result.stdout)["errors"]
    assert (error["code"], error["file"]) == ("not-found", "no/such.jsonl")


def test_an_estimator_that_lacks_a_field_names_the_trajectory_and_its_line(
    tmp_path: Path,
) -> None:
    data = tmp_path / "t.jsonl"
    lines = [
        '{"id": "a", "group": "g", "reward": 1, "steps": [{"tokens": 1, "value": 0.5}]}',
        "# a comment",
        '{"id": "b", "group": "g", "reward": 0, "steps": [{"tokens": 1}, {"tokens": 2}]}',
    ]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("trial", "--input", str(data), "--estimator", "turn_gae", "--format", "json")
    assert result.exit_code == 2
    (error,) = json.loads(result.stdout)["errors"]
    assert error["code"] == "missing-requirement"
    assert (error["file"], error["line"], error["trajectory"]) == (str(data), 3, 1)
    assert error["field"] == "steps[0].value"
    assert error["context"] == {"estimator": "turn_gae", "requires": "value"}


def test_with_output_the_errors_go_to_the_output_file(tmp_path: Path) -> None:
    paper = _bad_paper(tmp_path)
    report = tmp_path / "cactl.sarif"
    result = run("audit", paper, "--format", "sarif", "-o", str(report))
    assert result.exit_code == 2
    assert result.stdout == ""
    (run_,) = json.loads(report.read_text(encoding="utf-8"))["runs"]
    assert [finding["ruleId"] for finding in run_["results"]] == ["unknown-key"]


def test_the_errors_never_replace_an_input(tmp_path: Path) -> None:
    paper = _bad_paper(tmp_path)
    result = run("audit", paper, "--format", "json", "-o", paper)
    assert result.exit_code == 2
    assert Path(paper).read_text(encoding="utf-8") == PAPER
    # refused before the paper is read: the errors document names the clash, on stdout
    (error,) = json.loads(result.stdout)["errors"]
    assert (error["code"], error["field"], error["file"]) == ("output-is-input", "--output", paper)
    # an input refused before it was read (a folder) is not replaced either
    folder = tmp_path / "folder"
    folder.mkdir()
    keep = tmp_path / "keep.yaml"
    keep.write_text(PAPER, encoding="utf-8")
    again = run("audit", str(keep), str(folder), "--format", "json", "-o", str(keep))
    assert again.exit_code == 2
    assert keep.read_text(encoding="utf-8") == PAPER
