"""Hand-written SQL computing the company dashboard's figures from the roll-up tables, for
``dashboard_vs_sql_ratio``: what ``analytics.selectors_dashboard.dashboard(...)`` returns for a
company admin (every active project) and a period drawn by day, with the fewest statements a
person writing SQL by hand would use: one grouped aggregate per roll-up table and grouping, the
hotspot lists with their ORDER BY … LIMIT, the hour grid, the inspection scores, the open alerts and
the labels. No ORM, no model instances; rates are numerator ÷ denominator sums, worked out from
the grouped rows in Python as the selector does.

``compare`` checks the selector's figures against these and names the sections compared.
"""

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

from bench.probes import check

TRENDS_BY_DAY_UP_TO = 62  # the selector draws shorter ranges by day


def _columns(table) -> list[str]:
    from analytics.kpis import HOUSEHOLDS, KPIS

    columns = {c for k in KPIS.values() if k.table is table for c in (*k.numerator, *k.denominator)}
    return sorted(columns - {HOUSEHOLDS})


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def figures(*, company, date_from: dt.date, date_to: dt.date) -> dict:
    """Every figure of the company dashboard over ``date_from``..``date_to`` (at most 62 days)."""
    from alerts.choices import OPEN_ALERT_STATUSES
    from alerts.models import Alert
    from analytics.models import FindingDaily, HotspotDaily, HourlyLoad, TaskDaily, WorkOrderDaily
    from analytics.selectors_dashboard import SLA_COLUMNS
    from inspections.models import InspectionRollup

    check((date_to - date_from).days < TRENDS_BY_DAY_UP_TO, "the SQL side draws trends by day only")
    q = connection.ops.quote_name
    projects = _rows(
        "SELECT id, name, service_level, households FROM core_project WHERE company_id = %s AND is_active "
        "ORDER BY name, id",
        [company.pk],
    )
    ids = [p[0] for p in projects]
    marks = ", ".join(["%s"] * len(ids)) or "NULL"
    period = [company.pk, *ids, date_from, date_to]
    where = f"company_id = %s AND project_id IN ({marks}) AND day >= %s AND day <= %s"
    out: dict = {"projects": projects, "by_project": {}, "by_day": {}}
    for table, extra in ((WorkOrderDaily, SLA_COLUMNS), (TaskDaily, ()), (FindingDaily, ())):
        columns = sorted(set(_columns(table)) | set(extra))
        sums = ", ".join(f"SUM({q(c)})" for c in columns)
        name = q(table._meta.db_table)
        for group, key in (("project_id", "by_project"), ("day", "by_day")):
            rows = _rows(f"SELECT {group}, kind, {sums} FROM {name} WHERE {where} GROUP BY {group}, kind", period)
            out[key][table.__name__] = {
                (_day(r[0]), r[1]): dict(zip(columns, (v or 0 for v in r[2:]), strict=True)) for r in rows
            }
    hot = q(HotspotDaily._meta.db_table)
    out["top_categories"] = _rows(
        f"SELECT h.category_id, SUM(h.reported) AS n, SUM(h.complaints), SUM(h.repeats), c.name FROM {hot} h "
        f"LEFT JOIN workorders_category c ON c.id = h.category_id WHERE h.{where.replace(' AND ', ' AND h.')} "
        "GROUP BY h.category_id, c.name ORDER BY n DESC, h.category_id LIMIT 10",
        period,
    )
    out["places"] = _rows(
        f"SELECT building_id, area_id, category_id, SUM(reported) AS n FROM {hot} WHERE {where} "
        "GROUP BY building_id, area_id, category_id ORDER BY n DESC LIMIT 2000",
        period,
    )
    out["repeats"] = _rows(
        f"SELECT project_id, building_id, area_id, category_id, kind, SUM(repeats) AS r, SUM(reported) AS n "
        f"FROM {hot} WHERE {where} AND repeats > 0 GROUP BY project_id, building_id, area_id, category_id, kind "
        "ORDER BY r DESC, n DESC, project_id, category_id LIMIT 10",
        period,
    )
    names = {"building": set(), "area": set(), "category": set()}
    for b, a, c, _n in out["places"][:200]:
        names["building"].add(b)
        names["area"].add(a)
        names["category"].add(c)
    for _p, b, a, c, *_rest in out["repeats"]:
        names["building"].add(b)
        names["area"].add(a)
        names["category"].add(c)
    for kind, table in (("building", "core_building"), ("area", "core_area"), ("category", "workorders_category")):
        wanted = sorted(x for x in names[kind] if x)
        if wanted:
            marks_n = ", ".join(["%s"] * len(wanted))
            out[f"{kind}_names"] = dict(_rows(f"SELECT id, name FROM {table} WHERE id IN ({marks_n})", wanted))
    weekday = (
        "EXTRACT(ISODOW FROM day)"
        if connection.vendor == "postgresql"
        else "(CAST(strftime('%%w', day) AS integer) + 6) %% 7 + 1"
    )
    out["hours"] = {
        (int(h), int(w)): n
        for w, h, n in _rows(
            f"SELECT {weekday} AS w, hour, SUM(reported) FROM {q(HourlyLoad._meta.db_table)} WHERE {where} "
            "GROUP BY w, hour",
            period,
        )
        if n
    }
    months = [company.pk, *ids, date_from.replace(day=1), date_to.replace(day=1)]
    insp = q(InspectionRollup._meta.db_table)
    insp_where = (
        f"company_id = %s AND project_id IN ({marks}) AND period >= %s AND period <= %s AND department_kind = ''"
    )
    out["inspection_by_project"] = _rows(
        f"SELECT project_id, SUM(rounds), SUM(achieved), SUM(possible), SUM(findings) FROM {insp} "
        f"WHERE {insp_where} GROUP BY project_id",
        months,
    )
    out["inspection_trend"] = _rows(
        f"SELECT period, SUM(rounds), SUM(achieved), SUM(possible) FROM {insp} WHERE {insp_where} GROUP BY period",
        months,
    )
    alerts = q(Alert._meta.db_table)
    statuses = [str(s) for s in OPEN_ALERT_STATUSES]
    alert_where = f"company_id = %s AND status IN ({', '.join(['%s'] * len(statuses))}) "
    alert_where += f"AND (project_id IN ({marks}) OR project_id IS NULL)"
    alert_params = [company.pk, *statuses, *ids]
    out["alerts"] = _rows(
        f"SELECT project_id, severity, COUNT(*) FROM {alerts} WHERE {alert_where} GROUP BY project_id, severity",
        alert_params,
    )
    out["latest_alerts"] = _rows(
        f"SELECT id, severity, project_id FROM {alerts} WHERE {alert_where} "
        "ORDER BY last_seen_at DESC, id DESC LIMIT 6",
        alert_params,
    )
    return out


def _day(value):
    if isinstance(value, str):  # SQLite
        return dt.date.fromisoformat(value)
    return value.date() if isinstance(value, dt.datetime) else value


#
# The comparison
#
def _kpi_sums(kpi, sums: dict, group=None, households: int = 0) -> tuple[int, int]:
    from analytics.kpis import HOUSEHOLDS

    num = den = 0
    for (key, kind), row in sums.items():
        if (group is not None and key != group) or (kpi.kinds and kind not in kpi.kinds):
            continue
        num += sum(row[c] for c in kpi.numerator)
        den += sum(row[c] for c in kpi.denominator if c != HOUSEHOLDS)
    return num, (households if HOUSEHOLDS in kpi.denominator else den)


def compare(selector: dict, sql: dict) -> list[str]:
    """Check the selector's figures against the SQL's; the names of the sections compared."""
    households = {p[0]: p[3] for p in sql["projects"]}
    by_project, by_day = sql["by_project"], sql["by_day"]

    def sums_of(kpi, grouped):
        return grouped[kpi.table.__name__]

    for figure in [*selector["tiles"], *selector["secondary"]]:
        expected = _kpi_sums(figure.kpi, sums_of(figure.kpi, by_project), households=sum(households.values()))
        got = (figure.rate.numerator, figure.rate.denominator)
        check(got == expected, f"tile {figure.code}: selector {got}, SQL {expected}")
    trend = selector["trend"]
    for code, series in trend["series"].items():
        kpi = series["kpi"]
        for bucket, rate in zip(trend["buckets"], series["rates"], strict=True):
            expected = _kpi_sums(kpi, sums_of(kpi, by_day), bucket)
            check((rate.numerator, rate.denominator) == expected, f"trend {code} {bucket}: {rate} vs SQL {expected}")
    rows = {r["key"]: r for r in selector["rows"]}
    check(set(rows) == set(households) | {k for t in by_project.values() for k, _kind in t}, "table rows differ")
    for key, row in rows.items():
        for code, figure in row["figures"].items():
            kpi = figure.kpi
            expected = _kpi_sums(kpi, sums_of(kpi, by_project), key, households=households.get(key, 0))
            got = (figure.rate.numerator, figure.rate.denominator)
            check(got == expected, f"row {key} {code}: selector {got}, SQL {expected}")
    sla: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    for (_p, kind), values in by_project["WorkOrderDaily"].items():
        for column in ("reported", "arrive_due", "arrive_on_time", "resolve_due", "resolve_on_time"):
            sla[kind][column] += values[column]
    for item in selector["sla"]:
        got = {c: item[c] for c in ("reported", "arrive_due", "arrive_on_time", "resolve_due", "resolve_on_time")}
        check(got == dict(sla[item["kind"]]), f"SLA {item['kind']}: {got} vs SQL {dict(sla[item['kind']])}")
    got = [(c["category_id"], c["reported"], c["complaints"], c["repeats"]) for c in selector["top_categories"]]
    expected = [tuple(r[:4]) for r in sql["top_categories"]]
    check(got == expected, f"top categories: {got} vs SQL {expected}")
    got = sorted((c[0], c[1], c[2]) for c in selector["hours"]["cells"])
    check(got == sorted((h, w, n) for (h, w), n in sql["hours"].items()), "weekday × hour cells differ")
    got = sorted((r["repeats"], r["reported"]) for r in selector["repeats"])
    check(got == sorted((r[5], r[6]) for r in sql["repeats"]), "top repeated problems differ")
    rounds = sum(r[1] or 0 for r in sql["inspection_by_project"])
    achieved = sum(Decimal(r[2] or 0) for r in sql["inspection_by_project"])
    possible = sum(Decimal(r[3] or 0) for r in sql["inspection_by_project"])
    check(
        selector["inspection"]["rounds"] == rounds, f"inspection rounds {selector['inspection']['rounds']} vs {rounds}"
    )
    if possible:
        score = (achieved * 100 / possible).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        check(
            selector["inspection"]["score"] == score, f"inspection score {selector['inspection']['score']} vs {score}"
        )
    total = sum(r[2] for r in sql["alerts"])
    check(selector["alerts"]["total"] == total, f"open alerts {selector['alerts']['total']} vs SQL {total}")
    return ["tiles", "trends", "project rows", "SLA", "top categories", "hours", "repeats", "inspection", "alerts"]
