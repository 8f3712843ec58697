"""Valid request bodies with overridable parts (job-runner's factories idea)."""

from __future__ import annotations

import copy
import itertools
import json
import os
from pathlib import Path
from typing import Any

from avert.domain.identifiers import nhs_number_check_digit


_serial = itertools.count(1)


def synthetic_nhs_number(n: int | None = None) -> str:
    """A valid NHS number in the 999 test range (never a real person's)."""
    n = next(_serial) if n is None else n
    while True:
        prefix = f"999{n:06d}"
        check = nhs_number_check_digit(prefix)
        if check is not None:
            return prefix + str(check)
        n += 1_000


def referral_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source": "gp",
        "referrer": {"name": "Dr Okafor", "organisation": "A81001", "phone": "0116 496 0000"},
        "person": {
            "nhs_number": synthetic_nhs_number(),
            "given_name": "Ada",
            "family_name": "Testperson",
            "date_of_birth": "1941-03-09",
            "sex": "female",
            "postcode": "LE1 5WW",
            "residence": "own_home",
        },
        "need": "fall",
        "red_flags": [],
        "stated_urgency": "within_2_hours",
    }
    for key, value in overrides.items():
        if key == "person":
            body["person"] = {**body["person"], **value}
        else:
            body[key] = copy.deepcopy(value)
    return body


def examples() -> Path:
    """The UK Core examples: <repo>/../shared/fhir-examples, or AVERT_FHIR_EXAMPLES_DIR."""
    root = Path(__file__).resolve().parents[1]
    folder = Path(
        os.environ.get("AVERT_FHIR_EXAMPLES_DIR") or root.parent / "shared" / "fhir-examples"
    )
    assert folder.is_dir(), (
        f"the UK Core examples are missing: {folder} (set AVERT_FHIR_EXAMPLES_DIR)"
    )
    return folder


def example(name: str) -> dict:
    return json.loads((examples() / f"UKCore-{name}-Example.json").read_text())
