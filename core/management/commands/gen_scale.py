from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django_scopes import scopes_disabled

from core.demo.scale import ScaleSpec, scale_delete_company, scale_generate
from core.models import Company

SQLITE_FAST_PRAGMAS = ["PRAGMA synchronous=OFF", "PRAGMA temp_store=MEMORY"]


class Command(BaseCommand):
    help = (
        "Generate a company with many projects, buildings (100-200 units each), units and owners (Resident + "
        "UnitResident for about 85% of units, no accounts), for benchmarks. Rows are committed every ~50,000 units; "
        "a run that fails part-way leaves a partial company: run again with --replace."
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
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (stderr).")

    def handle(self, *args, **opts):
        if opts["projects"] < 1 or opts["units_per_project"] < 1:
            raise CommandError("--projects and --units-per-project must be at least 1.")
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
