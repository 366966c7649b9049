"""Recompute a company's roll-ups for a range of days: after an import, a fix or a change of rules."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scopes_disabled

from analytics.services import rollup_rebuild_range
from core.models import Company


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from None


class Command(BaseCommand):
    help = "Rebuild the daily roll-ups of one company for the days --from .. --to (local dates, inclusive)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--company", required=True, help="company code")
        parser.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD")

    def handle(self, *args, company: str, date_from: str, date_to: str, **options) -> None:
        first, last = _date(date_from), _date(date_to)
        if last < first:
            raise CommandError("--to is before --from")
        with scopes_disabled():
            found = Company.objects.filter(code=company).first()
            if found is None:
                raise CommandError(f"no company with code {company}")
            rows = rollup_rebuild_range(company=found, date_from=first, date_to=last)
        self.stdout.write(f"{found.code}: {(last - first).days + 1} days rebuilt, {rows} rows")
