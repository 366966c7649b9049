import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_scopes import scopes_disabled

from core.demo.scale import ScaleSpec, scale_delete_company, scale_generate
from core.models import Company

SQLITE_FAST_PRAGMAS = ["PRAGMA synchronous=OFF", "PRAGMA temp_store=MEMORY"]


class Command(BaseCommand):
    help = (
        "Generate a company with many projects, buildings (100-200 units each), units and owners (Resident + "
        "UnitResident for about 85% of units, no accounts), for benchmarks. Rows are committed every ~50,000 units; "
        "a run that fails part-way leaves a partial company: run again with --replace. With --workorders, also "
        "the staff of every project and work orders over the last 12 months with their events, follow-ups and "
        "SLA breaches, as the services would have written them. With --plans, also checkpoints and service and "
        "patrol plans (the staff made as for --workorders), and with --tasks their task history with events and "
        "check-ins. With --rollups, the analytics roll-ups of every day the generated history covers, rebuilt "
        "at the end."
    )

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, required=True, help="Number of projects.")
        parser.add_argument("--units-per-project", type=int, required=True, help="Units in each project.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed; the same seed gives the same data.")
        parser.add_argument("--company-code", default="scale", help="Code of the generated company (default scale).")
        parser.add_argument("--replace", action="store_true", help="Delete the company first if it exists.")
        parser.add_argument(
            "--sqlite-fast",
            action="store_true",
            help="SQLite only: synchronous=OFF for this connection. A crash during "
            "generation may corrupt the file, so use it only on throw-away databases (benchmarks).",
        )
        parser.add_argument(
            "--workorders", type=int, default=0, help="Work orders to generate, spread over the projects (default 0)."
        )
        parser.add_argument(
            "--open-only",
            action="store_true",
            help="Every work order is still open (reported over the last 3 days): a backlog for the SLA sweep.",
        )
        parser.add_argument(
            "--as-of",
            help="The moment the generated history ends (ISO 8601 with time zone; default now, to the minute: "
            "the SLA sweep has run then, so nothing is due).",
        )
        parser.add_argument(
            "--plans",
            type=int,
            default=0,
            help="Plans to generate (a mix of patrols, cleaning, maintenance and greening with their windows, "
            "routes of checkpoints and assignees), spread over the projects (default 0).",
        )
        parser.add_argument(
            "--tasks",
            type=int,
            default=0,
            help="With --plans: about this many tasks of history, whole days up to the day after --as-of, with their "
            "events and check-ins; the plans are then generated until that day (default 0: plans only).",
        )
        parser.add_argument(
            "--inspections",
            type=int,
            default=0,
            help="Inspection rounds over the 12 months before --as-of (about 42 item results each, with findings "
            "and monthly roll-ups) on three large checklists from the standards library (default 0).",
        )
        parser.add_argument(
            "--rollups",
            action="store_true",
            help="Rebuild the company's daily analytics roll-ups (analytics.services.rollup_rebuild_range) over the "
            "days of the generated history, after everything else.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (stderr).")

    def handle(self, *args, **opts):
        if opts["projects"] < 1 or opts["units_per_project"] < 1:
            raise CommandError("--projects and --units-per-project must be at least 1.")
        if min(opts["workorders"], opts["plans"], opts["tasks"], opts["inspections"]) < 0:
            raise CommandError("--workorders, --plans, --tasks and --inspections cannot be negative.")
        if opts["tasks"] and not opts["plans"]:
            raise CommandError("--tasks needs --plans.")
        as_of = self._as_of(opts["as_of"])
        spec = ScaleSpec(
            company_code=opts["company_code"],
            projects=opts["projects"],
            units_per_project=opts["units_per_project"],
            seed=opts["seed"],
        )
        with scopes_disabled():
            self._clear(spec, replace=opts["replace"])
            if opts["sqlite_fast"]:
                self._sqlite_fast()
            stats = scale_generate(spec, progress=not opts["no_progress"])
            self.stdout.write(
                f"Generated {stats.units} units in {stats.buildings} buildings of {stats.projects} projects, "
                f"{stats.residents} residents and {stats.unit_residents} unit links for company {spec.company_code} "
                f"in {stats.seconds:.2f} s: {stats.units_per_second:.0f} units/s"
            )
            if opts["workorders"]:
                self._workorders(spec, opts, as_of=as_of)
            if opts["plans"]:
                self._plans(spec, opts, as_of=as_of)
            if opts["inspections"]:
                self._inspections(spec, opts, as_of=as_of)
            if opts["rollups"]:
                self._rollups(spec, opts)

    def _workorders(self, spec: ScaleSpec, opts: dict, *, as_of: dt.datetime) -> None:
        from core.demo.scale_workorders import OrderSpec, scale_workorders

        order_spec = OrderSpec(count=opts["workorders"], as_of=as_of, seed=spec.seed, open_only=opts["open_only"])
        company = Company.objects.get(code=spec.company_code)
        stats = scale_workorders(order_spec, company=company, progress=not opts["no_progress"])
        self.stdout.write(
            f"Generated {stats.orders} work orders (and {stats.rectifications} rectification orders the SLA rule "
            f"opened) with {stats.events} events, {stats.follow_ups} follow-ups, {stats.ratings} ratings and "
            f"{stats.breaches} SLA breaches "
            f"({stats.staff} staff roles) as of {as_of.isoformat()} "
            f"in {stats.seconds:.2f} s: {stats.rows_per_second:.0f} rows/s, "
            f"{stats.orders / stats.seconds if stats.seconds else 0:.0f} orders/s"
        )

    def _plans(self, spec: ScaleSpec, opts: dict, *, as_of: dt.datetime) -> None:
        from core.demo.scale_plans import PlanSpec, scale_plans

        plan_spec = PlanSpec(plans=opts["plans"], tasks=opts["tasks"], as_of=as_of, seed=spec.seed)
        company = Company.objects.get(code=spec.company_code)
        stats = scale_plans(plan_spec, company=company, progress=not opts["no_progress"])
        self.stdout.write(
            f"Generated {stats.plans} plans with {stats.windows} windows and {stats.checkpoints} checkpoints, "
            f"{stats.tasks} tasks over {stats.days} days with {stats.events} events and {stats.checkins} check-ins "
            f"as of {as_of.isoformat()} in {stats.seconds:.2f} s: {stats.rows_per_second:.0f} rows/s"
        )

    def _inspections(self, spec: ScaleSpec, opts: dict, *, as_of: dt.datetime) -> None:
        from core.demo.scale_inspections import InspectionSpec, scale_inspections

        inspection_spec = InspectionSpec(rounds=opts["inspections"], as_of=as_of, seed=spec.seed)
        company = Company.objects.get(code=spec.company_code)
        stats = scale_inspections(inspection_spec, company=company, progress=not opts["no_progress"])
        self.stdout.write(
            f"Generated {stats.rounds} inspection rounds on {stats.checklists} checklists with {stats.items} items, "
            f"{stats.results} item results, {stats.findings} findings, {stats.events} events and {stats.rollups} "
            f"roll-up rows as of {as_of.isoformat()} in {stats.seconds:.2f} s: {stats.rows_per_second:.0f} rows/s"
        )

    def _rollups(self, spec: ScaleSpec, opts: dict) -> None:
        from core.demo.scale_rollups import scale_rollups

        company = Company.objects.get(code=spec.company_code)
        stats = scale_rollups(company=company, progress=not opts["no_progress"])
        self.stdout.write(
            f"Rebuilt the roll-ups of {stats.days} days ({stats.first} to {stats.last}): {stats.rows} rows "
            f"in {stats.seconds:.2f} s: {stats.days / stats.seconds if stats.seconds else 0:.2f} days/s"
        )

    def _as_of(self, text: str | None) -> dt.datetime:
        if not text:
            return timezone.now().replace(second=0, microsecond=0)
        value = parse_datetime(text)
        if value is None or timezone.is_naive(value):
            raise CommandError(
                "--as-of must be an ISO 8601 date and time with a time zone, e.g. 2026-03-01T09:00+08:00."
            )
        return value

    def _clear(self, spec: ScaleSpec, *, replace: bool) -> None:
        company = Company.objects.filter(code=spec.company_code).first()
        if company is None:
            return
        if not replace:
            raise CommandError(
                f"A company with code {spec.company_code!r} already exists; pass --replace to "
                f"delete and regenerate it, or choose another --company-code."
            )
        scale_delete_company(company)

    def _sqlite_fast(self) -> None:
        if connection.vendor != "sqlite":
            raise CommandError("--sqlite-fast only applies to SQLite databases.")
        with connection.cursor() as cursor:
            for pragma in SQLITE_FAST_PRAGMAS:
                cursor.execute(pragma)
