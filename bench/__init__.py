"""Benchmarks of the Tessera console (`python -m bench.wall`); not part of the installed package."""
