"""Benchmarks behind the `bench_*` management commands; figures in docs/performance.md."""
