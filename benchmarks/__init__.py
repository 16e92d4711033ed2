"""Benchmarks: `python -m benchmarks` runs every bench_<name>.py module."""
