"""The inspections FilterSets, shared by the staff lists, the API and the exports."""

import datetime as dt

import time_machine
from django.test import RequestFactory

from inspections import selectors
from inspections import selectors_findings as finding_selectors
from inspections.filtersets import (
    CapaFilterSet,
    ChecklistTemplateFilterSet,
    FindingFilterSet,
    InspectionRoundFilterSet,
    InspectionScheduleFilterSet,
)
from inspections.models import ChecklistTemplate, InspectionSchedule
from inspections.tests.base import DAY1
from inspections.tests.findings_base import T0, FindingTestCase

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


class FilterSetTests(FindingTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        tc = cls()
        cls.done = tc.submitted(fail=("lobby", "fire"))
        cls.lobby = cls.done.findings.get(item__key="lobby")
        cls.fire = cls.done.findings.get(item__key="fire")
        cls.weekly = tc.make_round(kind="weekly", title="周检", inspectors=[cls.inspector2], day=DAY1 + DAY)
        cls.pump = tc.raise_finding(title="水泵漏水", department=cls.department, due_at=T0 + 2 * HOUR)
        tc.close(cls.lobby, rectified=T0 + HOUR)
        cls.again = tc.raise_finding(title="大堂地面洁净", when=T0 + 3 * DAY)

    def setUp(self) -> None:
        traveller = time_machine.travel(T0 + 5 * HOUR, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def request(self, user=None):
        request = RequestFactory().get("/")
        request.user = user or self.quality
        return request

    def rounds(self, user=None, **data) -> set[int]:
        user = user or self.quality
        fs = InspectionRoundFilterSet(data, queryset=selectors.round_list(user=user), request=self.request(user))
        self.assertTrue(fs.is_valid(), fs.errors)
        return set(fs.qs.values_list("pk", flat=True))

    def findings(self, user=None, **data) -> set[int]:
        user = user or self.quality
        fs = FindingFilterSet(data, queryset=finding_selectors.finding_list(user=user), request=self.request(user))
        self.assertTrue(fs.is_valid(), fs.errors)
        return set(fs.qs.values_list("pk", flat=True))

    def test_it_filters_rounds(self):
        self.assertEqual(self.rounds(kind=["weekly"]), {self.weekly.pk})
        self.assertEqual(self.rounds(status=["submitted", "closed"]), {self.done.pk})
        self.assertEqual(self.rounds(inspector_id=self.inspector2.pk), {self.weekly.pk})
        self.assertEqual(self.rounds(inspector_id=self.quality.pk), {self.done.pk, self.weekly.pk})  # the lead
        self.assertEqual(self.rounds(date_from="2026-12-02"), {self.weekly.pk})
        self.assertEqual(self.rounds(template_id=self.template.pk), {self.done.pk, self.weekly.pk})
        self.assertEqual(self.rounds(q="周"), {self.weekly.pk})

    def test_it_finds_overdue_rounds(self):
        with time_machine.travel(T0 + 2 * DAY + 10 * HOUR, tick=False):
            self.assertEqual(self.rounds(overdue="true"), {self.weekly.pk})
            self.assertEqual(self.rounds(overdue="false"), {self.done.pk})

    def test_it_filters_findings(self):
        self.assertEqual(self.findings(severity=["severe"]), {self.fire.pk})
        self.assertEqual(self.findings(status=["closed"]), {self.lobby.pk})
        self.assertEqual(self.findings(department_id=self.department.pk), {self.pump.pk, self.fire.pk})
        self.assertEqual(self.findings(round_id=self.done.pk), {self.lobby.pk, self.fire.pk})
        self.assertEqual(self.findings(repeat="true"), {self.again.pk})
        self.assertEqual(self.findings(source="inspection", q="水泵"), {self.pump.pk})
        self.assertEqual(self.findings(overdue="true"), {self.pump.pk})  # due 12:00, it is 15:00
        self.assertEqual(self.findings(date_from="2026-12-04"), {self.again.pk})

    def test_it_refuses_ids_the_user_may_not_see(self):
        fs = FindingFilterSet(
            {"project_id": self.other_project.pk, "department_id": self.other_department.pk},
            queryset=finding_selectors.finding_list(user=self.quality),
            request=self.request(),
        )
        self.assertFalse(fs.is_valid())
        self.assertEqual(set(fs.errors), {"project_id", "department_id"})
        fs = InspectionRoundFilterSet(
            {"inspector_id": self.quality.pk},
            queryset=selectors.round_list(user=self.inspector),
            request=self.request(self.inspector),
        )
        self.assertFalse(fs.is_valid())  # a third party lists nobody
        self.assertIn("inspector_id", fs.errors)

    def test_it_filters_checklists_by_the_kind_they_suit(self):
        special = ChecklistTemplate.objects.create(company=self.company, code="sp", name="专项", kinds=["special"])
        qs = selectors.template_list(user=self.quality)
        fs = ChecklistTemplateFilterSet({"kind": "special"}, queryset=qs, request=self.request())
        self.assertEqual(
            set(fs.qs),
            {special, self.template} | set(qs.filter(kinds__icontains='"special"')) | set(qs.filter(kinds=[])),
        )
        fs = ChecklistTemplateFilterSet({"kind": "audit"}, queryset=qs, request=self.request())
        self.assertNotIn(special, set(fs.qs))
        self.assertIn(self.template, set(fs.qs))  # suits any kind

    def test_it_filters_capas_and_schedules(self):
        capa = self.fire.capa
        qs = finding_selectors.capa_list(user=self.quality)
        fs = CapaFilterSet({"status": ["filed"], "requires_8d": "false"}, queryset=qs, request=self.request())
        self.assertEqual(set(fs.qs), {capa})
        fs = CapaFilterSet({"overdue": "true"}, queryset=qs, request=self.request())
        self.assertEqual(set(fs.qs), set())
        schedule = InspectionSchedule.objects.create(
            company=self.company, project=self.project, template=self.template, starts_on=DAY1, kind="weekly"
        )
        fs = InspectionScheduleFilterSet(
            {"kind": "weekly", "is_active": "true"},
            queryset=selectors.schedule_list(user=self.viewer),
            request=self.request(self.viewer),
        )
        self.assertEqual(set(fs.qs), {schedule})
