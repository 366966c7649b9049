"""The staff plan pages (/plans/): plans, their form (recurrence from simple choices, windows, route),
the default plan set, checkpoints, the task list and a task for managers, and the figures.

State comes from plans.tests.base: a daily patrol (08:00–10:00 and 22:00–06:00) over three
checkpoints of ``project``, from 1 Dec 2026, for the security department (``guard``, ``guard2``).
"""

import datetime as dt

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from plans import services
from plans.choices import CheckInMethod, TaskEventKind, TaskStatus
from plans.forms import Repeat, choices_from_rrule, rrule_from_choices, rrule_in_words
from plans.models import Checkpoint, Plan, Task
from plans.tests.base import DAY1, PlanTestCase, at
from standards.models import StandardItem

LIST = "/plans/"
NEW = "/plans/new/"


def plan_post(project, **overrides) -> dict:
    """A complete POST of the plan form: a weekday patrol 07:00–09:00 and 23:00–01:00, no route."""
    data = {
        "kind": "patrol",
        "name": "夜间巡逻",
        "description": "",
        "department": "",
        "repeat": Repeat.WEEKDAYS,
        "interval": "",
        "month_day": "",
        "rrule": "",
        "starts_on": "2026-12-01",
        "ends_on": "",
        "holiday_rule": "none",
        "duration_minutes": "45",
        "photo_rule": "none",
        "checkpoint_order": "any",
        "windows-TOTAL_FORMS": "3",
        "windows-INITIAL_FORMS": "0",
        "windows-MIN_NUM_FORMS": "0",
        "windows-MAX_NUM_FORMS": "96",
        "windows-0-start": "07:00",
        "windows-0-end": "09:00",
        "windows-1-start": "23:00",
        "windows-1-end": "01:00",
        "windows-2-start": "",
        "windows-2-end": "",
        "route-TOTAL_FORMS": "3",
        "route-INITIAL_FORMS": "0",
        "route-MIN_NUM_FORMS": "0",
        "route-MAX_NUM_FORMS": "200",
    }
    for i in range(3):
        data[f"route-{i}-checkpoint"] = ""
        data[f"route-{i}-order"] = ""
    data.update(overrides)
    return data


class PlanViewTestCase(PlanTestCase):
    def setUp(self) -> None:
        # Pages in English, so the checks below read the source strings whatever the catalogue says.
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def new_url(self, project=None) -> str:
        return f"{NEW}?project={(project or self.project).pk}"

    def detail(self, plan=None) -> str:
        return f"/plans/{(plan or self.patrol).pk}/"

    def complete_task(self, *, window: int = 0, late: bool = False) -> Task:
        """A task done by ``guard``: every checkpoint, then finished (after the window's end if ``late``)."""
        task = self.task(window=window)
        start = task.starts_at + dt.timedelta(minutes=5)
        for i, cp in enumerate((self.gate, self.garage, self.roof)):
            services.task_checkin(
                task=task, actor=self.guard, method=CheckInMethod.QR, code=cp.code, at=start + dt.timedelta(minutes=i)
            )
        finished = task.due_at + dt.timedelta(minutes=10) if late else start + dt.timedelta(minutes=30)
        return services.task_finish(task=task, actor=self.guard, at=finished)


#
# Recurrence helpers
#
class RecurrenceChoicesTests(PlanTestCase):
    def test_it_builds_rules_from_simple_choices(self):
        cases = [
            ({"repeat": Repeat.DAILY}, "FREQ=DAILY"),
            ({"repeat": Repeat.WEEKDAYS}, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
            ({"repeat": Repeat.EVERY_N_DAYS, "interval": 3}, "FREQ=DAILY;INTERVAL=3"),
            ({"repeat": Repeat.WEEKLY, "weekdays": ["TH", "MO"]}, "FREQ=WEEKLY;BYDAY=MO,TH"),
            ({"repeat": Repeat.MONTHLY_DAY, "month_day": 15}, "FREQ=MONTHLY;BYMONTHDAY=15"),
            ({"repeat": Repeat.MONTHLY_LAST}, "FREQ=MONTHLY;BYMONTHDAY=-1"),
            ({"repeat": Repeat.ADVANCED, "rrule": "FREQ=YEARLY"}, "FREQ=YEARLY"),
        ]
        for choices, rule in cases:
            self.assertEqual(rrule_from_choices(choices), rule)
            self.assertEqual(rrule_from_choices(choices_from_rrule(rule)), rule)

    def test_it_keeps_rules_the_choices_cannot_say_as_advanced(self):
        rule = "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1"
        self.assertEqual(choices_from_rrule(rule), {"repeat": Repeat.ADVANCED, "rrule": rule})
        self.assertEqual(rrule_in_words(rule), rule)

    @translation.override("en")
    def test_it_says_the_rule_in_words(self):
        self.assertEqual(rrule_in_words("FREQ=DAILY;INTERVAL=2"), "Every 2 days")
        self.assertEqual(rrule_in_words("FREQ=WEEKLY;BYDAY=MO,TH"), "Weekly on Mon, Thu")
        self.assertEqual(rrule_in_words("FREQ=MONTHLY;BYMONTHDAY=-1"), "Monthly on the last day")
        self.assertEqual(rrule_in_words("FREQ=MONTHLY;BYMONTHDAY=15"), "Monthly on day 15")


#
# Who may see the pages
#
class PlanAccessTests(PlanViewTestCase):
    PAGES = ["/plans/", "/plans/tasks/", "/plans/checkpoints/", "/plans/figures/", "/plans/new/", "/plans/defaults/"]

    def test_it_sends_anonymous_people_to_sign_in(self):
        for url in [*self.PAGES, self.detail()]:
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertIn("/accounts/login/", response["Location"])

    def test_it_keeps_owners_out(self):
        self.login(self.owner)
        for url in [*self.PAGES, self.detail()]:
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertTrue(response["Location"].startswith("/m/"), url)

    def test_it_refuses_staff_who_only_do_tasks(self):
        self.login(self.guard)
        for url in [*self.PAGES, self.detail()]:
            self.assertEqual(self.client.get(url).status_code, 403, url)

    def test_it_hides_other_companies_plans(self):
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.detail()).status_code, 404)
        self.assertEqual(self.client.get(f"{self.detail()}edit/").status_code, 404)
        self.assertEqual(self.client.post(f"{self.detail()}deactivate/").status_code, 404)
        response = self.client.get(LIST)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, self.patrol.name)

    def test_it_lets_viewers_read_but_not_write(self):
        self.login(self.viewer)
        self.assertContains(self.client.get(LIST), self.patrol.name)
        self.assertContains(self.client.get(self.detail()), self.patrol.name)
        self.assertNotContains(self.client.get(self.detail()), "/edit/")
        self.assertEqual(self.client.get(NEW).status_code, 403)
        self.assertEqual(self.client.get(f"{self.detail()}edit/").status_code, 403)
        self.assertEqual(self.client.post(f"{self.detail()}deactivate/").status_code, 403)
        self.assertTrue(Plan.objects.get(pk=self.patrol.pk).is_active)

    def test_it_keeps_a_project_manager_to_his_project(self):
        other = services.plan_create(
            project=self.project2, data={"kind": "cleaning", "name": "大厦保洁"}, actor=self.admin
        )
        self.login(self.manager)
        self.assertEqual(self.client.get(self.detail(other)).status_code, 404)
        self.assertNotContains(self.client.get(LIST), "大厦保洁")
        self.assertEqual(self.client.get(self.new_url(self.project2)).status_code, 200)  # asks for a project again
        response = self.client.post(self.new_url(self.project2), plan_post(self.project2))
        self.assertFalse(Plan.objects.filter(name="夜间巡逻").exists())
        self.assertEqual(response.status_code, 200)


#
# List and detail
#
class PlanListTests(PlanViewTestCase):
    def test_it_lists_plans_with_recurrence_windows_and_completion(self):
        self.complete_task()
        services.tasks_sweep_missed(now=at(2026, 12, 2, 8, 0))  # the night window is missed
        self.login(self.admin)
        response = self.client.get(LIST)
        self.assertContains(response, "重点区域巡逻")
        self.assertContains(response, "Every day")
        self.assertContains(response, "08:00–10:00, 22:00–06:00 (+1)")
        (plan,) = [row for row, _cells in response.context["table"].cells()]
        self.assertIsNone(plan.completion_rate)  # 1 Dec is not in the last seven days

    def test_it_shows_completion_of_the_last_seven_days(self):
        self.complete_task()
        services.tasks_sweep_missed(now=at(2026, 12, 2, 8, 0))
        from plans.tables import plan_rates

        rate = plan_rates([self.patrol.pk], today=DAY1)[self.patrol.pk]
        self.assertEqual((rate.numerator, rate.denominator), (1, 2))

    def test_it_filters_by_project_kind_and_active(self):
        services.plan_create(project=self.project2, data={"kind": "cleaning", "name": "大厦保洁"}, actor=self.admin)
        services.plan_deactivate(plan=self.patrol, actor=self.admin)
        self.login(self.admin)
        self.assertNotContains(self.client.get(LIST, {"project_id": self.project2.pk}), "重点区域巡逻")
        self.assertContains(self.client.get(LIST, {"kind": "patrol"}), "重点区域巡逻")
        self.assertNotContains(self.client.get(LIST, {"kind": "cleaning"}), "重点区域巡逻")
        response = self.client.get(LIST, {"is_active": "true"})
        self.assertContains(response, "大厦保洁")
        self.assertNotContains(response, "重点区域巡逻")

    def test_it_keeps_the_query_count_flat_as_plans_grow(self):
        services.plan_update(plan=self.patrol, data={}, assignees=[self.guard], actor=self.admin)
        self.login(self.admin)
        with CaptureQueriesContext(connection) as few:
            self.assertEqual(self.client.get(LIST).status_code, 200)
        for n in range(5):
            services.plan_create(
                project=self.project,
                data={"kind": "cleaning", "name": f"保洁{n}", "department": self.cleaning},
                assignees=[self.cleaner],
                windows=[(dt.time(7), dt.time(8)), (dt.time(15), dt.time(16))],
                actor=self.admin,
            )
        with self.assertNumQueries(len(few)):
            self.client.get(LIST)

    def test_it_exports_the_list(self):
        self.login(self.admin)
        response = self.client.get(LIST, {"export": "xlsx"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("spreadsheetml", response["Content-Type"])

    def test_it_shows_a_plan_with_its_route_standards_and_qr_sheet(self):
        revision = StandardItem.objects.filter(company=self.company, is_active=True).first().current_revision
        services.plan_update(plan=self.patrol, data={}, revisions=[revision], actor=self.admin)
        self.generate()
        self.login(self.manager)
        response = self.client.get(self.detail())
        self.assertContains(response, "东门岗")
        self.assertContains(response, "1栋天台")
        self.assertContains(response, revision.item.title)
        self.assertContains(response, f'href="/plans/{self.patrol.pk}/qr.pdf"')
        self.assertContains(response, f"/plans/{self.patrol.pk}/edit/")
        self.assertEqual(len(list(response.context["tasks"].cells())), 2)


#
# The plan form
#
class PlanCreateTests(PlanViewTestCase):
    def test_it_asks_for_the_project_first_when_there_are_several(self):
        self.login(self.admin)
        response = self.client.get(NEW)
        self.assertTemplateUsed(response, "plans/choose_project.html")
        self.assertContains(response, self.project2.name)

    def test_it_prefills_a_new_plan_with_working_hours(self):
        self.login(self.admin)
        response = self.client.get(self.new_url())
        self.assertEqual(response.context["windows"].initial, [{"start": dt.time(9), "end": dt.time(18)}])

    def test_it_creates_a_plan_from_simple_choices(self):
        self.login(self.manager)
        data = plan_post(
            self.project,
            department=self.security.pk,
            assignees=[self.guard.pk, self.guard2.pk],
            **{"route-0-checkpoint": self.roof.pk, "route-0-order": "2", "route-1-checkpoint": self.gate.pk},
            **{"route-1-order": "1"},
        )
        response = self.client.post(self.new_url(), data)
        plan = Plan.objects.get(name="夜间巡逻")
        self.assertRedirects(response, self.detail(plan))
        self.assertEqual(plan.rrule, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")
        self.assertEqual(plan.duration_minutes, 45)
        self.assertEqual(plan.department, self.security)
        self.assertEqual(
            [(w.start, w.end) for w in plan.windows.all()], [(dt.time(7), dt.time(9)), (dt.time(23), dt.time(1))]
        )
        self.assertEqual({r.user_id for r in plan.assignee_rows.all()}, {self.guard.pk, self.guard2.pk})
        route = plan.route_rows.order_by("sort_order").values_list("checkpoint_id", flat=True)
        self.assertEqual(list(route), [self.gate.pk, self.roof.pk])
        self.assertEqual(plan.created_by, self.manager)

    def test_it_creates_a_monthly_last_day_plan_and_an_advanced_one(self):
        self.login(self.admin)
        self.client.post(self.new_url(), plan_post(self.project, name="月末检查", repeat=Repeat.MONTHLY_LAST))
        self.assertEqual(Plan.objects.get(name="月末检查").rrule, "FREQ=MONTHLY;BYMONTHDAY=-1")
        data = plan_post(
            self.project, name="每月第一个周一", repeat=Repeat.ADVANCED, rrule="freq=monthly;byday=mo;bysetpos=1"
        )
        self.client.post(self.new_url(), data)
        self.assertEqual(Plan.objects.get(name="每月第一个周一").rrule, "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1")

    def test_it_names_a_bad_rrule_on_its_field(self):
        self.login(self.admin)
        data = plan_post(self.project, repeat=Repeat.ADVANCED, rrule="FREQ=HOURLY")
        response = self.client.post(self.new_url(), data)
        self.assertEqual(response.status_code, 200)
        self.assertIn("rrule", response.context["form"].errors)
        data["rrule"] = "FREQ=DAILY;BYHOUR=8"
        response = self.client.post(self.new_url(), data)
        self.assertIn("BYHOUR", str(response.context["form"].errors["rrule"]))
        self.assertFalse(Plan.objects.filter(name="夜间巡逻").exists())

    def test_it_asks_for_the_days_of_a_weekly_plan(self):
        self.login(self.admin)
        response = self.client.post(self.new_url(), plan_post(self.project, repeat=Repeat.WEEKLY))
        self.assertIn("weekdays", response.context["form"].errors)
        response = self.client.post(self.new_url(), plan_post(self.project, repeat=Repeat.MONTHLY_DAY))
        self.assertIn("month_day", response.context["form"].errors)

    def test_it_reports_overlapping_windows_on_the_windows(self):
        self.login(self.admin)
        data = plan_post(self.project, **{"windows-2-start": "08:30", "windows-2-end": "10:00"})
        response = self.client.post(self.new_url(), data)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(any("overlap" in e for e in response.context["windows_errors"]))
        self.assertContains(response, "overlap")
        self.assertFalse(Plan.objects.filter(name="夜间巡逻").exists())

    def test_it_needs_a_complete_window(self):
        self.login(self.admin)
        data = plan_post(self.project, **{"windows-0-end": "", "windows-1-start": "", "windows-1-end": ""})
        response = self.client.post(self.new_url(), data)
        self.assertIn("end", response.context["windows"].forms[0].errors)
        data = plan_post(self.project, **{f"windows-{i}-{k}": "" for i in range(2) for k in ("start", "end")})
        response = self.client.post(self.new_url(), data)
        self.assertTrue(response.context["windows"].non_form_errors())

    def test_it_refuses_people_and_places_of_other_projects(self):
        other_cp = services.checkpoint_create(project=self.project2, data={"name": "大厦天台"}, actor=self.admin)
        self.login(self.admin)
        response = self.client.post(self.new_url(), plan_post(self.project, assignees=[self.outsider.pk]))
        self.assertIn("assignees", response.context["form"].errors)
        response = self.client.post(self.new_url(), plan_post(self.project, **{"route-0-checkpoint": other_cp.pk}))
        self.assertIn("checkpoint", response.context["route"].forms[0].errors)
        response = self.client.post(self.new_url(), plan_post(self.project, department=self.other_department.pk))
        self.assertIn("department", response.context["form"].errors)

    def test_it_reports_a_checkpoint_twice_on_the_route(self):
        self.login(self.admin)
        twice = {"route-0-checkpoint": self.gate.pk, "route-1-checkpoint": self.gate.pk}
        response = self.client.post(self.new_url(), plan_post(self.project, **twice))
        self.assertTrue(response.context["route_errors"])
        self.assertFalse(Plan.objects.filter(name="夜间巡逻").exists())


class PlanEditTests(PlanViewTestCase):
    def edit_post(self, **overrides) -> dict:
        data = plan_post(
            self.project,
            name="重点区域巡逻",
            repeat=Repeat.DAILY,
            duration_minutes="30",
            department=self.security.pk,
            **{
                "windows-0-start": "08:00",
                "windows-0-end": "10:00",
                "windows-1-start": "22:00",
                "windows-1-end": "06:00",
            },
        )
        data.update(
            {"route-TOTAL_FORMS": "3", "route-0-checkpoint": self.gate.pk, "route-1-checkpoint": self.garage.pk}
        )
        data.update({"route-2-checkpoint": self.roof.pk})
        data.update(overrides)
        return data

    def test_it_shows_the_plan_in_the_form(self):
        self.login(self.admin)
        response = self.client.get(f"{self.detail()}edit/")
        form = response.context["form"]
        self.assertEqual(form.initial["repeat"], Repeat.DAILY)
        self.assertEqual(form.initial["department"], self.security.pk)
        self.assertEqual(
            [f["checkpoint"] for f in response.context["route"].initial], [self.gate.pk, self.garage.pk, self.roof.pk]
        )
        self.assertIn("regenerate_future", form.fields)

    def test_it_saves_a_change_and_bumps_the_version(self):
        self.login(self.admin)
        response = self.client.post(f"{self.detail()}edit/", self.edit_post(repeat=Repeat.EVERY_N_DAYS, interval="2"))
        self.assertRedirects(response, self.detail())
        plan = Plan.objects.get(pk=self.patrol.pk)
        self.assertEqual(plan.rrule, "FREQ=DAILY;INTERVAL=2")
        self.assertGreater(plan.version, self.patrol.version)

    def test_it_changes_the_route(self):
        self.login(self.admin)
        data = self.edit_post(**{"route-1-checkpoint": "", "route-2-order": "0"})
        self.client.post(f"{self.detail()}edit/", data)
        plan = Plan.objects.get(pk=self.patrol.pk)
        route = plan.route_rows.filter(removed_version__isnull=True).order_by("sort_order")
        self.assertEqual(list(route.values_list("checkpoint_id", flat=True)), [self.roof.pk, self.gate.pk])

    def test_it_leaves_the_plan_alone_when_saving_without_changes(self):
        self.login(self.admin)
        self.client.post(f"{self.detail()}edit/", self.edit_post())
        self.assertEqual(Plan.objects.get(pk=self.patrol.pk).version, self.patrol.version)

    def test_it_refuses_a_supervisor_of_another_project(self):
        other = services.plan_create(
            project=self.project2, data={"kind": "cleaning", "name": "大厦保洁"}, actor=self.admin
        )
        self.login(self.supervisor)
        self.assertEqual(self.client.get(f"{self.detail(other)}edit/").status_code, 404)
        self.assertEqual(self.client.get(f"{self.detail()}edit/").status_code, 200)


class PlanSwitchTests(PlanViewTestCase):
    def test_it_switches_a_plan_off_and_on(self):
        self.generate()
        self.login(self.manager)
        with self.settings():
            response = self.client.post(f"{self.detail()}deactivate/", follow=True)
        self.assertContains(response, "switched off")
        self.assertFalse(Plan.objects.get(pk=self.patrol.pk).is_active)
        self.assertEqual(Task.objects.filter(plan=self.patrol, status=TaskStatus.CANCELLED).count(), 2)
        response = self.client.post(f"{self.detail()}deactivate/", follow=True)
        self.assertContains(response, "already switched off")
        self.client.post(f"{self.detail()}activate/")
        self.assertTrue(Plan.objects.get(pk=self.patrol.pk).is_active)

    def test_it_needs_post(self):
        self.login(self.manager)
        self.assertEqual(self.client.get(f"{self.detail()}deactivate/").status_code, 405)


class PlanDefaultsTests(PlanViewTestCase):
    def test_it_generates_the_default_plans_and_shows_them(self):
        self.login(self.admin)
        response = self.client.post("/plans/defaults/", {"project": self.project2.pk, "starts_on": "2026-12-01"})
        self.assertEqual(response.status_code, 200)
        created = Plan.objects.filter(project=self.project2, source_profile_setting__isnull=False)
        self.assertTrue(created.exists())
        self.assertEqual(len(response.context["created"]), created.count())
        for plan in created:
            self.assertContains(response, plan.name)
        response = self.client.post("/plans/defaults/", {"project": self.project2.pk}, follow=True)
        self.assertEqual(response.context["created"], [])
        self.assertContains(response, "nothing was added")
        self.assertEqual(Plan.objects.filter(project=self.project2).count(), created.count())

    def test_it_offers_only_projects_the_user_manages(self):
        self.login(self.manager)
        response = self.client.post("/plans/defaults/", {"project": self.project2.pk})
        self.assertIn("project", response.context["form"].errors)
        self.assertFalse(Plan.objects.filter(project=self.project2).exists())
        self.login(self.viewer)
        self.assertEqual(self.client.get("/plans/defaults/").status_code, 403)


#
# Checkpoints
#
class CheckpointViewTests(PlanViewTestCase):
    def test_it_lists_checkpoints_and_the_routes_qr_sheets(self):
        self.login(self.viewer)
        response = self.client.get("/plans/checkpoints/")
        for name in ("东门岗", "地下车库", "1栋天台"):
            self.assertContains(response, name)
        self.assertContains(response, f'href="/plans/{self.patrol.pk}/qr.pdf"')
        self.assertNotContains(response, "/plans/checkpoints/new/")

    def test_it_creates_a_checkpoint(self):
        self.login(self.manager)
        data = {
            "name": "2栋大堂",
            "building": self.building.pk,
            "latitude": "31.2301",
            "longitude": "121.4702",
            "radius_m": "30",
        }
        response = self.client.post(f"/plans/checkpoints/new/?project={self.project.pk}", {**data, "is_active": "on"})
        self.assertRedirects(response, "/plans/checkpoints/")
        cp = Checkpoint.objects.get(name="2栋大堂")
        self.assertEqual((cp.project, cp.building, cp.radius_m), (self.project, self.building, 30))
        self.assertTrue(cp.code)

    def test_it_reports_bad_checkpoint_input_on_its_fields(self):
        self.login(self.manager)
        url = f"/plans/checkpoints/new/?project={self.project.pk}"
        response = self.client.post(url, {"name": "东门岗", "radius_m": "50"})
        self.assertIn("name", response.context["form"].errors)  # unique in the project
        response = self.client.post(url, {"name": "半个位置", "latitude": "31.2", "radius_m": "50"})
        self.assertIn("longitude", response.context["form"].errors)
        response = self.client.post(url, {"name": "别家楼", "building": self.other_building.pk, "radius_m": "50"})
        self.assertIn("building", response.context["form"].errors)

    def test_it_edits_and_resets_the_code(self):
        self.login(self.manager)
        url = f"/plans/checkpoints/{self.gate.pk}/edit/"
        response = self.client.get(url)
        self.assertContains(response, f'href="/plans/{self.patrol.pk}/qr.pdf"')
        self.client.post(url, {"name": "东门岗亭", "radius_m": "80", "is_active": "on"})
        self.assertEqual(Checkpoint.objects.get(pk=self.gate.pk).name, "东门岗亭")
        self.client.post(f"/plans/checkpoints/{self.gate.pk}/new-code/")
        self.assertNotEqual(Checkpoint.objects.get(pk=self.gate.pk).code, self.gate.code)

    def test_it_refuses_readers_and_other_companies(self):
        url = f"/plans/checkpoints/{self.gate.pk}/edit/"
        self.login(self.viewer)
        self.assertEqual(self.client.get(url).status_code, 403)
        self.assertEqual(self.client.post(f"/plans/checkpoints/{self.gate.pk}/new-code/").status_code, 403)
        self.login(self.outsider)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.post(f"/plans/checkpoints/{self.gate.pk}/new-code/").status_code, 404)
        self.assertEqual(Checkpoint.objects.get(pk=self.gate.pk).code, self.gate.code)


#
# Tasks
#
class TaskListTests(PlanViewTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        services.tasks_generate(until=DAY1 + dt.timedelta(days=1), now=at(2026, 12, 1, 0, 0), plans=[cls.patrol])

    def rows(self, params: dict | None = None) -> set[int]:
        response = self.client.get("/plans/tasks/", params or {})
        self.assertEqual(response.status_code, 200)
        return {row.pk for row, _cells in response.context["table"].cells()}

    def test_it_lists_tasks_with_window_and_status(self):
        self.login(self.supervisor)
        response = self.client.get("/plans/tasks/")
        self.assertContains(response, "22:00–06:00 (+1)")
        self.assertContains(response, "Scheduled")
        self.assertEqual(len(self.rows()), 4)

    def test_it_filters_missed_late_and_dates(self):
        done = self.complete_task(late=True)
        services.tasks_sweep_missed(now=at(2026, 12, 2, 7, 30))
        missed = Task.objects.get(plan=self.patrol, date=DAY1, window_index=1)
        self.login(self.manager)
        self.assertEqual(self.rows({"status": "missed"}), {missed.pk})
        self.assertEqual(self.rows({"late": "true"}), {done.pk})
        self.assertEqual(
            self.rows({"date_from": "2026-12-02", "status": "scheduled"}),
            set(Task.objects.filter(date=dt.date(2026, 12, 2)).values_list("pk", flat=True)),
        )
        self.assertEqual(self.rows({"assignee_id": self.guard.pk}), {done.pk})
        self.assertEqual(len(self.rows({"department_id": self.security.pk})), 4)
        self.assertEqual(self.rows({"department_id": self.cleaning.pk}), set())

    def test_it_hides_other_companies_tasks(self):
        self.login(self.outsider)
        self.assertEqual(self.rows(), set())

    def test_it_keeps_the_query_count_flat_as_tasks_grow(self):
        self.login(self.manager)
        with CaptureQueriesContext(connection) as few:
            self.rows()
        services.tasks_generate(until=DAY1 + dt.timedelta(days=5), now=at(2026, 12, 1, 0, 0), plans=[self.patrol])
        self.complete_task()
        with self.assertNumQueries(len(few)):
            self.assertEqual(len(self.rows()), 12)


class TaskDetailTests(PlanViewTestCase):
    def test_it_shows_the_route_check_ins_and_timeline(self):
        task = self.complete_task()
        self.login(self.manager)
        response = self.client.get(f"/plans/tasks/{task.pk}/")
        self.assertContains(response, "东门岗")
        self.assertContains(response, "QR code")
        self.assertContains(response, self.guard.name)
        self.assertEqual(len(response.context["route"]), 3)
        self.assertTrue(all(stop.checkin for stop in response.context["route"]))
        kinds = [e.to_status for e in response.context["events"] if e.kind == TaskEventKind.STATUS]
        self.assertEqual(kinds, [TaskStatus.IN_PROGRESS, TaskStatus.COMPLETED])
        self.assertFalse(response.context["can_cancel"])

    def test_it_assigns_and_cancels(self):
        task = self.task()
        self.login(self.manager)
        url = f"/plans/tasks/{task.pk}/"
        self.assertTrue(self.client.get(url).context["can_assign"])
        self.assertRedirects(self.client.post(f"{url}assign/", {"assignee": self.guard2.pk}), url)
        self.assertEqual(Task.objects.get(pk=task.pk).assignee, self.guard2)
        response = self.client.post(f"{url}cancel/", {"reason": ""})
        self.assertIn("reason", response.context["cancel_form"].errors)
        self.assertRedirects(self.client.post(f"{url}cancel/", {"reason": "台风停止巡逻"}), url)
        self.assertEqual(Task.objects.get(pk=task.pk).status, TaskStatus.CANCELLED)
        response = self.client.post(f"{url}cancel/", {"reason": "again"})
        self.assertTrue(response.context["cancel_form"].non_field_errors())

    def test_it_refuses_an_assignee_outside_the_project(self):
        task = self.task()
        self.login(self.manager)
        response = self.client.post(f"/plans/tasks/{task.pk}/assign/", {"assignee": self.outsider.pk})
        self.assertIn("assignee", response.context["assign_form"].errors)

    def test_it_refuses_readers_staff_and_other_companies(self):
        task = self.task()
        url = f"/plans/tasks/{task.pk}/"
        self.login(self.viewer)
        self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(self.client.post(f"{url}cancel/", {"reason": "x"}).status_code, 403)
        self.login(self.guard)
        self.assertEqual(self.client.get(url).status_code, 403)
        self.login(self.outsider)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.post(f"{url}cancel/", {"reason": "x"}).status_code, 404)
        self.assertEqual(Task.objects.get(pk=task.pk).status, TaskStatus.SCHEDULED)


#
# Figures
#
class FiguresPageTests(PlanViewTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        services.tasks_generate(until=DAY1, now=at(2026, 12, 1, 0, 0), plans=[cls.patrol])

    def setUp(self):
        super().setUp()
        self.complete_task()  # on time, full coverage
        services.tasks_sweep_missed(now=at(2026, 12, 2, 7, 30))  # the night task is missed

    def test_it_shows_numerator_denominator_and_rate_per_day(self):
        self.login(self.manager)
        response = self.client.get(
            "/plans/figures/", {"date_from": "2026-11-30", "date_to": "2026-12-01", "group_by": "date"}
        )
        self.assertEqual(response.status_code, 200)
        (row,) = response.context["rows"]
        self.assertEqual(row["name"], "2026-12-01")
        completion, on_time, coverage, missed = row["rates"]
        self.assertEqual((completion.numerator, completion.denominator), (1, 2))
        self.assertEqual((on_time.numerator, on_time.denominator), (1, 2))
        self.assertEqual((coverage.numerator, coverage.denominator), (3, 6))
        self.assertEqual((missed.numerator, missed.denominator), (1, 2))
        self.assertContains(response, "50.0%")
        self.assertContains(response, "3 / 6")

    def test_it_groups_by_person_and_department(self):
        self.login(self.admin)
        params = {"date_from": "2026-12-01", "date_to": "2026-12-01"}
        response = self.client.get("/plans/figures/", {**params, "group_by": "assignee"})
        names = [row["name"] for row in response.context["rows"]]
        self.assertEqual(sorted(names), sorted([self.guard.name, "Unassigned"]))
        response = self.client.get("/plans/figures/", {**params, "group_by": "department"})
        self.assertEqual([row["name"] for row in response.context["rows"]], ["秩序部"])

    def test_it_reports_a_bad_range(self):
        self.login(self.admin)
        response = self.client.get("/plans/figures/", {"date_from": "2026-12-02", "date_to": "2026-12-01"})
        self.assertIn("date_to", response.context["form"].errors)
        self.assertIsNone(response.context["total"])

    def test_it_counts_only_what_the_user_may_see(self):
        self.login(self.outsider)
        response = self.client.get("/plans/figures/", {"date_from": "2026-12-01", "date_to": "2026-12-01"})
        completion = response.context["total"]["rates"][0]
        self.assertEqual(completion.denominator, 0)
        self.login(self.viewer)
        response = self.client.get("/plans/figures/", {"date_from": "2026-12-01", "date_to": "2026-12-01"})
        self.assertEqual(response.context["total"]["rates"][0].denominator, 2)

    def test_it_opens_on_the_last_seven_days(self):
        self.login(self.manager)
        response = self.client.get("/plans/figures/")
        self.assertEqual(response.status_code, 200)
        self.assertIsNotNone(response.context["total"])


class PlanAdminTests(PlanViewTestCase):
    def test_it_shows_plans_tasks_and_check_ins_to_operators_read_only(self):
        task = self.complete_task()
        self.login(self.operator)
        for url in ("plan", "checkpoint", "task", "taskevent", "checkin"):
            self.assertEqual(self.client.get(f"/admin/plans/{url}/").status_code, 200, url)
        self.assertEqual(self.client.get(f"/admin/plans/plan/{self.patrol.pk}/change/").status_code, 200)
        self.assertEqual(self.client.get(f"/admin/plans/task/{task.pk}/change/").status_code, 200)
        self.assertEqual(self.client.get("/admin/plans/task/add/").status_code, 403)
        self.login(self.admin)
        self.assertEqual(self.client.get("/admin/plans/plan/").status_code, 302)
