"""The simulator page: run the synthetic area's service and what-ifs, see a table and charts.

For service leads, team leads and analysts (Permission.SIMULATE). The simulation reads no patient
data: it runs on the synthetic area's calibrated figures (docs/simulation.md), so nothing is
audited. Runs are bounded so that a request stays fast: at most `MAX_DAYS` days,
`MAX_REPLICATIONS` replications and `MAX_POPULATION` people, in one worker thread (the largest
run with every what-if took about 7 s on the development machine). Charts
are SVG drawn on the server; the page has no script of its own (htmx swaps the results in).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from avert.domain.access import Permission
from avert.domain.errors import ValidationError
from avert.sim.area import referrals_per_year, synthetic_service
from avert.sim.model import POLICIES
from avert.sim.report import hour_chart, metric_label, scenario_chart, table_rows
from avert.sim.whatif import SCENARIOS, compare
from avert.web.auth import allowed
from avert.web.pages.common import page


router = APIRouter(include_in_schema=False)
Simulator = allowed(Permission.SIMULATE)

MAX_DAYS = 14
MAX_REPLICATIONS = 10
MAX_POPULATION = 100_000
DEFAULTS = {"days": "7", "replications": "5", "seed": "1", "population": "50000"}
POLICY_LABELS = {
    "avert": "Avert's dispatch policy",
    "nearest_free": "Nearest free clinician in the team",
    "nearest_free_service_wide": "Nearest free clinician, any team for 2-hour referrals",
}
LABELS = {
    "days": "Days to simulate",
    "replications": "Replications",
    "seed": "Seed",
    "population": "Population",
    "policy": "Dispatch policy",
    "scenarios": "What-ifs",
}


def _whole(form, name: str, lo: int, hi: int, errors: dict) -> int:
    text = str(form.get(name, "") or "").strip().replace(",", "")
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not lo <= value <= hi:
        errors[name] = f"{LABELS[name]} must be a whole number from {lo:,} to {hi:,}"
        return lo
    return value


def _form_context(values: dict, chosen: list[str], errors: dict) -> dict:
    return {
        "values": values,
        "chosen": chosen,
        "errors": errors,
        "labels": LABELS,
        "scenarios": [s for s in SCENARIOS.values() if s.name != "baseline"],
        "policies": [{"value": k, "label": v} for k, v in POLICY_LABELS.items()],
        "limits": {
            "days": MAX_DAYS,
            "replications": MAX_REPLICATIONS,
            "population": MAX_POPULATION,
        },
    }


@router.get("/simulate", response_class=HTMLResponse)
def simulate_form(request: Request, principal: Simulator):
    values = {**DEFAULTS, "policy": "avert"}
    return page(request, "simulate.html", _form_context(values, [], {}))


@router.post("/simulate", response_class=HTMLResponse)
async def simulate_run(request: Request, principal: Simulator):
    form = await request.form()
    errors: dict[str, str] = {}
    days = _whole(form, "days", 1, MAX_DAYS, errors)
    replications = _whole(form, "replications", 1, MAX_REPLICATIONS, errors)
    seed = _whole(form, "seed", 0, 1_000_000, errors)
    population = _whole(form, "population", 1_000, MAX_POPULATION, errors)
    policy = str(form.get("policy") or "avert")
    if policy not in POLICY_LABELS:  # the choices offered: every policy (a test checks)
        errors["policy"] = "Choose a dispatch policy from the list"
    chosen = [str(s) for s in form.getlist("scenarios")]
    if any(s not in SCENARIOS or s == "baseline" for s in chosen):
        errors["scenarios"] = "Choose what-ifs from the list"
    values = {k: str(form.get(k, "")) for k in ("days", "replications", "seed", "population")}
    values["policy"] = policy
    context = _form_context(values, chosen, errors)
    partial = request.headers.get("hx-request") == "true"
    if errors:
        # htmx swaps only successful answers, so its partial carries the errors with a 200.
        if partial:
            return page(request, "simulate_results.html", context)
        return page(request, "simulate.html", context, status_code=422)
    try:
        service = synthetic_service(population=population, seed=seed)
        results = await run_in_threadpool(
            compare,
            service,
            list(dict.fromkeys(chosen)),
            POLICIES[policy],
            seed=seed,
            days=days,
            replications=replications,
        )
    except ValidationError as error:
        context["errors"] = {error.field: error.message}
        return page(request, "simulate.html", context, status_code=422)
    context.update(
        {
            "results": results,
            "rows": {r.scenario: table_rows(r) for r in results},
            "met_chart": scenario_chart(
                "2-hour referrals seen within 2 hours, by scenario (95 % CI)", results
            ),
            "use_chart": scenario_chart(
                "Staff utilisation, by scenario (95 % CI)", results, "utilisation"
            ),
            "hour_charts": [
                hour_chart(
                    f"2-hour referrals seen within 2 hours by hour of arrival: {r.label}",
                    r.by_hour,
                )
                for r in results
            ],
            "headline": metric_label("crisis_met"),
            "run": {
                "days": days,
                "replications": replications,
                "population": population,
                "referrals_per_year": referrals_per_year(population),
                "policy": POLICY_LABELS[policy],
                "seed": seed,
            },
        }
    )
    return page(request, "simulate_results.html" if partial else "simulate.html", context)
