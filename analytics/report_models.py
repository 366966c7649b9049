"""Models of the periodic reports (monthly, quality-month campaign, half-year); imported by analytics.models."""
