"""The phone pages of plan tasks (/tasks/…): my tasks, the task's route, start, check-in, problem, finish.

Time stands still at 09:30 on Tuesday 10 March 2026 in Shanghai (``NOW``): the patrol's windows
are 09:00–11:00 and 14:00–16:00, so the morning task is open and the afternoon one ahead.
"""

import datetime as dt
import zoneinfo
from decimal import Decimal
from io import BytesIO

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core import services as core_services
from core.choices import Role
from lib.testing import BaseTestCase, make_user
from plans import services
from plans.choices import CheckInMethod, PhotoRule, TaskEventKind, TaskStatus
from plans.models import CheckIn, Task
from workorders.models import WorkOrder

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 3, 10)
NOW = dt.datetime(2026, 3, 10, 9, 30, tzinfo=SHANGHAI)
WINDOWS = [(dt.time(9, 0), dt.time(11, 0)), (dt.time(14, 0), dt.time(16, 0))]
LAT, LNG = Decimal("31.230000"), Decimal("121.470000")


def jpeg(name: str = "photo.jpg") -> SimpleUploadedFile:
    buf = BytesIO()
    Image.new("RGB", (64, 48), "teal").save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def at(hour: int, minute: int = 0, day: dt.date = TODAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


class TaskTestCase(BaseTestCase):
    """A patrol of three checkpoints for ``staff`` in ``project``, with today's and tomorrow's tasks."""

    photo_rule = PhotoRule.NONE

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.other_staff = make_user("other_staff", name="孙师傅", phone="13900000009")
        core_services.membership_grant(
            company=cls.company,
            project=cls.project,
            user=cls.other_staff,
            role=Role.STAFF,
            department=cls.department,
            actor=cls.admin,
        )
        cls.checkpoints = [
            cls.checkpoint_make("1栋大堂", latitude=LAT, longitude=LNG),
            cls.checkpoint_make("地下车库B1"),
            cls.checkpoint_make("东门岗亭"),
        ]
        cls.off_route = cls.checkpoint_make("泳池机房")
        cls.plan = cls.plan_make("安居日巡", assignees=[cls.staff], photo_rule=cls.photo_rule)
        cls.other_plan = cls.plan_make("孙师傅的巡更", assignees=[cls.other_staff])
        cls.task = Task.objects.get(plan=cls.plan, date=TODAY, window_index=0)
        cls.afternoon = Task.objects.get(plan=cls.plan, date=TODAY, window_index=1)
        cls.tomorrow = Task.objects.get(plan=cls.plan, date=TODAY + dt.timedelta(days=1), window_index=0)
        cls.other_task = Task.objects.get(plan=cls.other_plan, date=TODAY, window_index=0)

    @classmethod
    def checkpoint_make(cls, name: str, project=None, actor=None, **data):
        return services.checkpoint_create(project=project or cls.project, data={"name": name, **data}, actor=cls.admin)

    @classmethod
    def plan_make(cls, name: str, *, assignees=(), checkpoints=None, photo_rule=PhotoRule.NONE, **data):
        plan = services.plan_create(
            project=cls.project,
            data={
                "kind": "patrol",
                "name": name,
                "rrule": "FREQ=DAILY",
                "starts_on": dt.date(2026, 3, 1),
                "photo_rule": photo_rule,
                "department": cls.department,
                **data,
            },
            windows=WINDOWS,
            assignees=assignees,
            checkpoints=cls.checkpoints if checkpoints is None else checkpoints,
            actor=cls.admin,
        )
        services.tasks_generate(until=TODAY + dt.timedelta(days=1), now=NOW, plans=[plan])
        return plan

    def setUp(self) -> None:
        self.travel(NOW)

    def travel(self, when: dt.datetime) -> None:
        traveller = time_machine.travel(when, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def url(self, task: Task, action: str = "") -> str:
        return f"/tasks/{task.pk}/" + (f"{action}/" if action else "")

    def checkin(self, task: Task, cp, *, follow: bool = False, **fields):
        data = {"method": CheckInMethod.QR, "code": cp.code, "checkpoint": cp.pk, **fields}
        return self.client.post(self.url(task, "checkin"), data, follow=follow)

    def refresh(self, task: Task) -> Task:
        return Task.objects.get(pk=task.pk)

    def form_errors(self, response, name: str) -> dict:
        return response.context[name].errors


class MyTasksTests(TaskTestCase):
    def test_it_lists_todays_tasks_with_window_kind_and_progress(self):
        self.login(self.staff)
        response = self.client.get("/tasks/")
        self.assertEqual(response.status_code, 200)
        cards = response.context["cards"]
        self.assertEqual([c["task"].pk for c in cards], [self.task.pk, self.afternoon.pk])
        self.assertContains(response, "09:00–11:00")
        self.assertContains(response, "14:00–16:00")
        self.assertContains(response, 'data-progress="0/3"', count=2)
        self.assertContains(response, f'href="/tasks/{self.task.pk}/"')
        self.assertNotContains(response, "data-late")

    def test_it_switches_to_tomorrow_and_yesterday(self):
        self.login(self.staff)
        response = self.client.get("/tasks/?date=2026-03-11")
        self.assertEqual([c["task"].pk for c in response.context["cards"]][:1], [self.tomorrow.pk])
        self.assertContains(response, 'aria-current="page" data-day="2026-03-11"')
        response = self.client.get("/tasks/?date=2026-03-09")
        self.assertEqual(response.context["cards"], [])

    def test_it_falls_back_to_today_on_a_bad_date(self):
        self.login(self.staff)
        for value in ("yesterday", "2026-02-30", "1999-01-01"):
            response = self.client.get(f"/tasks/?date={value}")
            self.assertEqual(response.context["day"], TODAY, value)

    def test_it_leaves_out_another_staff_members_tasks(self):
        self.login(self.staff)
        response = self.client.get("/tasks/")
        self.assertNotContains(response, "孙师傅的巡更")
        self.login(self.other_staff)
        self.assertContains(self.client.get("/tasks/"), "孙师傅的巡更")

    def test_it_shows_a_supervisor_his_departments_unassigned_tasks(self):
        pool = self.plan_make("工程部公共巡检")
        self.login(self.supervisor)
        titles = {c["task"].plan_id for c in self.client.get("/tasks/").context["cards"]}
        self.assertEqual(titles, {pool.pk})

    def test_it_marks_late_and_missed_tasks(self):
        services.task_start(task=self.task, actor=self.staff)
        self.travel(at(11, 30))
        services.tasks_sweep_missed()
        self.login(self.staff)
        response = self.client.get("/tasks/")
        cards = {c["task"].pk: c for c in response.context["cards"]}
        self.assertTrue(cards[self.task.pk]["late"])  # in progress after its window, within the grace
        self.assertContains(response, "data-late")
        services.tasks_sweep_missed(now=at(17, 30))
        response = self.client.get("/tasks/")
        statuses = {c["task"].pk: c["task"].status for c in response.context["cards"]}
        self.assertEqual(statuses, {self.task.pk: TaskStatus.MISSED, self.afternoon.pk: TaskStatus.MISSED})
        self.assertContains(response, 'data-status="missed"', count=2)

    def test_it_requires_sign_in(self):
        response = self.client.get("/tasks/")
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/?next=/tasks/", response.headers["Location"])

    def test_it_sends_an_owner_to_the_owner_pages(self):
        self.login(self.owner)
        response = self.client.get("/tasks/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response.headers["Location"].startswith("/m/"))

    def test_it_refuses_a_viewer(self):
        self.login(self.viewer)
        self.assertEqual(self.client.get("/tasks/").status_code, 403)

    def test_it_shows_another_companys_admin_nothing_of_ours(self):
        self.login(self.outsider)
        response = self.client.get("/tasks/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["cards"], [])
        self.assertNotContains(response, "安居日巡")


class TaskPageTests(TaskTestCase):
    def test_it_shows_the_route_in_order_with_what_is_pending(self):
        self.login(self.staff)
        response = self.client.get(self.url(self.task))
        self.assertEqual(response.status_code, 200)
        body = response.content.decode()
        positions = [body.index(f'id="stop-{cp.pk}"') for cp in self.checkpoints]
        self.assertEqual(positions, sorted(positions))
        self.assertContains(response, 'data-state="pending"', count=3)
        self.assertContains(response, 'data-action="start"')
        self.assertContains(response, 'data-action="checkin"', count=3)
        self.assertContains(response, f"/tasks/{self.task.pk}/checkin/?checkpoint={self.checkpoints[0].pk}")

    def test_it_offers_only_the_next_checkpoint_of_a_route_done_in_order(self):
        plan = self.plan_make("安居定序巡更", assignees=[self.staff], checkpoint_order="in_order")
        task = plan.tasks.get(date=TODAY, window_index=0)
        self.login(self.staff)
        page = self.client.get(self.url(task))
        self.assertContains(page, 'data-action="checkin"', count=1)
        self.assertContains(page, f"checkin/?checkpoint={self.checkpoints[0].pk}")
        response = self.checkin(task, self.checkpoints[1])
        self.assertEqual(response.status_code, 400)
        self.assertIn(self.checkpoints[0].name, " ".join(self.form_errors(response, "form")["__all__"]))

    def test_it_404s_for_another_staff_members_task(self):
        self.login(self.staff)
        for action in ("", "checkin"):
            self.assertEqual(self.client.get(self.url(self.other_task, action)).status_code, 404)
        for action in ("start", "checkin", "problem", "finish"):
            self.assertEqual(self.client.post(self.url(self.other_task, action)).status_code, 404)
        self.assertEqual(self.refresh(self.other_task).status, TaskStatus.SCHEDULED)

    def test_it_404s_for_another_company(self):
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.url(self.task)).status_code, 404)
        self.assertEqual(self.client.post(self.url(self.task, "start")).status_code, 404)

    def test_it_lets_a_viewer_look_but_not_act(self):
        self.login(self.viewer)
        response = self.client.get(self.url(self.task))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "data-action=")
        self.assertEqual(self.client.post(self.url(self.task, "start")).status_code, 403)
        self.assertEqual(self.checkin(self.task, self.checkpoints[0]).status_code, 403)
        self.assertEqual(self.refresh(self.task).status, TaskStatus.SCHEDULED)

    def test_it_redirects_anonymous_and_owners(self):
        response = self.client.post(self.url(self.task, "start"))
        self.assertIn("/accounts/login/", response.headers["Location"])
        self.login(self.owner)
        response = self.client.get(self.url(self.task))
        self.assertTrue(response.headers["Location"].startswith("/m/"))

    def test_it_starts_the_task(self):
        self.login(self.staff)
        response = self.client.post(self.url(self.task, "start"))
        self.assertRedirects(response, self.url(self.task), fetch_redirect_response=False)
        task = self.refresh(self.task)
        self.assertEqual((task.status, task.started_at), (TaskStatus.IN_PROGRESS, NOW))
        page = self.client.get(self.url(self.task))
        self.assertNotContains(page, 'data-action="start"')
        self.assertContains(page, 'data-status="in_progress"')

    def test_it_says_why_a_task_cannot_start_yet(self):
        self.login(self.staff)
        response = self.client.post(self.url(self.tomorrow, "start"), follow=True)
        self.assertEqual(self.refresh(self.tomorrow).status, TaskStatus.SCHEDULED)
        errors = [m for m in response.context["messages"] if m.level_tag == "error"]
        self.assertEqual(len(errors), 1)
        self.assertIn("08:45", str(errors[0]))  # opens a quarter of an hour early

    def test_it_takes_get_for_actions_as_not_allowed(self):
        self.login(self.staff)
        for action in ("start", "problem", "finish"):
            self.assertEqual(self.client.get(self.url(self.task, action)).status_code, 405)


class CheckInTests(TaskTestCase):
    def test_it_shows_the_qr_check_in_form(self):
        self.login(self.staff)
        cp = self.checkpoints[1]
        response = self.client.get(self.url(self.task, "checkin") + f"?code={cp.code}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["stop"].checkpoint, cp)
        self.assertContains(response, 'name="method" value="qr"')
        self.assertContains(response, f'name="code" value="{cp.code}"')
        self.assertContains(response, 'accept="image/*" capture="environment"')

    def test_it_checks_in_by_qr_code_and_starts_the_task(self):
        self.login(self.staff)
        cp = self.checkpoints[1]
        response = self.checkin(self.task, cp, note="一切正常")
        self.assertRedirects(response, self.url(self.task) + f"#stop-{cp.pk}", fetch_redirect_response=False)
        checkin = CheckIn.objects.get(task=self.task)
        self.assertEqual((checkin.checkpoint, checkin.method, checkin.is_late), (cp, CheckInMethod.QR, False))
        self.assertEqual((checkin.user, checkin.note), (self.staff, "一切正常"))
        task = self.refresh(self.task)
        self.assertEqual((task.status, task.on_time_checkins), (TaskStatus.IN_PROGRESS, 1))
        page = self.client.get(self.url(self.task))
        self.assertContains(page, 'data-state="done"', count=1)
        self.assertContains(page, 'data-progress="1/3"')

    def test_it_checks_in_by_position(self):
        self.login(self.staff)
        cp = self.checkpoints[0]
        response = self.checkin(
            self.task, cp, method=CheckInMethod.GPS, code="", latitude=LAT, longitude=LNG + Decimal("0.0002")
        )
        self.assertEqual(response.status_code, 302)
        checkin = CheckIn.objects.get(task=self.task)
        self.assertEqual((checkin.method, checkin.distance_m), (CheckInMethod.GPS, 19))

    def test_it_keeps_a_position_check_in_out_of_reach(self):
        self.login(self.staff)
        cp = self.checkpoints[0]
        response = self.checkin(
            self.task, cp, method=CheckInMethod.GPS, code="", latitude=LAT + Decimal("0.01"), longitude=LNG
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("1112", " ".join(self.form_errors(response, "form")["__all__"]))
        self.assertFalse(CheckIn.objects.exists())

    def test_it_needs_a_position_or_a_code(self):
        self.login(self.staff)
        response = self.checkin(self.task, self.checkpoints[0], method=CheckInMethod.GPS, code="")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(len(self.form_errors(response, "form")["__all__"]), 1)
        self.assertContains(response, "data-error", status_code=400)

    def test_it_requires_a_photo_when_the_plan_says_so(self):
        Task.objects.filter(pk=self.task.pk).update(photo_rule=PhotoRule.EACH_CHECKPOINT)
        self.login(self.staff)
        cp = self.checkpoints[0]
        response = self.checkin(self.task, cp)
        self.assertEqual(response.status_code, 400)
        self.assertIn("photo", self.form_errors(response, "form"))
        self.assertFalse(CheckIn.objects.exists())
        response = self.checkin(self.task, cp, photo=jpeg())
        self.assertEqual(response.status_code, 302)
        checkin = CheckIn.objects.get()
        self.assertTrue(checkin.photo.name.endswith(".jpg") and checkin.thumbnail)
        self.assertContains(self.client.get(self.url(self.task)), checkin.thumbnail.url)

    def test_it_refuses_a_file_that_is_not_a_photo(self):
        self.login(self.staff)
        fake = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
        response = self.checkin(self.task, self.checkpoints[0], photo=fake)
        self.assertEqual(response.status_code, 400)
        self.assertIn("photo", self.form_errors(response, "form"))

    def test_it_refuses_a_second_check_in_at_the_same_checkpoint(self):
        self.login(self.staff)
        cp = self.checkpoints[0]
        self.assertEqual(self.checkin(self.task, cp).status_code, 302)
        response = self.checkin(self.task, cp)
        self.assertEqual(response.status_code, 400)
        self.assertIn(cp.name, " ".join(self.form_errors(response, "form")["__all__"]))
        self.assertEqual(CheckIn.objects.count(), 1)
        page = self.client.get(self.url(self.task, "checkin") + f"?checkpoint={cp.pk}")
        self.assertNotContains(page, 'id="checkin-form"')

    def test_it_refuses_a_wrong_code(self):
        self.login(self.staff)
        cp = self.checkpoints[0]
        response = self.checkin(self.task, cp, code="not-a-code")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(len(self.form_errors(response, "form")["__all__"]), 1)
        response = self.checkin(self.task, self.off_route, checkpoint="")
        self.assertEqual(response.status_code, 400)
        self.assertIn(self.off_route.name, " ".join(self.form_errors(response, "form")["__all__"]))
        response = self.checkin(self.task, cp, checkpoint=self.off_route.pk)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(CheckIn.objects.exists())

    def test_it_sends_a_closed_task_back_to_its_page(self):
        services.task_cancel(task=self.task, actor=self.admin, reason="暴雨停巡")
        self.login(self.staff)
        response = self.client.get(self.url(self.task, "checkin") + f"?checkpoint={self.checkpoints[0].pk}")
        self.assertRedirects(response, self.url(self.task), fetch_redirect_response=False)
        response = self.checkin(self.task, self.checkpoints[0])
        self.assertEqual(response.status_code, 400)
        self.assertEqual(len(self.form_errors(response, "form")["__all__"]), 1)
        self.assertFalse(CheckIn.objects.exists())

    def test_it_sends_a_checkpoint_off_the_route_back_to_the_task(self):
        self.login(self.staff)
        response = self.client.get(self.url(self.task, "checkin") + f"?code={self.off_route.code}")
        self.assertRedirects(response, self.url(self.task), fetch_redirect_response=False)

    def test_it_refuses_manual_entry_by_staff(self):
        self.login(self.staff)
        response = self.checkin(self.task, self.checkpoints[0], method=CheckInMethod.MANUAL, code="", note="没信号")
        self.assertEqual(response.status_code, 403)
        self.assertFalse(CheckIn.objects.exists())

    def test_it_lets_a_supervisor_enter_a_check_in_by_hand_with_a_note(self):
        self.login(self.supervisor)
        cp = self.checkpoints[2]
        page = self.client.get(self.url(self.task, "checkin") + f"?checkpoint={cp.pk}")
        self.assertContains(page, "data-manual-toggle")
        response = self.checkin(self.task, cp, method=CheckInMethod.MANUAL, code="")
        self.assertEqual(response.status_code, 400)
        self.assertIn("note", self.form_errors(response, "form"))
        response = self.checkin(self.task, cp, method=CheckInMethod.MANUAL, code="", note="对讲机报到")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(CheckIn.objects.get().method, CheckInMethod.MANUAL)

    def test_it_marks_a_check_in_after_the_window_late(self):
        services.task_start(task=self.task, actor=self.staff)
        self.travel(at(11, 20))
        self.login(self.staff)
        response = self.checkin(self.task, self.checkpoints[0], follow=True)
        self.assertTrue(CheckIn.objects.get().is_late)
        self.assertEqual(self.refresh(self.task).late_checkins, 1)
        self.assertContains(response, 'data-state="late"')
        self.assertContains(response, "data-late")
        warnings = [m for m in response.context["messages"] if m.level_tag == "warning"]
        self.assertEqual(len(warnings), 1)


class ProblemTests(TaskTestCase):
    def test_it_opens_a_work_order_with_the_photo_and_place(self):
        self.login(self.staff)
        cp = self.checkpoints[0]
        data = {"description": "大堂吊顶渗水", "checkpoint": cp.pk, "photo": jpeg()}
        response = self.client.post(self.url(self.task, "problem"), data)
        self.assertRedirects(response, self.url(self.task) + "#problems", fetch_redirect_response=False)
        order = WorkOrder.objects.get()
        self.assertEqual((order.project, order.description, order.location), (self.project, "大堂吊顶渗水", cp.name))
        self.assertEqual((order.latitude, order.photos.count()), (cp.latitude, 1))
        self.assertEqual(self.task.events.filter(kind=TaskEventKind.PROBLEM).count(), 1)
        page = self.client.get(self.url(self.task))
        self.assertContains(page, order.code)
        self.assertContains(page, f'href="{order.get_absolute_url()}"')

    def test_it_requires_a_description(self):
        self.login(self.staff)
        response = self.client.post(self.url(self.task, "problem"), {"description": "  "})
        self.assertEqual(response.status_code, 400)
        self.assertIn("description", self.form_errors(response, "problem_form"))
        self.assertEqual(response.context["open_form"], "problem")
        self.assertFalse(WorkOrder.objects.exists())

    def test_it_refuses_a_checkpoint_off_the_route(self):
        self.login(self.staff)
        data = {"description": "有积水", "checkpoint": self.off_route.pk}
        response = self.client.post(self.url(self.task, "problem"), data)
        self.assertEqual(response.status_code, 400)
        self.assertIn("checkpoint", self.form_errors(response, "problem_form"))
        self.assertFalse(WorkOrder.objects.exists())

    def test_it_prefills_the_checkpoint_from_the_check_in_page(self):
        self.login(self.staff)
        cp = self.checkpoints[1]
        response = self.client.get(self.url(self.task) + f"?open=problem&checkpoint={cp.pk}")
        self.assertEqual(response.context["open_form"], "problem")
        self.assertContains(response, f'<option value="{cp.pk}" selected>')


class FinishTests(TaskTestCase):
    def test_it_completes_the_task_when_every_checkpoint_is_done(self):
        self.login(self.staff)
        for cp in self.checkpoints:
            self.assertEqual(self.checkin(self.task, cp).status_code, 302)
        response = self.client.post(self.url(self.task, "finish"), {"note": ""}, follow=True)
        task = self.refresh(self.task)
        self.assertEqual((task.status, task.finished_at), (TaskStatus.COMPLETED, NOW))
        self.assertContains(response, "data-completed")
        self.assertContains(response, 'data-progress="3/3"')
        self.assertNotContains(response, 'data-action="finish"')

    def test_it_asks_why_checkpoints_were_missed(self):
        self.login(self.staff)
        self.checkin(self.task, self.checkpoints[0])
        response = self.client.post(self.url(self.task, "finish"), {"note": ""})
        self.assertEqual(response.status_code, 400)
        self.assertIn("note", self.form_errors(response, "finish_form"))
        self.assertEqual(response.context["open_form"], "finish")
        self.assertEqual(self.refresh(self.task).status, TaskStatus.IN_PROGRESS)
        response = self.client.post(self.url(self.task, "finish"), {"note": "车库施工封闭"})
        self.assertEqual(self.refresh(self.task).status, TaskStatus.COMPLETED)

    def test_it_requires_a_photo_to_finish_when_the_plan_says_so(self):
        Task.objects.filter(pk=self.task.pk).update(photo_rule=PhotoRule.AT_FINISH, required_checkpoints=0)
        self.login(self.staff)
        response = self.client.post(self.url(self.task, "finish"), {"note": "完成"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("photo", self.form_errors(response, "finish_form"))
        self.assertContains(response, "data-required", status_code=400)
        response = self.client.post(self.url(self.task, "finish"), {"note": "完成", "photo": jpeg()})
        task = self.refresh(self.task)
        self.assertEqual(task.status, TaskStatus.COMPLETED)
        self.assertTrue(task.thumbnail)

    def test_it_refuses_to_finish_a_finished_task(self):
        Task.objects.filter(pk=self.task.pk).update(required_checkpoints=0)
        self.login(self.staff)
        self.client.post(self.url(self.task, "finish"))
        response = self.client.post(self.url(self.task, "finish"))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(len(self.form_errors(response, "finish_form")["__all__"]), 1)
