"""The staff inspection pages (/inspections/): checklists, rounds, schedules, findings, CAPA, the
proposals from complaints and the reports; who may see and do what.

State comes from inspections.tests.findings_base: a checklist of four items (大堂地面洁净 for
cleaning, 消防通道畅通 severe with a photo, 水泵房无渗漏, 前台接待礼仪 scored 0–5) in 安居物业花园,
a quality manager, an invited third-party inspector and one who is not invited. Pages run at a
frozen moment, an hour after the December rounds were submitted.
"""

import datetime as dt

import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inspections import services
from inspections.choices import CapaStatus, FindingStatus, RoundStatus, Severity
from inspections.models import Capa, ChecklistTemplate, Finding, InspectionRound, InspectionSchedule
from inspections.services import capa as capa_services
from inspections.services import findings as finding_services
from inspections.tests.base import DAY1, jpeg
from inspections.tests.findings_base import T0, FindingTestCase
from standards.models import StandardItem
from workorders import services as wo
from workorders.choices import Kind
from workorders.tests.factories import category

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
NOW = T0 + HOUR
LOCAL = "%Y-%m-%dT%H:%M"


def item_rows(*rows: dict, extra: int = 1) -> dict:
    """The items formset of the checklist forms: ``rows`` then ``extra`` empty ones."""
    data = {
        "items-TOTAL_FORMS": str(len(rows) + extra),
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "500",
    }
    blank = {
        "key": "",
        "standard_revision": "",
        "order": "",
        "section": "",
        "title": "",
        "requirement": "",
        "scoring": "pass_fail",
        "max_score": "1",
        "weight": "1",
        "severity_if_failed": "minor",
        "department_kind": "",
        "rectify_hours": "",
    }
    for i, row in enumerate([*rows, *[{}] * extra]):
        for name, value in {**blank, **row}.items():
            if name == "photo_required":
                continue
            data[f"items-{i}-{name}"] = value
        if row.get("photo_required"):
            data[f"items-{i}-photo_required"] = "on"
    return data


class ViewTestCase(FindingTestCase):
    def setUp(self) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # English source strings in the checks
        traveller = time_machine.travel(NOW, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def local(self, when: dt.datetime) -> str:
        return when.astimezone(self.company.zone).strftime(LOCAL)


#
# Who may see what
#
class AccessTests(ViewTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        tc = cls()
        cls.round = tc.submitted(fail=("lobby", "fire"))
        cls.finding = cls.round.findings.get(item__key="lobby")
        cls.capa = cls.round.findings.get(item__key="fire").capa
        cls.schedule = services.inspection_schedule_create(
            project=cls.project,
            template=cls.template,
            data={"kind": "weekly", "rrule": "FREQ=WEEKLY;BYDAY=MO", "starts_on": DAY1, "lead": cls.quality},
            inspectors=[cls.inspector],
            actor=cls.quality,
        )

    def pages(self) -> list[str]:
        return [
            "/inspections/rounds/",
            "/inspections/findings/",
            "/inspections/capa/",
            "/inspections/templates/",
            "/inspections/schedules/",
            "/inspections/reports/",
            f"/inspections/rounds/{self.round.pk}/",
            f"/inspections/findings/{self.finding.pk}/",
            f"/inspections/capa/{self.capa.pk}/",
            f"/inspections/templates/{self.template.pk}/",
        ]

    def test_it_sends_anonymous_people_to_sign_in(self):
        for url in [*self.pages(), "/inspections/proposals/", "/inspections/rounds/new/"]:
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertIn("/accounts/login/", response["Location"])

    def test_it_sends_owners_to_their_pages(self):
        self.login(self.owner)
        for url in self.pages():
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertTrue(response["Location"].startswith("/m/"), url)

    def test_it_answers_404_for_another_companys_rows(self):
        self.login(self.outsider)
        for url in [*self.pages()[6:], f"/inspections/schedules/{self.schedule.pk}/edit/"]:
            self.assertEqual(self.client.get(url).status_code, 404, url)
        for url in (f"/inspections/rounds/{self.round.pk}/cancel/", f"/inspections/findings/{self.finding.pk}/verify/"):
            self.assertEqual(self.client.post(url, {"reason": "x"}).status_code, 404, url)
        for url in self.pages()[:6]:
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, url)
            self.assertNotContains(response, "十二月日检")
            self.assertNotContains(response, "大堂地面洁净")

    def test_a_reader_sees_everything_but_may_change_nothing(self):
        self.login(self.viewer)
        for url in self.pages():
            self.assertEqual(self.client.get(url).status_code, 200, url)
        for url in ("/inspections/rounds/new/", "/inspections/templates/new/", "/inspections/proposals/"):
            self.assertEqual(self.client.get(url).status_code, 403, url)
        response = self.client.post(f"/inspections/rounds/{self.round.pk}/close/", {"note": ""})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.client.get(f"/inspections/schedules/{self.schedule.pk}/edit/").status_code, 403)

    def test_staff_see_their_departments_findings_but_manage_nothing(self):
        pump = self.raise_finding(title="水泵漏水", department=self.department)
        self.login(self.staff)
        response = self.client.get("/inspections/findings/")
        self.assertContains(response, "水泵漏水")
        self.assertNotContains(response, "大堂地面洁净")  # the cleaning department's
        self.assertEqual(self.client.get(f"/inspections/findings/{pump.pk}/").status_code, 200)
        self.assertEqual(self.client.get(f"/inspections/findings/{self.finding.pk}/").status_code, 404)
        for url in [*self.pages()[:1], *self.pages()[2:6], "/inspections/rounds/new/", "/inspections/capa/new/"]:
            self.assertEqual(self.client.get(url).status_code, 403, url)

    def test_a_project_manager_schedules_rounds_but_not_checklists(self):
        self.login(self.manager)
        self.assertEqual(self.client.get(f"/inspections/rounds/new/?project={self.project.pk}").status_code, 200)
        self.assertEqual(self.client.get("/inspections/templates/new/").status_code, 403)
        self.assertEqual(self.client.get(f"/inspections/templates/{self.template.pk}/new-version/").status_code, 403)
        response = self.client.get(f"/inspections/templates/{self.template.pk}/")
        self.assertNotContains(response, "New version")

    def test_an_invited_inspector_sees_his_round_and_its_findings_only(self):
        other = self.make_round(title="别人的检查", inspectors=[self.inspector2])
        self.login(self.inspector)
        response = self.client.get("/inspections/rounds/")
        self.assertContains(response, "十二月日检")
        self.assertNotContains(response, "别人的检查")
        self.assertEqual(self.client.get(f"/inspections/rounds/{self.round.pk}/").status_code, 200)
        self.assertEqual(self.client.get(f"/inspections/rounds/{other.pk}/").status_code, 404)
        self.assertEqual(self.client.get(f"/inspections/findings/{self.finding.pk}/").status_code, 200)
        for url in (
            "/inspections/templates/",
            "/inspections/reports/",
            "/inspections/capa/",
            "/inspections/schedules/",
        ):
            self.assertEqual(self.client.get(url).status_code, 403, url)
        self.assertEqual(self.client.get(f"/inspections/capa/{self.capa.pk}/").status_code, 403)

    def test_an_inspector_not_invited_gets_404(self):
        self.login(self.inspector2)
        self.assertEqual(self.client.get(f"/inspections/rounds/{self.round.pk}/").status_code, 404)
        self.assertEqual(self.client.get(f"/inspections/findings/{self.finding.pk}/").status_code, 404)
        self.assertNotContains(self.client.get("/inspections/findings/"), "大堂地面洁净")

    def test_an_inspector_sees_no_owners_data(self):
        order = wo.workorder_create(
            project=self.project,
            data={"kind": Kind.COMPLAINT, "description": "周业主投诉大堂脏", "unit": self.unit},
            actor=self.owner,
        )
        finding_services.finding_create(
            project=self.project,
            data={"title": "投诉: 大堂脏", "description": f"周业主 13800000001 {order.code}", "source": "complaint"},
            actor=self.quality,
        )
        self.login(self.inspector)
        for url in ["/inspections/rounds/", "/inspections/findings/", f"/inspections/rounds/{self.round.pk}/"]:
            response = self.client.get(url)
            for marker in ("周业主", "13800000001", self.unit.code):
                self.assertNotContains(response, marker, msg_prefix=url)

    def test_the_menu_shows_the_inspections_to_those_who_see_them(self):
        self.login(self.quality)
        self.assertContains(self.client.get("/inspections/rounds/"), 'href="/inspections/reports/"')
        self.login(self.inspector)
        response = self.client.get("/inspections/rounds/")
        self.assertContains(response, 'href="/inspections/findings/"')
        self.assertNotContains(response, 'href="/inspections/reports/"')


#
# Checklists
#
class ChecklistViewTests(ViewTestCase):
    def post_new(self, **overrides):
        data = {
            "company": self.company.pk,
            "code": "festival",
            "name": "节前安全检查",
            "kinds": ["special"],
            "discipline": "",
            "description": "",
            "note": "",
            **item_rows(
                {"title": "消防器材完好", "section": "工程", "severity_if_failed": "severe", "photo_required": True},
                {"title": "灯笼悬挂牢固", "scoring": "scale", "max_score": "5", "weight": "2", "order": "5"},
            ),
        }
        data.update(overrides)
        return self.client.post("/inspections/templates/new/", data)

    def test_it_lists_checklists_with_their_version_and_items(self):
        self.login(self.viewer)
        response = self.client.get("/inspections/templates/")
        self.assertContains(response, "测试检查表")
        self.assertContains(response, "v1")

    def test_it_creates_a_checklist_with_its_first_version(self):
        self.login(self.quality)
        response = self.post_new()
        template = ChecklistTemplate.objects.get(company=self.company, code="festival")
        self.assertRedirects(response, f"/inspections/templates/{template.pk}/")
        self.assertEqual(template.kinds, ["special"])
        items = list(template.current_version.items.order_by("sort_order"))
        self.assertEqual([i.title for i in items], ["灯笼悬挂牢固", "消防器材完好"])  # by the order typed in
        self.assertEqual((items[0].scoring, items[0].max_score, items[0].weight), ("scale", 5, 2))
        self.assertEqual(
            (items[1].severity_if_failed, items[1].rectify_hours, items[1].photo_required), ("severe", 24, True)
        )

    def test_it_names_bad_input_on_its_fields(self):
        self.login(self.quality)
        response = self.post_new(code="", **{"items-1-max_score": "3", "items-1-scoring": "pass_fail"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors["code"])
        self.assertIn("max_score", response.context["items"].forms[1].errors)
        response = self.post_new(code="test-list")  # taken
        self.assertIn("code", response.context["form"].errors)
        empty = {k: "" for k in item_rows({"title": "x"}, {"title": "y"}) if k.endswith("-title")}
        response = self.post_new(**empty)
        self.assertIn("A checklist needs at least one item.", response.context["items"].non_form_errors())
        self.assertFalse(ChecklistTemplate.objects.filter(code="festival").exists())

    def test_a_new_version_keeps_the_items_keys_and_the_old_version_stays(self):
        self.login(self.quality)
        url = f"/inspections/templates/{self.template.pk}/new-version/"
        form = self.client.get(url).context["items"]
        self.assertEqual(len(form.forms), 4 + 3)
        rows = [{**f.initial, "title": f.initial["title"]} for f in form.forms if f.initial]
        rows[0]["title"] = "大堂地面及墙面洁净"
        rows = [
            {k: ("" if v is None else str(v)) for k, v in row.items() if k != "photo_required"}
            | {"photo_required": row["photo_required"]}
            for row in rows
        ]
        response = self.client.post(url, {"note": "墙面也查", **item_rows(*rows[:3])})  # desk dropped
        self.assertRedirects(response, f"/inspections/templates/{self.template.pk}/")
        self.template.refresh_from_db()
        version = self.template.current_version
        self.assertEqual((version.number, version.note), (2, "墙面也查"))
        self.assertEqual(
            list(version.items.order_by("sort_order").values_list("key", "title")),
            [("lobby", "大堂地面及墙面洁净"), ("fire", "消防通道畅通"), ("pump", "水泵房无渗漏")],
        )
        page = self.client.get(f"/inspections/templates/{self.template.pk}/?version=1")
        self.assertContains(page, "前台接待礼仪")
        self.assertContains(page, "墙面也查")

    def test_it_builds_a_checklist_from_the_standards_library(self):
        revisions = [i.current_revision for i in StandardItem.objects.filter(company=self.company, is_active=True)[:3]]
        self.login(self.quality)
        response = self.client.post(
            "/inspections/templates/from-standards/",
            {
                "company": self.company.pk,
                "code": "from-lib",
                "name": "标准检查表",
                "kinds": ["weekly", "audit"],
                "discipline": "",
                "revisions": [r.pk for r in revisions],
            },
        )
        template = ChecklistTemplate.objects.get(code="from-lib")
        self.assertRedirects(response, f"/inspections/templates/{template.pk}/")
        self.assertEqual(
            set(template.current_version.items.values_list("standard_revision_id", flat=True)),
            {r.pk for r in revisions},
        )
        response = self.client.post("/inspections/templates/from-standards/", {"company": self.company.pk, "code": "x"})
        self.assertTrue({"name", "revisions"} <= set(response.context["form"].errors))

    def test_it_switches_a_checklist_off_and_on(self):
        self.login(self.quality)
        self.client.post(f"/inspections/templates/{self.template.pk}/deactivate/")
        self.assertFalse(ChecklistTemplate.objects.get(pk=self.template.pk).is_active)
        self.client.post(f"/inspections/templates/{self.template.pk}/activate/")
        self.assertTrue(ChecklistTemplate.objects.get(pk=self.template.pk).is_active)
        self.login(self.manager)
        self.assertEqual(self.client.post(f"/inspections/templates/{self.template.pk}/deactivate/").status_code, 403)

    def test_it_edits_name_and_kinds(self):
        self.login(self.quality)
        url = f"/inspections/templates/{self.template.pk}/edit/"
        response = self.client.post(
            url, {"name": "日常检查表", "kinds": ["daily"], "discipline": "", "description": ""}
        )
        self.assertRedirects(response, f"/inspections/templates/{self.template.pk}/")
        self.template.refresh_from_db()
        self.assertEqual((self.template.name, self.template.kinds), ("日常检查表", ["daily"]))


#
# Rounds
#
class RoundViewTests(ViewTestCase):
    def round_post(self, **overrides) -> dict:
        data = {
            "template": self.template.pk,
            "kind": "special",
            "title": "节前安全检查",
            "scheduled_for": "2026-12-02",
            "due_at": "2026-12-02T17:00",
            "lead": self.quality.pk,
            "inspectors": [self.inspector.pk, self.supervisor.pk],
            "note": "",
        }
        data.update(overrides)
        return data

    def test_it_asks_for_the_project_first(self):
        self.login(self.admin)
        response = self.client.get("/inspections/rounds/new/")
        self.assertTemplateUsed(response, "inspections/choose_project.html")

    def test_it_schedules_a_round_with_invited_inspectors(self):
        self.login(self.quality)
        response = self.client.post(f"/inspections/rounds/new/?project={self.project.pk}", self.round_post())
        round = InspectionRound.objects.get(title="节前安全检查")
        self.assertRedirects(response, f"/inspections/rounds/{round.pk}/")
        self.assertEqual((round.status, round.kind, round.version), (RoundStatus.SCHEDULED, "special", self.version))
        self.assertEqual(set(round.inspectors.all()), {self.quality, self.inspector, self.supervisor})
        self.assertEqual(round.due_at, dt.datetime(2026, 12, 2, 17, tzinfo=self.company.zone))

    def test_it_names_bad_input_on_its_fields(self):
        self.login(self.quality)
        url = f"/inspections/rounds/new/?project={self.project.pk}"
        response = self.client.post(url, self.round_post(inspectors=[self.staff.pk]))
        self.assertIn("inspectors", response.context["form"].errors)  # staff do not inspect
        response = self.client.post(url, self.round_post(due_at="2026-12-01T17:00"))
        self.assertIn("due_at", response.context["form"].errors)  # before its day
        response = self.client.post(url, self.round_post(scheduled_for="", template=""))
        self.assertTrue({"scheduled_for", "template"} <= set(response.context["form"].errors))
        self.assertFalse(InspectionRound.objects.filter(title="节前安全检查").exists())

    def test_it_shows_a_submitted_round_with_results_scores_and_findings(self):
        round = self.submitted(fail=("lobby", "fire"), when=T0 - HOUR)
        self.login(self.manager)
        response = self.client.get(f"/inspections/rounds/{round.pk}/")
        self.assertContains(response, "大堂地面洁净")
        self.assertContains(response, 'id="department-scores"')
        self.assertContains(response, round.results.get(item__key="fire").thumbnail.url)
        self.assertContains(response, f"/inspections/findings/{round.findings.get(item__key='fire').pk}/")
        self.assertContains(response, f'<div class="display-6" id="round-score">{round.score}</div>', html=False)

    def test_it_cancels_with_a_reason_and_closes_after_review(self):
        open_round = self.make_round()
        self.login(self.quality)
        response = self.client.post(f"/inspections/rounds/{open_round.pk}/cancel/", {"reason": ""})
        self.assertIn("reason", response.context["cancel_form"].errors)
        self.client.post(f"/inspections/rounds/{open_round.pk}/cancel/", {"reason": "暴雨改期"})
        self.assertEqual(InspectionRound.objects.get(pk=open_round.pk).status, RoundStatus.CANCELLED)
        done = self.submitted(when=T0 - HOUR)
        self.client.post(f"/inspections/rounds/{done.pk}/close/", {"note": "已复核"})
        self.assertEqual(InspectionRound.objects.get(pk=done.pk).status, RoundStatus.CLOSED)
        response = self.client.post(f"/inspections/rounds/{done.pk}/cancel/", {"reason": "x"})
        self.assertTrue(response.context["cancel_form"].non_field_errors())  # closed rounds stay closed

    def test_it_changes_the_inspectors_of_an_open_round(self):
        round = self.make_round()
        self.login(self.quality)
        self.client.post(
            f"/inspections/rounds/{round.pk}/inspectors/", {"lead": self.quality.pk, "inspectors": [self.inspector2.pk]}
        )
        self.assertEqual(set(round.inspectors.all()), {self.quality, self.inspector2})

    def test_it_links_inspectors_to_the_phone_pages(self):
        round = self.make_round()
        self.login(self.inspector)
        self.assertContains(self.client.get(f"/inspections/rounds/{round.pk}/"), f"/inspect/{round.pk}/")

    def test_it_filters_and_exports_the_list(self):
        self.submitted(when=T0 - HOUR, title="已交检查")
        self.make_round(title="待做检查", kind="weekly")
        self.login(self.quality)
        response = self.client.get("/inspections/rounds/", {"status": "submitted"})
        self.assertContains(response, "已交检查")
        self.assertNotContains(response, "待做检查")
        response = self.client.get("/inspections/rounds/", {"kind": "weekly", "inspector_id": self.inspector.pk})
        self.assertContains(response, "待做检查")
        response = self.client.get("/inspections/rounds/", {"export": "xlsx"})
        self.assertIn("spreadsheetml", response["Content-Type"])

    def test_it_keeps_the_query_count_flat_as_rounds_grow(self):
        self.submitted(when=T0 - HOUR)
        self.login(self.quality)
        with CaptureQueriesContext(connection) as few:
            self.assertEqual(self.client.get("/inspections/rounds/").status_code, 200)
        for n in range(4):
            self.make_round(title=f"检查{n}", project=self.project2 if n % 2 else self.project, inspectors=[])
        with self.assertNumQueries(len(few)):
            self.client.get("/inspections/rounds/")


#
# Schedules
#
class ScheduleViewTests(ViewTestCase):
    def schedule_post(self, **overrides) -> dict:
        data = {
            "template": self.template.pk,
            "kind": "weekly",
            "title": "每周品质检查",
            "repeat": "weekly",
            "weekdays": ["MO", "TH"],
            "interval": "",
            "month_day": "",
            "rrule": "",
            "starts_on": "2026-12-07",
            "ends_on": "",
            "due_hours": "20",
            "lead": self.quality.pk,
            "inspectors": [self.inspector.pk],
        }
        data.update(overrides)
        return data

    def test_it_creates_edits_and_switches_off_a_schedule(self):
        self.login(self.quality)
        response = self.client.post(f"/inspections/schedules/new/?project={self.project.pk}", self.schedule_post())
        self.assertRedirects(response, "/inspections/schedules/")
        schedule = InspectionSchedule.objects.get(title="每周品质检查")
        self.assertEqual((schedule.rrule, schedule.due_hours), ("FREQ=WEEKLY;BYDAY=MO,TH", 20))
        self.assertEqual(set(schedule.inspectors.all()), {self.quality, self.inspector})
        self.assertContains(self.client.get("/inspections/schedules/"), "每周品质检查")
        url = f"/inspections/schedules/{schedule.pk}/edit/"
        self.assertEqual(self.client.get(url).context["form"].initial["weekdays"], ["MO", "TH"])
        self.client.post(url, self.schedule_post(repeat="monthly_day", month_day="1", inspectors=[self.inspector2.pk]))
        schedule.refresh_from_db()
        self.assertEqual(schedule.rrule, "FREQ=MONTHLY;BYMONTHDAY=1")
        self.assertEqual(set(schedule.inspectors.all()), {self.quality, self.inspector2})
        self.client.post(f"/inspections/schedules/{schedule.pk}/deactivate/")
        self.assertFalse(InspectionSchedule.objects.get(pk=schedule.pk).is_active)

    def test_it_names_bad_input_on_its_fields(self):
        self.login(self.quality)
        url = f"/inspections/schedules/new/?project={self.project.pk}"
        response = self.client.post(url, self.schedule_post(weekdays=[]))
        self.assertIn("weekdays", response.context["form"].errors)
        response = self.client.post(url, self.schedule_post(repeat="advanced", rrule="FREQ=HOURLY"))
        self.assertIn("rrule", response.context["form"].errors)
        response = self.client.post(url, self.schedule_post(ends_on="2026-12-01"))
        self.assertIn("ends_on", response.context["form"].errors)
        response = self.client.post(url, self.schedule_post(inspectors=[self.staff.pk]))
        self.assertIn("inspectors", response.context["form"].errors)
        self.assertFalse(InspectionSchedule.objects.exists())


#
# Findings
#
class FindingViewTests(ViewTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.round = cls().submitted(fail=("lobby",))
        cls.lobby = cls.round.findings.get()

    def test_it_lists_and_filters_findings(self):
        self.raise_finding(
            title="水泵漏水",
            department=self.department,
            severity=Severity.MAJOR,
            due_at=T0 + 30 * 60 * dt.timedelta(seconds=1),
        )
        self.login(self.quality)
        response = self.client.get("/inspections/findings/", {"severity": "major"})
        self.assertContains(response, "水泵漏水")
        self.assertNotContains(response, "大堂地面洁净")
        response = self.client.get("/inspections/findings/", {"overdue": "true"})
        self.assertContains(response, "水泵漏水")  # due 10:30, it is 11:00
        self.assertNotContains(response, "大堂地面洁净")
        response = self.client.get("/inspections/findings/", {"department_id": self.cleaning.pk, "status": "open"})
        self.assertContains(response, "大堂地面洁净")

    def test_it_raises_a_finding_by_hand_with_a_photo(self):
        self.login(self.quality)
        url = f"/inspections/findings/new/?project={self.project.pk}"
        data = {
            "title": "电梯轿厢脏",
            "description": "",
            "severity": "major",
            "source": "audit",
            "department": self.cleaning.pk,
            "building": self.building.pk,
            "area": "",
            "due_at": self.local(NOW + 2 * DAY),
            "photo": jpeg(),
        }
        response = self.client.post(url, data)
        finding = Finding.objects.get(title="电梯轿厢脏")
        self.assertRedirects(response, f"/inspections/findings/{finding.pk}/")
        self.assertEqual((finding.source, finding.due_at, finding.building), ("audit", NOW + 2 * DAY, self.building))
        self.assertTrue(finding.photo)
        self.assertIsNotNone(finding.work_order_id)

    def test_it_names_bad_input_on_its_fields(self):
        self.login(self.quality)
        url = f"/inspections/findings/new/?project={self.project.pk}"
        response = self.client.post(url, {"title": "", "severity": "x", "source": "inspection"})
        self.assertTrue({"title", "severity"} <= set(response.context["form"].errors))
        response = self.client.post(
            url, {"title": "过期", "severity": "minor", "source": "inspection", "due_at": self.local(NOW - DAY)}
        )
        self.assertIn("due_at", response.context["form"].errors)
        response = self.client.post(
            url, {"title": "别处", "severity": "minor", "source": "inspection", "department": self.other_department.pk}
        )
        self.assertIn("department", response.context["form"].errors)

    def test_the_whole_loop_rectify_verify_fail_rectify_verify_pass(self):
        url = f"/inspections/findings/{self.lobby.pk}/"
        self.login(self.manager)  # the responsible team here: no department of his own
        response = self.client.post(f"{url}rectify/", {"note": "", "photo": ""})
        self.assertTrue({"note", "photo"} <= set(response.context["rectify_form"].errors))
        self.client.post(f"{url}rectify/", {"note": "已拖地", "photo": jpeg("after.jpg")})
        self.assertEqual(Finding.objects.get(pk=self.lobby.pk).status, FindingStatus.AWAITING_VERIFICATION)
        self.assertContains(self.client.get(url), "已拖地")
        self.login(self.quality)
        response = self.client.post(f"{url}verify/", {"result": "fail", "note": "仍有水渍", "new_due_at": ""})
        self.assertIn("new_due_at", response.context["verify_form"].errors)
        self.client.post(f"{url}verify/", {"result": "fail", "note": "仍有水渍", "new_due_at": self.local(NOW + DAY)})
        finding = Finding.objects.get(pk=self.lobby.pk)
        self.assertEqual((finding.status, finding.due_at, finding.verify_rounds), ("rectifying", NOW + DAY, 1))
        self.login(self.manager)
        self.client.post(f"{url}rectify/", {"note": "重新清洁", "photo": jpeg("again.jpg")})
        self.login(self.quality)
        self.client.post(f"{url}verify/", {"result": "pass", "note": ""})
        finding.refresh_from_db()
        self.assertEqual((finding.status, finding.verify_rounds), (FindingStatus.CLOSED, 2))
        page = self.client.get(url)
        self.assertContains(page, finding.rectify_thumbnail.url)

    def test_an_extension_is_asked_for_and_decided(self):
        url = f"/inspections/findings/{self.lobby.pk}/"
        self.login(self.manager)
        response = self.client.post(f"{url}extension/", {"requested_due_at": self.local(NOW), "reason": "缺材料"})
        self.assertIn("requested_due_at", response.context["extension_form"].errors)
        self.client.post(f"{url}extension/", {"requested_due_at": self.local(NOW + 10 * DAY), "reason": "缺材料"})
        extension = self.lobby.extensions.get()
        response = self.client.post(f"/inspections/extensions/{extension.pk}/decide/", {"decision": "approve"})
        self.assertEqual(response.status_code, 403)  # not one's own request
        self.login(self.quality)
        self.assertContains(self.client.get(url), "缺材料")
        response = self.client.post(f"/inspections/extensions/{extension.pk}/decide/", {"decision": "reject"})
        self.assertIn("note", response.context["decide_form"].errors)
        self.client.post(f"/inspections/extensions/{extension.pk}/decide/", {"decision": "approve", "note": ""})
        self.assertEqual(Finding.objects.get(pk=self.lobby.pk).due_at, NOW + 10 * DAY)

    def test_a_manager_files_a_capa_for_a_finding(self):
        self.login(self.quality)
        url = f"/inspections/findings/{self.lobby.pk}/"
        self.assertContains(self.client.get(url), "File a CAPA for it")
        data = {
            "source": "inspection",
            "severity": "major",
            "title": "大堂反复脏",
            "description": "5W2H",
            "owner": self.manager.pk,
            "due_at": self.local(NOW + 20 * DAY),
        }
        self.client.post(f"{url}capa/", data)
        capa = Capa.objects.get(title="大堂反复脏")
        self.assertEqual(list(capa.findings.all()), [self.lobby])
        self.assertNotContains(self.client.get(url), "File a CAPA for it")

    def test_a_manager_links_a_finding_to_an_open_capa(self):
        capa = capa_services.capa_open(
            project=self.project,
            source="inspection",
            severity="major",
            title="大堂卫生",
            description="5W2H",
            owner=self.manager,
            due_at=NOW + 20 * DAY,
            actor=self.quality,
        )
        self.login(self.manager)
        url = f"/inspections/findings/{self.lobby.pk}/"
        self.assertContains(self.client.get(url), "Link it to an open CAPA")
        response = self.client.post(f"{url}capa/link/", {"capa": ""})
        self.assertIn("capa", response.context["link_form"].errors)
        self.client.post(f"{url}capa/link/", {"capa": capa.pk})
        self.assertEqual(Finding.objects.get(pk=self.lobby.pk).capa, capa)
        self.login(self.viewer)
        self.assertEqual(self.client.post(f"{url}capa/link/", {"capa": capa.pk}).status_code, 403)
        self.assertNotContains(self.client.get(url), "Link it to an open CAPA")

    def test_staff_of_another_department_cannot_rectify(self):
        self.login(self.staff)
        response = self.client.post(f"/inspections/findings/{self.lobby.pk}/rectify/", {"note": "x", "photo": jpeg()})
        self.assertEqual(response.status_code, 404)  # not even visible to him

    def test_it_keeps_the_query_count_flat_as_findings_grow(self):
        self.login(self.quality)
        with CaptureQueriesContext(connection) as few:
            self.assertEqual(self.client.get("/inspections/findings/").status_code, 200)
        for n in range(4):
            self.raise_finding(title=f"问题{n}", department=self.department if n % 2 else self.cleaning)
        with self.assertNumQueries(len(few)):
            self.client.get("/inspections/findings/")


#
# CAPA
#
class CapaViewTests(ViewTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.round = cls().submitted(fail=("fire",))
        cls.fire = cls.round.findings.get()
        cls.capa = cls.fire.capa

    def step(self, name: str, data: dict | None = None, user=None):
        self.login(user or self.quality)
        return self.client.post(f"/inspections/capa/{self.capa.pk}/{name}/", data or {})

    def status(self) -> str:
        return Capa.objects.get(pk=self.capa.pk).status

    def test_a_severe_finding_brought_its_capa(self):
        self.assertIsNotNone(self.capa)
        self.login(self.manager)
        response = self.client.get(f"/inspections/capa/{self.capa.pk}/")
        self.assertContains(response, "消防通道畅通")
        self.assertContains(response, 'aria-current="step"')

    def test_it_walks_the_steps_with_a_form_each(self):
        self.step("accept", {"note": ""})
        self.assertEqual(self.status(), CapaStatus.CONTAINMENT)
        response = self.step("contain", {"containment": ""})
        self.assertIn("containment", response.context["forms"]["contain"].errors)
        self.step("contain", {"containment": "立即清理通道"})
        response = self.step("analyse", {"why_chain": ["堆物", "无人管"], "cause_class": "method"})
        self.assertIn("why_chain", response.context["forms"]["analyse"].errors)
        self.step("analyse", {"why_chain": ["堆物", "无人管", "巡查未覆盖", ""], "cause_class": "method"})
        capa = Capa.objects.get(pk=self.capa.pk)
        self.assertEqual(
            (capa.status, capa.why_chain, capa.cause_class), ("action", ["堆物", "无人管", "巡查未覆盖"], "method")
        )
        response = self.step(
            "act", {"corrective_action": "清理", "preventive_action": "纳入巡查", "horizontal_check": "全部楼栋"}
        )
        self.assertIn("scope_projects", response.context["forms"]["act"].errors)
        self.step(
            "act",
            {
                "corrective_action": "清理",
                "preventive_action": "纳入巡查",
                "horizontal_check": "全部楼栋",
                "scope_projects": [self.project2.pk],
                "scope_buildings": [self.building.pk],
            },
        )
        capa.refresh_from_db()
        self.assertEqual(capa.horizontal_scope, [{"project": self.project2.pk}, {"building": self.building.pk}])
        response = self.step("effectiveness", {"result": "effective", "note": "复查无堆物"})
        self.assertIn("result", response.context["forms"]["effectiveness"].errors)  # not due yet
        with time_machine.travel(NOW + 31 * DAY, tick=False):
            self.step("effectiveness", {"result": "effective", "note": "复查无堆物", "photo": jpeg()})
            self.assertEqual(self.step("close", {"note": ""}, user=self.manager).status_code, 403)
            response = self.step("close", {"note": ""})
            self.assertTrue(response.context["forms"]["close"].non_field_errors())  # its finding is open
            self.rectify(self.fire, when=NOW + 31 * DAY)
            self.verify(self.fire, when=NOW + 31 * DAY + HOUR)
        with time_machine.travel(NOW + 32 * DAY, tick=False):
            self.step("close", {"note": "有效"})
        self.assertEqual(self.status(), CapaStatus.CLOSED)
        self.assertContains(self.client.get(f"/inspections/capa/{self.capa.pk}/"), "复查无堆物")

    def test_it_sends_a_step_back_with_a_reason(self):
        capa_services.capa_accept(capa=self.capa, actor=self.quality)
        response = self.step("back", {"reason": ""})
        self.assertIn("reason", response.context["forms"]["back"].errors)
        self.step("back", {"reason": "责任人不对"})
        self.assertEqual(self.status(), CapaStatus.FILED)

    def test_it_saves_the_draft_fields(self):
        self.step(
            "edit",
            {
                "severity": "critical",
                "title": "消防通道堵塞",
                "description": "补充",
                "owner": self.quality.pk,
                "due_at": self.local(NOW + 5 * DAY),
            },
        )
        capa = Capa.objects.get(pk=self.capa.pk)
        self.assertEqual((capa.title, capa.owner, capa.severity), ("消防通道堵塞", self.quality, "critical"))

    def test_readers_and_other_companies_cannot_act(self):
        self.assertEqual(self.step("accept", {"note": ""}, user=self.viewer).status_code, 403)
        self.assertEqual(self.step("accept", {"note": ""}, user=self.outsider).status_code, 404)
        self.assertEqual(self.step("nonsense", {}, user=self.quality).status_code, 403)
        self.assertEqual(self.status(), CapaStatus.FILED)

    def test_it_files_a_capa_by_hand_and_lists_it(self):
        self.login(self.manager)
        data = {
            "source": "kpi",
            "severity": "major",
            "title": "投诉处理及时率低",
            "description": "5W2H",
            "owner": self.manager.pk,
            "due_at": self.local(NOW + 30 * DAY),
        }
        response = self.client.post(f"/inspections/capa/new/?project={self.project.pk}", data)
        capa = Capa.objects.get(title="投诉处理及时率低")
        self.assertRedirects(response, f"/inspections/capa/{capa.pk}/")
        response = self.client.get("/inspections/capa/", {"source": "kpi"})
        self.assertContains(response, "投诉处理及时率低")
        self.assertNotContains(response, "消防通道畅通")
        response = self.client.post(f"/inspections/capa/new/?project={self.project.pk}", {**data, "due_at": ""})
        self.assertIn("due_at", response.context["form"].errors)


#
# Proposals from complaints
#
class ProposalViewTests(ViewTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with time_machine.travel(T0 - DAY, tick=False):
            for _n in range(3):
                wo.workorder_create(
                    project=cls.project,
                    data={
                        "kind": Kind.COMPLAINT,
                        "description": "楼道垃圾没人管",
                        "category": category(cls.company, "c-quality-cleaning"),
                    },
                    actor=cls.supervisor,
                )

    def test_it_ranks_proposals_and_adds_the_ticked_ones_as_a_new_version(self):
        self.login(self.quality)
        response = self.client.get("/inspections/proposals/")
        (proposal,) = response.context["proposals"]
        self.assertEqual(proposal.complaints, 3)
        self.assertContains(response, proposal.title)
        response = self.client.post(
            "/inspections/proposals/", {"months": "6", "keys": [proposal.key], "template": self.template.pk}
        )
        self.assertRedirects(response, f"/inspections/templates/{self.template.pk}/")
        version = ChecklistTemplate.objects.get(pk=self.template.pk).current_version
        self.assertEqual(version.number, 2)
        self.assertEqual(version.items.count(), 5)
        self.assertTrue(version.items.filter(key=proposal.item_key).exists())

    def test_it_names_bad_choices(self):
        self.login(self.quality)
        response = self.client.post("/inspections/proposals/", {"months": "6", "keys": [], "template": ""})
        self.assertTrue({"keys", "template"} <= set(response.context["accept_form"].errors))
        response = self.client.post(
            "/inspections/proposals/", {"months": "6", "keys": ["nope"], "template": self.template.pk}
        )
        self.assertIn("keys", response.context["accept_form"].errors)
        self.assertEqual(ChecklistTemplate.objects.get(pk=self.template.pk).current_version.number, 1)

    def test_only_those_who_manage_checklists_see_them(self):
        for user in (self.manager, self.viewer, self.staff):
            self.login(user)
            self.assertEqual(self.client.get("/inspections/proposals/").status_code, 403)


#
# Reports
#
class ReportViewTests(ViewTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        tc = cls()
        cls.round = tc.submitted(fail=("lobby", "pump"))
        lobby = cls.round.findings.get(item__key="lobby")
        tc.close(lobby, rectified=T0 + 2 * HOUR)
        tc.raise_finding(title="垃圾桶满溢", when=T0 + 3 * HOUR)

    def get(self, **params):
        self.login(self.quality)
        params = {"date_from": "2026-12-01", "date_to": "2026-12-31", **params}
        return self.client.get("/inspections/reports/", params)

    def test_it_shows_scores_trend_ages_and_rates(self):
        with time_machine.travel(T0 + 5 * DAY, tick=False):
            response = self.get()
        figures = response.context["figures"]
        (row,) = figures["scores_project"]
        self.round.refresh_from_db()
        self.assertEqual(row.details["score"], float(self.round.score))
        self.assertEqual(figures["trend"]["rows"][0]["scores"], [self.round.score])
        self.assertEqual(figures["ages_total"].denominator, 2)  # pump and the 垃圾桶 one are unresolved
        total = figures["rates_total"]["rates"]
        self.assertEqual((total["rectification"].numerator, total["rectification"].denominator), (1, 3))
        self.assertContains(response, "整改率")
        self.assertContains(response, "1 / 3")

    def test_it_exports_each_table(self):
        for table in (
            "scores_project",
            "scores_department",
            "trend",
            "ages",
            "rates_project",
            "rates_department",
            "repeats",
        ):
            response = self.get(export=table)
            self.assertEqual(response.status_code, 200, table)
            self.assertIn("spreadsheetml", response["Content-Type"], table)
        self.assertEqual(self.get(export="nonsense").status_code, 404)

    def test_it_names_bad_dates(self):
        response = self.get(date_to="2026-11-01")
        self.assertIn("date_to", response.context["form"].errors)
        self.assertIsNone(response.context["figures"])

    def test_it_shows_an_outsider_nothing_of_ours(self):
        self.login(self.outsider)
        response = self.client.get("/inspections/reports/", {"date_from": "2026-12-01", "date_to": "2026-12-31"})
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, self.project.name)
