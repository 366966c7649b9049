"""Staff performance: figures per person from the roll-ups, the score, stars and ranking, who sees
whom (project manager, supervisor, staff himself, other company), and the pages with their Excel."""

import io

from django.http import Http404
from django.urls import reverse
from openpyxl import load_workbook

from analytics import selectors_staff as staff
from analytics.models import TaskDaily, WorkOrderDaily
from analytics.services import rollup_rebuild
from analytics.tests.base import D0, DAY, HOUR, MINUTE, T0, AnalyticsTestCase
from core import services
from core.access import access_for
from core.choices import Role
from lib.testing import make_user

MONTH = (D0.replace(day=1), D0.replace(day=30))


def orders(person, *, project, department=None, day=D0, kind="repair", **counters):
    return WorkOrderDaily.objects.create(
        company=project.company, project=project, department=department, person=person, kind=kind, day=day, **counters
    )


def tasks(person, *, project, department=None, day=D0, kind="patrol", **counters):
    return TaskDaily.objects.create(
        company=project.company, project=project, department=department, person=person, kind=kind, day=day, **counters
    )


class StaffFixture(AnalyticsTestCase):
    """staff (garden): score 88.1, 3 stars; tech2 (tower): 99.4 but one complaint, so 4 stars;
    supervisor: too little work to rank; outsider: another company."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.tech2 = make_user("tech2", name="孙师傅")
        services.membership_grant(
            company=cls.company, project=cls.project2, user=cls.tech2, role=Role.STAFF, actor=cls.admin
        )
        garden = {"project": cls.project, "department": cls.department}
        orders(
            cls.staff,
            **garden,
            completed=4,
            first_pass=3,
            reopened=1,
            arrive_due=4,
            arrive_on_time=4,
            resolve_due=4,
            resolve_on_time=3,
            ratings=2,
            stars_sum=9,
            follow_ups_rated=2,
            follow_ups_satisfied=2,
            arrived=4,
            arrive_minutes=120,
            complete_minutes=600,
        )
        tasks(cls.staff, **garden, due=2, completed=2, completed_on_time=2)
        orders(cls.staff, **garden, day=D0 + 40 * DAY, completed=9)  # another month
        orders(
            cls.tech2,
            project=cls.project2,
            completed=10,
            first_pass=10,
            arrive_due=10,
            arrive_on_time=10,
            resolve_due=10,
            resolve_on_time=10,
            ratings=10,
            stars_sum=50,
            follow_ups_rated=20,
            follow_ups_satisfied=19,
        )
        orders(cls.supervisor, **garden, kind="complaint", completed=1, resolve_due=1, resolve_on_time=1)
        orders(None, **garden, reported=3)  # nobody assigned: nobody's figure
        orders(cls.outsider, project=cls.other_project, completed=7, first_pass=7)


class StaffFiguresTests(StaffFixture):
    def rows(self, user, **kwargs) -> list:
        return staff.staff_performance(user=user, date_from=MONTH[0], date_to=MONTH[1], **kwargs)

    def summary(self, user, **kwargs) -> list[tuple]:
        return [(f.person_id, f.rank, f.score, f.stars) for f in self.rows(user, **kwargs)]

    def test_it_computes_the_figures_of_a_person(self) -> None:
        (f,) = [f for f in self.rows(self.admin) if f.person_id == self.staff.pk]
        self.assertEqual(f.name, "钱师傅")
        self.assertEqual(f.orders_done, 4)
        self.assertEqual(f.response_minutes, 30.0)
        self.assertEqual(f.completion_hours, 2.5)
        self.assertEqual((f.arrive_on_time.numerator, f.arrive_on_time.denominator), (4, 4))
        self.assertEqual(f.resolve_on_time.percent, 75.0)
        self.assertEqual(f.rework.percent, 25.0)
        self.assertEqual(f.average_rating, 4.5)
        self.assertEqual(f.complaints, 0)
        self.assertEqual((f.tasks_due, f.tasks_done, f.tasks_on_time.percent), (2, 2, 100.0))
        # (25×0.75 + 20×1 + 15×0.75 + 15×0.875 + 15×1 + 10×1) ÷ 100
        self.assertEqual(f.score, 88.1)
        self.assertEqual(f.stars, 3)

    def test_complaints_are_low_ratings_and_unsatisfied_follow_ups(self) -> None:
        (f,) = [f for f in self.rows(self.admin) if f.person_id == self.tech2.pk]
        self.assertEqual(f.complaints, 1)
        self.assertIsNone(f.response_minutes)  # never recorded an arrival
        self.assertIsNone(f.components()["tasks_on_time"])  # no tasks: left out of the score
        self.assertEqual(f.score, 99.4)
        self.assertEqual(f.stars, 4)  # five by the score, capped by the complaint

    def test_it_ranks_those_with_enough_work(self) -> None:
        self.assertEqual(
            self.summary(self.admin),
            [(self.tech2.pk, 1, 99.4, 4), (self.staff.pk, 2, 88.1, 3), (self.supervisor.pk, None, 62.5, None)],
        )

    def test_equal_scores_share_a_rank(self) -> None:
        for person in (self.staff, self.tech2):
            WorkOrderDaily.objects.filter(person=person).delete()
            TaskDaily.objects.filter(person=person).delete()
            orders(person, project=self.project, completed=5, first_pass=5)
        self.assertEqual([f.rank for f in self.rows(self.admin)][:2], [1, 1])

    def test_it_filters_by_project_and_department(self) -> None:
        self.assertEqual([f.person_id for f in self.rows(self.admin, project=self.project2)], [self.tech2.pk])
        people = {f.person_id for f in self.rows(self.admin, department=self.department)}
        self.assertEqual(people, {self.staff.pk, self.supervisor.pk})

    def test_managers_and_supervisors_see_their_project_only(self) -> None:
        for user in (self.manager, self.supervisor):
            self.assertEqual({f.person_id for f in self.rows(user)}, {self.staff.pk, self.supervisor.pk})
            self.assertEqual(self.rows(user, project=self.project2), [])

    def test_staff_see_only_themselves_unranked(self) -> None:
        self.assertEqual(self.summary(self.staff), [(self.staff.pk, None, 88.1, 3)])
        self.assertEqual(staff.staff_projects(self.staff).count(), 0)

    def test_other_companies_and_owners_see_nothing_of_ours(self) -> None:
        self.assertEqual([f.person_id for f in self.rows(self.outsider)], [self.outsider.pk])
        self.assertEqual(self.rows(self.outsider, project=self.project), [])
        self.assertEqual(self.rows(self.owner), [])

    def test_it_reads_only_the_rollups(self) -> None:
        access_for(self.viewer)
        with self.assertNumQueries(3):  # orders, tasks, names
            self.assertEqual(len(self.rows(self.viewer)), 3)


class StaffPersonTests(StaffFixture):
    def test_a_person_is_visible_where_his_roles_are(self) -> None:
        self.assertEqual(staff.get_staff_person_for_user(self.manager, self.staff.pk), self.staff)
        self.assertEqual(staff.get_staff_person_for_user(self.admin, self.tech2.pk), self.tech2)
        self.assertEqual(staff.get_staff_person_for_user(self.staff, self.staff.pk), self.staff)
        for user, pk in (
            (self.manager, self.tech2.pk),  # the tower is not his
            (self.outsider, self.staff.pk),
            (self.staff, self.supervisor.pk),
            (self.owner, self.owner.pk),
            (self.admin, 999999),
            (self.admin, "x"),
        ):
            with self.subTest(user=user.username, pk=pk), self.assertRaises(Http404):
                staff.get_staff_person_for_user(user, pk)

    def test_a_company_wide_technician_is_visible_where_he_worked(self) -> None:
        roving = make_user("roving", name="周师傅")
        services.membership_grant(company=self.company, user=roving, role=Role.STAFF, actor=self.admin)
        with self.assertRaises(Http404):
            staff.get_staff_person_for_user(self.manager, roving.pk)
        tasks(roving, project=self.project2, due=1)
        with self.assertRaises(Http404):
            staff.get_staff_person_for_user(self.manager, roving.pk)  # the tower is not his
        tasks(roving, project=self.project, due=1)
        self.assertEqual(staff.get_staff_person_for_user(self.manager, roving.pk), roving)

    def test_it_gives_every_period_of_the_trend(self) -> None:
        trend = staff.staff_trend(
            user=self.admin, person=self.staff, date_from=MONTH[0], date_to=D0 + 60 * DAY, period="month"
        )
        self.assertEqual([f.period for f in trend], [MONTH[0], D0.replace(month=12, day=1), D0.replace(2027, 1, 1)])
        self.assertEqual([f.orders_done for f in trend], [4, 9, 0])
        total = staff.staff_total(person=self.staff, trend=trend)
        self.assertEqual((total.orders_done, total.tasks_due), (13, 2))

    def test_the_trend_by_day_and_week(self) -> None:
        days = staff.staff_trend(user=self.admin, person=self.staff, date_from=D0, date_to=D0 + 2 * DAY, period="day")
        self.assertEqual([(f.period, f.orders_done) for f in days], [(D0, 4), (D0 + DAY, 0), (D0 + 2 * DAY, 0)])
        weeks = staff.staff_trend(user=self.admin, person=self.staff, date_from=D0, date_to=D0 + 8 * DAY, period="week")
        self.assertEqual([(f.period, f.orders_done) for f in weeks], [(D0, 4), (D0 + 7 * DAY, 0)])
        with self.assertRaises(ValueError):
            staff.staff_trend(user=self.admin, person=self.staff, date_from=D0, date_to=D0, period="year")

    def test_the_trend_keeps_to_what_the_reader_sees(self) -> None:
        trend = staff.staff_trend(user=self.manager, person=self.tech2, date_from=MONTH[0], date_to=MONTH[1])
        self.assertEqual([f.orders_done for f in trend], [0])


class StaffPageTests(StaffFixture):
    URL = reverse("analytics:staff")
    QUERY = {"date_from": MONTH[0].isoformat(), "date_to": MONTH[1].isoformat()}

    def person_url(self, person) -> str:
        return reverse("analytics:staff_person", args=[person.pk])

    def test_anonymous_users_sign_in_and_owners_go_to_the_portal(self) -> None:
        r = self.client.get(self.URL)
        self.assertEqual(r.status_code, 302)
        self.assertIn("/login/", r["Location"])
        self.login(self.owner)
        self.assertEqual(self.client.get(self.URL).status_code, 302)
        self.assertEqual(self.client.get(self.person_url(self.owner)).status_code, 302)

    def test_it_shows_the_ranking(self) -> None:
        self.login(self.admin)
        r = self.client.get(self.URL, self.QUERY)
        self.assertEqual(r.status_code, 200)
        self.assertEqual([f.person_id for f in r.context["rows"]], [self.tech2.pk, self.staff.pk, self.supervisor.pk])
        html = r.content.decode()
        self.assertLess(html.index("孙师傅"), html.index("钱师傅"))
        # the person's twelve months up to the ranking's end
        self.assertIn(
            f"{self.person_url(self.staff)}?date_from=2025-12-01&amp;date_to=2026-11-30&amp;period=month", html
        )
        self.assertIn('data-stars="4"', html)
        chart = r.context["score_chart"]  # the ranked people, best on top, each bar opening his page
        self.assertEqual(chart["yAxis"]["data"], ["孙师傅", "钱师傅"])
        bars = chart["series"][0]["data"]
        self.assertEqual([b["value"] for b in bars], [99.4, 88.1])
        self.assertTrue(bars[1]["url"].startswith(self.person_url(self.staff) + "?date_from=2025-12-01"))

    def test_it_defaults_to_this_month(self) -> None:
        self.login(self.admin)
        r = self.client.get(self.URL)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.context["params"]["date_from"].day, 1)

    def test_it_exports_the_ranking_to_excel(self) -> None:
        self.login(self.admin)
        r = self.client.get(self.URL, {**self.QUERY, "export": "xlsx"})
        self.assertEqual(r.status_code, 200)
        self.assertIn("spreadsheetml", r["Content-Type"])
        sheet = load_workbook(io.BytesIO(r.content)).worksheets[0]
        values = list(sheet.values)
        self.assertEqual(len(values), 4)
        self.assertEqual(values[1][:2], (1, "孙师傅"))

    def test_it_rejects_a_bad_range(self) -> None:
        self.login(self.admin)
        r = self.client.get(self.URL, {"date_from": MONTH[1].isoformat(), "date_to": MONTH[0].isoformat()})
        self.assertEqual(r.status_code, 200)
        self.assertIsNone(r.context["rows"])
        self.assertTrue(r.context["form"].errors["date_to"])
        r = self.client.get(self.URL, {**self.QUERY, "project": self.other_project.pk})
        self.assertIn("project", r.context["form"].errors)

    def test_a_manager_sees_his_project_only(self) -> None:
        self.login(self.manager)
        html = self.client.get(self.URL, self.QUERY).content.decode()
        self.assertIn("钱师傅", html)
        self.assertNotIn("孙师傅", html)
        self.assertEqual(self.client.get(self.person_url(self.tech2)).status_code, 404)

    def test_another_company_sees_none_of_ours(self) -> None:
        self.login(self.outsider)
        html = self.client.get(self.URL, self.QUERY).content.decode()
        for name in ("钱师傅", "孙师傅", "赵主管"):
            self.assertNotIn(name, html)
        self.assertEqual(self.client.get(self.person_url(self.staff)).status_code, 404)

    def test_staff_are_sent_to_their_own_page(self) -> None:
        self.login(self.staff)
        r = self.client.get(self.URL)
        self.assertRedirects(r, self.person_url(self.staff))
        r = self.client.get(self.person_url(self.staff), {**self.QUERY, "period": "month"})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.context["total"].orders_done, 4)
        self.assertNotIn('id="id_project"', r.content.decode())
        self.assertEqual(self.client.get(self.person_url(self.supervisor)).status_code, 404)

    def test_the_person_page_draws_the_trend(self) -> None:
        self.login(self.manager)
        r = self.client.get(self.person_url(self.staff))
        self.assertEqual(r.status_code, 200)
        trend = r.context["trend"]
        self.assertEqual(len(trend), 12)
        chart = r.context["trend_chart"]
        self.assertEqual(len(chart["series"]), 4)
        self.assertEqual(len(chart["xAxis"]["data"]), 12)

    def test_the_person_page_links_to_the_records(self) -> None:
        self.login(self.manager)
        r = self.client.get(self.person_url(self.staff), {**self.QUERY, "project": self.project.pk})
        link = r.context["links"]["average_rating"]
        self.assertTrue(link.startswith(reverse("analytics:kpi_records", args=["average_rating"])), link)
        for part in ("from=2026-11-01", "to=2026-11-30", f"project={self.project.pk}", f"person={self.staff.pk}"):
            self.assertIn(part, link)
        self.assertIn(r.context["links"]["repair_rework"], r.content.decode().replace("&amp;", "&"))
        self.assertEqual(self.client.get(link).status_code, 200)
        self.login(self.staff)  # the records need analytics.view: no links on his own page
        self.assertEqual(self.client.get(self.person_url(self.staff)).context["links"], {})

    def test_the_person_page_exports_its_periods(self) -> None:
        self.login(self.admin)
        r = self.client.get(self.person_url(self.staff), {**self.QUERY, "period": "day", "export": "xlsx"})
        self.assertEqual(r.status_code, 200)
        values = list(load_workbook(io.BytesIO(r.content)).worksheets[0].values)
        self.assertEqual(len(values), 1 + 30 + 1)  # header, the days, the total
        self.assertEqual(values[-1][1], 4)
        self.assertIn("钱师傅", load_workbook(io.BytesIO(r.content))["说明"]["A1"].value)

    def test_the_person_page_refuses_too_many_periods(self) -> None:
        self.login(self.admin)
        r = self.client.get(
            self.person_url(self.staff), {"date_from": "2025-01-01", "date_to": "2026-12-31", "period": "day"}
        )
        self.assertEqual(r.status_code, 200)
        self.assertIn("period", r.context["form"].errors)
        self.assertIsNone(r.context["trend"])


class StaffFromTheServicesTests(AnalyticsTestCase):
    """The figures of orders moved through the real services and rolled up by rollup_rebuild."""

    def test_it_reads_what_the_rollup_counted(self) -> None:
        quick = self.report(priority="p1")
        self.repair_done(quick, arrive=T0 + 20 * MINUTE, done=T0 + HOUR)
        slow = self.report(priority="p1", when=T0 + HOUR)
        self.repair_done(slow, arrive=T0 + 3 * HOUR, done=T0 + 5 * HOUR)  # on site late
        self.report(priority="p1")  # nobody assigned
        rollup_rebuild(company=self.company, days=[D0 + n * DAY for n in range(-1, 3)])
        (f,) = staff.staff_performance(user=self.admin, date_from=D0, date_to=D0 + DAY)
        self.assertEqual((f.person_id, f.orders_done), (self.staff.pk, 2))
        self.assertEqual(f.response_minutes, (20 + 120) / 2)
        self.assertEqual(f.completion_hours, (60 + 240) / 2 / 60)
        self.assertEqual((f.arrive_on_time.numerator, f.arrive_on_time.denominator), (1, 2))
        self.assertEqual(f.rework.numerator, 0)
