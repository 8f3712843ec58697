"""Benchmarks: `avert bench SUITE` writes JSON results (medians and p95) to bench-results/."""
