from django.core.management.base import BaseCommand

from plans.tasks import sweep


class Command(BaseCommand):
    help = "Run the plan-task sweep once: tasks past their window become missed (or completed when all checked in)."

    def handle(self, *args, **options) -> None:
        totals = sweep()
        self.stdout.write(", ".join(f"{k}={v}" for k, v in sorted(totals.items()) if v) or "nothing due")
