"""Benchmark-scale inspections (`manage.py gen_scale --inspections N`): three large checklists built
from the company's standards library and N rounds over the 12 months before ``as_of``, with their
inspectors, events, item results, findings and monthly roll-ups.

The checklists (``CHECKLISTS``) have 40, 60 and 20 items and are picked for 60 %, 25 % and 15 % of
the rounds, so a round has about 42 items: 50,000 rounds make about 2,100,000 item results. A
round is submitted (or, after 30 days, mostly closed) with every item answered: about 3 % not
applicable, 4.5 % failed (a project's failure rate varies from half to twice that), the rest
passed; 0–5 items score 3–5 when passed and 0–3 when failed. A few rounds of the last days are
still scheduled or in progress (half answered) and 2 % were cancelled. Scores, points and
finding counts are what ``inspections.services.rounds.round_submit`` would have stored (computed
with ``inspections.scoring``); every failure of a scored round has its finding (status by age;
the rectification work orders and finding events are not generated). The roll-ups are built at
the end with ``inspection_rollup_rebuild`` as the submits would have left them.

Rows skip the services and the ORM (``core.demo.scale.RowWriter``: ``COPY`` on PostgreSQL) and get
no simple-history records. The same seed, company layout and ``as_of`` give the same rows.
"""

import datetime as dt
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from core.demo.scale import IdAllocator, RowWriter, reset_sequences
from core.demo.scale_plans import _time_adapter, pg_bulk_load, project_staff
from core.demo.scale_workorders import _analyze
from core.models import Company, Department, Project
from inspections import defaults, scoring
from inspections.choices import FindingSource, FindingStatus, Outcome, RoundEventKind, RoundKind, RoundStatus, Scoring
from inspections.models import (
    ChecklistItem,
    Finding,
    InspectionRollup,
    InspectionRound,
    ItemResult,
    RoundEvent,
    RoundInspector,
)
from inspections.services import checklist_template_create, inspection_rollup_rebuild
from standards.models import StandardItem

MINUTE, HOUR, DAY = 60, 3600, 86400
HISTORY_DAYS = 365
ROUNDS_PER_BATCH = 2_000
ROUNDS_PER_TRANSACTION = 20_000
NA_SHARE, FAIL_SHARE = 0.03, 0.045
OPEN_DAYS = 3  # rounds of the last days may still be open
OPEN_SHARE, CANCEL_SHARE = 0.3, 0.02  # of rounds in the open days; of all rounds
CLOSE_AFTER_DAYS, CLOSE_SHARE = 30, 0.8
UNRESOLVED = (FindingStatus.OPEN, FindingStatus.RECTIFYING, FindingStatus.AWAITING_VERIFICATION)


@dataclass(frozen=True)
class ChecklistPlan:
    code: str
    name: str
    kinds: tuple[str, ...]
    items: int
    scale_share: float
    round_share: float


CHECKLISTS = (
    ChecklistPlan("bench-daily", "日常品质检查（扩展）", (RoundKind.DAILY, RoundKind.WEEKLY), 40, 0.0, 0.60),
    ChecklistPlan("bench-audit", "综合品质审核", (RoundKind.SPECIAL, RoundKind.AUDIT), 60, 0.1, 0.25),
    ChecklistPlan("bench-mystery", "神秘访客测评", (RoundKind.MYSTERY_SHOPPER, RoundKind.THIRD_PARTY), 20, 1.0, 0.15),
)


@dataclass(frozen=True)
class InspectionSpec:
    rounds: int
    as_of: dt.datetime
    seed: int = 1


@dataclass
class InspectionStats:
    checklists: int = 0
    items: int = 0
    rounds: int = 0
    results: int = 0
    findings: int = 0
    events: int = 0
    rollups: int = 0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.rounds * 2 + self.results + self.findings + self.events + self.rollups

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class ItemInfo:
    id: int
    title: str
    scoring: str
    max_score: int
    weight: Decimal
    department_kind: str
    severity: str
    rectify_hours: int


ROUND_FIELDS = [
    "id",
    "company",
    "project",
    "version",
    "kind",
    "title",
    "status",
    "scheduled_for",
    "due_at",
    "started_at",
    "submitted_at",
    "closed_at",
    "lead",
    "score",
    "achieved",
    "possible",
    "findings_count",
    "note",
    "created_by",
    "created",
]
ROUNDS = RowWriter(InspectionRound, ROUND_FIELDS)
INSPECTORS = RowWriter(RoundInspector, ["company", "round", "user"])
EVENTS = RowWriter(RoundEvent, ["company", "round", "kind", "actor", "created", "from_status", "to_status", "reason"])
RESULTS = RowWriter(
    ItemResult, ["id", "company", "round", "item", "outcome", "score", "note", "photo", "thumbnail", "at", "inspector"]
)
FINDINGS = RowWriter(
    Finding,
    [
        "company",
        "project",
        "round",
        "item_result",
        "item",
        "source",
        "title",
        "description",
        "rectify_note",
        "photo",
        "thumbnail",
        "rectify_photo",
        "rectify_thumbnail",
        "severity",
        "department",
        "status",
        "due_at",
        "rectified_at",
        "verified_at",
        "verify_rounds",
        "closed_at",
        "created_by",
        "created",
    ],
)


#
# Entry point
#
def scale_inspections(spec: InspectionSpec, *, company: Company, progress: bool = True) -> InspectionStats:
    """The checklists, ``spec.rounds`` rounds with their results and findings, and the roll-ups."""
    for writer in (ROUNDS, INSPECTORS, EVENTS, RESULTS, FINDINGS):
        writer.prepare()
    stats = InspectionStats()
    started = time.monotonic()
    projects = list(Project.objects.filter(company=company).order_by("id"))
    with transaction.atomic():
        staff = project_staff(company, projects, seed=spec.seed)
        checklists = scale_checklists(company, seed=spec.seed, stats=stats)
    history = RoundHistory(spec, company=company, projects=projects, staff=staff, checklists=checklists)
    with pg_bulk_load():
        history.write(stats, progress=progress)
        reset_sequences([InspectionRound, ItemResult])
    _analyze([InspectionRound, RoundInspector, RoundEvent, ItemResult, Finding])
    stats.rollups = inspection_rollup_rebuild(company=company)
    _analyze([InspectionRollup])
    stats.seconds = time.monotonic() - started
    return stats


def scale_checklists(company: Company, *, seed: int, stats: InspectionStats) -> list[tuple]:
    """The three checklists of ``CHECKLISTS`` from the company's standard items, in turn (through the
    services); returns (plan, version id, [ItemInfo]) per checklist."""
    rng = random.Random(f"{seed}:checklists")
    standards = list(
        StandardItem.objects.filter(company=company, is_active=True, current_revision__isnull=False)
        .select_related("current_revision")
        .order_by("discipline", "sort_order", "id")
    )
    out = []
    for plan in CHECKLISTS:
        rows = []
        for n in range(plan.items):
            standard = standards[n % len(standards)]
            revision = standard.current_revision
            row = defaults.item_defaults(
                discipline=standard.discipline,
                time_limit_minutes=revision.time_limit_minutes,
                photo_required=revision.photo_required,
            )
            lap = n // len(standards)
            row.update(
                key=f"{plan.code}-{n + 1}",
                title=standard.title if lap == 0 else f"{standard.title}（复查{lap}）",
                requirement=revision.judgement or revision.requirement,
                standard_revision=revision,
                weight=Decimal(rng.choice((1, 1, 1, 2, 3))),
            )
            if rng.random() < plan.scale_share:
                row.update(scoring=Scoring.SCALE, max_score=5)
            rows.append(row)
        template = checklist_template_create(
            company=company,
            data={"code": plan.code, "name": plan.name, "kinds": list(plan.kinds)},
            items=rows,
            actor=None,
        )
        items = [
            ItemInfo(
                i.pk,
                i.title,
                i.scoring,
                i.max_score,
                i.weight,
                i.department_kind,
                i.severity_if_failed,
                i.rectify_hours,
            )
            for i in ChecklistItem.objects.filter(version=template.current_version).order_by("sort_order", "id")
        ]
        stats.checklists += 1
        stats.items += len(items)
        out.append((plan, template.current_version_id, items))
    return out


#
# Rounds
#
@dataclass
class Batch:
    rounds: list[list] = field(default_factory=list)
    inspectors: list[list] = field(default_factory=list)
    events: list[list] = field(default_factory=list)
    results: list[list] = field(default_factory=list)
    findings: list[list] = field(default_factory=list)

    def write(self, stats: InspectionStats) -> None:
        stats.rounds += ROUNDS.write(self.rounds)
        INSPECTORS.write(self.inspectors)
        stats.events += EVENTS.write(self.events)
        stats.results += RESULTS.write(self.results)
        stats.findings += FINDINGS.write(self.findings)


class RoundHistory:
    """Simulates each round from its day to ``as_of`` as the phone pages and services would leave it."""

    def __init__(self, spec: InspectionSpec, *, company, projects, staff, checklists) -> None:
        self.spec, self.company = spec, company
        self.rng = random.Random(f"{spec.seed}:rounds")
        self.time = _time_adapter()
        self.zone = company.zone
        self.as_of = int(spec.as_of.timestamp())
        self.today = timezone.localtime(spec.as_of, self.zone).date()
        self.projects = projects
        self.checklists = checklists
        self.weights = [plan.round_share for plan, _v, _i in checklists]
        # who leads rounds: a project's supervisors (inspections.do), else its manager
        self.leads = {
            p.pk: [uid for people in staff[p.pk].supervisors.values() for uid, _n in people] or [staff[p.pk].manager[0]]
            for p in projects
        }
        self.fail_rate = {p.pk: FAIL_SHARE * self.rng.uniform(0.5, 2.0) for p in projects}
        self.departments: dict[tuple[int, str], int] = {}
        for pk, project_id, kind in (
            Department.objects.filter(company=company).order_by("-id").values_list("pk", "project_id", "kind")
        ):
            self.departments[(project_id, kind)] = pk  # lowest id wins, as the roll-up picks
        self.round_ids = IdAllocator(InspectionRound)
        self.result_ids = IdAllocator(ItemResult)

    def write(self, stats: InspectionStats, *, progress: bool) -> None:
        batch = Batch()
        with tqdm(total=self.spec.rounds, unit="rounds", disable=not progress) as bar:
            for start in range(0, self.spec.rounds, ROUNDS_PER_TRANSACTION):
                with transaction.atomic():
                    for _n in range(start, min(start + ROUNDS_PER_TRANSACTION, self.spec.rounds)):
                        self.round(batch)
                        if len(batch.rounds) >= ROUNDS_PER_BATCH:
                            batch.write(stats)
                            bar.update(len(batch.rounds))
                            batch = Batch()
                    bar.update(len(batch.rounds))
                    batch.write(stats)
                    batch = Batch()

    def _day_start(self, day: dt.date) -> int:
        return int(dt.datetime.combine(day, dt.time(0), tzinfo=self.zone).timestamp())

    def round(self, batch: Batch) -> None:
        rng = self.rng
        plan, version_id, items = rng.choices(self.checklists, weights=self.weights)[0]
        project = rng.choice(self.projects)
        kind = rng.choice(plan.kinds)
        day = self.today - dt.timedelta(days=rng.randrange(HISTORY_DAYS))
        day_start = self._day_start(day)
        lead = rng.choice(self.leads[project.pk])
        rid = self.round_ids.take()
        created = day_start - DAY
        started = day_start + 9 * HOUR + rng.randrange(6 * HOUR)
        status, answered = self._fate(day, started, len(items))
        row = [
            rid,
            self.company.pk,
            project.pk,
            version_id,
            kind,
            plan.name,
            status,
            day.isoformat(),
            self.time(day_start + 24 * HOUR),
            None,
            None,
            None,
            lead,
            None,
            None,
            None,
            0,
            "",
            None,
            self.time(created),
        ]
        batch.inspectors.append([self.company.pk, rid, lead])
        self._event(batch, rid, created, "", RoundStatus.SCHEDULED, None)
        if status == RoundStatus.CANCELLED:
            self._event(batch, rid, created + HOUR, RoundStatus.SCHEDULED, status, None, "项目停检")
        elif answered:
            row[9] = self.time(started)
            self._event(batch, rid, started, RoundStatus.SCHEDULED, RoundStatus.IN_PROGRESS, lead)
            self._results(batch, row, project, items[:answered], started, lead)
        batch.rounds.append(row)

    def _fate(self, day: dt.date, started: int, items: int) -> tuple[str, int]:
        """(status, items answered)."""
        rng = self.rng
        if rng.random() < CANCEL_SHARE:
            return RoundStatus.CANCELLED, 0
        recent = (self.today - day).days < OPEN_DAYS and rng.random() < OPEN_SHARE
        if recent or started + items * MINUTE > self.as_of:
            return (RoundStatus.SCHEDULED, 0) if rng.random() < 0.5 else (RoundStatus.IN_PROGRESS, items // 2)
        if (self.today - day).days > CLOSE_AFTER_DAYS and rng.random() < CLOSE_SHARE:
            return RoundStatus.CLOSED, items
        return RoundStatus.SUBMITTED, items

    def _event(self, batch: Batch, rid: int, at: int, frm: str, to: str, actor, reason: str = "") -> None:
        batch.events.append([self.company.pk, rid, RoundEventKind.STATUS.value, actor, self.time(at), frm, to, reason])

    def _results(self, batch: Batch, row: list, project, items: list[ItemInfo], started: int, lead: int) -> None:
        rng, fail_rate = self.rng, self.fail_rate[project.pk]
        scored = row[6] in (RoundStatus.SUBMITTED, RoundStatus.CLOSED)
        rows, failures = [], []
        for n, item in enumerate(items):
            at = started + n * MINUTE + rng.randrange(MINUTE)
            draw = rng.random()
            outcome = Outcome.NA if draw < NA_SHARE else Outcome.FAIL if draw < NA_SHARE + fail_rate else Outcome.PASS
            score = None
            if item.scoring == Scoring.SCALE and outcome != Outcome.NA:
                score = Decimal(str(rng.choice((3, 4, 4.5, 5) if outcome == Outcome.PASS else (0, 1, 2, 2.5, 3))))
            elif outcome != Outcome.NA:
                score = Decimal(int(outcome == Outcome.PASS))
            result_id = self.result_ids.take()
            batch.results.append(
                [result_id, self.company.pk, row[0], item.id, outcome.value, score, "", "", "", self.time(at), lead]
            )
            rows.append(scoring.Row(item.scoring, item.max_score, item.weight, outcome, score))
            if outcome == Outcome.FAIL:
                failures.append((result_id, item))
        if not scored:
            return
        submitted = started + len(items) * MINUTE + 5 * MINUTE
        total = scoring.round_score(rows)
        row[10] = self.time(submitted)
        row[13:17] = [total.score, total.achieved, total.possible, len(failures)]
        self._event(batch, row[0], submitted, RoundStatus.IN_PROGRESS, RoundStatus.SUBMITTED, lead)
        if row[6] == RoundStatus.CLOSED:
            closed = submitted + 2 * DAY
            row[11] = self.time(closed)
            self._event(batch, row[0], closed, RoundStatus.SUBMITTED, RoundStatus.CLOSED, None)
        for result_id, item in failures:
            batch.findings.append(self._finding(row, project, result_id, item, submitted, lead))

    def _finding(self, row: list, project, result_id: int, item: ItemInfo, submitted: int, lead: int) -> list:
        due = submitted + item.rectify_hours * HOUR
        age = self.as_of - submitted
        status, rectified, verified = FindingStatus.CLOSED, None, None
        if age < due - submitted:
            status = self.rng.choice(
                (FindingStatus.OPEN, FindingStatus.RECTIFYING, FindingStatus.AWAITING_VERIFICATION)
            )
        elif age < 7 * DAY and self.rng.random() < 0.3:
            status = FindingStatus.RECTIFYING  # overdue
        if status in (FindingStatus.AWAITING_VERIFICATION, FindingStatus.CLOSED):
            rectified = min(self.as_of, submitted + self.rng.randrange(max(HOUR, item.rectify_hours * HOUR)))
        if status == FindingStatus.CLOSED:
            verified = min(self.as_of, rectified + self.rng.randrange(HOUR, DAY))
        department = self.departments.get((project.pk, item.department_kind))
        return [
            self.company.pk,
            project.pk,
            row[0],
            result_id,
            item.id,
            FindingSource.INSPECTION.value,
            item.title,
            *("",) * 6,
            item.severity,
            department,
            status.value,
            self.time(due),
            self.time(rectified),
            self.time(verified),
            int(verified is not None),
            self.time(verified),
            lead,
            self.time(submitted),
        ]
