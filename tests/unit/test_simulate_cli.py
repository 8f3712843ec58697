"""`avert simulate`: a readable table with intervals, text charts, JSON out, plain errors."""

from __future__ import annotations

import json

import pytest

from avert.cli.main import EXIT_INPUT, main


def test_simulate_prints_a_table_with_intervals_and_charts_and_writes_json(tmp_path, capsys):
    """Baseline and a what-if, with differences, bars by hour, and the same figures as JSON."""
    out = tmp_path / "results.json"
    args = ["simulate", "--days", "3", "--replications", "3", "--seed", "2"]
    args += ["--scenario", "demand+20", "--population", "20000", "--workers", "1"]
    assert main([*args, "--out", str(out)], {}) == 0
    text = capsys.readouterr().out
    assert "baseline: As rostered (policy avert, 3 replications)" in text
    assert "demand+20: Demand up 20 %" in text
    assert "2-hour referrals seen within 2 hours (%)" in text
    assert "difference from baseline (95 % CI)" in text
    assert "by hour of arrival (baseline)" in text and "23:00" in text
    data = json.loads(out.read_text())
    assert data["replications"] == 3 and data["population"] == 20_000
    assert [r["scenario"] for r in data["results"]] == ["baseline", "demand+20"]
    met = data["results"][0]["metrics"]["crisis_met"]
    assert met["n"] == 3 and (met["low"] is None or met["low"] <= met["mean"] <= met["high"])
    assert len(data["results"][0]["crisis_met_by_hour"]) == 24
    assert data["results"][1]["difference_from_baseline"]["referrals_per_day"]["mean"] > 0


def test_simulate_is_reproducible_with_a_seed(tmp_path, capsys):
    """The same seed writes the same results."""
    files = []
    for name in ("a.json", "b.json"):
        path = tmp_path / name
        args = ["simulate", "--days", "2", "--replications", "2", "--population", "20000"]
        assert main([*args, "--workers", "1", "--out", str(path)], {}) == 0
        files.append(json.loads(path.read_text())["results"])
    capsys.readouterr()
    assert files[0] == files[1]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--days", "0"], "days: must be a whole number from 1 to 366"),
        (["--replications", "0"], "replications: must be"),
        (["--scenario", "everything"], "scenario: must be one of"),
        (["--population", "10"], "population: must be"),
        (["--policy", "random"], "policy: must be one of"),
    ],
)
def test_a_bad_option_is_one_line_without_a_traceback(args, says, capsys):
    """User errors exit 12 with the field named and no stack trace."""
    assert main(["simulate", *args], {}) == EXIT_INPUT
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


def test_an_unwritable_results_file_is_a_plain_error(tmp_path, capsys):
    """A results path in a missing folder is reported, not raised."""
    out = tmp_path / "missing" / "results.json"
    args = ["simulate", "--days", "1", "--replications", "1", "--population", "20000"]
    assert main([*args, "--out", str(out)], {}) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "out: cannot write the results file" in err and "Traceback" not in err
