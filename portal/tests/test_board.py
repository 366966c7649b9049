"""The owner board (业主决策平台): who reads it, what it shows (figures with targets, history, plans,
rectification notice, recent work) and above all what it never shows: names, phones, rooms,
staff, other projects and other companies, for a signed-in owner as for the public link."""

import datetime as dt
import re
from decimal import Decimal

import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled
from hypothesis import given
from hypothesis import settings as settings_hypothesis
from hypothesis import strategies as st

from accounts.models import User
from analytics.selectors import project_kpi_values
from analytics.services.rollup import rollup_rebuild
from core import services as core_services
from core.choices import ResidentRelation, Role, ServiceLevel
from core.models import Project, Resident, Unit
from inspections.choices import Severity
from inspections.services import findings as finding_services
from lib.testing import make_user
from plans import services as plan_services
from plans.choices import CheckInMethod
from plans.models import Task
from plans.tests.base import DAY1, PlanTestCase, at
from portal import board_services
from portal.board_selectors import BOARD_CODES, BoardMasker
from portal.models import BoardLink
from portal.tests.test_workorders import OwnerWorkOrderTestCase
from workorders import services
from workorders.choices import PhotoStage, Status
from workorders.models import WorkOrderPhoto
from workorders.tests.factories import category, jpeg, report

BOARD = "/m/projects/{pk}/board/"
PUBLIC = "/m/board/{token}/"
LINKS = "/notices/boards/"
NOW = at(2026, 12, 5, 12, 0)


def visible(response) -> str:
    """The page without photo file names and the CSRF token: random strings that could contain anything."""
    html = response.content.decode()
    html = re.sub(r"/media/[^\"']+", "", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


class BoardTestCase(PlanTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.committee = make_user("committee", name="冯委员", phone="13600000001")
        core_services.membership_grant(
            company=cls.company, project=cls.project, user=cls.committee, role=Role.COMMITTEE, actor=cls.admin
        )
        cls.committee2 = make_user("committee2", name="陈委员", phone="13600000002")
        core_services.membership_grant(
            company=cls.company, project=cls.project2, user=cls.committee2, role=Role.COMMITTEE, actor=cls.admin
        )
        cls.quality = make_user("quality", name="蒋品质", phone="13600000003")
        core_services.membership_grant(
            company=cls.company, user=cls.quality, role=Role.QUALITY_MANAGER, actor=cls.admin
        )

    def setUp(self):
        traveller = time_machine.travel(NOW, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def rebuild(self, company=None, *, first=dt.date(2026, 11, 1), last=dt.date(2026, 12, 5)):
        days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        with scopes_disabled():
            rollup_rebuild(company=company or self.company, days=days)

    def public_link(self, project=None, actor=None) -> str:
        link = board_services.board_link_enable(project=project or self.project, actor=actor or self.manager)
        return PUBLIC.format(token=link.token)


#
# Who reads it
#
class BoardAccessTests(BoardTestCase):
    def test_it_opens_to_residents_committee_and_staff(self):
        for user in (self.owner, self.other_owner, self.committee, self.staff, self.guard, self.manager, self.admin):
            self.login(user)
            self.assertEqual(self.client.get(BOARD.format(pk=self.project.pk)).status_code, 200, user.username)

    def test_it_answers_404_outside_my_projects(self):
        self.login(self.owner)
        for project in (self.project2, self.other_project):
            self.assertEqual(self.client.get(BOARD.format(pk=project.pk)).status_code, 404)
        self.login(self.committee2)
        self.assertEqual(self.client.get(BOARD.format(pk=self.project.pk)).status_code, 404)
        self.login(self.outsider)
        self.assertEqual(self.client.get(BOARD.format(pk=self.project.pk)).status_code, 404)
        self.assertEqual(self.client.get(BOARD.format(pk=999999)).status_code, 404)

    def test_it_answers_404_for_an_inactive_project(self):
        Project.objects.filter(pk=self.project.pk).update(is_active=False)
        self.login(self.owner)
        self.assertEqual(self.client.get(BOARD.format(pk=self.project.pk)).status_code, 404)

    def test_it_sends_anonymous_to_the_owner_sign_in(self):
        url = BOARD.format(pk=self.project.pk)
        self.assertRedirects(self.client.get(url), f"/m/login/?next={url}")

    def test_it_links_the_committee_to_its_board_from_the_owner_home(self):
        self.login(self.committee)
        self.assertContains(self.client.get("/m/"), BOARD.format(pk=self.project.pk))
        self.login(self.committee2)
        response = self.client.get("/m/")
        self.assertContains(response, BOARD.format(pk=self.project2.pk))
        self.assertNotContains(response, BOARD.format(pk=self.project.pk))


#
# The public link
#
class PublicLinkTests(BoardTestCase):
    def test_it_is_off_until_switched_on(self):
        self.assertFalse(BoardLink.objects.filter(project=self.project).exists())
        self.assertEqual(self.client.get(PUBLIC.format(token="x" * 43)).status_code, 404)

    def test_it_opens_the_board_to_anyone_with_the_link(self):
        url = self.public_link()
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, self.project.name)
        self.assertEqual(response["Referrer-Policy"], "no-referrer")
        self.assertIn("no-cache", response["Cache-Control"])
        self.assertNotContains(response, "Sign out")

    def test_it_issues_long_random_tokens(self):
        first = board_services.board_link_enable(project=self.project, actor=self.manager).token
        second = board_services.board_link_enable(project=self.project2, actor=self.admin).token
        self.assertGreaterEqual(len(first), 40)
        self.assertNotEqual(first, second)

    def test_it_keeps_the_token_when_switched_on_twice(self):
        first = board_services.board_link_enable(project=self.project, actor=self.manager).token
        self.assertEqual(board_services.board_link_enable(project=self.project, actor=self.manager).token, first)

    def test_it_kills_the_old_link_when_rotated(self):
        old = self.public_link()
        link = board_services.board_link_rotate(project=self.project, actor=self.quality)
        self.assertEqual(self.client.get(old).status_code, 404)
        self.assertEqual(self.client.get(PUBLIC.format(token=link.token)).status_code, 200)

    def test_it_kills_the_link_when_switched_off_and_never_revives_it(self):
        old = self.public_link()
        board_services.board_link_disable(project=self.project, actor=self.admin)
        self.assertEqual(self.client.get(old).status_code, 404)
        new = self.public_link()
        self.assertNotEqual(new, old)
        self.assertEqual(self.client.get(old).status_code, 404)
        self.assertEqual(self.client.get(new).status_code, 200)

    def test_it_opens_to_people_signed_in_elsewhere(self):
        url = self.public_link()
        self.login(self.outsider)  # another company's admin: the link is what counts
        response = self.client.get(url)
        self.assertContains(response, self.project.name)
        self.assertContains(response, "Sign out")

    def test_it_answers_404_for_an_inactive_project(self):
        url = self.public_link()
        Project.objects.filter(pk=self.project.pk).update(is_active=False)
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_it_answers_404_when_the_company_is_switched_off(self):
        url = self.public_link()
        with scopes_disabled():
            type(self.company).objects.filter(pk=self.company.pk).update(is_active=False)
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_it_shows_only_its_own_project(self):
        report(self, project=self.project, description="本项目的报修")
        url = self.public_link(self.other_project, actor=self.outsider)
        response = self.client.get(url)
        self.assertContains(response, self.other_project.name)
        self.assertNotContains(response, self.project.name)

    def test_it_lets_only_managers_change_the_link(self):
        for user in (self.staff, self.supervisor, self.viewer, self.owner, self.committee, self.outsider):
            with self.assertRaises(PermissionDenied, msg=user.username):
                board_services.board_link_enable(project=self.project, actor=user)
        with self.assertRaises(PermissionDenied):
            board_services.board_link_enable(project=self.project2, actor=self.manager)  # not his project
        self.assertFalse(BoardLink.objects.exclude(token=None).exists())

    def test_it_records_who_changed_the_link(self):
        board_services.board_link_enable(project=self.project, actor=self.manager)
        board_services.board_link_disable(project=self.project, actor=self.quality)
        link = BoardLink.objects.get(project=self.project)
        self.assertEqual(link.updated_by, self.quality)
        self.assertEqual([h.history_user for h in link.history.order_by("history_id")][-1], self.quality)
        self.assertEqual(link.history.count(), 3)  # created, switched on, switched off


class BoardLinksPageTests(BoardTestCase):
    def test_it_lists_the_projects_i_manage(self):
        self.login(self.manager)
        response = self.client.get(LINKS)
        self.assertContains(response, self.project.name)
        self.assertNotContains(response, self.project2.name)
        self.assertNotContains(response, self.other_project.name)

    def test_it_switches_on_rotates_and_switches_off(self):
        self.login(self.manager)
        response = self.client.post(f"{LINKS}{self.project.pk}/enable/")
        self.assertRedirects(response, LINKS)
        token = BoardLink.objects.get(project=self.project).token
        page = self.client.get(LINKS)
        self.assertContains(page, PUBLIC.format(token=token))
        self.assertContains(page, 'src="data:image/svg+xml')  # the QR code to print for the notice board
        self.client.post(f"{LINKS}{self.project.pk}/rotate/")
        new = BoardLink.objects.get(project=self.project).token
        self.assertNotEqual(new, token)
        self.client.post(f"{LINKS}{self.project.pk}/disable/")
        self.assertIsNone(BoardLink.objects.get(project=self.project).token)
        self.assertNotContains(self.client.get(LINKS), "/m/board/")

    def test_it_refuses_people_who_may_not(self):
        url = f"{LINKS}{self.project.pk}/enable/"
        self.login(self.staff)
        self.assertEqual(self.client.get(LINKS).status_code, 403)
        self.assertEqual(self.client.post(url).status_code, 403)
        self.login(self.outsider)
        self.assertEqual(self.client.post(url).status_code, 404)
        self.login(self.manager)
        self.assertEqual(self.client.post(f"{LINKS}{self.project2.pk}/enable/").status_code, 404)  # not his
        self.assertEqual(self.client.post(f"{LINKS}{self.project.pk}/explode/").status_code, 404)
        self.assertEqual(self.client.get(url).status_code, 405)
        self.login(self.owner)
        self.assertRedirects(self.client.get(LINKS), "/m/", fetch_redirect_response=False)
        self.client.logout()
        self.assertEqual(self.client.post(url).status_code, 302)
        self.assertFalse(BoardLink.objects.exclude(token=None).exists())


#
# What it shows
#
class BoardFiguresTests(BoardTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        plan_services.tasks_generate(until=DAY1, now=at(2026, 12, 1, 0, 0), plans=[cls.patrol])
        task = Task.objects.get(plan=cls.patrol, date=DAY1, window_index=0)
        for i, cp in enumerate((cls.gate, cls.garage)):
            plan_services.task_checkin(
                task=task, actor=cls.guard, method=CheckInMethod.QR, code=cp.code, at=at(2026, 12, 1, 8, 10 + i)
            )
        plan_services.task_finish(task=task, actor=cls.guard, note="天台锁门", at=at(2026, 12, 1, 10, 30))  # late
        plan_services.tasks_sweep_missed(now=at(2026, 12, 2, 8, 0))  # the night round is missed

    def figures(self, response) -> dict:
        return {f.code: f for f in response.context["figures"]}

    def test_it_shows_this_months_figures_from_the_rollups_with_the_targets_of_the_service_level(self):
        self.rebuild()
        self.login(self.owner)
        response = self.client.get(BOARD.format(pk=self.project.pk))
        figures = self.figures(response)
        self.assertEqual(list(figures), BOARD_CODES)
        plan = figures["plan_completion"]
        self.assertEqual((plan.rate.numerator, plan.rate.denominator), (1, 2))
        self.assertEqual((plan.target_percent, plan.met), (95.0, False))
        on_time = figures["task_on_time"]
        self.assertEqual((on_time.rate.numerator, on_time.rate.denominator, on_time.met), (0, 2, None))
        self.assertIsNone(figures["repair_arrive_on_time"].rate.rate)
        self.assertIsNone(figures["repair_arrive_on_time"].met)
        self.assertContains(response, 'data-figure="plan_completion"')
        self.assertContains(response, "50.0%")
        expected = project_kpi_values(
            project=self.project, kpis=BOARD_CODES, date_from=dt.date(2026, 12, 1), date_to=dt.date(2026, 12, 5)
        )
        for code in BOARD_CODES:
            self.assertEqual(figures[code].rate, expected[code][0])

    def test_it_compares_with_last_month(self):
        self.rebuild()
        with time_machine.travel(at(2027, 1, 3, 12, 0), tick=False):
            self.login(self.owner)
            response = self.client.get(BOARD.format(pk=self.project.pk))
        plan = self.figures(response)["plan_completion"]
        self.assertEqual((plan.rate.denominator, plan.previous.numerator, plan.previous.denominator), (0, 1, 2))
        self.assertContains(response, 'data-previous="plan_completion"')
        self.assertNotContains(response, 'data-previous="repair_arrive_on_time"')

    def test_it_uses_the_projects_service_level(self):
        Project.objects.filter(pk=self.project.pk).update(service_level=ServiceLevel.LEVEL_1)
        self.login(self.owner)
        figures = self.figures(self.client.get(BOARD.format(pk=self.project.pk)))
        self.assertEqual(figures["plan_completion"].target_percent, 98.0)
        self.assertEqual(figures["follow_up_satisfaction"].target_percent, 80.0)

    def test_it_shows_nothing_before_the_rollups_know_it(self):
        self.login(self.owner)
        figures = self.figures(self.client.get(BOARD.format(pk=self.project.pk)))
        self.assertTrue(all(f.rate.denominator == 0 for f in figures.values()))

    def test_it_draws_the_history_by_day_week_month_and_year(self):
        self.rebuild()
        self.login(self.owner)
        lengths = {"day": 30, "week": 12, "month": 12, "year": 5, "bogus": 12}
        for period, length in lengths.items():
            response = self.client.get(BOARD.format(pk=self.project.pk) + f"?period={period}")
            history = response.context["history"]
            self.assertEqual(len(history["labels"]), length, period)
            self.assertEqual(len(response.context["charts"]), 5)
        day = self.client.get(BOARD.format(pk=self.project.pk) + "?period=day").context
        plan = day["history"]["series"][0]
        self.assertEqual(plan["code"], "plan_completion")
        self.assertEqual(plan["percents"][day["history"]["labels"].index("12-01")], 50.0)
        self.assertEqual(plan["percents"][-1], None)
        chart = day["charts"][0]["options"]
        self.assertEqual(chart["series"][0]["markLine"]["data"][0]["yAxis"], 95.0)
        year = self.client.get(BOARD.format(pk=self.project.pk) + "?period=year").context["history"]
        self.assertEqual(year["labels"], ["2022", "2023", "2024", "2025", "2026"])
        self.assertEqual(year["series"][0]["percents"][-1], 50.0)

    def test_it_shows_what_the_plans_promise_by_kind_without_names(self):
        self.rebuild()
        self.login(self.owner)
        response = self.client.get(BOARD.format(pk=self.project.pk))
        (patrol,) = response.context["plans"]
        self.assertEqual(
            (patrol["kind"], patrol["plans"], patrol["scheduled"], patrol["completed"]), ("patrol", 1, 2, 1)
        )
        self.assertContains(response, 'data-plan-kind="patrol"')
        for private in (
            self.guard.name,
            self.guard.username,
            "天台锁门",
            self.patrol.name,
            self.gate.name,
            self.gate.code,
        ):
            self.assertNotIn(private, visible(response))

    def test_it_reads_a_constant_number_of_queries(self):
        self.login(self.owner)
        order = report(self, category=category(self.company), photos=[jpeg()])
        self._complete_and_rate(order)
        url = BOARD.format(pk=self.project.pk)
        with CaptureQueriesContext(connection) as one:
            self.client.get(url)
        for _ in range(3):
            self._complete_and_rate(report(self, category=category(self.company), photos=[jpeg()]))
        finding_services.finding_create(
            project=self.project, data={"title": "大堂地面湿滑", "severity": Severity.MINOR}, actor=self.admin
        )
        with CaptureQueriesContext(connection) as more:
            self.assertContains(self.client.get(url), "★★★★★", count=4)
        self.assertEqual(len(one), len(more))
        self.assertLessEqual(len(more), 26)  # session and access 5, board 21 (docs/portal_board.md)

    def _complete_and_rate(self, order):
        services.workorder_dispatch(order=order, assignee=self.staff, actor=self.admin)
        services.workorder_start(order=order, actor=self.admin)
        services.workorder_complete(order=order, actor=self.admin, photos=[jpeg(color="green")])
        services.workorder_rate(order=order, stars=5, comment="好", is_public=True, actor=self.owner)


class BoardRectificationTests(BoardTestCase):
    def test_it_publishes_findings_with_status_and_dates(self):
        finding = finding_services.finding_create(
            project=self.project,
            data={"title": "地下车库照明损坏", "severity": Severity.MAJOR, "area": self.area},
            actor=self.admin,
        )
        self.login(self.owner)
        response = self.client.get(BOARD.format(pk=self.project.pk))
        (row,) = response.context["rectification"]["rows"]
        self.assertEqual(
            (row["what"], row["place"], row["done"], row["overdue"]), ("地下车库照明损坏", "1栋大堂", False, False)
        )
        self.assertEqual(row["due"], finding.due_at)
        self.assertContains(response, "地下车库照明损坏")
        self.assertContains(response, "Major")
        with time_machine.travel(finding.due_at + dt.timedelta(hours=1), tick=False):
            rows = self.client.get(BOARD.format(pk=self.project.pk)).context["rectification"]
        self.assertEqual((rows["open"], rows["overdue"]), (1, 1))

    def test_it_publishes_rectification_orders_raised_without_a_finding(self):
        order = services.workorder_create(
            project=self.project,
            data={"kind": "rectification", "description": "钱师傅负责：1-1-201门口的消防通道堆物", "area": self.area},
            actor=self.admin,
        )
        self.login(self.owner)
        response = self.client.get(BOARD.format(pk=self.project.pk))
        (row,) = response.context["rectification"]["rows"]
        self.assertEqual(
            (row["what"], row["place"], row["done"]), ("钱**负责：***门口的消防通道堆物", "1栋大堂", False)
        )
        self.assertEqual(row["raised"], order.created)
        self.assertNotIn("钱师傅", visible(response))
        self.assertNotIn("1-1-201", visible(response))

    def test_it_leaves_out_cancelled_findings_and_other_projects(self):
        cancelled = finding_services.finding_create(
            project=self.project, data={"title": "误报的问题", "severity": Severity.MINOR}, actor=self.admin
        )
        finding_services.finding_cancel(finding=cancelled, reason="误报", actor=self.admin)
        finding_services.finding_create(
            project=self.project2, data={"title": "大厦的问题", "severity": Severity.MINOR}, actor=self.admin
        )
        finding_services.finding_create(
            project=self.other_project, data={"title": "他山的问题", "severity": Severity.MINOR}, actor=self.outsider
        )
        self.login(self.owner)
        response = self.client.get(BOARD.format(pk=self.project.pk))
        self.assertEqual(response.context["rectification"]["rows"], [])
        for text in ("误报的问题", "大厦的问题", "他山的问题"):
            self.assertNotContains(response, text)


#
# No personal data
#
class BoardPrivacyTests(BoardTestCase):
    """A project full of real personal data; the board, as every reader sees it, shows none of it."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.neighbour_unit = core_services.unit_create(
            project=cls.project,
            data={
                "building": cls.building,
                "entrance": "2单元",
                "floor": 15,
                "number": "1502",
                "code": "1-2-1502",
                "floor_area": Decimal("89.00"),
            },
            actor=cls.admin,
        )
        cls.neighbour = core_services.resident_create(
            company=cls.company, name="欧阳娜娜", phone="13511112222", actor=cls.admin
        )
        core_services.unit_resident_link(
            unit=cls.neighbour_unit, resident=cls.neighbour, relation=ResidentRelation.OWNER, actor=cls.admin
        )
        with time_machine.travel(at(2026, 12, 3, 9, 0), tick=False):
            order = report(
                cls,
                category=category(cls.company),
                contact_name="周业主",
                contact_phone="13800000001",
                description="楼上欧阳娜娜家1-2-1502漏水到我家101室，钱师傅13900000004来看过，请打13800000001找周业主",
                is_public=True,
                photos=[jpeg()],
            )
            services.workorder_dispatch(order=order, assignee=cls.staff, actor=cls.admin)
            services.workorder_start(order=order, actor=cls.admin)
            services.workorder_complete(order=order, actor=cls.admin, photos=[jpeg(color="green")])
            services.workorder_rate(
                order=order,
                stars=4,
                comment="钱师傅和赵主管都很好，staff 工号 guard2 也来了",
                is_public=True,
                actor=cls.owner,
            )
            finding_services.finding_create(
                project=cls.project,
                data={"title": "孙保安值守的1-1-301门口堆放杂物", "severity": Severity.MINOR, "area": cls.area},
                actor=cls.admin,
            )
            tower_staff = make_user("tower_staff", name="韩师傅", phone="13611110001")
            core_services.membership_grant(
                company=cls.company, project=cls.project2, user=tower_staff, role=Role.STAFF, actor=cls.admin
            )
            other_staff = make_user("other_staff", name="杨师傅", phone="13611110002")
            core_services.membership_grant(
                company=cls.other_company,
                project=cls.other_project,
                user=other_staff,
                role=Role.STAFF,
                actor=cls.outsider,
            )
            for project, text, actor, worker in (
                (cls.project2, "大厦机密工单", cls.admin, tower_staff),
                (cls.other_project, "他山机密工单", cls.outsider, other_staff),
            ):
                other = services.workorder_create(
                    project=project,
                    data={"kind": "repair", "description": text, "is_public": True, "contact_name": "郑外人"},
                    actor=actor,
                )
                services.workorder_dispatch(order=other, assignee=worker, actor=actor)
                services.workorder_start(order=other, actor=actor)
                services.workorder_complete(order=other, actor=actor)
        with scopes_disabled():
            rollup_rebuild(company=cls.company, days=[dt.date(2026, 12, d) for d in range(1, 6)])

    def secrets(self) -> list[str]:
        """Every name, phone, unit code and room number in the database, and the other projects."""
        with scopes_disabled():
            people = [n for pair in User.objects.values_list("name", "phone") for n in pair if n]
            people += [n for pair in Resident.objects.values_list("name", "phone") for n in pair if n]
            units = [v for pair in Unit.objects.values_list("code", "number") for v in pair]
        others = [self.project2.name, self.other_project.name, self.other_company.name, "大厦机密工单", "他山机密工单"]
        return sorted(set(people + units + others + ["1-1-301", "1502"]))

    def assert_clean(self, response):
        self.assertEqual(response.status_code, 200)
        page = visible(response)
        for secret in self.secrets():
            self.assertNotIn(secret, page)
        # …while the public facts are there: the category, the stars, the finding, the photos.
        self.assertIn("漏水/渗水", page)
        self.assertIn("★★★★☆", page)
        self.assertIn("门口堆放杂物", page)
        self.assertEqual(response.content.decode().count("/media/workorders/"), 4)

    def test_it_shows_no_personal_data_to_a_signed_in_owner(self):
        self.login(self.other_owner)
        self.assert_clean(self.client.get(BOARD.format(pk=self.project.pk)))

    def test_it_shows_no_personal_data_to_the_committee_or_staff(self):
        for user in (self.committee, self.staff):
            self.login(user)
            self.assert_clean(self.client.get(BOARD.format(pk=self.project.pk)))

    def test_it_shows_no_personal_data_on_the_public_link(self):
        url = self.public_link()
        for period in ("day", "week", "month", "year"):
            self.assert_clean(self.client.get(f"{url}?period={period}"))

    def test_it_masks_names_as_the_board_shows_them(self):
        self.login(self.owner)
        response = self.client.get(BOARD.format(pk=self.project.pk))
        (row,) = response.context["recent_work"]
        self.assertEqual(row["description"][:12], "楼上欧**家***漏水到")
        self.assertIn("钱**", row["comment"])
        self.assertIn("赵**", row["comment"])
        self.assertNotIn("guard2", row["comment"])

    def test_it_hides_orders_without_consent_and_internal_photos(self):
        order = report(self, description="不愿公开的一单", is_public=False)
        self._done(order, public=False)
        self.login(self.owner)
        self.assertNotContains(self.client.get(BOARD.format(pk=self.project.pk)), "不愿公开的一单")

    def _done(self, order, *, public):
        services.workorder_dispatch(order=order, assignee=self.staff, actor=self.admin)
        services.workorder_start(order=order, actor=self.admin)
        services.workorder_complete(order=order, actor=self.admin)
        services.workorder_rate(order=order, stars=5, comment="", is_public=public, actor=self.owner)


NAMES = ["周业主", "王小明", "李王", "欧阳娜娜", "欧阳", "钱师傅", "guard2"]
CODES = ["1-2-1502", "A-1001", "1-1-1", "B栋-3"]
PHONES = ["13800000001", "138 0000 0001"]
FRAGMENTS = [*NAMES, *CODES, *PHONES, "的", "家", "漏水", "王", "小明", "娜", "1", "-", "5", "室", " "]


def _masker() -> BoardMasker:
    masker = BoardMasker.__new__(BoardMasker)  # the known names and codes without a database
    masker.names, masker.words = set(NAMES), set(CODES)
    return masker


@settings_hypothesis(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=12))
def test_the_masker_leaves_no_known_name_unit_or_digit_run(fragments):
    masked = _masker().mask("".join(fragments))
    for secret in (*NAMES, *CODES):
        assert secret not in masked, (fragments, masked)
    assert not re.search(r"\d{3,}", masked), (fragments, masked)


class BoardMaskerTests(BoardTestCase):
    def test_it_masks_residents_staff_units_rooms_and_phones(self):
        masker = BoardMasker(project=self.project)
        text = masker.mask("周业主说钱师傅在1-1-101修了3楼301的灯，电话13900000004，孙保安也在")
        self.assertEqual(text, "周**说钱**在***修了3楼***的灯，电话***********，孙**也在")

    def test_it_hides_short_room_numbers_of_the_project(self):
        core_services.unit_create(
            project=self.project,
            data={"building": self.building, "floor": 1, "number": "12", "code": "villa-12", "floor_area": 200},
            actor=self.admin,
        )
        self.assertEqual(BoardMasker(project=self.project).mask("12号别墅门口, villa-12"), "***号别墅门口, ***")

    def test_it_leaves_public_words_alone(self):
        masker = BoardMasker(project=self.project)
        self.assertEqual(masker.mask("大堂的灯坏了 2 盏"), "大堂的灯坏了 2 盏")
        self.assertEqual(masker.mask(""), "")


class ProjectBoardWorkTests(OwnerWorkOrderTestCase):
    """The recent work on the board (moved from test_workorders.py when the board grew)."""

    def shown(self, *, is_public=True, rate=True, description="厨房漏水，联系13912345678，周业主家1-1-101"):
        order = report(self, description=description, category=category(self.company), photos=[jpeg()])
        order = self.completed(order, photos=[jpeg(color="green")])
        if rate:
            services.workorder_rate(order=order, stars=5, comment="周业主很满意", is_public=is_public, actor=self.owner)
        return order

    def test_it_shows_consented_orders_with_personal_data_masked(self):
        order = self.shown()
        self.login(self.other_owner)
        response = self.client.get(f"/m/projects/{self.project.pk}/board/")
        self.assertContains(response, "漏水/渗水")
        self.assertContains(response, "★★★★★")
        self.assertContains(response, "周**")
        for secret in ("周业主", "13800000001", "13912345678", "1-1-101", "138****0001", "Reported by"):
            self.assertNotContains(response, secret)
        for photo in order.photos.all():
            self.assertContains(response, photo.thumbnail.url)

    def test_it_hides_orders_without_consent_or_rating(self):
        self.shown(is_public=False, description="不愿公开的一单")
        unrated = report(self, description="还没评价的一单", is_public=True)
        self.completed(unrated)
        open_order = report(self, description="还在处理的一单", is_public=True)
        self.login(self.owner)
        response = self.client.get(f"/m/projects/{self.project.pk}/board/")
        self.assertEqual(response.status_code, 200)
        for text in ("不愿公开的一单", "还没评价的一单", "还在处理的一单"):
            self.assertNotContains(response, text)
        self.assertEqual(open_order.status, Status.SUBMITTED)

    def test_it_hides_step_photos_that_staff_kept_internal(self):
        order = self.shown()
        services.workorder_comment(order=order, text="内部", actor=self.admin, photos=[jpeg()])
        internal = WorkOrderPhoto.objects.get(stage=PhotoStage.STEP)
        self.login(self.owner)
        self.assertNotContains(self.client.get(f"/m/projects/{self.project.pk}/board/"), internal.thumbnail.url)

    def test_it_reads_a_constant_number_of_queries(self):
        self.shown()
        self.login(self.owner)
        url = f"/m/projects/{self.project.pk}/board/"
        with CaptureQueriesContext(connection) as one:
            self.client.get(url)
        for _ in range(3):
            self.shown()
        with CaptureQueriesContext(connection) as four:
            self.assertContains(self.client.get(url), "★★★★★", count=4)
        self.assertEqual(len(one), len(four))

    def test_it_is_open_to_the_projects_staff(self):
        self.shown()
        self.login(self.staff)
        self.assertContains(self.client.get(f"/m/projects/{self.project.pk}/board/"), "周**")

    def test_it_answers_404_outside_my_projects(self):
        self.shown()
        self.login(self.owner)
        for project in (self.project2, self.other_project):
            self.assertEqual(self.client.get(f"/m/projects/{project.pk}/board/").status_code, 404)
        self.login(self.outsider)
        self.assertEqual(self.client.get(f"/m/projects/{self.project.pk}/board/").status_code, 404)

    def test_it_sends_anonymous_to_the_owner_sign_in(self):
        url = f"/m/projects/{self.project.pk}/board/"
        self.assertRedirects(self.client.get(url), f"/m/login/?next={url}")
