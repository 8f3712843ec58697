"""Where the public benchmark data is, and what the published results say.

The data (Solomon VRPTW and Mankowska HHCRSP, see its README.md) is never copied into the
repository: it sits beside the checkout as `../shared/benchmarks/`, or wherever the
`AVERT_BENCHMARKS_DIR` environment variable points.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


REPO_ROOT = Path(__file__).resolve().parents[2]
FAMILIES = {10: "A", 25: "B", 50: "C", 75: "D", 100: "E", 200: "F", 300: "G"}


class MissingBenchmarks(FileNotFoundError):
    pass


def benchmarks_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The benchmark folder; raises `MissingBenchmarks` saying where it looked."""
    env = os.environ if environ is None else environ
    where = Path(env.get("AVERT_BENCHMARKS_DIR") or REPO_ROOT / ".." / "shared" / "benchmarks")
    if not (where / "hhcrsp").is_dir() or not (where / "solomon").is_dir():
        raise MissingBenchmarks(
            f"benchmark data not found at {where} (expected hhcrsp/ and solomon/ there; "
            "clone the shared data beside the repository or set AVERT_BENCHMARKS_DIR)"
        )
    return where.resolve()


@dataclass(frozen=True)
class PublishedHhcrsp:
    """One row of mankowska_best.md: the 2024 best solution of an instance."""

    instance: str
    solution: str
    distance: float
    max_tardiness: float
    total_tardiness: float
    total_cost: float
    cost_decimals: int

    @property
    def name(self) -> str:
        """A1..G10, as in the literature."""
        size, number = re.findall(r"_(\d+)_(\d+)\.json$", self.instance)[0]
        return f"{FAMILIES[int(size)]}{number}"

    @property
    def family(self) -> str:
        return self.name[0]


def mankowska_best(root: Path) -> list[PublishedHhcrsp]:
    """The published best results, in the order of the table."""
    rows = []
    table = root / "hhcrsp" / "mankowska2014_best" / "mankowska_best.md"
    for line in table.read_text().splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) < 7 or not cells[1].endswith(".json"):
            continue
        cost = cells[5]
        rows.append(
            PublishedHhcrsp(
                instance=cells[1],
                solution=cells[6],
                distance=float(cells[2]),
                max_tardiness=float(cells[3]),
                total_tardiness=float(cells[4]),
                total_cost=float(cost),
                cost_decimals=len(cost.partition(".")[2]),
            )
        )
    return rows


def solomon_best(root: Path) -> dict[str, float]:
    """Best-known cost of each Solomon instance, from the `Cost` line of its .sol file."""
    out = {}
    for sol in sorted((root / "solomon").glob("*.sol")):
        for line in sol.read_text().splitlines():
            if line.lower().startswith("cost"):
                out[sol.stem] = float(line.split()[1])
    return out
