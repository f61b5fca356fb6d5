"""Benchmarks: `python -m bench [NAME ...]` (or `make bench`) runs them on a file database in a
temporary folder and records the figures in `bench/results.json` and `docs/benchmarks.md`."""
