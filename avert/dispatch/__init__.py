"""Avert's dispatch engine: who goes to which visit, when, and in what order (issue 4).

- `model`: the problem (staff, visits, pins, travel, weights) and the plan, as validated values;
- `travel`: travel sources (straight line, a given matrix, an OSRM-style table service);
- `solve`: `plan(problem, stop, seed) -> Result`, a large neighbourhood search over the exact
  synchronisation-aware timing of `timing`, with `ruin` and `insertion` as its moves;
- `stop`: stopping criteria in PyVRP's shape;
- `validator`: the independent check of any plan, and its cost;
- `hhcrsp`, `vrplib_io`: the published formats; `vrptw`: plain VRPTW through PyVRP;
- `ortools_model`: the OR-Tools peer; `published`: where the benchmark data is;
- `cli`: `avert plan hhcrsp|vrptw`; `examples`: a problem small enough to check by hand.

docs/dispatch.md explains the model, the algorithm and the measurements behind it.
"""
