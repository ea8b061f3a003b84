"""Load benchmark of the public API (issue 2, requirement 13): `python -m bench.run`."""
