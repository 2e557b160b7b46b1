"""``cactl methods``: every format parsed back, filters, show, grid, exit codes, no torch."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from cactl.inventory import load_inventory
from tests.helpers import modules_imported_by, run, run_json


def test_list_json_is_the_47_survey_methods() -> None:
    records = run_json("methods", "list", "--format", "json")
    assert len(records) == 47
    assert {r["collection"] for r in records} == {"survey"}
    pure = next(r for r in records if r["name"] == "PURE")
    assert (pure["arxiv"], pure["survey_arxiv"]) == ("2504.15275", "2504.08662")
    assert pure["url"] == "https://arxiv.org/abs/2504.15275"


def test_list_all_adds_the_later_collection() -> None:
    everything = run_json("methods", "list", "--all", "--format", "json")
    later = run_json("methods", "list", "-c", "later", "--format", "json")
    assert len(everything) == 47 + len(later)
    assert {r["collection"] for r in later} <= {"later"}


def test_csv_round_trips() -> None:
    result = run("methods", "list", "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    records = run_json("methods", "list", "--format", "json")
    assert [row["name"] for row in rows] == [r["name"] for r in records]
    for row, record in zip(rows, records, strict=True):
        assert row["granularity"].split(";") == record["granularity"]
        assert row["arxiv"] == (record["arxiv"] or "")
        assert int(row["year"]) == record["year"]
        assert row["title"] == record["title"]


def _bibtex_entries(text: str) -> list[dict[str, str]]:
    entries = []
    for block in re.findall(r"@misc\{([^,]+),\n(.*?)\n\}", text, flags=re.S):
        key, body = block
        fields = dict(re.findall(r"^\s+(\w+) = \{(.*)\},?$", body, flags=re.M))
        fields["key"] = key
        entries.append(fields)
    return entries


def test_bibtex_parses_back() -> None:
    result = run("methods", "list", "--format", "bibtex")
    assert result.exit_code == 0
    entries = _bibtex_entries(result.stdout)
    records = run_json("methods", "list", "--format", "json")
    assert len(entries) == len(records) == 47
    assert len({e["key"] for e in entries}) == 47
    for entry, record in zip(entries, records, strict=True):
        if record["arxiv"]:
            assert entry["eprint"] == record["arxiv"]
            assert entry["archivePrefix"] == "arXiv"
        assert entry["year"] == str(record["year"])
        assert entry["title"].startswith("{") and entry["title"].endswith("}")
    # Braces balance in every entry (BibTeX would choke otherwise).
    for chunk in result.stdout.split("\n\n"):
        assert chunk.count("{") == chunk.count("}")


def test_filters_combine_with_and_and_repeat_with_or() -> None:
    records = run_json("methods", "list", "--format", "json")
    agentic_mc = run_json(
        "methods", "list", "--setting", "agentic", "--methodology", "monte-carlo", "-f", "json"
    )
    expected = [
        r["name"]
        for r in records
        if r["setting"] == "agentic" and r["methodology"] == "monte-carlo"
    ]
    assert [r["name"] for r in agentic_mc] == expected
    assert expected  # GiGPO is one
    token_or_segment = run_json("methods", "list", "-g", "token", "-g", "segment", "-f", "json")
    expected = [r["name"] for r in records if {"token", "segment"} & set(r["granularity"])]
    assert [r["name"] for r in token_or_segment] == expected
    adjacent = run_json("methods", "list", "--scope", "adjacent", "-f", "json")
    assert len(adjacent) == 6


def test_table_lists_and_counts() -> None:
    result = run("methods", "list", "--setting", "multi-agent")
    assert result.exit_code == 0
    for name in ("M-GRPO", "LLM-MCA", "QLLM", "SHARP", "MAPPA", "Dr. MAS"):
        assert name in result.stdout
    assert result.stderr == "6 methods\n"


def test_show_by_name_or_id_in_any_case() -> None:
    by_name = run_json("methods", "show", "gigpo", "--format", "json")
    by_id = run_json("methods", "show", "2505.10978", "--format", "json")
    assert by_name == by_id
    assert by_name["name"] == "GiGPO"
    table = run("methods", "show", "LARE")
    assert table.exit_code == 0
    assert "arXiv:2412.11120" in table.stdout
    assert "arXiv:2412.16989 (points to another paper)" in table.stdout


def test_show_miss_suggests_and_exits_2() -> None:
    result = run("methods", "show", "vinepo")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert (
        result.stderr
        == "error: no method named 'vinepo' in the inventory. did you mean VinePPO, FinePO, ITPO?\n"
    )


def test_bad_filter_value_is_a_usage_error() -> None:
    result = run("methods", "list", "--granularity", "sentence")
    assert result.exit_code == 2
    assert "sentence" in result.stderr


def test_grid_counts_every_placement() -> None:
    cells = run_json("methods", "grid", "--format", "json")
    assert len(cells) == 4 * 5
    methods = load_inventory().select()
    # Each method appears once per grid row its granularities touch (step and turn share one).
    expected_total = sum(
        len({"step / turn" if g.value in ("step", "turn") else g.value for g in m.granularity})
        for m in methods
    )
    assert sum(cell["count"] for cell in cells) == expected_total
    token_mc = next(
        c for c in cells if c["granularity"] == "token" and c["methodology"] == "monte-carlo"
    )
    assert "VinePPO" in token_mc["methods"]
    table = run("methods", "grid")
    assert table.exit_code == 0
    assert "VinePPO" in table.stdout


def test_methods_never_imports_torch(tmp_path: Path) -> None:
    modules = modules_imported_by("methods", "list", "--format", "json", tmp_dir=str(tmp_path))
    assert "cactl.inventory" in modules
    assert "torch" not in modules
