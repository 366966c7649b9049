"""Build the demo company (`manage.py demo_data`) through the real services.

Idempotent: every step looks its rows up by natural key (company code, project code,
building/area/department name, username, membership role, notice title) and creates only
what is missing; units and residents are bulk-inserted once per project. Deterministic:
each step draws from its own ``random.Random`` seeded from ``seed`` and the step's name,
so skipping a step on a second run does not shift the others.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import user_create
from core import services
from core.choices import ResidentRelation, Role, UnitStatus
from core.demo import names, places
from core.demo.logins import DEMO_LOGINS, DEMO_PASSWORD, OWNER_PHONE, DemoLogin
from core.models import Building, Company, Department, Membership, Project, Resident, Unit, UnitResident
from open311.models import Open311Client
from open311.services import open311_client_create
from portal.models import Notice
from portal.services import notice_create

SEED = 2026
OWNER_UNIT = "1-1-1501"
# The demo company's Open311 API key, fixed so the README's curl examples work (README: Open311).
OPEN311_DEMO_KEY = "demo-open311-key-2026"
RESIDENTS_PER_PROJECT = {places.RESIDENTIAL: 236, places.OFFICE: 30}
PHONE_BASE = {places.RESIDENTIAL: 0, places.OFFICE: 100_000}  # keeps the two projects' numbers apart


@dataclass
class SeedContext:
    seed: int
    operator: User | None
    company: Company | None = None
    admin: User | None = None
    projects: dict[str, Project] = field(default_factory=dict)
    managers: dict[str, User] = field(default_factory=dict)
    new_users: list[User] = field(default_factory=list)

    def rng(self, step: str) -> random.Random:
        return random.Random(f"{self.seed}:{step}")


@transaction.atomic
def seed_demo(*, seed: int = SEED) -> Company:
    ctx = SeedContext(seed=seed, operator=None)
    ctx.operator = _operator(ctx)
    ctx.company = _company(ctx)
    ctx.admin = _login_user(ctx, _login("admin"))
    _membership(ctx, user=ctx.admin, role=Role.COMPANY_ADMIN, actor=ctx.operator, title="总经理")
    for key in places.PROJECTS:
        _project(ctx, key)
    _staff(ctx)
    for key in places.PROJECTS:
        _residents(ctx, key)
        _notices(ctx, key)
    _demo_owner(ctx)
    _open311_client(ctx)
    _workorders(ctx)
    _plans(ctx)
    _inspections(ctx)
    _alerts(ctx)
    _analytics(ctx)
    if ctx.new_users:  # hashing is slow (PBKDF2), so every new demo account shares one hash
        User.objects.filter(pk__in=[u.pk for u in ctx.new_users]).update(password=make_password(DEMO_PASSWORD))
    return ctx.company


#
# Accounts
#
def _login(username: str) -> DemoLogin:
    return next(x for x in DEMO_LOGINS if x.username == username)


def _user(ctx: SeedContext, *, username: str, name: str, phone: str | None) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        if phone and User.objects.filter(phone=phone).exists():
            phone = None  # someone took the number in this database; the username still signs in
        user = user_create(username=username, name=name, phone=phone)
        ctx.new_users.append(user)
    return user


def _login_user(ctx: SeedContext, login: DemoLogin) -> User:
    return _user(ctx, username=login.username, name=login.name, phone=login.phone)


def _operator(ctx: SeedContext) -> User:
    """The platform superuser (Django admin); he creates the company and its first admin."""
    user = _login_user(ctx, _login("operator"))
    if not user.is_superuser:
        User.objects.filter(pk=user.pk).update(is_superuser=True, is_staff=True)
        user.refresh_from_db()
    return user


def _membership(
    ctx: SeedContext,
    *,
    user: User,
    role: str,
    actor: User,
    project: Project | None = None,
    department: Department | None = None,
    title: str = "",
) -> None:
    if not Membership.objects.filter(company=ctx.company, user=user, role=role, project=project).exists():
        services.membership_grant(
            company=ctx.company, user=user, role=role, actor=actor, project=project, department=department, title=title
        )


def _staff(ctx: SeedContext) -> None:
    rng = ctx.rng("staff")
    fixed = {x.username: x for x in DEMO_LOGINS}
    n = 0
    for spec in places.STAFF:
        for _i in range(spec.count):
            n += 1
            name = names.person_name(rng)
            if spec.username:
                user = _login_user(ctx, fixed[spec.username])
            else:
                user = _user(ctx, username=f"anju{n:02d}", name=name, phone=f"139000001{n:02d}")
            _staff_membership(ctx, user, spec)


def _staff_membership(ctx: SeedContext, user: User, spec: places.StaffSpec) -> None:
    project = ctx.projects[spec.project] if spec.project else None
    department = None
    if spec.department:
        department = Department.objects.get(project=project, kind=spec.department)
    _membership(
        ctx, user=user, role=spec.role, actor=ctx.admin, project=project, department=department, title=spec.title
    )
    if spec.role == Role.PROJECT_MANAGER:
        ctx.managers[spec.project] = user


#
# Company and projects
#
def _company(ctx: SeedContext) -> Company:
    data = places.COMPANY
    company = Company.objects.filter(code=data["code"]).first()
    if company is None:
        company = services.company_create(actor=ctx.operator, **data)
    return company


def _project(ctx: SeedContext, key: str) -> None:
    plan = _unit_plan(ctx, key)
    project = Project.objects.filter(company=ctx.company, code=key).first()
    if project is None:
        data = {
            **places.PROJECTS[key],
            "code": key,
            "households": len(plan),
            "floor_area": (sum(u["floor_area"] for u in plan) * Decimal("1.25")).quantize(Decimal("1")),
        }
        project = services.project_create(company=ctx.company, data=data, actor=ctx.admin)
    ctx.projects[key] = project
    buildings = _buildings(ctx, project, key)
    if not Unit.objects.filter(project=project).exists():
        Unit.objects.bulk_create(
            [Unit(company=ctx.company, project=project, building=buildings[u.pop("building")], **u) for u in plan],
            batch_size=500,
        )
    _areas(ctx, project, buildings, key)
    _departments(ctx, project, key)


def _buildings(ctx: SeedContext, project: Project, key: str) -> dict[str, Building]:
    if key == places.RESIDENTIAL:
        wanted = [(b.name, b.floors) for b in places.RESIDENTIAL_BUILDINGS]
    else:
        wanted = [(places.OFFICE_BUILDING, 30)]
    existing = {b.name: b for b in Building.objects.filter(project=project)}
    for order, (name, floors) in enumerate(wanted, 1):
        if name not in existing:
            existing[name] = services.building_create(
                project=project, data={"name": name, "floors": floors, "sort_order": order}, actor=ctx.admin
            )
    return existing


def _areas(ctx: SeedContext, project: Project, buildings: dict[str, Building], key: str) -> None:
    existing = set(project.areas.values_list("name", flat=True))
    for name, kind, building, description in places.PROJECT_AREAS[key]:
        if name not in existing:
            data = {
                "name": name,
                "kind": kind,
                "description": description,
                "building": buildings[building] if building else None,
            }
            services.area_create(project=project, data=data, actor=ctx.admin)


def _departments(ctx: SeedContext, project: Project, key: str) -> None:
    existing = set(project.departments.values_list("kind", flat=True))
    for kind, name, extension in places.DEPARTMENTS:
        if kind in places.PROJECT_DEPARTMENTS[key] and kind not in existing:
            data = {"kind": kind, "name": name, "phone": f"{places.PROJECT_PHONE_PREFIX[key]}{extension}"}
            services.department_create(project=project, data=data, actor=ctx.admin)


#
# Units: a plan of plain dicts, so the project's households and area are known before it exists
#
def _unit_plan(ctx: SeedContext, key: str) -> list[dict]:
    rng = ctx.rng(f"units:{key}")
    rows = _residential_units() if key == places.RESIDENTIAL else _office_units()
    occupancy = 0.88 if key == places.RESIDENTIAL else places.OFFICE_OCCUPANCY
    for row in rows:
        occupied = row["code"] == OWNER_UNIT or rng.random() < occupancy
        row["status"] = UnitStatus.OCCUPIED if occupied else UnitStatus.VACANT
    return rows


def _residential_units() -> list[dict]:
    rows = []
    for b in places.RESIDENTIAL_BUILDINGS:
        for entrance in range(1, b.entrances + 1):
            for floor in range(b.first_floor, b.floors + 1):
                for room, area in enumerate(b.layouts, 1):
                    number = f"{floor}{room:02d}"
                    rows.append(
                        {
                            "building": b.name,
                            "entrance": f"{entrance}单元",
                            "floor": floor,
                            "number": number,
                            "code": f"{b.name[:-1]}-{entrance}-{number}",
                            "floor_area": area,
                        }
                    )
    return rows


def _office_units() -> list[dict]:
    rows = []
    for floors, layouts in places.OFFICE_ZONES:
        for floor in floors:
            for room, area in enumerate(layouts, 1):
                number = f"{floor}{room:02d}"
                rows.append(
                    {
                        "building": places.OFFICE_BUILDING,
                        "entrance": "",
                        "floor": floor,
                        "number": number,
                        "code": f"{places.OFFICE_CODE_PREFIX}-{number}",
                        "floor_area": area,
                    }
                )
    return rows


#
# Owners and residents
#
def _residents(ctx: SeedContext, key: str) -> None:
    project = ctx.projects[key]
    if UnitResident.objects.filter(unit__project=project).exists():
        return
    rng = ctx.rng(f"residents:{key}")
    units = list(
        Unit.objects.filter(project=project, status=UnitStatus.OCCUPIED).exclude(code=OWNER_UNIT).order_by("id")
    )
    households = [_household(rng, key) for _unit in range(RESIDENTS_PER_PROJECT[key])]
    phones = (names.mobile_phone(rng, n) for n in range(PHONE_BASE[key], PHONE_BASE[key] + 10_000))
    _insert_households(ctx, project, zip(rng.sample(units, len(households)), households, strict=True), phones)


def _household(rng: random.Random, key: str) -> list[tuple[str, str, bool]]:
    """(name, relation, verified) of the people linked to one unit; the first is its owner or main tenant."""
    family = names.surname(rng)
    if key == places.OFFICE:  # office suites: mostly the tenant company's contact person
        relation = ResidentRelation.TENANT if rng.random() < 0.7 else ResidentRelation.OWNER
        return [(family + names.given_name(rng), relation, rng.random() < 0.9)]
    people = [(family + names.given_name(rng), ResidentRelation.OWNER, rng.random() < 0.9)]
    if rng.random() < 0.12:
        given_family = family if rng.random() < 0.5 else names.surname(rng)
        people.append((given_family + names.given_name(rng), ResidentRelation.FAMILY, rng.random() < 0.8))
    if rng.random() < 0.06:
        people.append((names.person_name(rng), ResidentRelation.TENANT, rng.random() < 0.7))
    return people


def _insert_households(ctx: SeedContext, project: Project, households, phones: Iterator[str]) -> None:
    links, residents = [], []
    for unit, people in households:
        for name, relation, verified in people:
            resident = Resident(company=ctx.company, name=name, phone=next(phones))
            residents.append(resident)
            links.append((unit, resident, relation, verified))
    Resident.objects.bulk_create(residents, batch_size=500)
    now, verifier = timezone.now(), ctx.managers.get(project.code) or ctx.admin
    UnitResident.objects.bulk_create(
        [
            UnitResident(
                company=ctx.company,
                unit=unit,
                resident=resident,
                relation=relation,
                is_verified=verified,
                verified_at=now if verified else None,
                verified_by=verifier if verified else None,
            )
            for unit, resident, relation, verified in links
        ],
        batch_size=500,
    )


def _demo_owner(ctx: SeedContext) -> None:
    """The `owner` login: a verified owner of 1栋1单元1501 who signs in to /m/."""
    user = _login_user(ctx, _login("owner"))
    resident = Resident.objects.filter(company=ctx.company, phone=OWNER_PHONE).first()
    if resident is None:
        resident = services.resident_create(company=ctx.company, name=user.name, phone=OWNER_PHONE, actor=ctx.admin)
    services.resident_link_account(resident=resident)
    unit = Unit.objects.get(project=ctx.projects[places.RESIDENTIAL], code=OWNER_UNIT)
    if not UnitResident.objects.filter(unit=unit, resident=resident).exists():
        services.unit_resident_link(
            unit=unit,
            resident=resident,
            relation=ResidentRelation.OWNER,
            verified=True,
            actor=ctx.managers[places.RESIDENTIAL],
        )


def _open311_client(ctx: SeedContext) -> None:
    """An Open311 client with the fixed demo key; its requests go to the residential project."""
    if not Open311Client.objects.filter(api_key=OPEN311_DEMO_KEY).exists():
        open311_client_create(
            company=ctx.company,
            name="市民随手拍（演示）",
            default_project=ctx.projects[places.RESIDENTIAL],
            actor=ctx.admin,
            api_key=OPEN311_DEMO_KEY,
        )


#
# Notices
#
def _notices(ctx: SeedContext, key: str) -> None:
    project = ctx.projects[key]
    existing = set(Notice.objects.filter(project=project).values_list("title", flat=True))
    for title, body, pinned in places.NOTICES[key]:
        if title not in existing:
            notice_create(
                project=project,
                data={"title": title, "body": body, "is_pinned": pinned},
                actor=ctx.managers[key],
                publish=True,
            )


#
# Work orders
#
def _alerts(ctx: SeedContext) -> None:
    """Channels, a pump and a tank with a day of readings and threshold rules, and the engine's
    alerts over the demo (one taken on, one resolved)."""
    from core.demo.alerts import seed_alerts

    seed_alerts(ctx)


def _analytics(ctx: SeedContext) -> None:
    """The KPI roll-ups of the whole demo history, so dashboards and reports have figures at once."""
    from core.demo.analytics import seed_analytics

    seed_analytics(ctx)


def _inspections(ctx: SeedContext) -> None:
    """A daily round with findings (one rectified and verified), a special one to do, a mystery shopper."""
    from core.demo.inspections import seed_inspections

    seed_inspections(ctx)


def _plans(ctx: SeedContext) -> None:
    """Default plans by service level, QR checkpoints, an engineering round, three days of rounds."""
    from core.demo.plans import seed_plans

    seed_plans(ctx)


def _workorders(ctx: SeedContext) -> None:
    """About forty work orders in every status, the dispatch rules and the duty roster."""
    from core.demo.workorders import seed_workorders  # that module imports this one

    seed_workorders(ctx)
