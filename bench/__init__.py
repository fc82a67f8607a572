"""Benchmarks; `bench/run.py` is the load and race benchmark (see docs/benchmarks.md)."""
