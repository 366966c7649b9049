import time

from django.core.management.base import BaseCommand
from django.db.models import Count
from django_scopes import scopes_disabled

from core.demo.logins import logins_table
from core.demo.seed import SEED, seed_demo
from core.models import Area, Building, Department, Membership, Project, Resident, Unit, UnitResident
from inspections.models import Finding, InspectionRound
from plans.models import Plan, Task
from portal.models import Notice
from workorders.models import WorkOrder


class Command(BaseCommand):
    help = "Create (or complete) the demo company 安居物业 with two projects, staff, owners and notices."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=SEED, help="Random seed for names and occupancy.")

    def handle(self, *args, seed: int, **options):
        started = time.monotonic()
        with scopes_disabled():
            company = seed_demo(seed=seed)
            counts = demo_counts(company)
        elapsed = time.monotonic() - started
        summary = ", ".join(f"{n} {label}" for label, n in counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"Demo company {company.name} ({company.code}) ready in {elapsed:.1f} s: {summary}.")
        )
        self.stdout.write("\n" + logins_table() + "\n")


def demo_counts(company) -> dict[str, int]:
    """Row counts of the demo company, for the summary line (and the idempotency test)."""
    models = [
        ("projects", Project),
        ("buildings", Building),
        ("units", Unit),
        ("areas", Area),
        ("departments", Department),
        ("memberships", Membership),
        ("residents", Resident),
        ("unit residents", UnitResident),
        ("notices", Notice),
        ("work orders", WorkOrder),
        ("plans", Plan),
        ("plan tasks", Task),
        ("inspection rounds", InspectionRound),
        ("findings", Finding),
    ]
    counts = {label: model.objects.filter(company=company).count() for label, model in models}
    counts["staff"] = Membership.objects.filter(company=company).values("user").annotate(n=Count("id")).count()
    return counts
