"""JUnit XML carries characters past ASCII as character references, so the same XML (and the
same text, read back) comes out in every locale, an ASCII-only one included."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from tests.audit.helpers import EXAMPLES
from tests.helpers import run


def test_non_ascii_text_survives_as_references(tmp_path: Path) -> None:
    text = (EXAMPLES / "compliant.yaml").read_text(encoding="utf-8")
    name = text.split("\n  name: ", 1)[1].split("\n", 1)[0]
    paper = tmp_path / "p.yaml"
    paper.write_text(text.replace(f"name: {name}", "name: Qwén-β", 1), encoding="utf-8")
    result = run("audit", str(paper), "--format", "junit")
    assert result.exit_code == 1, result.output  # an unknown model: item 1 fails
    assert result.stdout.isascii()
    assert "Qw&#233;n-&#946;" in result.stdout
    root = ET.fromstring(result.stdout)
    texts = [node.text or "" for node in root.iter()] + [
        value for node in root.iter() for value in node.attrib.values()
    ]
    assert any("Qwén-β" in text for text in texts)
    assert not any("&#" in text for text in texts)  # references are read back, not shown
