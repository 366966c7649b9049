from django.http import Http404

from core.choices import Role
from core.services import membership_grant
from lib.testing import make_user
from plans import selectors, services
from plans.models import Task
from plans.tests.base import DAY1, D, PlanTestCase, T, at


class TaskVisibilityTests(PlanTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.sweeping = services.plan_create(
            project=cls.project,
            data={"kind": "cleaning", "name": "道路清扫", "starts_on": DAY1, "department": cls.cleaning},
            windows=[(T(7), T(9))],
            actor=cls.admin,
        )
        cls.open_plan = services.plan_create(
            project=cls.project,
            data={"kind": "customer_service", "name": "前台巡查", "starts_on": DAY1},
            windows=[(T(9), T(10))],
            actor=cls.admin,
        )
        services.tasks_generate(until=DAY1, now=at(2026, 12, 1, 0, 0))
        cls.day, cls.night = Task.objects.filter(plan=cls.patrol).order_by("window_index")
        cls.sweep_task = Task.objects.get(plan=cls.sweeping)
        cls.desk_task = Task.objects.get(plan=cls.open_plan)
        services.task_assign(task=cls.night, assignee=cls.guard2, actor=cls.admin)

    def visible(self, user):
        return set(selectors.task_list(user=user))

    def test_it_shows_staff_their_own_tasks_and_their_departments_pool(self):
        self.assertEqual(self.visible(self.guard), {self.day, self.desk_task})
        self.assertEqual(self.visible(self.guard2), {self.day, self.night, self.desk_task})
        self.assertEqual(self.visible(self.cleaner), {self.sweep_task, self.desk_task})

    def test_it_shows_managers_and_viewers_every_task_of_their_scope(self):
        everything = {self.day, self.night, self.sweep_task, self.desk_task}
        for user in (self.admin, self.manager, self.supervisor, self.viewer):
            self.assertEqual(self.visible(user), everything, user)

    def test_it_shows_nothing_to_outsiders_owners_and_other_projects(self):
        tower_guard = make_user("tower_guard", phone="13900000077")
        membership_grant(
            company=self.company, project=self.project2, user=tower_guard, role=Role.STAFF, actor=self.admin
        )
        for user in (self.outsider, self.owner, tower_guard):
            self.assertEqual(self.visible(user), set(), user)

    def test_it_answers_404_for_missing_and_not_yours_alike(self):
        self.assertEqual(selectors.get_task_for_user(user=self.guard, pk=self.day.pk), self.day)
        for pk in (self.night.pk, self.sweep_task.pk, 999999, "x"):
            with self.assertRaises(Http404):
                selectors.get_task_for_user(user=self.guard, pk=pk)
        with self.assertRaises(Http404):
            selectors.get_task_for_user(user=self.outsider, pk=self.day.pk)

    def test_it_lists_my_tasks_of_the_day_with_last_nights_still_open(self):
        self.assertEqual(list(selectors.my_tasks(user=self.guard2, date=DAY1)), [self.day, self.desk_task, self.night])
        self.assertEqual(list(selectors.my_tasks(user=self.guard2, date=D(2026, 12, 2))), [self.night])
        services.task_cancel(task=self.desk_task, actor=self.admin, reason="前台装修")
        self.assertEqual(list(selectors.my_tasks(user=self.guard, date=DAY1)), [self.day])
        self.assertEqual(list(selectors.my_tasks(user=self.viewer, date=DAY1)), [])

    def test_it_keeps_plans_and_checkpoints_for_plan_viewers(self):
        self.assertEqual(selectors.plan_list(user=self.guard).count(), 0)
        self.assertEqual(selectors.plan_list(user=self.viewer).count(), 3)
        self.assertEqual(selectors.checkpoint_list(user=self.outsider).count(), 0)
        with self.assertRaises(Http404):
            selectors.get_plan_for_user(user=self.outsider, pk=self.patrol.pk)
        from django.core.exceptions import PermissionDenied

        with self.assertRaises(PermissionDenied):
            selectors.get_plan_for_user(user=self.viewer, pk=self.patrol.pk, write=True)
        self.assertEqual(selectors.get_checkpoint_for_user(user=self.manager, pk=self.gate.pk, write=True), self.gate)

    def test_it_offers_the_actions_a_person_may_take(self):
        self.assertEqual(
            selectors.task_actions(task=self.day, user=self.guard), ["start", "checkin", "report_problem", "finish"]
        )
        self.assertEqual(selectors.task_actions(task=self.night, user=self.guard), [])
        self.assertEqual(
            selectors.task_actions(task=self.day, user=self.supervisor),
            ["start", "checkin", "report_problem", "finish", "assign", "cancel"],
        )
        self.assertEqual(
            selectors.task_actions(task=self.desk_task, user=self.cleaner), ["start", "report_problem", "finish"]
        )
        self.assertEqual(selectors.task_actions(task=self.day, user=self.viewer), [])

    def test_it_shows_the_route_with_its_check_ins(self):
        services.task_checkin(
            task=self.day, actor=self.guard, method="qr", code=self.garage.code, at=at(2026, 12, 1, 8, 3)
        )
        route = selectors.task_route(task=self.day)
        self.assertEqual(
            [(s.checkpoint, s.done) for s in route], [(self.gate, False), (self.garage, True), (self.roof, False)]
        )
        self.assertEqual(route[1].checkin.user, self.guard)


class FigureTests(PlanTestCase):
    """Two days of patrols (2 windows × 3 checkpoints) with known outcomes, figures by the DOMAIN §6.3 formulas."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        services.tasks_generate(until=D(2026, 12, 3), now=at(2026, 12, 1, 0, 0))
        task = {(t.date.day, t.window_index): t for t in Task.objects.filter(plan=cls.patrol)}

        def round_(t, who, *stops, minute=10):
            for i, (cp, hour) in enumerate(stops):
                services.task_checkin(
                    task=t, actor=who, method="qr", code=cp.code, at=at(2026, 12, t.date.day, hour, minute + i)
                )

        # 1 Dec 08–10: guard, full round on time, finished on time
        round_(task[1, 0], cls.guard, (cls.gate, 8), (cls.garage, 8), (cls.roof, 9))
        services.task_finish(task=task[1, 0], actor=cls.guard, at=at(2026, 12, 1, 9, 30))
        # 1 Dec 22–06: guard2, two on time, finished late with a note
        round_(task[1, 1], cls.guard2, (cls.gate, 22), (cls.garage, 23))
        services.task_finish(task=task[1, 1], actor=cls.guard2, note="天台门锁", at=at(2026, 12, 2, 6, 20))
        # 2 Dec 08–10: guard, one on time and one late, then the sweep misses it (never finished)
        round_(task[2, 0], cls.guard, (cls.gate, 9))
        services.task_checkin(
            task=task[2, 0], actor=cls.guard, method="qr", code=cls.roof.code, at=at(2026, 12, 2, 10, 5)
        )
        # 2 Dec 22–06: nobody → missed; 3 Dec 08–10 cancelled; 3 Dec night still ahead
        services.task_cancel(task=task[3, 0], actor=cls.supervisor, reason="消防演练")
        services.tasks_sweep_missed(now=at(2026, 12, 3, 7, 0))
        cls.now = at(2026, 12, 3, 12, 0)
        cls.tasks = task

    def figures(self, **kw):
        return selectors.task_figures(
            tasks=Task.objects.all(), date_from=DAY1, date_to=D(2026, 12, 3), now=self.now, **kw
        )

    def test_it_counts_the_tasks_due(self):
        [total] = self.figures()
        self.assertEqual(total.group, {})
        # due: 4 (1 Dec ×2, 2 Dec ×2); the cancelled and the one ahead do not count
        self.assertEqual((total.due, total.completed, total.completed_on_time, total.missed), (4, 2, 1, 2))
        self.assertEqual((total.required_checkins, total.on_time_checkins, total.late_checkins), (12, 6, 1))

    def test_it_gives_the_four_rates_with_numerator_and_denominator(self):
        kw = {"tasks": Task.objects.all(), "date_from": DAY1, "date_to": D(2026, 12, 3), "now": self.now}
        [completion] = selectors.plan_completion_rate(**kw)
        [on_time] = selectors.on_time_rate(**kw)
        [coverage] = selectors.patrol_coverage(**kw)
        [missed] = selectors.missed_tasks(**kw)
        self.assertEqual((completion.numerator, completion.denominator, completion.rate), (2, 4, 0.5))
        self.assertEqual((on_time.numerator, on_time.denominator, on_time.percent), (1, 4, 25.0))
        self.assertEqual((coverage.numerator, coverage.denominator, coverage.percent), (6, 12, 50.0))
        self.assertEqual((missed.numerator, missed.denominator), (2, 4))

    def test_it_groups_by_day_person_department_and_project(self):
        by_day = {f.group["date"].day: (f.due, f.completed, f.on_time_checkins) for f in self.figures(group_by="date")}
        self.assertEqual(by_day, {1: (2, 2, 5), 2: (2, 0, 1)})
        by_person = {f.group["assignee_id"]: f.completion() for f in self.figures(group_by="assignee")}
        self.assertEqual((by_person[self.guard.pk].numerator, by_person[self.guard.pk].denominator), (1, 2))
        self.assertEqual(by_person[None].denominator, 1)  # the night nobody took
        [dept] = self.figures(group_by="department")
        self.assertEqual((dept.group, dept.due), ({"department_id": self.security.pk, "department__name": "秩序部"}, 4))
        [project] = self.figures(group_by="project")
        self.assertEqual(project.group["project__name"], self.project.name)
        [plan] = self.figures(group_by="plan")
        self.assertEqual(plan.group["plan_id"], self.patrol.pk)

    def test_it_answers_none_without_anything_due(self):
        [rate] = selectors.plan_completion_rate(tasks=Task.objects.none(), date_from=DAY1, date_to=DAY1)
        self.assertEqual((rate.numerator, rate.denominator, rate.rate, rate.percent), (0, 0, None, None))
        with self.assertRaises(ValueError):
            self.figures(group_by="weather")

    def test_it_counts_only_what_the_caller_may_see(self):
        mine = selectors.task_visible(user=self.guard)
        [total] = selectors.task_figures(tasks=mine, date_from=DAY1, date_to=D(2026, 12, 3), now=self.now)
        self.assertEqual(total.due, 3)  # the two he did and the night nobody took (his department's); not guard2's
        [nothing] = selectors.task_figures(
            tasks=selectors.task_visible(user=self.outsider), date_from=DAY1, date_to=DAY1
        )
        self.assertEqual(nothing.due, 0)

    def test_it_runs_in_one_query(self):
        with self.assertNumQueries(1):
            self.figures(group_by="assignee")
