"""The plan, checkpoint and task FilterSets (shared by the staff lists and the API)."""

import datetime as dt

from django.http import QueryDict
from django.test import RequestFactory

from plans import selectors, services
from plans.choices import CheckInMethod, TaskStatus
from plans.filtersets import CheckpointFilterSet, PlanFilterSet, TaskFilterSet
from plans.models import Plan, Task
from plans.tests.base import DAY1, PlanTestCase, at


class FilterSetTestCase(PlanTestCase):
    def request(self, user):
        request = RequestFactory().get("/")
        request.user = user
        return request

    def data(self, params: dict) -> QueryDict:
        data = QueryDict(mutable=True)
        for key, value in params.items():
            data.setlist(key, [str(v) for v in value] if isinstance(value, list) else [str(value)])
        return data

    def filtered(self, filterset_class, queryset, user, **params):
        filterset = filterset_class(self.data(params), queryset=queryset, request=self.request(user))
        self.assertTrue(filterset.is_valid(), filterset.errors)
        return set(filterset.qs.values_list("pk", flat=True))

    def errors(self, filterset_class, queryset, user, **params) -> dict:
        filterset = filterset_class(self.data(params), queryset=queryset, request=self.request(user))
        self.assertFalse(filterset.is_valid())
        return filterset.errors


class TaskFilterSetTests(FilterSetTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        services.tasks_generate(until=DAY1 + dt.timedelta(days=1), now=at(2026, 12, 1, 0, 0), plans=[cls.patrol])
        cls.morning = Task.objects.get(plan=cls.patrol, date=DAY1, window_index=0)
        cls.night = Task.objects.get(plan=cls.patrol, date=DAY1, window_index=1)
        # The morning round: one check-in after the window's end, finished late.
        services.task_checkin(
            task=cls.morning, actor=cls.guard, method=CheckInMethod.QR, code=cls.gate.code, at=at(2026, 12, 1, 9, 0)
        )
        services.task_checkin(
            task=cls.morning, actor=cls.guard, method=CheckInMethod.QR, code=cls.roof.code, at=at(2026, 12, 1, 10, 5)
        )
        services.task_finish(task=cls.morning, actor=cls.guard, note="车库封闭", at=at(2026, 12, 1, 10, 10))
        services.tasks_sweep_missed(now=at(2026, 12, 2, 7, 0))

    def tasks(self, user=None, **params) -> set[int]:
        user = user or self.admin
        return self.filtered(TaskFilterSet, selectors.task_list(user=user), user, **params)

    def test_it_filters_by_status_including_missed(self):
        self.assertEqual(self.tasks(status=TaskStatus.MISSED), {self.night.pk})
        self.assertEqual(self.tasks(status=[TaskStatus.MISSED, TaskStatus.COMPLETED]), {self.night.pk, self.morning.pk})

    def test_it_filters_late_tasks(self):
        self.assertEqual(self.tasks(late="true"), {self.morning.pk})
        self.assertNotIn(self.morning.pk, self.tasks(late="false"))

    def test_it_filters_by_date_range(self):
        day2 = set(Task.objects.filter(date=DAY1 + dt.timedelta(days=1)).values_list("pk", flat=True))
        self.assertEqual(self.tasks(date_from="2026-12-02"), day2)
        self.assertEqual(self.tasks(date_to="2026-12-01"), {self.morning.pk, self.night.pk})
        self.assertEqual(self.tasks(date_from="2026-12-03"), set())

    def test_it_filters_by_person_department_project_and_plan(self):
        self.assertEqual(self.tasks(assignee_id=self.guard.pk), {self.morning.pk})
        self.assertEqual(len(self.tasks(department_id=self.security.pk)), 4)
        self.assertEqual(self.tasks(department_id=self.cleaning.pk), set())
        self.assertEqual(len(self.tasks(project_id=self.project.pk, plan_id=self.patrol.pk)), 4)
        self.assertEqual(self.tasks(project_id=self.project2.pk), set())

    def test_it_lets_staff_filter_by_themselves(self):
        self.assertEqual(self.tasks(self.guard, assignee_id=self.guard.pk), {self.morning.pk})

    def test_it_refuses_ids_of_other_companies(self):
        queryset = selectors.task_list(user=self.admin)
        errors = self.errors(TaskFilterSet, queryset, self.admin, assignee_id=self.outsider.pk)
        self.assertIn("assignee_id", errors)
        errors = self.errors(TaskFilterSet, queryset, self.admin, department_id=self.other_department.pk)
        self.assertIn("department_id", errors)
        errors = self.errors(TaskFilterSet, queryset, self.admin, project_id=self.other_project.pk)
        self.assertIn("project_id", errors)
        errors = self.errors(TaskFilterSet, queryset, self.admin, status="done")
        self.assertIn("status", errors)

    def test_it_offers_a_project_manager_only_his_projects_people(self):
        other = services.plan_create(
            project=self.other_project, data={"kind": "patrol", "name": "他山巡逻"}, actor=self.outsider
        )
        errors = self.errors(TaskFilterSet, selectors.task_list(user=self.manager), self.manager, plan_id=other.pk)
        self.assertIn("plan_id", errors)


class PlanAndCheckpointFilterSetTests(FilterSetTestCase):
    def test_it_filters_plans_by_kind_project_department_and_active(self):
        cleaning = services.plan_create(
            project=self.project,
            data={"kind": "cleaning", "name": "大堂保洁", "department": self.cleaning},
            actor=self.admin,
        )
        services.plan_deactivate(plan=cleaning, actor=self.admin)
        plans = Plan.objects.all()
        self.assertEqual(self.filtered(PlanFilterSet, plans, self.admin, kind="cleaning"), {cleaning.pk})
        self.assertEqual(self.filtered(PlanFilterSet, plans, self.admin, is_active="true"), {self.patrol.pk})
        self.assertEqual(
            self.filtered(PlanFilterSet, plans, self.admin, department_id=self.security.pk), {self.patrol.pk}
        )
        self.assertEqual(self.filtered(PlanFilterSet, plans, self.admin, q="保洁"), {cleaning.pk})
        self.assertEqual(self.filtered(PlanFilterSet, plans, self.admin, project_id=self.project2.pk), set())

    def test_it_filters_checkpoints(self):
        checkpoints = selectors.checkpoint_list(user=self.admin)
        self.assertEqual(self.filtered(CheckpointFilterSet, checkpoints, self.admin, q="车库"), {self.garage.pk})
        self.assertEqual(
            self.filtered(CheckpointFilterSet, checkpoints, self.admin, building_id=self.building.pk), {self.garage.pk}
        )
        errors = self.errors(CheckpointFilterSet, checkpoints, self.admin, building_id=self.other_building.pk)
        self.assertIn("building_id", errors)
