"""Benchmark figures: importing a module registers its figures (in this order)."""

from bench.figures import alerts, analytics, gen_scale, inspections, keywords, plans, workorders  # noqa: F401
