"""Benchmarks: each runs the real stack and, in the same run, a baseline, and prints one JSON line with
the ratio between them (`creatorflow bench lifecycle|webhooks|backfill`). Not part of `make test`."""
