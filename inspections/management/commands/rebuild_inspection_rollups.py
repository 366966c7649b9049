import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scopes_disabled

from core.models import Company
from inspections.services import inspection_rollup_rebuild


class Command(BaseCommand):
    help = "Re-score submitted inspection rounds and rewrite their monthly roll-ups; safe to run any time."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--since", type=dt.date.fromisoformat, help="From the month of this date, YYYY-MM-DD.")
        parser.add_argument("--company", help="Only this company (its code).")

    def handle(self, *args, **options) -> None:
        with scopes_disabled():
            company = None
            if options["company"]:
                company = Company.objects.filter(code=options["company"]).first()
                if company is None:
                    raise CommandError(f"No company with code {options['company']!r}.")
            started = time.monotonic()
            rows = inspection_rollup_rebuild(company=company, since=options["since"])
        self.stdout.write(f"rows={rows} seconds={time.monotonic() - started:.1f}")
