"""The method inventory: the survey's 47 methods with verified ids and the survey's labels."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cactl.errors import InputError, InputErrors
from cactl.inventory import (
    ARXIV_ID,
    Evidence,
    Sourced,
    classify_evidence,
    load_inventory,
    parse_inventory,
)
from cactl.vocab import (
    BaselineFamily,
    Collection,
    EvidenceLevel,
    Granularity,
    Methodology,
    Scope,
    Setting,
)

# The survey's table (survey-facts.md, section 3), copied as the independent reference:
# number | name | arXiv | setting | category | granularity label | methodology label | scope
SURVEY_TABLE = """\
| 1 | VinePPO | 2410.01679 | R | Token-level | Token | MC | core |
| 2 | RED | 2411.08302 | R | Token-level | Token | Redistribution | core |
| 3 | T-REG | 2412.02685 | R | Token-level | Token | Self-generated | core |
| 4 | From r to Q* | 2404.12358 | R | Token-level | Token | Implicit | core |
| 5 | SPO | 2505.23564 | R | Segment-level | Segment | MC | core |
| 6 | SCAR | 2505.20417 | R | Segment-level | Segment | Game-theoretic (Shapley) | core |
| 7 | TEMPO | 2509.18314 | R | Segment-level | Token/Segment | Tree-TD | core |
| 8 | PURE | 2504.15275 (survey: 2504.08662) | R | Step-level | Step | Min-form PRM | core |
| 9 | SPRO | 2507.01551 | R | Step-level | Step | Masked advantage | core |
| 10 | CAPO | 2508.02298 | R | Step-level | Step | LLM-as-critic | core |
| 11 | ACPO | 2510.08899 | R | Step-level | Step | Attribution | core |
| 12 | HICRA | 2509.03646 | R | Step-level | Step | Hierarchy | core |
| 13 | PRL | 2601.10201 | R | Step-level | Step | Entropy-RL | core |
| 14 | InT | 2601.14209 | R | Step-level | Step | Intervention | core |
| 15 | FinePO | 2601.05688 | R | Step-level | Sub-step | Fine PRM | core |
| 16 | AgentPRM | 2511.08325 | A | Turn-level PRM | Step/Turn | TD+GAE | core |
| 17 | SWEET-RL | 2503.15478 | A | Turn-level PRM | Turn | Privileged critic | core |
| 18 | Turn-level reward design | 2505.11821 | A | Turn-level PRM | Turn | Hybrid | core |
| 19 | Turn-PPO | 2512.17008 | A | Turn-level PRM | Turn | Turn-level MDP | core |
| 20 | SORL | 2511.20718 | A | Turn-level PRM | Turn | Bias-corrected | core |
| 21 | TARL | 2509.14480 | A | Turn-level PRM | Turn | LLM-judge | core |
| 22 | ITPO | 2603.23550 | A | Turn-level PRM | Turn | Implicit | core |
| 23 | HCAPO | 2603.08754 | A | Hindsight & counterfactual | Turn | Hindsight | core |
| 24 | C3 | 2603.06859 | A | Hindsight & counterfactual | Turn | Counterfactual | core |
| 25 | CCPO | 2603.21563 | A | Hindsight & counterfactual | Turn | Counterfactual | core |
| 26 | CriticSearch | 2511.12159 | A | Hindsight & counterfactual | Turn | Retrospective critic | core |
| 27 | GiGPO | 2505.10978 | A | Critic-free step-level | Step | MC (group) | core |
| 28 | POAD | 2405.15821 | A | Critic-free step-level | Token/Turn | Action decomposition | core |
| 29 | ArCHer | 2402.19446 | A | Hierarchical | Turn | TD (hierarchical) | core |
| 30 | PilotRL | 2508.00344 | A | Hierarchical | Step | Progressive | core |
| 31 | CARL | 2512.04949 | A | Hierarchical | Step | Entropy-based | core |
| 32 | IGPO | 2510.14967 | A | Information-theoretic | Turn | Info-theoretic | core |
| 33 | iStar | 2509.19199 | A | Implicit & DPO-based | Step | Implicit DPO | core |
| 34 | StepAgent | 2411.03817 | A | Implicit & DPO-based | Step | Implicit+IRL | core |
| 35 | Agent Lightning | 2508.03680 | A | Infrastructure & practical | Step | Decoupled architecture | adjacent |
| 36 | RAGEN | 2504.20073 | A | Infrastructure & practical | Step | Uncertainty | adjacent |
| 37 | SPA-RL | 2505.20732 | A | Infrastructure & practical | Step | MLP estimator | adjacent |
| 38 | LaRe | 2412.11120 (survey: 2412.16989) | A | Infrastructure & practical | Step | LLM-critic | core |
| 39 | SCRIBE | 2601.03555 | A | Infrastructure & practical | Step | Skill-prototype | adjacent |
| 40 | PRS (with VSPO) | 2512.07478 | A | Infrastructure & practical | Step | Progressive | adjacent |
| 41 | Adaptive Segment-Level Reward | 2411.00809 | A | Infrastructure & practical | Segment | Segmentation | adjacent |
| 42 | M-GRPO | 2511.13288 | M | Multi-agent | Multi-agent | Hierarchical | core |
| 43 | LLM-MCA | 2502.16863 | M | Multi-agent | Multi-agent | LLM-critic | core |
| 44 | QLLM | 2504.12961 | M | Multi-agent | Multi-agent | LLM-generated | core |
| 45 | SHARP | 2602.08335 | M | Multi-agent | Multi-agent | Shapley | core |
| 46 | MAPPA | 2601.23228 | M | Multi-agent | Multi-agent | Per-action PRM | core |
| 47 | Dr. MAS | 2602.08847 | M | Multi-agent | Multi-agent | Agent-wise advantage | core |
"""

SETTINGS = {"R": Setting.reasoning, "A": Setting.agentic, "M": Setting.multi_agent}
CORRECTED_IDS = {"PURE": ("2504.15275", "2504.08662"), "LaRe": ("2412.11120", "2412.16989")}


def survey_rows() -> list[dict[str, str]]:
    rows = []
    for line in SURVEY_TABLE.strip().splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        number, name, arxiv, setting, category, granularity, label, scope = cells
        rows.append(
            {
                "number": number,
                "name": name,
                "arxiv": arxiv.split(" ")[0],
                "setting": setting,
                "category": category,
                "granularity_label": granularity,
                "methodology_label": label,
                "scope": scope,
            }
        )
    return rows


def survey_methods():  # type: ignore[no-untyped-def]
    return load_inventory().select(collection=[Collection.survey])


def test_counts_match_the_survey() -> None:
    methods = survey_methods()
    assert len(methods) == 47
    assert sum(m.scope is Scope.core for m in methods) == 41
    assert sum(m.scope is Scope.adjacent for m in methods) == 6
    by_setting = {s: sum(m.setting is s for m in methods) for s in Setting}
    assert by_setting == {Setting.reasoning: 15, Setting.agentic: 26, Setting.multi_agent: 6}


def test_every_survey_row_is_carried_with_its_labels_and_right_id() -> None:
    inventory = load_inventory()
    rows = survey_rows()
    assert len(rows) == 47
    for row in rows:
        method = inventory.find(row["name"])
        assert method is not None, row["name"]
        assert method.collection is Collection.survey
        assert method.number == int(row["number"])
        assert method.setting is SETTINGS[row["setting"]], row["name"]
        assert method.category == row["category"], row["name"]
        assert method.granularity_label == row["granularity_label"], row["name"]
        assert method.methodology_label == row["methodology_label"], row["name"]
        assert method.scope.value == row["scope"], row["name"]
        if row["name"] in CORRECTED_IDS:
            right, survey_id = CORRECTED_IDS[row["name"]]
            assert (method.arxiv, method.survey_arxiv) == (right, survey_id)
        else:
            assert method.arxiv == row["arxiv"], row["name"]
            assert method.survey_arxiv is None, row["name"]


def test_names_and_ids_are_unique_and_well_formed() -> None:
    methods = load_inventory().methods
    names = [m.name.lower() for m in methods]
    assert len(names) == len(set(names))
    ids = [m.arxiv or m.openreview for m in methods]
    assert len(ids) == len(set(ids))
    for method in methods:
        assert method.arxiv or method.openreview, method.name
        if method.arxiv:
            assert ARXIV_ID.match(method.arxiv), method.name
            yymm = int(method.arxiv[:4])
            assert 1 <= yymm % 100 <= 12, method.name
            assert 2000 + yymm // 100 <= method.year + 1, method.name


def test_vocabularies_are_closed() -> None:
    for method in load_inventory().methods:
        assert method.granularity and all(isinstance(g, Granularity) for g in method.granularity)
        assert isinstance(method.methodology, Methodology)
        assert method.methodology_source in {"survey-grid", "cactl"}
        assert method.summary and len(method.summary) <= 200, method.name
        assert "\n" not in method.summary


def test_grid_placements_of_the_survey_figure() -> None:
    inventory = load_inventory()
    expected = {
        "VinePPO": Methodology.monte_carlo,
        "SPO": Methodology.monte_carlo,
        "GiGPO": Methodology.monte_carlo,
        "ArCHer": Methodology.temporal_difference,
        "AgentPRM": Methodology.temporal_difference,
        "CAPO": Methodology.model_based,
        "SWEET-RL": Methodology.model_based,
        "HCAPO": Methodology.model_based,
        "LaRe": Methodology.model_based,
        "SCAR": Methodology.game_theoretic,
        "CCPO": Methodology.game_theoretic,
        "IGPO": Methodology.information_theoretic,
        "CARL": Methodology.information_theoretic,
    }
    for name, methodology in expected.items():
        method = inventory.get(name)
        assert method.methodology is methodology, name
        assert method.methodology_source == "survey-grid", name


def test_lookup_by_name_or_id_any_case() -> None:
    inventory = load_inventory()
    assert inventory.get("gigpo").name == "GiGPO"
    assert inventory.get("2505.10978").name == "GiGPO"
    assert inventory.get("arXiv:2505.10978").name == "GiGPO"
    assert inventory.get("2504.08662").name == "PURE"  # the survey's (wrong) id still finds it
    with pytest.raises(InputError, match="did you mean GiGPO"):
        inventory.get("gigp")


def test_a_long_name_is_shortened_in_the_message() -> None:
    with pytest.raises(InputError) as caught:
        load_inventory().get("x" * 5000)
    assert caught.value.message == f"no method named '{'x' * 60}...' in the inventory"


ENTRY = """\
  - name: {name}
    title: A title
    arxiv: "{arxiv}"
    year: 2025
    setting: {setting}
    category: Token-level
    granularity: [token]
    granularity_label: Token
    methodology: monte-carlo
    methodology_label: MC
    methodology_source: survey-grid
    scope: core
    collection: survey
    summary: s
    update_batch: "2026.04"
    catalog_scope: Survey Method
    arxiv_class: {{value: null, reason: r}}
    authors: {{value: [A B], source: s}}
    venue: {{value: null, reason: r}}
    code: {{value: null, reason: r}}
    benchmarks: {{value: null, reason: r}}
    baselines: {{value: null, reason: r}}
    baseline_family: {{value: unknown, reason: r}}
    evidence: {{level: unknown, reason: r}}
"""

HEAD = "survey: s\nversion: v\nsources: {}\nmethods:\n"


def test_parse_rejects_duplicates_and_bad_vocabulary_with_lines() -> None:
    text = (
        HEAD
        + ENTRY.format(name="A", arxiv="2501.00001", setting="reasoning")
        + ENTRY.format(name="a", arxiv="2501.00002", setting="reasoning")
    )
    with pytest.raises(InputError, match=r"m.yaml:29:5: methods\[1\]: duplicate name or id 'a'"):
        parse_inventory(text, "m.yaml")
    bad = HEAD + ENTRY.format(name="A", arxiv="25.1", setting="reasonin")
    with pytest.raises(InputErrors) as caught:
        parse_inventory(bad, "m.yaml")
    rendered = caught.value.render()
    assert "m.yaml:7:12: methods[0].arxiv: arXiv id must look like 2504.15275" in rendered
    assert (
        "m.yaml:9:14: methods[0].setting: not an allowed value (expected one of 'reasoning', 'agentic' or 'multi-agent', found str 'reasonin')"
        in rendered
    )


INVENTORY_TEXT = (
    Path(__file__).resolve().parents[1] / "cactl" / "data" / "inventory" / "methods.yaml"
).read_text(encoding="utf-8")


@pytest.mark.slow
@settings(max_examples=int(os.environ.get("CACTL_FUZZ_EXAMPLES", "15")), deadline=None)
@given(
    edits=st.lists(
        st.tuples(
            st.integers(0, len(INVENTORY_TEXT) - 1),
            st.integers(0, 12),
            st.sampled_from(["", ":", "- ", "{", "]", "x", "\n", "[]", "null", "7", "\t", "&a"]),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_mutated_inventories_load_or_fail_with_located_errors(
    edits: list[tuple[int, int, str]],
) -> None:
    text = INVENTORY_TEXT
    for at, cut, insert in edits:
        at = min(at, len(text))
        text = text[:at] + insert + text[at + cut :]
    try:
        parse_inventory(text, "mutated.yaml")
    except (InputError, InputErrors) as exc:
        errors = exc.errors if isinstance(exc, InputErrors) else [exc]
        assert all(e.file == "mutated.yaml" and e.line is not None for e in errors), exc


# ---- issue 13: authors, venues, code, benchmarks, baselines, evidence, each with its source ----


def test_every_survey_method_has_authors() -> None:
    for method in survey_methods():
        authors = method.authors.value
        assert authors, method.name
        assert method.authors.source, method.name
        assert all(name == " ".join(name.split()) for name in authors), (method.name, authors)


def _walk_unknowns(node: object, path: str, found: list[tuple[str, dict[str, object]]]) -> None:
    """Every {value: ...} and evidence mapping of the raw YAML, independent of the model."""
    if isinstance(node, dict):
        if "value" in node or "level" in node:
            found.append((path, node))
        for key, item in node.items():
            _walk_unknowns(item, f"{path}.{key}", found)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            _walk_unknowns(item, f"{path}[{index}]", found)


def test_every_unknown_has_its_reason_in_the_data() -> None:
    import yaml

    raw = yaml.safe_load(INVENTORY_TEXT)
    found: list[tuple[str, dict[str, object]]] = []
    _walk_unknowns(raw["methods"], "methods", found)
    per_method_fields = (
        8  # arxiv_class, authors, venue, code, benchmarks, baselines, family, evidence
    )
    assert len(found) == per_method_fields * len(raw["methods"])
    for path, node in found:
        if "level" in node:
            criteria = [node.get(k) for k in CRITERIA]
            if node["level"] == "unknown" or (
                node["level"] in ("strong", "limited") and None in criteria
            ):
                assert isinstance(node.get("reason"), str) and node["reason"].strip(), path
            if node["level"] != "unknown":
                assert isinstance(node.get("source"), str) and node["source"].strip(), path
        elif node["value"] in (None, "unknown"):
            assert isinstance(node.get("reason"), str) and node["reason"].strip(), path
        else:
            assert isinstance(node.get("source"), str) and node["source"].strip(), path
            assert "reason" not in node, path
    # No reason hides in a YAML comment inside the method list: the only comments are the header.
    methods_part = INVENTORY_TEXT[INVENTORY_TEXT.index("\nmethods:") :]
    assert not [line for line in methods_part.splitlines() if line.strip().startswith("#")]


def test_fields_shared_by_every_method_name_their_source() -> None:
    inventory = load_inventory()
    sourced_one_by_one = {
        "arxiv_class", "authors", "venue", "code", "benchmarks", "baselines",
        "baseline_family", "evidence", "methodology_reason", "notes",
    }  # fmt: skip
    for field in set(type(inventory.methods[0]).model_fields) - sourced_one_by_one:
        assert inventory.sources.get(field), field


CRITERIA = ("benchmarks", "episode_baseline_same_model", "ablation_isolates_ca", "seeds_or_ci")


@pytest.mark.parametrize(
    ("criteria", "level"),
    [
        ((2, True, True, None), EvidenceLevel.strong),
        ((3, True, None, True), EvidenceLevel.strong),
        ((2, True, False, False), EvidenceLevel.limited),
        ((1, True, True, True), EvidenceLevel.limited),
        ((5, False, True, True), EvidenceLevel.limited),
        ((None, True, True, True), None),  # the count decides
        ((2, None, True, True), None),  # the baseline decides
        ((2, True, None, None), None),
        ((2, True, False, None), None),  # seeds decide
        ((None, False, None, None), EvidenceLevel.limited),
    ],
)
def test_criteria_give_the_level(
    criteria: tuple[int | None, bool | None, bool | None, bool | None],
    level: EvidenceLevel | None,
) -> None:
    assert classify_evidence(*criteria) is level


def test_evidence_level_must_follow_its_criteria() -> None:
    ok = Evidence(level=EvidenceLevel.strong, benchmarks=2, episode_baseline_same_model=True,
                  ablation_isolates_ca=True, seeds_or_ci=False, source="Table 1")  # fmt: skip
    assert ok.level is EvidenceLevel.strong
    with pytest.raises(ValueError, match="the criteria give level limited, not strong"):
        Evidence(level=EvidenceLevel.strong, benchmarks=1, episode_baseline_same_model=True,
                 ablation_isolates_ca=True, seeds_or_ci=True, source="s")  # fmt: skip
    with pytest.raises(ValueError, match="do not decide between strong and limited"):
        Evidence(level=EvidenceLevel.limited, benchmarks=None, episode_baseline_same_model=True,
                 ablation_isolates_ca=True, source="s", reason="count unread")  # fmt: skip
    with pytest.raises(ValueError, match="need a reason"):
        Evidence(level=EvidenceLevel.limited, benchmarks=1, source="s")
    with pytest.raises(ValueError, match="needs a reason"):
        Evidence(level=EvidenceLevel.unknown)
    with pytest.raises(ValueError, match="the criteria give level strong, not unknown"):
        Evidence(level=EvidenceLevel.unknown, benchmarks=2, episode_baseline_same_model=True,
                 ablation_isolates_ca=True, reason="r")  # fmt: skip
    with pytest.raises(ValueError, match="synthesis means no experiment"):
        Evidence(level=EvidenceLevel.synthesis, episode_baseline_same_model=True, source="s")


def test_a_value_needs_a_source_and_an_unknown_a_reason() -> None:
    assert Sourced[str](value="x", source="abstract").known
    assert not Sourced[BaselineFamily](value=BaselineFamily.unknown, reason="r").known
    with pytest.raises(ValueError, match="a value needs a source"):
        Sourced[str](value="x")
    with pytest.raises(ValueError, match="an unknown value needs a reason"):
        Sourced[str](value=None)
    with pytest.raises(ValueError, match="an unknown value needs a reason"):
        Sourced[BaselineFamily](value=BaselineFamily.unknown, source="s")
    with pytest.raises(ValueError, match="takes a source, not a reason"):
        Sourced[str](value="x", source="s", reason="r")


def test_strong_methods_meet_the_criteria_as_recorded() -> None:
    strong = load_inventory().select(evidence=[EvidenceLevel.strong])
    assert strong  # VinePPO, TEMPO, PURE, ...
    for method in strong:
        e = method.evidence
        assert e.benchmarks is not None and e.benchmarks >= 2, method.name
        assert e.episode_baseline_same_model is True, method.name
        assert e.ablation_isolates_ca is True or e.seeds_or_ci is True, method.name


def test_survey_values_are_kept_beside_the_verified_ones() -> None:
    inventory = load_inventory()
    pure = inventory.get("PURE")
    assert pure.venue.value is not None and pure.venue.value.name == "NeurIPS 2025"
    assert pure.survey_venue == "ICML"  # the catalogue's venue, which is wrong
    vine = inventory.get("VinePPO")
    assert (vine.year, vine.survey_year, vine.cited_year) == (2024, 2025, 2025)
    assert vine.survey_venue is None  # the catalogue's ICML agrees with ICML 2025
    for method in inventory.methods:
        if method.survey_venue is not None and method.venue.value is not None:
            assert method.venue.value.name.split()[0] != method.survey_venue, method.name


def test_venue_filter_matches_whole_words_or_none() -> None:
    inventory = load_inventory()
    neurips = inventory.select(venue=["NeurIPS"])
    assert {"PURE", "SPO"} <= {m.name for m in neurips}
    for method in neurips:
        assert method.venue.value is not None
        assert "neurips" in method.venue.value.name.casefold().split()
    assert inventory.select(venue=["neur"]) == []  # a part of a word is not a match
    none = inventory.select(venue=["none"])
    assert none and all(m.venue.value is None for m in none)
    both = inventory.select(venue=["none", "neurips"])
    assert len(both) == len(none) + len(neurips)
    iclr_2026 = inventory.select(venue=["iclr 2026"])
    assert {m.name for m in iclr_2026} >= {"HICRA", "InT"}


def test_citation_keys_are_unique_stable_and_readable() -> None:
    inventory = load_inventory()
    keys = inventory.citation_keys()
    assert len(set(keys.values())) == len(inventory.methods)
    assert keys["VinePPO"] == "kazemnejad2025vineppo"  # Kazemnejad et al., ICML 2025
    assert keys["From r to Q*"] == "rafailov2024from"  # arXiv 2024, no venue
    assert keys["HICRA"] == "wang2026emergent"  # 'Emergent ...', ICLR 2026
    for key in keys.values():
        assert re.fullmatch(r"[a-z]+\d{4}[a-z0-9]*", key), key


def test_readme_defines_every_evidence_level_and_criterion() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for level in EvidenceLevel:
        assert f"| `{level.value}` |" in readme, level
    for criterion in CRITERIA:
        assert f"`{criterion}`" in readme, criterion
        assert criterion in (EvidenceLevel.__doc__ or ""), criterion


def test_clashing_citation_keys_get_letters_in_file_order() -> None:
    entry = ENTRY.replace(
        "authors: {{value: [A B], source: s}}", "authors: {{value: [Ada Smith], source: s}}"
    )
    text = (
        HEAD
        + entry.format(name="One", arxiv="2501.00001", setting="reasoning")
        + entry.format(name="Two", arxiv="2501.00002", setting="reasoning")
        + ENTRY.format(name="Three", arxiv="2501.00003", setting="reasoning")
    )
    keys = parse_inventory(text, "m.yaml").citation_keys()
    # 'A title': the article is skipped; 'A B' -> family name 'b'.
    assert keys == {"One": "smith2025titlea", "Two": "smith2025titleb", "Three": "b2025title"}


def test_the_light_index_finds_what_the_inventory_finds() -> None:
    from cactl.inventory_index import MethodIndex

    inventory = load_inventory()
    index = MethodIndex.of(inventory.methods)
    assert list(index.names) == inventory.names()
    probes = ["", "x", "gigp", "arXiv:", "openreview:", "GiGPO2"]
    for method in inventory.methods:
        for key in filter(
            None, [method.name, method.arxiv, method.openreview, method.survey_arxiv]
        ):
            assert key in index.keys
            probes += [key, key.upper(), f"  {key.lower()} ", f"arXiv:{key}", f"OpenReview:{key}"]
    for probe in probes:
        expected = inventory.find(probe)
        found = index.find(probe)
        assert (found.name if found else None) == (expected.name if expected else None), probe
        if expected is not None and found is not None:
            assert found.granularity == tuple(g.value for g in expected.granularity)
            assert found.methodology == expected.methodology.value


def test_the_index_comes_from_the_cache_and_audit_does_not_import_the_inventory(
    tmp_path: Path,
) -> None:
    import subprocess
    import sys

    from cactl.inventory_index import method_index

    paper = Path(__file__).resolve().parents[1] / "examples" / "papers" / "gigpo.yaml"
    assert "inventory: GiGPO" in paper.read_text(encoding="utf-8")
    probe = (
        "import sys\n"
        "from cactl.audit.checklist import load_checklist\n"
        "from cactl.audit.evaluate import audit_files\n"
        f"(report,) = audit_files([{str(paper)!r}], load_checklist(), strict=False)\n"
        "print('cactl.inventory' in sys.modules)\n"
    )
    env = {**os.environ, "CACTL_CACHE_DIR": str(tmp_path)}
    runs = [
        subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
        for _ in range(2)
    ]
    assert [run.stdout for run in runs] == ["True\n", "False\n"], [r.stderr for r in runs]
    assert len(list(tmp_path.glob("inventory_index-*.pickle"))) == 1
    assert method_index().find("gigpo") is not None
