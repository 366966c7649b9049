"""The early-warning rules: their parameters (params), the rules over changes (changes, keywords,
complaints, resolve; run every minute by alerts.engine.evaluate_changes) and the rules over figures
(periodic; run hourly by alerts.engine.evaluate_periodic)."""

from alerts.rules.params import validate_params

__all__ = ["validate_params"]
