"""Benchmark scripts (not timed tests): run with `python -m promptpo.benchmarks.<name>`."""
