from django.core.exceptions import PermissionDenied, ValidationError

from core import services as core_services
from core.choices import DepartmentKind, Role
from core.models import Membership
from lib.testing import BaseTestCase, make_user
from workorders import services
from workorders.choices import EventKind, Status
from workorders.tests.factories import category, report


class AutoDispatchTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.colleague = make_user("colleague", name="孙师傅", phone="13900000099")
        core_services.membership_grant(
            company=cls.company,
            project=cls.project,
            user=cls.colleague,
            role=Role.STAFF,
            department=cls.department,
            actor=cls.admin,
        )
        cls.security = core_services.department_create(
            project=cls.project, data={"name": "秩序部", "kind": DepartmentKind.SECURITY}, actor=cls.admin
        )
        cls.guard = make_user("guard", name="周保安", phone="13900000098")
        core_services.membership_grant(
            company=cls.company,
            project=cls.project,
            user=cls.guard,
            role=Role.STAFF,
            department=cls.security,
            actor=cls.admin,
        )

    def test_it_sends_a_category_to_its_default_department(self):
        order = report(self, category=category(self.company, "water-leak"))
        self.assertEqual(order.status, Status.DISPATCHED)
        self.assertEqual(order.department, self.department)
        self.assertIn(order.assignee, (self.staff, self.colleague))
        self.assertTrue(order.events.get(kind=EventKind.ASSIGNED).data["auto"])

    def test_it_balances_by_open_orders_then_round_robin(self):
        assignees = [report(self, category=category(self.company, "water-leak")).assignee for _ in range(4)]
        self.assertEqual(sorted(a.username for a in assignees), ["colleague", "colleague", "staff", "staff"])
        self.assertNotEqual(assignees[0], assignees[1])

    def test_it_skips_people_off_duty(self):
        Membership.objects.filter(user=self.colleague).update(on_duty=False)
        for _ in range(3):
            self.assertEqual(report(self, category=category(self.company, "water-leak")).assignee, self.staff)

    def test_it_prefers_the_most_specific_rule(self):
        services.dispatch_rule_save(project=self.project, data={"department": self.department}, actor=self.admin)
        services.dispatch_rule_save(
            project=self.project, data={"building": self.building, "department": self.security}, actor=self.admin
        )
        order = report(self, category=category(self.company, "water-leak"))
        self.assertEqual((order.department, order.assignee), (self.security, self.guard))

    def test_it_matches_a_parent_category_rule(self):
        services.dispatch_rule_save(
            project=self.project,
            data={"category": category(self.company, "water"), "department": self.security},
            actor=self.admin,
        )
        self.assertEqual(report(self, category=category(self.company, "water-blocked")).department, self.security)

    def test_it_leaves_the_order_with_the_department_when_nobody_is_on_duty(self):
        Membership.objects.filter(department=self.department).update(on_duty=False)
        order = report(self, category=category(self.company, "water-leak"))
        self.assertEqual((order.status, order.department, order.assignee), (Status.SUBMITTED, self.department, None))

    def test_it_rejects_a_rule_with_a_department_of_another_project(self):
        with self.assertRaises(ValidationError):
            services.dispatch_rule_save(project=self.project2, data={"department": self.department}, actor=self.admin)

    def test_it_refuses_rules_from_staff(self):
        with self.assertRaises(PermissionDenied):
            services.dispatch_rule_save(project=self.project, data={"department": self.department}, actor=self.staff)


class ManualDispatchTests(BaseTestCase):
    def test_it_reassigns_without_changing_the_status(self):
        order = report(self)
        services.workorder_dispatch(order=order, assignee=self.staff, actor=self.supervisor)
        services.workorder_dispatch(order=order, assignee=self.supervisor, note="换人", actor=self.manager)
        order.refresh_from_db()
        self.assertEqual((order.status, order.assignee), (Status.DISPATCHED, self.supervisor))
        self.assertEqual(order.events.filter(kind=EventKind.ASSIGNED).count(), 2)

    def test_it_rejects_people_outside_the_project(self):
        order = report(self)
        for person in (self.outsider, self.owner, self.viewer):
            with self.subTest(person=person.username), self.assertRaises(ValidationError) as cm:
                services.workorder_dispatch(order=order, assignee=person, actor=self.supervisor)
            self.assertIn("assignee", cm.exception.message_dict)

    def test_it_rejects_a_department_of_another_project(self):
        order = report(self)
        with self.assertRaises(ValidationError):
            services.workorder_dispatch(order=order, department=self.other_department, actor=self.admin)

    def test_it_refuses_staff_and_viewers(self):
        order = report(self)
        for actor in (self.staff, self.viewer, self.owner):
            with self.subTest(actor=actor.username), self.assertRaises(PermissionDenied):
                services.workorder_dispatch(order=order, assignee=self.staff, actor=actor)
