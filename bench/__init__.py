"""pinzhi benchmarks: `python -m bench` (or `make bench`) measures every registered figure.

Each figure is a function in ``bench/figures/`` decorated with ``@figure(name, unit, target)``;
it gets a ``BenchContext`` (the scale, a scratch directory, a fresh migrated SQLite database
on request) and returns the measured value. To add a figure, add a module there and import it
in ``bench/figures/__init__.py``.
"""
