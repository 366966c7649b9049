"""The KPI, roll-up and staff-performance API (/api/v1/kpis/…, rollups/<table>/, staff-performance/):
who may read what, the figures and records against the roll-ups, structured errors naming the parameter."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.kpis import KPIS
from analytics.models import TaskDaily, WorkOrderDaily
from analytics.services import rollup_rebuild
from analytics.tests.base import D0, DAY, HOUR, MINUTE, T0, AnalyticsTestCase
from core.tests.test_api import ApiTestCase

SPAN = {"from": (D0 - DAY).isoformat(), "to": (D0 + 6 * DAY).isoformat()}
KPI = "repair_arrive_on_time"


class KpiApiTestCase(AnalyticsTestCase, ApiTestCase):
    """A repair in the garden done on time by staff, one in the tower nobody went to, one in the other
    company; the roll-ups rebuilt over the week."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        t = cls()
        cls.on_time = t.report(priority="p1")
        t.repair_done(cls.on_time, arrive=T0 + 30 * MINUTE, done=T0 + HOUR)
        cls.tower = t.report(priority="p1", project=cls.project2, unit=cls.unit_office, actor=cls.admin)
        cls.foreign = t.report(priority="p1", project=cls.other_project, unit=cls.other_unit, actor=cls.outsider)
        for company in (cls.company, cls.other_company):
            rollup_rebuild(company=company, days=[D0 + n * DAY for n in range(-1, 7)])

    PATHS = [
        ("kpis/", {}),
        ("kpis/values/", {**SPAN, "kpis": KPI}),
        (f"kpis/{KPI}/records/", SPAN),
        ("rollups/workorders/", SPAN),
    ]


class KpiApiAccessTests(KpiApiTestCase):
    def test_it_requires_authentication(self) -> None:
        for path, params in [*self.PATHS, ("staff-performance/", SPAN)]:
            self.assertError(self.get(path, params), 401, "not_authenticated")

    def test_owners_read_nothing_and_staff_no_kpis(self) -> None:
        for user in (self.owner, self.staff):
            self.auth(user)
            for path, params in self.PATHS:
                with self.subTest(user=user.username, path=path):
                    self.assertError(self.get(path, params), 403, "permission_denied")
        self.auth(self.owner)
        self.assertError(self.get("staff-performance/", SPAN), 403, "permission_denied")


class KpiLibraryTests(KpiApiTestCase):
    def test_it_lists_the_library(self) -> None:
        self.auth(self.viewer)
        body = self.get("kpis/").json()
        self.assertEqual([k["code"] for k in body], list(KPIS))
        (kpi,) = [k for k in body if k["code"] == KPI]
        self.assertEqual(
            (kpi["table"], kpi["numerator"], kpi["denominator"]), ("workorders", ["arrive_on_time"], ["arrive_due"])
        )
        self.assertEqual((kpi["unit"], kpi["kinds"], kpi["targets"]["level_2"]), ("%", ["repair"], 0.95))


class KpiValuesApiTests(KpiApiTestCase):
    def values(self, **params):
        r = self.get("kpis/values/", {**SPAN, "kpis": KPI, **params})
        self.assertEqual(r.status_code, 200, r.content)
        return r.json()

    def test_it_totals_and_groups(self) -> None:
        self.auth(self.admin)
        (result,) = self.values()["results"]
        self.assertEqual((result["kpi"], result["target"]), (KPI, None))
        self.assertEqual(result["rows"], [{"group": {}, "numerator": 1, "denominator": 2, "rate": 0.5}])
        self.assertEqual(self.values(group_by="")["results"][0]["rows"], result["rows"])
        rows = self.values(group_by="project")["results"][0]["rows"]
        self.assertEqual(
            [(r["group"]["project_id"], r["numerator"], r["denominator"]) for r in rows],
            [(self.project.pk, 1, 1), (self.project2.pk, 0, 1)],
        )
        days = self.values(group_by="day", kpis=f"{KPI},average_rating")["results"]
        self.assertEqual([r["kpi"] for r in days], [KPI, "average_rating"])
        self.assertEqual(days[0]["rows"][0]["group"], {"day": D0.isoformat()})

    def test_a_project_gives_its_target(self) -> None:
        self.auth(self.manager)
        (result,) = self.values(project=self.project.pk)["results"]
        self.assertEqual((result["target"], result["rows"][0]["rate"]), (0.95, 1.0))

    def test_it_keeps_companies_and_projects_apart(self) -> None:
        self.auth(self.outsider)
        self.assertEqual(self.values()["results"][0]["rows"][0]["denominator"], 1)
        self.assertError(
            self.get("kpis/values/", {**SPAN, "kpis": KPI, "project": self.project.pk}),
            400,
            "invalid",
            {"project": "does_not_exist"},
        )
        self.auth(self.manager)
        self.assertEqual(self.values()["results"][0]["rows"][0]["denominator"], 1)
        self.assertError(
            self.get("kpis/values/", {**SPAN, "kpis": KPI, "project": self.project2.pk}),
            400,
            "invalid",
            {"project": "does_not_exist"},
        )

    def test_it_names_the_bad_parameter(self) -> None:
        self.auth(self.admin)
        cases = [
            ({"kpis": KPI, "to": SPAN["to"]}, {"from": "required"}),
            ({**SPAN, "kpis": "nps,repair_rework"}, {"kpis": "invalid_choice"}),
            ({**SPAN, "kpis": " , "}, {"kpis": "required"}),
            ({**SPAN, "kpis": KPI, "group_by": "building"}, {"group_by": "invalid_choice"}),
            ({"from": SPAN["to"], "to": SPAN["from"], "kpis": KPI}, {"to": "invalid"}),
            ({"from": "2020-01-01", "to": "2026-01-01", "kpis": KPI}, {"to": "invalid"}),
            ({**SPAN, "kpis": KPI, "from": "yesterday"}, {"from": "invalid"}),
        ]
        for params, fields in cases:
            with self.subTest(params=params):
                self.assertError(self.get("kpis/values/", params), 400, "invalid", fields)


class KpiRecordsApiTests(KpiApiTestCase):
    def records(self, code=KPI, **params):
        r = self.get(f"kpis/{code}/records/", {**SPAN, **params})
        self.assertEqual(r.status_code, 200, r.content)
        return r.json()

    def test_it_lists_the_records_behind_a_figure(self) -> None:
        self.auth(self.admin)
        body = self.records()
        self.assertEqual(body["count"], 1)
        (record,) = body["results"]
        self.assertEqual(
            (record["type"], record["id"], record["project"]), ("workorder", self.on_time.pk, self.project.pk)
        )
        self.assertEqual(record["url"], f"/workorders/{self.on_time.pk}/")
        self.assertEqual(self.records(part="denominator")["count"], 2)
        self.assertEqual(self.records(part="denominator", project=self.project2.pk)["results"][0]["id"], self.tower.pk)
        self.assertEqual(self.records(person=self.staff.pk)["count"], 1)
        self.assertEqual(self.records(person=self.supervisor.pk)["count"], 0)

    def test_it_pages(self) -> None:
        self.auth(self.admin)
        body = self.records(part="denominator", page_size=1)
        self.assertEqual((body["count"], len(body["results"])), (2, 1))
        self.assertIsNotNone(body["next"])

    def test_it_keeps_companies_and_projects_apart(self) -> None:
        self.auth(self.manager)
        self.assertEqual([r["id"] for r in self.records(part="denominator")["results"]], [self.on_time.pk])
        self.auth(self.outsider)
        self.assertEqual([r["id"] for r in self.records(part="denominator")["results"]], [self.foreign.pk])
        r = self.get(f"kpis/{KPI}/records/", {**SPAN, "project": self.project.pk})
        self.assertError(r, 400, "invalid", {"project": "does_not_exist"})
        r = self.get(f"kpis/{KPI}/records/", {**SPAN, "company": self.company.pk})
        self.assertError(r, 400, "invalid", {"company": "does_not_exist"})

    def test_it_refuses_unknown_codes_and_parts(self) -> None:
        self.auth(self.admin)
        self.assertError(self.get("kpis/nps/records/", SPAN), 404, "not_found")
        self.assertError(
            self.get(f"kpis/{KPI}/records/", {**SPAN, "part": "all"}), 400, "invalid", {"part": "invalid_choice"}
        )
        r = self.get("kpis/valid_complaints/records/", {**SPAN, "part": "denominator"})
        self.assertError(r, 400, "invalid", {"part": "invalid"})

    def test_a_user_of_several_companies_names_one(self) -> None:
        self.auth(self.operator)  # a superuser: every company
        self.assertError(self.get(f"kpis/{KPI}/records/", SPAN), 400, "invalid", {"company": "invalid"})
        self.assertEqual(
            self.records(company=self.other_company.pk, part="denominator")["results"][0]["id"], self.foreign.pk
        )


class RollupRowsApiTests(KpiApiTestCase):
    def rows(self, table="workorders", **params):
        r = self.get(f"rollups/{table}/", {**SPAN, **params})
        self.assertEqual(r.status_code, 200, r.content)
        return r.json()["results"]

    def test_it_lists_the_rows_of_what_the_user_reads(self) -> None:
        self.auth(self.admin)
        rows = self.rows()
        self.assertEqual({r["project"] for r in rows}, {self.project.pk, self.project2.pk})
        (garden,) = [r for r in rows if r["project"] == self.project.pk and r["day"] == D0.isoformat()]
        self.assertEqual((garden["key"]["person"], garden["key"]["kind"]), (self.staff.pk, "repair"))
        self.assertEqual((garden["counters"]["arrive_due"], garden["counters"]["arrive_on_time"]), (1, 1))
        self.assertEqual({r["project"] for r in self.rows(project=self.project2.pk)}, {self.project2.pk})
        self.assertEqual(self.rows("tasks"), [])
        self.auth(self.outsider)
        self.assertEqual({r["project"] for r in self.rows()}, {self.other_project.pk})

    def test_it_refuses_unknown_tables_and_bad_ranges(self) -> None:
        self.auth(self.admin)
        self.assertError(self.get("rollups/orders/", SPAN), 404, "not_found")
        self.assertError(self.get("rollups/workorders/", {"from": SPAN["from"]}), 400, "invalid", {"to": "required"})


class StaffPerformanceApiTests(KpiApiTestCase):
    def test_it_ranks_the_people_the_user_reads(self) -> None:
        self.auth(self.admin)
        r = self.get("staff-performance/", SPAN)
        self.assertEqual(r.status_code, 200, r.content)
        body = r.json()
        self.assertTrue(body["ranked"])
        (row,) = body["results"]
        self.assertEqual(row["person"], {"id": self.staff.pk, "name": "钱师傅"})
        self.assertEqual((row["orders_done"], row["arrive_on_time"]["rate"], row["rank"]), (1, 1.0, None))

    def test_staff_get_their_own_figures_only(self) -> None:
        self.auth(self.staff)
        body = self.get("staff-performance/", SPAN).json()
        self.assertFalse(body["ranked"])
        self.assertEqual([r["person"]["id"] for r in body["results"]], [self.staff.pk])
        r = self.get(f"staff-performance/{self.staff.pk}/", {**SPAN, "period": "day"})
        self.assertEqual(r.status_code, 200, r.content)
        self.assertEqual(len(r.json()["periods"]), 8)
        self.assertEqual(r.json()["total"]["orders_done"], 1)
        self.assertError(self.get(f"staff-performance/{self.supervisor.pk}/", SPAN), 404, "not_found")

    def test_it_keeps_companies_and_projects_apart(self) -> None:
        self.auth(self.outsider)
        self.assertEqual(self.get("staff-performance/", SPAN).json()["results"], [])
        self.assertError(self.get(f"staff-performance/{self.staff.pk}/", SPAN), 404, "not_found")
        r = self.get("staff-performance/", {**SPAN, "department": self.department.pk})
        self.assertError(r, 400, "invalid", {"department": "does_not_exist"})
        self.auth(self.manager)
        r = self.get("staff-performance/", {**SPAN, "project": self.project2.pk})
        self.assertError(r, 400, "invalid", {"project": "does_not_exist"})

    def test_it_names_the_bad_parameter(self) -> None:
        self.auth(self.admin)
        r = self.get(f"staff-performance/{self.staff.pk}/", {**SPAN, "period": "year"})
        self.assertError(r, 400, "invalid", {"period": "invalid_choice"})
        r = self.get(f"staff-performance/{self.staff.pk}/", {"from": "2025-01-01", "to": "2026-12-31", "period": "day"})
        self.assertError(r, 400, "invalid", {"period": "invalid"})


class KpiApiQueryCountTests(KpiApiTestCase):
    """A fixed number of queries per request, whatever the rows: the token, the user's grants, the
    figures (and the page's count)."""

    def count(self, path: str, params: dict) -> int:
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.get(path, params).status_code, 200)
        return len(queries)

    def test_the_endpoints_use_a_fixed_number_of_queries(self) -> None:
        self.auth(self.admin)
        cases = {
            "kpis/values/": {**SPAN, "kpis": f"{KPI},task_on_time", "group_by": "day"},
            "rollups/workorders/": SPAN,
            f"kpis/{KPI}/records/": {**SPAN, "part": "denominator"},
            "staff-performance/": SPAN,
        }
        before = {path: self.count(path, params) for path, params in cases.items()}
        for n, person in enumerate((self.supervisor, self.manager, self.viewer)):
            for day in range(3):
                WorkOrderDaily.objects.create(
                    company=self.company,
                    project=self.project if n % 2 else self.project2,
                    person=person,
                    kind="repair",
                    day=D0 + day * DAY,
                    completed=2,
                    arrive_due=1,
                )
                TaskDaily.objects.create(
                    company=self.company, project=self.project, person=person, kind="patrol", day=D0 + day * DAY, due=1
                )
        after = {path: self.count(path, params) for path, params in cases.items()}
        self.assertEqual(after, before)
        self.assertEqual(
            before,
            {
                "kpis/values/": 5,  # token, grants (2), two roll-ups
                "rollups/workorders/": 5,  # token, grants (2), count, page
                f"kpis/{KPI}/records/": 7,  # token, grants, the company, count, page
                "staff-performance/": 6,  # token, grants (2), two roll-ups, names
            },
        )
