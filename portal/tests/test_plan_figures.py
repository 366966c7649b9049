"""The plan figures an owner sees on the project board: this month's plans by kind with their
completion and patrol coverage (from the roll-ups; numbers only), and nothing else of plans:
no task lists, no staff names."""

import datetime as dt

import time_machine
from django.conf import settings
from django_scopes import scopes_disabled
from rest_framework.authtoken.models import Token

from analytics.services.rollup import rollup_rebuild
from plans import services
from plans.choices import CheckInMethod
from plans.models import Task
from plans.tests.base import DAY1, PlanTestCase, at

BOARD = "/m/projects/{pk}/board/"


class BoardPlanFiguresTests(PlanTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        services.tasks_generate(until=DAY1, now=at(2026, 12, 1, 0, 0), plans=[cls.patrol])
        task = Task.objects.get(plan=cls.patrol, date=DAY1, window_index=0)
        for i, cp in enumerate((cls.gate, cls.garage)):
            services.task_checkin(
                task=task, actor=cls.guard, method=CheckInMethod.QR, code=cp.code, at=at(2026, 12, 1, 8, 10 + i)
            )
        services.task_finish(task=task, actor=cls.guard, note="天台锁门", at=at(2026, 12, 1, 10, 30))  # late
        services.tasks_sweep_missed(now=at(2026, 12, 2, 8, 0))  # the night round is missed

    def setUp(self):
        traveller = time_machine.travel(at(2026, 12, 5, 12, 0), tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def rebuild(self):
        with scopes_disabled():
            rollup_rebuild(company=self.company, days=[dt.date(2026, 12, d) for d in range(1, 6)])

    def patrol_row(self, response) -> dict:
        rows = {row["kind"]: row for row in response.context["plans"]}
        return rows.get("patrol")

    def test_it_shows_this_months_figures_to_an_owner(self):
        self.rebuild()
        self.login(self.owner)
        response = self.client.get(BOARD.format(pk=self.project.pk))
        self.assertEqual(response.status_code, 200)
        row = self.patrol_row(response)
        self.assertEqual((row["coverage"].numerator, row["coverage"].denominator), (2, 6))
        self.assertEqual((row["rate"].numerator, row["rate"].denominator), (1, 2))
        figures = {f.code: f.rate for f in response.context["figures"]}
        self.assertEqual((figures["task_on_time"].numerator, figures["task_on_time"].denominator), (0, 2))
        self.assertContains(response, 'data-plan-kind="patrol"')
        self.assertContains(response, "33.3%")
        self.assertContains(response, "50.0%")

    def test_it_names_no_staff_and_no_task(self):
        self.rebuild()
        self.login(self.owner)
        response = self.client.get(BOARD.format(pk=self.project.pk))
        for private in (
            self.guard.name,
            self.guard.username,
            "天台锁门",
            self.patrol.name,
            self.gate.name,
            self.gate.code,
        ):
            self.assertNotContains(response, private)

    def test_it_counts_only_this_month(self):
        self.rebuild()
        with time_machine.travel(at(2027, 1, 3, 12, 0), tick=False):
            self.login(self.owner)
            response = self.client.get(BOARD.format(pk=self.project.pk))
        row = self.patrol_row(response)
        self.assertEqual((row["plans"], row["scheduled"], row["rate"].denominator), (1, 0, 0))

    def test_it_shows_nothing_for_a_project_without_tasks(self):
        self.login(self.admin)
        response = self.client.get(BOARD.format(pk=self.project2.pk))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["plans"], [])
        self.assertNotContains(response, 'data-plan-kind="patrol"')

    def test_it_keeps_other_companies_boards_closed(self):
        self.login(self.outsider)
        self.assertEqual(self.client.get(BOARD.format(pk=self.project.pk)).status_code, 404)


class OwnerPlanAccessTests(PlanTestCase):
    def test_it_keeps_owners_out_of_the_plan_pages(self):
        services.tasks_generate(until=DAY1, now=at(2026, 12, 1, 0, 0), plans=[self.patrol])
        task = Task.objects.filter(plan=self.patrol).first()
        self.login(self.owner)
        for url in ("/plans/", "/plans/tasks/", f"/plans/tasks/{task.pk}/", "/plans/figures/", "/plans/checkpoints/"):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertTrue(response["Location"].startswith("/m/"), url)
        self.assertIn(self.client.get(f"/plans/{self.patrol.pk}/qr.pdf").status_code, (302, 403, 404))

    def test_it_refuses_owners_the_plans_api(self):
        services.tasks_generate(until=DAY1, now=at(2026, 12, 1, 0, 0), plans=[self.patrol])
        task = Task.objects.filter(plan=self.patrol).first()
        token, _created = Token.objects.get_or_create(user=self.owner)
        headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
        figures = "/api/v1/plans/figures/?metric=coverage&date_from=2026-12-01&date_to=2026-12-01"
        for url in ("/api/v1/tasks/", f"/api/v1/tasks/{task.pk}/", "/api/v1/plans/", "/api/v1/checkpoints/", figures):
            self.assertIn(self.client.get(url, **headers).status_code, (403, 404), url)
        response = self.client.post(f"/api/v1/tasks/{task.pk}/checkins/", {"code": self.gate.code}, **headers)
        self.assertIn(response.status_code, (403, 404))
        self.assertFalse(task.checkins.exists())
