"""The reliability report: figures each reliability test records, written as one JSON file.

A test asks for `reliability_report` and calls `.record(name, **figures)` with JSON numbers or
strings (cycles=5, cases=1000, lost=0, duplicates=0, engine="sqlite"). When the run ends the
figures go to `reliability-report.json` (at the repository root, or where
AVERT_RELIABILITY_REPORT says), with the run's time, whether `--long` was given, and each test's
outcome. The file is rewritten by every run that includes a reliability test.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest


ROOT = Path(__file__).parents[2]
_REPORT = pytest.StashKey["ReliabilityReport"]()
_OUTCOMES = pytest.StashKey[dict]()


class ReliabilityReport:
    """Figures per test and engine, collected during the run, written at its end."""

    def __init__(self, path: Path, long: bool) -> None:
        self.path = path
        self.long = long
        self.started_at = datetime.now(UTC)
        self.entries: list[dict] = []
        self._current: tuple[str, str | None] = ("", None)
        self._lock = threading.Lock()

    def _begin(self, nodeid: str, engine: str | None) -> None:
        self._current = (nodeid, engine)

    def record(self, name: str, **figures: int | float | str | bool) -> None:
        """Record one measurement: `name` says what was measured, `figures` the numbers."""
        for key, value in figures.items():
            if not isinstance(value, int | float | str | bool):
                raise TypeError(f"figure {key} must be a JSON number or string")
        nodeid, engine = self._current
        entry = {"name": name, "test": nodeid, "engine": figures.pop("engine", engine)}
        entry.update(figures)
        with self._lock:
            self.entries.append(entry)

    def write(self, outcomes: dict[str, str], exitstatus: int) -> None:
        results = [
            {**entry, "outcome": outcomes.get(entry["test"], "not run")} for entry in self.entries
        ]
        unrecorded = sorted(set(outcomes) - {entry["test"] for entry in self.entries})
        report = {
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "long": self.long,
            "passed": bool(outcomes) and all(o in ("passed", "skipped") for o in outcomes.values()),
            "outcomes": dict(Counter(outcomes.values())),
            "tests": dict(sorted(outcomes.items())),
            "results": results,
            "totals": _totals(results),
            "tests_without_figures": unrecorded,
            "pytest_exit_status": int(exitstatus),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(report, indent=2) + "\n")


def _totals(results: list[dict]) -> dict:
    """Sums of the common counters across every result, so a reader sees the whole run at once."""
    totals: dict[str, int] = {}
    for key in ("cycles", "cases", "submissions", "acknowledged", "replays", "lost", "duplicates"):
        values = [r[key] for r in results if isinstance(r.get(key), int)]
        if values:
            totals[key] = sum(values)
    return totals


def _report_path() -> Path:
    configured = os.environ.get("AVERT_RELIABILITY_REPORT")
    if not configured:
        return ROOT / "reliability-report.json"
    path = Path(configured)
    return path / "reliability-report.json" if path.is_dir() else path


@pytest.fixture(scope="session")
def reliability_report(request) -> ReliabilityReport:
    """The run's report; figures recorded here are written to reliability-report.json."""
    report = request.config.stash.get(_REPORT, None)
    if report is None:
        report = ReliabilityReport(_report_path(), long=request.config.getoption("--long"))
        request.config.stash[_REPORT] = report
    return report


@pytest.fixture(autouse=True)
def _reliability_test_in_progress(request, reliability_report) -> None:
    """Figures recorded by a test are filed under that test and its engine."""
    callspec = getattr(request.node, "callspec", None)
    engine = callspec.params.get("database_url") if callspec else None
    reliability_report._begin(request.node.nodeid, engine)


@pytest.fixture(scope="session")
def long_run(request) -> bool:
    """True when the run was started with --long (many more cycles)."""
    return bool(request.config.getoption("--long"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    result = outcome.get_result()
    if Path(str(item.fspath)).parent != Path(__file__).parent:
        return
    outcomes = item.config.stash.setdefault(_OUTCOMES, {})
    if result.skipped:
        outcome = "skipped"
    elif result.failed:
        outcome = "failed" if result.when == "call" else "error"
    else:
        outcome = "passed" if result.when == "call" else None
    if outcome and outcomes.get(item.nodeid) in (None, "passed"):
        outcomes[item.nodeid] = outcome


def pytest_sessionfinish(session, exitstatus):
    """Write the report if any reliability test was run (or skipped: the file is never stale)."""
    report = session.config.stash.get(_REPORT, None)
    outcomes = session.config.stash.get(_OUTCOMES, {})
    if report is None and outcomes:
        report = ReliabilityReport(_report_path(), long=session.config.getoption("--long"))
    if report is not None:
        report.write(outcomes, exitstatus)
