"""Learning from complaints: checklist items proposed from the last months of complaints and
their keyword hits, ranked by frequency × severity; accepted into a template's next version."""

import datetime as dt

import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from core.choices import DepartmentKind
from inspections.choices import SEVERITY_RECTIFY_HOURS, Severity
from inspections.services.learning import checklist_proposals, checklist_proposals_accept
from inspections.tests.findings_base import T0, FindingTestCase
from lib.keywords import L1, L2, L3
from workorders import services as wo
from workorders.choices import Kind
from workorders.tests.factories import category

DAY = dt.timedelta(days=1)


class ProposalTests(FindingTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.cleaning_cat = category(cls.company, "c-quality-cleaning")
        cls.facility = category(cls.company, "c-facility")
        complaints = [
            *[("c-quality-cleaning", "楼道垃圾没人管", cls.project)] * 3,
            ("c-quality-cleaning", "垃圾桶满了没人管", cls.project2),
            *[("c-facility", "电梯坏了好几天", cls.project)] * 2,
            ("c-fees-parking", "停车费太贵", cls.project),  # one complaint is not a pattern
            *[(None, "物业不处理，我要打12345投诉", cls.project)] * 2,
        ]
        with time_machine.travel(T0, tick=False):
            for code, text, project in complaints:
                cls.complain(project, text, code)
            rejected = cls.complain(cls.project, "楼道垃圾没人管", "c-quality-cleaning")
            wo.workorder_reject(order=rejected, reason="开发商保修范围", actor=cls.manager)
            wo.workorder_create(
                project=cls.project, data={"kind": Kind.REPAIR, "description": "电梯坏了"}, actor=cls.supervisor
            )
        with time_machine.travel(T0 - 200 * DAY, tick=False):  # older than six months
            for _n in range(3):
                cls.complain(cls.project, "绿化带没人管", "c-quality-greening")

    @classmethod
    def complain(cls, project, text, code):
        data = {"kind": Kind.COMPLAINT, "description": text}
        if code:
            data["category"] = category(cls.company, code)
        actor = cls.supervisor if project == cls.project else cls.admin
        return wo.workorder_create(project=project, data=data, actor=actor)

    def proposals(self, **kwargs):
        with time_machine.travel(T0 + DAY, tick=False):
            return checklist_proposals(company=self.company, **kwargs)

    def test_it_ranks_by_frequency_times_severity(self) -> None:
        found = self.proposals()
        self.assertEqual(
            [p.key for p in found],
            [f"category:{self.facility.pk}", f"category:{self.cleaning_cat.pk}", "keyword:12345"],
        )
        facility, cleaning, hotline = found
        self.assertEqual((facility.complaints, facility.severity, facility.score), (2, Severity.SEVERE, 6))
        self.assertEqual((cleaning.complaints, cleaning.severity, cleaning.score), (4, Severity.MINOR, 4))
        self.assertEqual((hotline.complaints, hotline.severity, hotline.score), (2, Severity.MAJOR, 4))
        self.assertEqual((facility.tiers, cleaning.tiers, hotline.tiers), ({L1: 2}, {L3: 4}, {L2: 2}))

    def test_each_proposal_is_a_checklist_item_with_its_evidence(self) -> None:
        facility, cleaning, hotline = self.proposals()
        self.assertEqual(facility.department_kind, DepartmentKind.ENGINEERING)
        self.assertEqual(cleaning.department_kind, DepartmentKind.CLEANING)  # named by its code
        self.assertEqual(hotline.department_kind, DepartmentKind.CUSTOMER_SERVICE)
        self.assertEqual((cleaning.projects, facility.projects), (2, 1))
        self.assertEqual(cleaning.keywords, [("没人管", 4)])
        self.assertEqual(len(cleaning.order_ids), 4)
        self.assertIn("保洁", cleaning.title)
        self.assertIn("4", cleaning.requirement)
        self.assertIn("没人管", cleaning.requirement)
        self.assertEqual(cleaning.section, str(DepartmentKind.CLEANING.label))
        self.assertEqual(
            set(cleaning.as_item()),
            {"key", "section", "title", "requirement", "severity_if_failed", "department_kind"},
        )

    def test_it_reads_one_project_and_the_months_asked_for(self) -> None:
        keys = [p.key for p in self.proposals(project=self.project2)]
        self.assertEqual(keys, [])  # one complaint there
        keys = {p.key for p in self.proposals(months=12)}
        self.assertIn(f"category:{category(self.company, 'c-quality-greening').pk}", keys)
        in_project = self.proposals(project=self.project)
        self.assertEqual([p.score for p in in_project], [6, 4, 3])  # cleaning: 3 × minor, under 12345's 2 × major
        self.assertEqual(in_project[2].complaints, 3)  # the rejected one does not count

    def test_other_companies_complaints_stay_out(self) -> None:
        with time_machine.travel(T0 + DAY, tick=False):
            self.assertEqual(checklist_proposals(company=self.other_company), [])

    def test_accepted_proposals_become_the_next_version(self) -> None:
        facility, cleaning, _hotline = self.proposals()
        with time_machine.travel(T0 + DAY, tick=False):
            version = checklist_proposals_accept(
                template=self.template, proposals=[facility, cleaning], actor=self.quality
            )
        self.assertEqual((version.number, self.template.current_version), (2, version))
        items = list(version.items.order_by("sort_order"))
        self.assertEqual([i.key for i in items[:4]], ["lobby", "fire", "pump", "desk"])
        added = items[4:]
        self.assertEqual([i.title for i in added], [facility.title, cleaning.title])
        self.assertEqual(
            (added[0].severity_if_failed, added[0].department_kind, added[0].rectify_hours),
            (Severity.SEVERE, DepartmentKind.ENGINEERING, SEVERITY_RECTIFY_HOURS[Severity.SEVERE]),
        )
        self.assertIn(facility.title, version.note)
        again = self.proposals()
        self.assertEqual([p.key for p in again][-2:], [facility.key, cleaning.key])  # covered ones come last
        self.assertEqual(again[-1].covered_by, ["test-list"])
        self.assertEqual(again[0].covered_by, [])
        with self.assertRaises(ValidationError) as e:
            checklist_proposals_accept(template=self.template, proposals=[facility], actor=self.quality)
        self.assertIn("proposals", e.exception.message_dict)

    def test_it_refuses_bad_choices_and_people_without_a_say(self) -> None:
        found = self.proposals()
        with self.assertRaises(ValidationError) as e:
            checklist_proposals_accept(template=self.template, proposals=[], actor=self.quality)
        self.assertIn("proposals", e.exception.message_dict)
        with time_machine.travel(T0 + DAY, tick=False):
            theirs = checklist_proposals(company=self.other_company)
        theirs = [*theirs, *[p.__class__(**{**p.__dict__, "company_id": self.other_company.pk}) for p in found[:1]]]
        with self.assertRaises(ValidationError) as e:
            checklist_proposals_accept(template=self.template, proposals=theirs, actor=self.quality)
        self.assertIn("proposals", e.exception.message_dict)
        for person in (self.manager, self.supervisor, self.inspector, self.viewer, self.outsider):
            with self.subTest(person=person.username), self.assertRaises(PermissionDenied):
                checklist_proposals_accept(template=self.template, proposals=found[:1], actor=person)
        self.template.refresh_from_db()
        self.assertEqual(self.template.current_version.number, 1)
