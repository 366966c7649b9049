"""Declarative list tables: one definition feeds the HTML list and the Excel export."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Column:
    name: str
    label: Any  # a lazy translation
    accessor: str | Callable[[Any], Any] | None = None
    link: str | None = None  # URL name taking the row's pk
    badge: Callable[[Any], str] | None = None  # row -> bootstrap colour

    def value(self, row: Any) -> Any:
        accessor = self.accessor or self.name
        if callable(accessor):
            return accessor(row)
        value = row
        for part in accessor.split("."):
            value = getattr(value, part, None)
            if value is None:
                return ""
        return value() if callable(value) else value

    def url(self, row: Any) -> str | None:
        if not self.link:
            return None
        try:
            return reverse(self.link, args=[row.pk])
        except NoReverseMatch:
            return None


class Table:
    columns: list[Column] = []

    def __init__(self, rows):
        self.rows = rows

    def header(self) -> list[Any]:
        return [c.label for c in self.columns]

    def cells(self):
        for row in self.rows:
            yield row, [(c, c.value(row), c.url(row), c.badge(row) if c.badge else None) for c in self.columns]
