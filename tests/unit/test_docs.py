"""Docs that cannot drift: the lifecycle diagram and the settings list follow the code."""

import re
from pathlib import Path

from avert.domain.lifecycle import TRANSITIONS


DOCS = Path(__file__).parents[2] / "docs"


def test_the_lifecycle_diagram_has_exactly_the_machines_moves():
    """Every arrow in docs/lifecycle.md is a move of the machine, and every move is drawn."""
    text = (DOCS / "lifecycle.md").read_text()
    drawn = set(re.findall(r"^\s+(\w+) --> (\w+):", text, flags=re.M))
    code = {(s.value, t.value) for s, targets in TRANSITIONS.items() for t in targets}
    assert drawn == code


def test_every_setting_is_documented():
    """Each AVERT_ variable the code reads appears in docs/configuration.md, and no other."""
    root = DOCS.parent
    source = "".join(
        p.read_text() for folder in ("avert", "tests") for p in (root / folder).rglob("*.py")
    )
    read = set(re.findall(r'"(AVERT_[A-Z_]+)"', source))
    documented = set(re.findall(r"`(AVERT_[A-Z_]+)`", (DOCS / "configuration.md").read_text()))
    assert read and read == documented
