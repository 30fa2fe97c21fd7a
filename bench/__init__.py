"""Benchmarks: each writes a JSON result (with date and machine) to bench/results/."""
