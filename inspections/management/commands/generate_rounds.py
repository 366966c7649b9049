import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django_scopes import scopes_disabled

from core.models import Company
from inspections.services import rounds_generate
from inspections.tasks import horizon


class Command(BaseCommand):
    help = "Make the inspection rounds of active schedules up to the horizon (7 days) or a date; safe to run any time."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, help="Days ahead of today (default 7).")
        parser.add_argument("--until", type=dt.date.fromisoformat, help="Last date, YYYY-MM-DD.")
        parser.add_argument("--company", help="Only this company (its code).")

    def handle(self, *args, **options) -> None:
        if options["days"] is not None and options["until"]:
            raise CommandError("Give --days or --until, not both.")
        until = options["until"] or horizon()
        if options["days"] is not None:
            until = timezone.localdate() + dt.timedelta(days=options["days"])
        with scopes_disabled():
            company = None
            if options["company"]:
                company = Company.objects.filter(code=options["company"]).first()
                if company is None:
                    raise CommandError(f"No company with code {options['company']!r}.")
            started = time.monotonic()
            created = rounds_generate(until=until, company=company)
        self.stdout.write(f"created={created} until={until} seconds={time.monotonic() - started:.1f}")
