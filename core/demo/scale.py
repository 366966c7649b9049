"""Benchmark-scale data (`manage.py gen_scale`): one company, N projects of M units, their owners.

Speed matters here (hundreds of thousands of units), so buildings, units, residents and their
links skip the ORM: each project's rows are built as tuples and written with ``executemany``
(``COPY`` on PostgreSQL) in one transaction per project, with primary keys allocated from
``MAX(id)`` inside that transaction (the generator must be the only writer of those tables
while it runs; on SQLite the IMMEDIATE transaction guarantees it). The company goes through ``company_create`` and the
projects through ``bulk_create``; none of these rows get simple-history records.

Reproducible: every project draws from its own ``random.Random`` seeded with the seed and the
project's index, so the same seed gives the same names, phones, layouts and occupancy.
"""

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from tqdm import tqdm

from core import services
from core.choices import ProjectKind, ResidentRelation, UnitStatus
from core.demo import names
from core.models import (
    Building,
    Company,
    Membership,
    Project,
    Resident,
    Unit,
    UnitResident,
)

OWNED_SHARE = 0.85  # share of units with an owner (Resident + UnitResident)
TENANT_SHARE = 0.08  # of those, the share whose linked resident is a tenant
VERIFIED_SHARE = 0.9
EXTRA_OCCUPIED_SHARE = 0.4  # of units without a linked owner, the share still marked occupied
BUILDING_UNITS = (100, 200)  # units per building
UNITS_PER_TRANSACTION = 50_000  # commit about this often; fewer, larger commits write faster
SQLITE_CACHE_KIB = 256 * 1024  # page cache while generating, so index pages are not spilled and re-read

CITIES = [
    ("杭州市", "西湖区"),
    ("杭州市", "滨江区"),
    ("上海市", "浦东新区"),
    ("上海市", "闵行区"),
    ("南京市", "鼓楼区"),
    ("苏州市", "工业园区"),
    ("成都市", "高新区"),
    ("武汉市", "洪山区"),
    ("深圳市", "南山区"),
    ("广州市", "天河区"),
    ("北京市", "朝阳区"),
    ("西安市", "雁塔区"),
]
PROJECT_WORDS = [
    "锦绣",
    "翠苑",
    "阳光",
    "金色",
    "碧水",
    "绿城",
    "万科",
    "和平",
    "幸福",
    "海棠",
    "紫荆",
    "丹桂",
    "香樟",
    "枫林",
    "星河",
    "云栖",
    "江南",
    "滨江",
    "春晓",
    "景湖",
    "御景",
    "华府",
    "望湖",
    "东方",
]
PROJECT_SUFFIXES = ["花园", "家园", "小区", "公寓", "名苑", "雅苑", "新村", "府", "湾", "城"]
STREETS = ["文三路", "学院路", "人民路", "解放路", "中山路", "建设路", "长江路", "黄河路", "和平路", "滨湖路"]
LAYOUTS = [
    Decimal(v) for v in ("62.35", "75.80", "89.62", "98.74", "105.30", "118.20", "128.45", "143.56", "156.90", "178.92")
]


@dataclass(frozen=True)
class ScaleSpec:
    company_code: str
    projects: int
    units_per_project: int
    seed: int = 1


@dataclass
class ScaleStats:
    projects: int = 0
    buildings: int = 0
    units: int = 0
    residents: int = 0
    unit_residents: int = 0
    seconds: float = 0.0

    @property
    def units_per_second(self) -> float:
        return self.units / self.seconds if self.seconds else 0.0


@dataclass
class ProjectRows:
    """One project's rows, as lists in the column order of the matching RowWriter."""

    buildings: list[list] = field(default_factory=list)
    units: list[list] = field(default_factory=list)
    residents: list[list] = field(default_factory=list)
    unit_residents: list[list] = field(default_factory=list)


class RowWriter:
    """An INSERT of a model's rows from tuples (no model instances, no signals): ``executemany``, or
    ``COPY`` on PostgreSQL, where executemany writes about ten times slower.

    Rows hold the ``fields`` given, in that order; every other column is filled with its
    field's default (or NULL), so a field added to the model later does not break the
    generator. A new NOT NULL field without a default raises here, naming the field.
    """

    def __init__(self, model: type[models.Model], fields: list[str]):
        self.model, self.fields = model, fields
        self._sql: str | None = None
        self._copy_sql = ""
        self._extra: tuple = ()

    def write(self, rows: list[list]) -> int:
        if not rows:
            return 0
        if self._sql is None:
            self.prepare()
        if self._extra:
            for row in rows:
                row.extend(self._extra)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(self._copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self._sql, rows)
        return len(rows)

    def prepare(self) -> None:
        opts, quote = self.model._meta, connection.ops.quote_name
        given = [opts.get_field(name) for name in self.fields]
        others = [f for f in opts.concrete_fields if f not in given and not f.primary_key]
        self._extra = tuple(f.get_db_prep_save(_fill_value(f), connection) for f in others)
        columns = ", ".join(quote(f.column) for f in given + others)
        placeholders = ", ".join(["%s"] * (len(given) + len(others)))
        self._sql = f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES ({placeholders})"
        self._copy_sql = f"COPY {quote(opts.db_table)} ({columns}) FROM STDIN"


def _fill_value(field: models.Field):
    if field.has_default():
        return field.get_default()
    if field.null:
        return None
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return timezone.now()
    raise ImproperlyConfigured(
        f"gen_scale cannot fill {field.model.__name__}.{field.name} (NOT NULL, no default); "
        "add it to core/demo/scale.py"
    )


BUILDINGS = RowWriter(Building, ["id", "company", "project", "name", "floors", "sort_order", "created"])
UNITS = RowWriter(
    Unit,
    ["id", "company", "project", "building", "entrance", "floor", "number", "code", "floor_area", "status", "created"],
)
RESIDENTS = RowWriter(Resident, ["id", "company", "name", "phone", "note", "created"])
UNIT_STATUS = 9  # index of "status" in a UNITS row
UNIT_RESIDENTS = RowWriter(
    UnitResident, ["company", "unit", "resident", "relation", "is_verified", "verified_at", "created"]
)


class IdAllocator:
    """Hands out primary keys after the current MAX(id) of a table; read inside the write transaction."""

    def __init__(self, model: type[models.Model]):
        self.next = (model.objects.aggregate(m=models.Max("id"))["m"] or 0) + 1

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value


class IdAllocators:
    def __init__(self):
        self.buildings, self.units, self.residents = IdAllocator(Building), IdAllocator(Unit), IdAllocator(Resident)


#
# Entry points
#
def scale_generate(spec: ScaleSpec, *, progress: bool = True) -> ScaleStats:
    stats = ScaleStats()
    for writer in (BUILDINGS, UNITS, RESIDENTS, UNIT_RESIDENTS):
        writer.prepare()  # fails before writing anything if a model gained a field we cannot fill
    started = time.monotonic()
    company = scale_company(spec)
    projects = scale_projects(spec, company=company)
    stats.projects = len(projects)
    created = connection.ops.adapt_datetimefield_value(timezone.now())
    phones = _phone_numbers(spec.seed)
    per_transaction = max(1, UNITS_PER_TRANSACTION // spec.units_per_project)
    with (
        tqdm(
            total=spec.projects * spec.units_per_project,
            unit="units",
            unit_scale=True,
            disable=not progress,
            smoothing=0.1,
        ) as bar,
        _sqlite_page_cache(),
    ):
        for start in range(0, len(projects), per_transaction):
            with transaction.atomic():
                ids = IdAllocators()
                for index in range(start, min(start + per_transaction, len(projects))):
                    rows = scale_project_rows(
                        spec, project=projects[index], index=index, created=created, phones=phones
                    )
                    _write_project(rows, stats, ids)
                    bar.update(len(rows.units))
    reset_sequences([Building, Unit, Resident])
    stats.seconds = time.monotonic() - started
    return stats


def scale_delete_company(company: Company) -> None:
    """Remove a generated company, every row of every app that carries it, and its staff accounts.

    Raw DELETEs, table by table: the ORM would load every row to cascade. The order does not
    matter because Django's foreign keys are DEFERRABLE INITIALLY DEFERRED (PostgreSQL and
    SQLite): they are checked at commit, when all of the company's rows are gone.
    """
    from accounts.models import User

    staff = set(
        Membership.objects.filter(company=company, user__username__startswith=f"gen-{company.code}-").values_list(
            "user_id", flat=True
        )
    )
    owned, linked = _company_tables()
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for table, column, parent in linked:  # rows without a company column that point at the company's rows
            cursor.execute(
                f"DELETE FROM {quote(table)} WHERE {quote(column)} IN "
                f"(SELECT id FROM {quote(parent)} WHERE company_id = %s)",
                [company.pk],
            )
        for table in owned:
            cursor.execute(f"DELETE FROM {quote(table)} WHERE company_id = %s", [company.pk])
        Company.objects.filter(pk=company.pk).delete()
        User.objects.filter(pk__in=staff).exclude(memberships__isnull=False).delete()


def _company_tables() -> tuple[list[str], list[tuple[str, str, str]]]:
    """Tables with a ``company`` foreign key, and (table, column, parent) for tables that only
    reach the company through one of those (many-to-many links and the like)."""
    from django.apps import apps

    def company_fk(model) -> bool:
        return any(f.is_relation and f.related_model is Company and f.concrete for f in model._meta.fields)

    models = apps.get_models(include_auto_created=True)
    owned = {m for m in models if company_fk(m) and m is not Company and m._meta.managed}
    owned_tables = {m._meta.db_table for m in owned}
    linked = []
    for model in models:
        if model in owned or model is Company or not model._meta.managed:
            continue
        for f in model._meta.fields:
            if f.is_relation and f.concrete and f.related_model in owned and f.db_constraint:
                linked.append((model._meta.db_table, f.column, f.related_model._meta.db_table))
    return sorted(owned_tables), linked


#
# One function per record kind
#
def scale_company(spec: ScaleSpec) -> Company:
    return services.company_create(
        name=f"规模测试物业（{spec.company_code}）", code=spec.company_code, short_name=f"规模测试{spec.company_code}"
    )


def scale_projects(spec: ScaleSpec, *, company: Company) -> list[Project]:
    rng = random.Random(f"{spec.seed}:projects")
    projects, used = [], set()
    for index in range(spec.projects):
        city, district = rng.choice(CITIES)
        name = _unique_name(f"{rng.choice(PROJECT_WORDS)}{rng.choice(PROJECT_SUFFIXES)}", used)
        projects.append(
            Project(
                company=company,
                name=name,
                code=f"p{index + 1:05d}",
                kind=ProjectKind.RESIDENTIAL,
                city=city,
                district=district,
                address=f"{rng.choice(STREETS)}{rng.randint(1, 999)}号",
                households=spec.units_per_project,
            )
        )
    with transaction.atomic():
        return Project.objects.bulk_create(projects, batch_size=1000)


def scale_project_rows(spec: ScaleSpec, *, project: Project, index: int, created, phones: Iterator[str]) -> ProjectRows:
    """Plan one project's buildings, units and owners; ids are filled in when the rows are written."""
    rng = random.Random(f"{spec.seed}:project:{index}")
    rows = ProjectRows()
    remaining, number = spec.units_per_project, 0
    while remaining > 0:
        number += 1
        size = min(remaining, rng.randint(*BUILDING_UNITS))
        remaining -= size
        scale_building(rows, rng, project=project, number=number, size=size, created=created)
    scale_owners(rows, rng, project=project, created=created, phones=phones)
    return rows


def scale_building(rows: ProjectRows, rng: random.Random, *, project: Project, number: int, size: int, created) -> None:
    """A building of ``size`` units: 1–3 entrances of 2–4 rooms per floor, as many floors as it takes."""
    entrances, per_floor = rng.randint(1, 3), rng.randint(2, 4)
    floors = -(-size // (entrances * per_floor))
    layouts = sorted(rng.sample(LAYOUTS, per_floor))
    building_ref = len(rows.buildings)  # replaced by the real id when written
    rows.buildings.append([building_ref, project.company_id, project.pk, f"{number}栋", floors, number, created])
    scale_units(
        rows,
        rng,
        project=project,
        building_ref=building_ref,
        number=number,
        size=size,
        shape=(entrances, floors, layouts),
        created=created,
    )


def scale_units(
    rows: ProjectRows,
    rng: random.Random,
    *,
    project: Project,
    building_ref: int,
    number: int,
    size: int,
    shape: tuple[int, int, list[Decimal]],
    created,
) -> None:
    entrances, floors, layouts = shape
    company_id, project_id, append, rand = project.company_id, project.pk, rows.units.append, rng.random
    occupied, vacant = UnitStatus.OCCUPIED.value, UnitStatus.VACANT.value
    made = 0
    for entrance in range(1, entrances + 1):
        label = f"{entrance}单元"
        for floor in range(1, floors + 1):
            for room, area in enumerate(layouts, 1):
                if made == size:
                    return
                made += 1
                # status decided with the owner: an owned unit is always occupied (see scale_owners)
                status = occupied if rand() < OWNED_SHARE + (1 - OWNED_SHARE) * EXTRA_OCCUPIED_SHARE else vacant
                room_no = f"{floor}{room:02d}"
                append(
                    [
                        None,
                        company_id,
                        project_id,
                        building_ref,
                        label,
                        floor,
                        room_no,
                        f"{number}-{entrance}-{room_no}",
                        area,
                        status,
                        created,
                    ]
                )


def scale_owners(rows: ProjectRows, rng: random.Random, *, project: Project, created, phones: Iterator[str]) -> None:
    """Link a resident to about OWNED_SHARE of the units: mostly verified owners, some tenants."""
    company_id, rand, occupied = project.company_id, rng.random, UnitStatus.OCCUPIED.value
    tenant, owner = ResidentRelation.TENANT.value, ResidentRelation.OWNER.value
    owned_given_occupied = OWNED_SHARE / (OWNED_SHARE + (1 - OWNED_SHARE) * EXTRA_OCCUPIED_SHARE)
    for unit_ref, unit in enumerate(rows.units):
        if unit[UNIT_STATUS] != occupied or rand() >= owned_given_occupied:
            continue
        resident_ref = len(rows.residents)
        rows.residents.append([None, company_id, names.person_name(rng), next(phones), "", created])
        relation = tenant if rand() < TENANT_SHARE else owner
        verified = rand() < VERIFIED_SHARE
        rows.unit_residents.append(
            [company_id, unit_ref, resident_ref, relation, verified, created if verified else None, created]
        )


#
# Writing
#
def _write_project(rows: ProjectRows, stats: ScaleStats, ids: "IdAllocators") -> None:
    building_ids = _assign_ids(rows.buildings, ids.buildings)
    for unit in rows.units:
        unit[0], unit[3] = ids.units.take(), building_ids[unit[3]]
    for resident in rows.residents:
        resident[0] = ids.residents.take()
    units, residents = rows.units, rows.residents
    for link in rows.unit_residents:
        link[1], link[2] = units[link[1]][0], residents[link[2]][0]
    stats.buildings += BUILDINGS.write(rows.buildings)
    stats.units += UNITS.write(rows.units)
    stats.residents += RESIDENTS.write(rows.residents)
    stats.unit_residents += UNIT_RESIDENTS.write(rows.unit_residents)


def _assign_ids(rows: list[list], ids: IdAllocator) -> list[int]:
    for row in rows:
        row[0] = ids.take()
    return [row[0] for row in rows]


def reset_sequences(models_with_ids: list[type[models.Model]]) -> None:
    """PostgreSQL sequences do not see explicit ids; SQLite's AUTOINCREMENT does (no statements)."""
    statements = connection.ops.sequence_reset_sql(no_style(), models_with_ids)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


@contextmanager
def _sqlite_page_cache() -> Iterator[None]:
    """A large page cache for this connection while generating (memory only, no durability trade-off)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size={int(previous)}")


def _phone_numbers(seed: int) -> Iterator[str]:
    rng = random.Random(f"{seed}:phones")
    n = 0
    while True:
        yield names.mobile_phone(rng, n)
        n += 1


def _unique_name(name: str, used: set[str]) -> str:
    candidate, phase = name, 1
    while candidate in used:
        phase += 1
        candidate = f"{name}{phase}期"
    used.add(candidate)
    return candidate
