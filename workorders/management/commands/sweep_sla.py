from django.core.management.base import BaseCommand

from workorders.tasks import sweep


class Command(BaseCommand):
    help = "Run the work-order sweep once: SLA warnings and breaches, and orders nobody took in time."

    def handle(self, *args, **options) -> None:
        totals = sweep()
        self.stdout.write(", ".join(f"{k}={v}" for k, v in sorted(totals.items())) or "nothing due")
