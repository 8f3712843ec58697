"""OperationOutcome: every problem Avert finds in a FHIR request, one issue each.

An issue names its severity, its FHIR issue type (`code`), what is wrong in words
(`diagnostics`) and where (`expression`, a FHIRPath-like location such as
`ServiceRequest.subject` or `Bundle.entry[2].resource.birthDate`). Diagnostics never echo the
rejected value: it may be patient data (the same rule as the JSON API's one error shape).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


SEVERITIES = ("fatal", "error", "warning", "information")
# The FHIR IssueType codes Avert uses (http://hl7.org/fhir/issue-type).
ISSUE_TYPES = (
    "invalid",
    "structure",
    "required",
    "value",
    "code-invalid",
    "not-found",
    "not-supported",
    "duplicate",
    "business-rule",
    "processing",
    "informational",
)


@dataclass(frozen=True)
class Problem:
    """One issue: what is wrong, where, and how bad."""

    expression: str
    diagnostics: str
    code: str = "invalid"
    severity: str = "error"

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown issue severity {self.severity!r}")
        if self.code not in ISSUE_TYPES:
            raise ValueError(f"unknown issue type {self.code!r}")

    @property
    def is_error(self) -> bool:
        return self.severity in ("fatal", "error")


def errors_in(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.is_error]


def operation_outcome(problems: list[Problem]) -> dict[str, Any]:
    """An OperationOutcome resource listing each problem."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": p.severity,
                "code": p.code,
                "diagnostics": p.diagnostics,
                "expression": [p.expression],
            }
            for p in problems
        ],
    }


def single(expression: str, diagnostics: str, code: str = "invalid") -> dict[str, Any]:
    """An OperationOutcome with one error."""
    return operation_outcome([Problem(expression, diagnostics, code)])
