"""Benchmarks: `make bench` prints figures; no test asserts on time."""
