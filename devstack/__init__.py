"""The whole product on one machine with the emulators, for `creatorflow dev`, the tests and the benchmarks.

Here the product (starter, workers) meets the emulators, so that neither imports the other: `stack.py`
wires them on one Temporal, `fast.py` shrinks production's timings, `dev.py` is `creatorflow dev`.
A checkout has it (`pip install -e '.[dev]'`); the production image does not.
"""
