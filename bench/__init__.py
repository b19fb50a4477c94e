"""Benchmarks: each module measures against a baseline taken in the same run; results go to docs/benchmarks.md."""
