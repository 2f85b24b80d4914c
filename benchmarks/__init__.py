"""Benchmarks for dedup: corpus generator, scorer and peer baselines."""
