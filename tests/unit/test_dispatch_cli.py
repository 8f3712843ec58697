"""`avert plan hhcrsp|vrptw` on real instances for about a second each."""

from __future__ import annotations

from avert.cli.main import EXIT_INPUT, main
from avert.dispatch import hhcrsp, vrplib_io
from avert.dispatch.cli import plan_hhcrsp, plan_vrptw
from avert.dispatch.published import benchmarks_dir
from avert.dispatch.validator import validate, validate_vrptw


def test_plan_hhcrsp_writes_a_plan_that_reads_back_and_validates(tmp_path, capsys):
    """A 25-patient instance planned for 1 s: the written JSON is a valid plan of it."""
    path = benchmarks_dir() / "hhcrsp" / "mankowska2014" / "InstanzCPLEX_HCSRP_25_1.json"
    out = tmp_path / "plan.json"
    assert plan_hhcrsp(path, seconds=1.0, seed=1, out=out) == 0
    instance = hhcrsp.read_instance(path)
    report = validate(instance.problem, hhcrsp.read_solution(out, instance))
    assert report.feasible
    assert f"cost {report.objective:.3f}" in capsys.readouterr().out


def test_plan_vrptw_writes_a_solution_that_reads_back_and_is_feasible(tmp_path):
    """A Solomon instance planned for 1 s: the .sol file is feasible and states its cost."""
    path = benchmarks_dir() / "solomon" / "R101.vrp"
    out = tmp_path / "R101.sol"
    assert plan_vrptw(path, seconds=1.0, seed=1, out=out) == 0
    routes, cost = vrplib_io.read_solution(out)
    report = validate_vrptw(vrplib_io.read_vrptw(path), routes)
    assert report.feasible and report.cost == cost


def test_a_bad_instance_exits_12_without_a_traceback(tmp_path, capsys):
    """A JSON file that is not an instance is a user error: one line, exit code 12."""
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    code = main(["plan", "hhcrsp", str(bad), "--seconds", "1", "--out", str(tmp_path / "x")], {})
    assert code == EXIT_INPUT
    assert "patients" in capsys.readouterr().err
