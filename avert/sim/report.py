"""Simulation results for people: a text table with intervals, text bars, and chart geometry.

Pure functions of the results; the command line prints `text_report`, the web page draws the
`Chart` geometry as server-rendered SVG (no script), and both write the same JSON (`to_json`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from avert.sim.stats import METRICS, PERCENT, Estimate
from avert.sim.whatif import Result


def number(value: float | None, key: str) -> str:
    if value is None:
        return "-"
    if key in PERCENT or abs(value) < 100:
        return f"{value:.1f}"
    return f"{value:,.0f}"


def interval(e: Estimate, key: str, signed: bool = False) -> str:
    """`mean (low to high)`, or just the mean when there is no interval."""
    if e.mean is None:
        return "-"
    mean = number(e.mean, key)
    if signed and e.mean >= 0:
        mean = "+" + mean
    if e.low is None or e.high is None:
        return mean
    return f"{mean} ({number(e.low, key)} to {number(e.high, key)})"


def metric_label(key: str) -> str:
    m = next(m for m in METRICS if m.key == key)
    return f"{m.label} ({m.unit})" if m.unit else m.label


def table_rows(result: Result) -> list[tuple[str, str, str]]:
    """(metric, mean with interval, difference from the baseline with interval)."""
    rows = []
    for m in METRICS:
        diff = ""
        if result.versus_baseline is not None:
            diff = interval(result.versus_baseline[m.key], m.key, signed=True)
        rows.append((metric_label(m.key), interval(result.summary[m.key], m.key), diff))
    return rows


def text_bars(labels: Sequence[str], values: Sequence[float | None], width: int = 40) -> list[str]:
    """One bar per label for a share of 0-100 %."""
    pad = max(len(label) for label in labels)
    lines = []
    for label, value in zip(labels, values, strict=True):
        if value is None:
            lines.append(f"{label:>{pad}} {'':{width}}  no referrals")
            continue
        filled = round(width * max(0.0, min(100.0, value)) / 100)
        lines.append(f"{label:>{pad}} {'#' * filled}{'.' * (width - filled)} {value:5.1f} %")
    return lines


def text_report(title: str, results: Sequence[Result]) -> str:
    """A table per scenario with confidence intervals, then text bar charts."""
    out = [title]
    for r in results:
        rows = table_rows(r)
        heads = (
            "",
            "mean (95 % CI)",
            "difference from baseline (95 % CI)" if r.versus_baseline else "",
        )
        widths = [max(len(heads[i]), *(len(row[i]) for row in rows)) for i in range(3)]
        out += ["", f"{r.scenario}: {r.label} (policy {r.policy}, {len(r.rows)} replications)"]
        for row in (heads, *rows):
            out.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    out += [
        "",
        "Means over replications with 95 % confidence intervals (Student's t); differences are",
        "paired replication by replication on common random numbers.",
        "",
        "2-hour referrals seen within 2 hours, by scenario:",
    ]
    out += text_bars([r.scenario for r in results], [r.summary["crisis_met"].mean for r in results])
    out += [
        "",
        f"2-hour referrals seen within 2 hours, by hour of arrival ({results[0].scenario}):",
    ]
    out += text_bars([f"{h:02d}:00" for h in range(24)], results[0].by_hour)
    return "\n".join(out)


# --- charts for the web page -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    title: str


@dataclass(frozen=True, slots=True)
class Chart:
    """A bar chart laid out in SVG user units (the template draws it)."""

    title: str
    width: float
    height: float
    bars: tuple[Bar, ...]
    axis_y: float
    ticks: tuple[tuple[float, str], ...]
    whiskers: tuple[tuple[float, float, float], ...] = ()  # (x, y_low, y_high)


def hour_chart(title: str, values: Sequence[float | None]) -> Chart:
    """The share met (0-100 %) by hour of arrival."""
    width, height, left, top, bottom = 720.0, 220.0, 40.0, 10.0, 30.0
    plot = height - top - bottom
    step = (width - left - 10) / 24
    bars = []
    for hour, value in enumerate(values):
        v = 0.0 if value is None else max(0.0, min(100.0, value))
        h = plot * v / 100
        shown = "no referrals" if value is None else f"{value:.1f} %"
        bars.append(
            Bar(
                left + hour * step + 2,
                top + plot - h,
                step - 4,
                h,
                f"{hour:02d}" if hour % 3 == 0 else "",
                shown,
                f"{hour:02d}:00 {shown}",
            )
        )
    ticks = tuple((top + plot - plot * p / 100, f"{p} %") for p in (0, 50, 100))
    return Chart(title, width, height, tuple(bars), top + plot, ticks)


def scenario_chart(title: str, results: Sequence[Result], key: str = "crisis_met") -> Chart:
    """One bar per scenario for a metric, with its 95 % interval as a whisker."""
    width, height, left, top, bottom = 720.0, 240.0, 40.0, 10.0, 40.0
    plot = height - top - bottom
    estimates = [r.summary[key] for r in results]
    highest = max([e.high or e.mean or 0.0 for e in estimates] + [1e-9])
    scale_top = 100.0 if key in PERCENT else highest * 1.1
    step = (width - left - 10) / max(1, len(results))

    def y(v: float) -> float:
        return top + plot - plot * max(0.0, min(v, scale_top)) / scale_top

    bars, whiskers = [], []
    for i, (r, e) in enumerate(zip(results, estimates, strict=True)):
        x = left + i * step + step * 0.2
        mean = e.mean or 0.0
        bars.append(
            Bar(
                x,
                y(mean),
                step * 0.6,
                top + plot - y(mean),
                r.scenario,
                number(e.mean, key),
                f"{r.scenario}: {interval(e, key)}",
            )
        )
        if e.low is not None and e.high is not None:
            whiskers.append((x + step * 0.3, y(e.low), y(e.high)))
    ticks = tuple((y(scale_top * p), number(scale_top * p, key)) for p in (0.0, 0.5, 1.0))
    return Chart(title, width, height, tuple(bars), top + plot, ticks, tuple(whiskers))


def to_json(meta: dict, results: Sequence[Result]) -> dict:
    return {**meta, "results": [r.to_json() for r in results]}
