"""The shape every KPI figure takes (DOMAIN §6.3: numerator, denominator and the rate)."""

from dataclasses import dataclass
from typing import Any


@dataclass
class Rate:
    """numerator ÷ denominator for one group (empty dict = the total); ``rate`` is None when nothing was due."""

    group: dict[str, Any]
    numerator: int
    denominator: int

    @property
    def rate(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> float | None:
        return round(self.numerator * 100 / self.denominator, 1) if self.denominator else None
