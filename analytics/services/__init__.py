"""Writes of the analytics domain: rebuilding days of the roll-ups and the incremental job."""

from analytics.services.refresh import rollup_rebuild_range, rollup_refresh
from analytics.services.rollup import rollup_rebuild

__all__ = ["rollup_rebuild", "rollup_rebuild_range", "rollup_refresh"]
