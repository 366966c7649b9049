from django.core.management.base import BaseCommand

from inspections.tasks import sweep


class Command(BaseCommand):
    help = "Run the findings sweep once: escalate overdue rectifications, flag CAPA effectiveness checks due."

    def handle(self, *args, **options) -> None:
        totals = sweep()
        self.stdout.write(", ".join(f"{k}={v}" for k, v in sorted(totals.items())) or "nothing due")
