"""Scoring rounds and rolling them up per project, month, kind and rectifying department, in SQL.

``inspection_rollup_rebuild`` re-scores every submitted or closed round in scope from its item
results and brings the roll-up rows of the months in scope up to date; ``inspection_rollup_refresh``
does one project's month (after a round is submitted) from the stored scores. Both are set-based:

1. one pass over the item results into a temporary table of points per round and department type;
2. (rebuild) an UPDATE … FROM of the rounds whose score, points or finding count differ;
3. the roll-up rows the scope makes (whole rounds and per department) into a second temporary table;
4. a DELETE of roll-up rows in scope that are no longer made, and one INSERT … ON CONFLICT DO
   UPDATE of new and changed rows; rows that are already right are not written.

The SQL runs unchanged on SQLite (≥ 3.33) and PostgreSQL except for the month expression.
Arithmetic as inspections.scoring: a pass/fail item earns its weight when passed, a 0–N item
weight × score ÷ max; N/A counts neither way; score = round(achieved × 100 ÷ possible, 1).
"""

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from core.models import Department, Project
from inspections.choices import SCORED_ROUND_STATUSES, FindingStatus, Outcome, Scoring
from inspections.models import ChecklistItem, Finding, InspectionRollup, InspectionRound, ItemResult

POINTS_TABLE = "insp_rollup_points"
NEW_TABLE = "insp_rollup_new"
WORK_MEM = "64MB"  # PostgreSQL, for the rebuild's transaction only


def _tables() -> dict[str, str]:
    return {
        "round": InspectionRound._meta.db_table,
        "result": ItemResult._meta.db_table,
        "item": ChecklistItem._meta.db_table,
        "finding": Finding._meta.db_table,
        "rollup": InspectionRollup._meta.db_table,
        "department": Department._meta.db_table,
        "points": POINTS_TABLE,
        "new": NEW_TABLE,
    }


def _month_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


class _Scope:
    """Which rounds (alias ``r``) and which roll-up rows a run covers."""

    def __init__(self, *, company_id=None, project_id=None, date_from=None, date_to=None) -> None:
        self.company_id, self.project_id = company_id, project_id
        self.date_from, self.date_to = date_from, date_to  # whole months: [from, to)

    def rounds(self) -> tuple[str, list]:
        statuses = sorted(SCORED_ROUND_STATUSES)
        sql = [f"r.status IN ({', '.join(['%s'] * len(statuses))})"]
        params: list = list(statuses)
        for condition, value in (
            ("r.company_id = %s", self.company_id),
            ("r.project_id = %s", self.project_id),
            ("r.scheduled_for >= %s", self.date_from),
            ("r.scheduled_for < %s", self.date_to),
        ):
            if value is not None:
                sql.append(condition)
                params.append(value)
        return " AND ".join(sql), params

    def rollups(self) -> tuple[str, list]:
        sql, params = ["1 = 1"], []
        for condition, value in (
            ("company_id = %s", self.company_id),
            ("project_id = %s", self.project_id),
            ("period >= %s", self.date_from),
            ("period < %s", self.date_to),
        ):
            if value is not None:
                sql.append(condition)
                params.append(value)
        return " AND ".join(sql), params

    def lock_projects(self) -> None:
        """Serialise runs over the same projects: each deletes and re-inserts their roll-up rows."""
        projects = Project.objects.all()
        if self.company_id is not None:
            projects = projects.filter(company_id=self.company_id)
        if self.project_id is not None:
            projects = projects.filter(pk=self.project_id)
        list(projects.select_for_update().order_by("pk").values_list("pk", flat=True))


def _points_sql(t: dict[str, str], where: str) -> str:
    """Points per (round, department type) of the rounds in scope: the one pass over the results."""
    earned = (
        f"CASE WHEN x.outcome = '{Outcome.NA}' THEN 0 "
        f"WHEN i.scoring = '{Scoring.PASS_FAIL}' THEN "
        f"(CASE WHEN x.outcome = '{Outcome.PASS}' THEN i.weight ELSE 0 END) "
        "ELSE i.weight * 1.0 * COALESCE(x.score, 0) / i.max_score END"
    )
    return (
        f"CREATE TEMP TABLE {t['points']} AS "
        "SELECT x.round_id AS round_id, i.department_kind AS dk, "
        f"SUM(CASE WHEN x.outcome = '{Outcome.NA}' THEN 0 ELSE i.weight END) AS possible, "
        f"SUM({earned}) AS achieved "
        f"FROM {t['result']} x JOIN {t['round']} r ON r.id = x.round_id JOIN {t['item']} i ON i.id = x.item_id "
        f"WHERE {where} GROUP BY x.round_id, i.department_kind"
    )


def _score_sql(achieved: str, possible: str) -> str:
    return f"CASE WHEN {possible} > 0 THEN ROUND({achieved} * 100.0 / {possible}, 1) END"


def _findings_by_round_sql(t: dict[str, str]) -> str:
    return (
        f"SELECT round_id, COUNT(*) AS n FROM {t['finding']} "
        f"WHERE round_id IS NOT NULL AND status <> '{FindingStatus.CANCELLED}' GROUP BY round_id"
    )


def _rescore_sql(t: dict[str, str]) -> str:
    return (
        f"UPDATE {t['round']} AS r SET possible = ROUND(s.possible, 4), achieved = ROUND(s.achieved, 4), "
        f"score = {_score_sql('s.achieved', 's.possible')}, findings_count = COALESCE(fc.n, 0) "
        f"FROM (SELECT round_id, SUM(possible) AS possible, SUM(achieved) AS achieved FROM {t['points']} "
        f"GROUP BY round_id) s LEFT JOIN ({_findings_by_round_sql(t)}) fc ON fc.round_id = s.round_id "
        "WHERE r.id = s.round_id"
        # rounds already right are not written again (a nightly rebuild then writes almost nothing)
        f" AND (r.score IS DISTINCT FROM {_score_sql('s.achieved', 's.possible')}"
        " OR r.possible IS DISTINCT FROM ROUND(s.possible, 4) OR r.achieved IS DISTINCT FROM ROUND(s.achieved, 4)"
        " OR r.findings_count <> COALESCE(fc.n, 0))"
    )


ROLLUP_KEY = ("project_id", "department_kind", "period", "kind")
ROLLUP_VALUES = ("company_id", "department_id", "rounds", "possible", "achieved", "score", "findings")


def _new_rows_sql(t: dict[str, str], where: str) -> str:
    """The roll-up rows the rounds in scope make: whole rounds (department kind '') and per department."""
    period = _month_sql("r.scheduled_for")
    rounds = (
        f"SELECT r.company_id AS company_id, r.project_id AS project_id, '' AS department_kind, "
        f"NULL AS department_id, {period} AS period, r.kind AS kind, COUNT(*) AS rounds, "
        "COALESCE(SUM(r.possible), 0) AS possible, COALESCE(SUM(r.achieved), 0) AS achieved, "
        f"{_score_sql('SUM(r.achieved)', 'SUM(r.possible)')} AS score, COALESCE(SUM(fc.n), 0) AS findings "
        f"FROM {t['round']} r LEFT JOIN ({_findings_by_round_sql(t)}) fc ON fc.round_id = r.id "
        f"WHERE {where} GROUP BY r.company_id, r.project_id, {period}, r.kind"
    )
    groups = (
        "SELECT r.company_id AS company_id, r.project_id AS project_id, p.dk AS dk, "
        f"{period} AS period, r.kind AS kind, COUNT(*) AS rounds, SUM(p.possible) AS possible, "
        f"SUM(p.achieved) AS achieved FROM {t['points']} p JOIN {t['round']} r ON r.id = p.round_id "
        f"WHERE p.dk <> '' GROUP BY r.company_id, r.project_id, p.dk, {period}, r.kind"
    )
    findings = (
        f"SELECT r.project_id AS project_id, i.department_kind AS dk, {period} AS period, r.kind AS kind, "
        f"COUNT(*) AS n FROM {t['finding']} f JOIN {t['round']} r ON r.id = f.round_id "
        f"JOIN {t['item']} i ON i.id = f.item_id "
        f"WHERE {where} AND f.status <> '{FindingStatus.CANCELLED}' AND i.department_kind <> '' "
        f"GROUP BY r.project_id, i.department_kind, {period}, r.kind"
    )
    department = f"(SELECT MIN(d.id) FROM {t['department']} d WHERE d.project_id = g.project_id AND d.kind = g.dk)"
    departments = (
        f"SELECT g.company_id, g.project_id, g.dk, {department}, g.period, g.kind, g.rounds, "
        f"ROUND(g.possible, 4), ROUND(g.achieved, 4), {_score_sql('g.achieved', 'g.possible')}, COALESCE(fc.n, 0) "
        f"FROM ({groups}) g LEFT JOIN ({findings}) fc ON fc.project_id = g.project_id AND fc.dk = g.dk "
        "AND fc.period = g.period AND fc.kind = g.kind"
    )
    return f"CREATE TEMP TABLE {t['new']} AS {rounds} UNION ALL {departments}"


def _delete_gone_sql(t: dict[str, str], kept: str) -> str:
    match = " AND ".join(f"n.{c} = {t['rollup']}.{c}" for c in ROLLUP_KEY)
    return f"DELETE FROM {t['rollup']} WHERE {kept} AND NOT EXISTS (SELECT 1 FROM {t['new']} n WHERE {match})"


def _upsert_sql(t: dict[str, str]) -> str:
    """Insert new rows, update changed ones, leave equal ones alone (``updated`` says when a row last changed)."""
    columns = (*ROLLUP_KEY, *ROLLUP_VALUES)
    changed = " OR ".join(f"{t['rollup']}.{c} IS DISTINCT FROM excluded.{c}" for c in ROLLUP_VALUES)
    sets = ", ".join(f"{c} = excluded.{c}" for c in (*ROLLUP_VALUES, "updated"))
    return (
        f"INSERT INTO {t['rollup']} ({', '.join(columns)}, updated) "
        f"SELECT {', '.join(columns)}, %s FROM {t['new']} WHERE 1 = 1 "  # WHERE: SQLite's upsert parser needs it
        f"ON CONFLICT ({', '.join(ROLLUP_KEY)}) DO UPDATE SET {sets} WHERE {changed}"
    )


def _run(scope: _Scope, *, rescore: bool) -> int:
    t = _tables()
    where, params = scope.rounds()
    kept, kept_params = scope.rollups()
    scope.lock_projects()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Few, large set operations: JIT compiling them costs more than it saves (about 1 s
            # each at 2,000,000 results), and the aggregates should not spill to disk.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        for table in (t["points"], t["new"]):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(_points_sql(t, where), params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {t['points']}")
        if rescore:
            cursor.execute(_rescore_sql(t))
        cursor.execute(_new_rows_sql(t, where), [*params, *params])
        cursor.execute(f"SELECT COUNT(*) FROM {t['new']}")
        rows = cursor.fetchone()[0]
        cursor.execute(_delete_gone_sql(t, kept), kept_params)
        cursor.execute(_upsert_sql(t), [timezone.now()])
        for table in (t["points"], t["new"]):
            cursor.execute(f"DROP TABLE {table}")
    return rows


@transaction.atomic
def inspection_rollup_rebuild(*, company=None, since: dt.date | None = None) -> int:
    """Re-score the submitted and closed rounds of ``company`` (all companies when None) dated in
    the month of ``since`` or later (all when None) and bring their roll-up rows up to date;
    returns the number of roll-up rows of that scope. Safe to run at any time and twice: rounds
    and rows that are already right are not written again."""
    scope = _Scope(
        company_id=getattr(company, "pk", company),
        date_from=month_start(since) if since else None,
    )
    return _run(scope, rescore=True)


@transaction.atomic
def inspection_rollup_refresh(*, company_id: int, project_id: int, period: dt.date) -> int:
    """Bring the roll-up rows of one project's month (``period``: any day of it) up to date from its
    rounds' stored scores and findings; returns the number of its rows."""
    first = month_start(period)
    scope = _Scope(company_id=company_id, project_id=project_id, date_from=first, date_to=next_month(first))
    return _run(scope, rescore=False)
