"""Apuri benchmarks: results go to benchmarks/results/."""
