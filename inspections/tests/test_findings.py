"""Findings: opened from a round or by hand, each with a rectification order; rectify, verify,
extensions, cancel; the escalation sweep with frozen time; who may do what."""

import datetime as dt
from unittest import mock

import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.http import Http404
from django.utils import translation

from core import services as core_services
from core.choices import DepartmentKind, Role
from inspections.choices import CapaStatus, ExtensionStatus, FindingEventKind, FindingSource, FindingStatus, Severity
from inspections.models import Finding, FindingEvent
from inspections.notify import send_finding_escalated
from inspections.selectors_findings import (
    finding_actions,
    finding_list,
    get_extension_request_for_user,
    get_finding_for_user,
)
from inspections.services import findings as svc
from inspections.tests.base import DAY1, at, jpeg
from inspections.tests.findings_base import T0, FindingTestCase
from lib.testing import make_user
from workorders.choices import Kind, PhotoStage, Priority, Status
from workorders.models import WorkOrder, WorkOrderPhoto

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


class FindingsFromRoundTests(FindingTestCase):
    def test_it_opens_one_finding_per_failed_item(self) -> None:
        round = self.submitted(fail=("lobby", "pump"))
        lobby, pump = self.finding_of(round, "lobby"), self.finding_of(round, "pump")
        self.assertEqual(round.findings.count(), 2)
        self.assertEqual((lobby.severity, lobby.department, lobby.status), (Severity.MINOR, self.cleaning, "open"))
        self.assertEqual(pump.department, self.department)  # engineering
        self.assertEqual(lobby.due_at, T0 + 168 * HOUR)  # the item's rectify_hours
        self.assertEqual(
            (lobby.source, lobby.round, lobby.created_by), (FindingSource.INSPECTION, round, self.inspector)
        )
        round.refresh_from_db()
        self.assertEqual(round.findings_count, 2)

    def test_it_takes_photo_place_and_note_from_the_result(self) -> None:
        round = self.submitted(fail=("fire",))
        fire = self.finding_of(round, "fire")
        result = fire.item_result
        self.assertEqual(fire.photo.name, result.photo.name)
        self.assertTrue(fire.photo)
        self.assertEqual(fire.due_at, T0 + 24 * HOUR)  # severe

    def test_it_opens_a_rectification_order_for_the_responsible_department(self) -> None:
        round = self.submitted(fail=("fire", "lobby"))
        fire = self.finding_of(round, "fire")
        order = fire.work_order
        self.assertEqual(
            (order.kind, order.project, order.department), (Kind.RECTIFICATION, self.project, self.department)
        )
        self.assertEqual(order.source_key, f"finding:{fire.pk}")
        self.assertEqual((order.priority, order.source), (Priority.P1, "inspection"))
        self.assertEqual(self.finding_of(round, "lobby").work_order.priority, Priority.P3)
        self.assertTrue(WorkOrderPhoto.objects.filter(order=order, stage=PhotoStage.BEFORE).exists())
        self.assertIn(str(fire.pk), order.description)

    def test_it_opens_nothing_twice(self) -> None:
        round = self.submitted(fail=("lobby",))
        self.assertEqual(svc.findings_open_for_round(round=round, actor=self.inspector), [])
        self.assertEqual(Finding.objects.count(), 1)
        self.assertEqual(WorkOrder.objects.filter(kind=Kind.RECTIFICATION).count(), 1)

    def test_a_round_without_failures_opens_none(self) -> None:
        round = self.submitted(fail=())
        self.assertFalse(round.findings.exists())

    def test_a_severe_failure_files_a_capa(self) -> None:
        round = self.submitted(fail=("fire",))
        fire = self.finding_of(round, "fire")
        capa = fire.capa
        self.assertEqual((capa.status, capa.severity, capa.owner), (CapaStatus.FILED, Severity.SEVERE, self.manager))
        self.assertFalse(capa.requires_8d)
        self.assertTrue(fire.events.filter(kind=FindingEventKind.CAPA).exists())
        self.assertIsNone(self.submitted(fail=("lobby",), when=T0 + 2 * DAY).findings.get().capa)


class FindingCreateTests(FindingTestCase):
    def test_it_raises_a_finding_from_a_complaint(self) -> None:
        finding = self.raise_finding(source=FindingSource.COMPLAINT, severity=Severity.MAJOR, description="楼道有垃圾")
        self.assertEqual((finding.status, finding.source, finding.due_at), ("open", "complaint", T0 + 72 * HOUR))
        self.assertEqual(finding.work_order.department, self.cleaning)
        event = finding.events.get()
        self.assertEqual((event.to_status, event.actor), (FindingStatus.OPEN, self.quality))

    def test_it_takes_a_deadline_and_a_before_photo(self) -> None:
        finding = self.raise_finding(due_at=T0 + 5 * HOUR, photo=jpeg())
        self.assertEqual(finding.due_at, T0 + 5 * HOUR)
        self.assertTrue(finding.photo and finding.thumbnail)
        self.assertEqual(WorkOrderPhoto.objects.filter(order=finding.work_order).count(), 1)

    def test_an_invited_inspector_adds_another_place_of_a_failed_item(self) -> None:
        round = self.submitted(fail=("lobby",))
        result = self.finding_of(round, "lobby").item_result
        extra = self.raise_finding(actor=self.inspector, item_result=result, title="", area=self.area, department=None)
        self.assertEqual((extra.round, extra.item, extra.title), (round, result.item, "大堂地面洁净"))
        self.assertEqual(extra.department, self.cleaning)
        self.assertIsNone(extra.repeat_of)  # the same round is not a repeat
        with self.assertRaises(PermissionDenied):
            self.raise_finding(actor=self.inspector2, item_result=result)

    def test_it_names_bad_input(self) -> None:
        cases = [
            ({"due_at": T0 - HOUR}, "due_at"),
            ({"department": self.other_department}, "department"),
            ({"building": self.building2}, "building"),
            ({"source": "rumour"}, "source"),
            ({"title": ""}, "title"),
            ({"severity": "huge"}, "severity"),
            ({"photo": jpeg().__class__("x.jpg", b"not an image", "image/jpeg")}, "photo"),
        ]
        for data, field in cases:
            with self.subTest(field=field), self.assertRaises(ValidationError) as e:
                self.raise_finding(**data)
            self.assertIn(field, e.exception.message_dict)
        self.assertFalse(Finding.objects.exists())
        with self.assertRaises(ValueError):
            self.raise_finding(status="closed")

    def test_it_refuses_people_without_a_say(self) -> None:
        for person in (self.staff, self.viewer, self.inspector, self.outsider):
            with self.subTest(person=person.username), self.assertRaises(PermissionDenied):
                self.raise_finding(actor=person)
        with self.assertRaises(PermissionDenied):
            self.raise_finding(actor=self.manager, project=self.project2, department=None)
        self.assertEqual(self.raise_finding(actor=self.supervisor).created_by, self.supervisor)


class RectifyTests(FindingTestCase):
    def test_it_brings_the_order_to_completed_with_the_after_photo(self) -> None:
        finding = self.raise_finding(department=self.department)
        finding = self.rectify(finding, when=T0 + 2 * HOUR, actor=self.staff)
        self.assertEqual(finding.status, FindingStatus.AWAITING_VERIFICATION)
        self.assertEqual(
            (finding.rectified_by, finding.rectified_at, finding.rectify_note), (self.staff, T0 + 2 * HOUR, "已清理")
        )
        self.assertTrue(finding.rectify_photo and finding.rectify_thumbnail)
        order = WorkOrder.objects.get(pk=finding.work_order_id)
        self.assertEqual((order.status, order.assignee), (Status.COMPLETED, self.staff))
        self.assertTrue(WorkOrderPhoto.objects.filter(order=order, stage=PhotoStage.AFTER).exists())
        steps = list(order.events.exclude(to_status="").values_list("to_status", flat=True))
        self.assertEqual(steps[-3:], [Status.DISPATCHED, Status.IN_PROGRESS, Status.COMPLETED])

    def test_the_team_may_take_it_on_first(self) -> None:
        finding = svc.finding_start(finding=self.raise_finding(), actor=self.manager, note="收到")
        self.assertEqual(finding.status, FindingStatus.RECTIFYING)
        self.assertEqual(self.rectify(finding, when=T0 + HOUR).status, FindingStatus.AWAITING_VERIFICATION)

    def test_it_needs_a_note_and_an_after_photo(self) -> None:
        finding = self.raise_finding(department=self.department)
        for note, photo, field in (("", jpeg(), "note"), ("已修", None, "photo")):
            with self.subTest(field=field), self.assertRaises(ValidationError) as e:
                svc.finding_rectify(finding=finding, note=note, photo=photo, actor=self.staff)
            self.assertIn(field, e.exception.message_dict)
        finding.refresh_from_db()
        self.assertEqual(finding.status, FindingStatus.OPEN)

    @translation.override("en")  # asserts on the English message
    def test_only_the_responsible_team_rectifies(self) -> None:
        cleaning = self.raise_finding()  # for 环境部
        for person in (self.staff, self.supervisor):  # 工程部
            with self.subTest(person=person.username), self.assertRaises(PermissionDenied) as e:
                svc.finding_rectify(finding=cleaning, note="x", photo=jpeg(), actor=person)
            self.assertIn("department", str(e.exception))
        for person in (self.inspector, self.viewer, self.quality, self.outsider):
            with self.subTest(person=person.username), self.assertRaises(PermissionDenied):
                svc.finding_rectify(finding=cleaning, note="x", photo=jpeg(), actor=person)

    def test_it_leaves_an_order_it_cannot_dispatch_and_says_so(self) -> None:
        finding = self.raise_finding()
        finding = self.rectify(finding, when=T0 + HOUR, actor=self.admin)  # a company admin works on no orders
        order = WorkOrder.objects.get(pk=finding.work_order_id)
        self.assertEqual(order.status, Status.SUBMITTED)
        self.assertEqual(finding.events.last().data, {"work_order_status": Status.SUBMITTED})
        self.verify(finding, when=T0 + 2 * HOUR)
        order.refresh_from_db()
        self.assertEqual(order.status, Status.CANCELLED)  # the problem is verified gone

    def test_a_closed_finding_cannot_be_rectified_again(self) -> None:
        finding = self.close(self.raise_finding(), rectified=T0 + HOUR)
        with self.assertRaises(ValidationError) as e:
            self.rectify(finding, when=T0 + 3 * HOUR)
        self.assertEqual(e.exception.code, "bad_transition")


class VerifyTests(FindingTestCase):
    def setUp(self) -> None:
        self.round = self.submitted(fail=("pump",))
        self.finding = self.rectify(self.finding_of(self.round, "pump"), when=T0 + 2 * HOUR, actor=self.staff)

    def test_a_pass_closes_the_finding_and_its_order(self) -> None:
        finding = self.verify(self.finding, when=T0 + 3 * HOUR, actor=self.inspector)
        self.assertEqual(finding.status, FindingStatus.CLOSED)
        self.assertEqual(
            (finding.verify_rounds, finding.verified_by, finding.closed_at), (1, self.inspector, T0 + 3 * HOUR)
        )
        order = WorkOrder.objects.get(pk=finding.work_order_id)
        self.assertEqual(order.status, Status.CLOSED)
        self.assertIsNotNone(order.verified_at)

    def test_a_fail_sends_it_back_with_a_new_deadline(self) -> None:
        with self.assertRaises(ValidationError) as e:
            self.verify(self.finding, when=T0 + 3 * HOUR, passed=False)
        self.assertIn("new_due_at", e.exception.message_dict)
        with self.assertRaises(ValidationError) as e:
            self.verify(self.finding, when=T0 + 3 * HOUR, passed=False, new_due_at=T0 + 2 * HOUR)
        self.assertIn("new_due_at", e.exception.message_dict)
        with time_machine.travel(T0 + 3 * HOUR, tick=False), self.assertRaises(ValidationError) as e:
            svc.finding_verify(finding=self.finding, passed=False, note=" ", new_due_at=T0 + DAY, actor=self.quality)
        self.assertIn("reason", e.exception.message_dict)

        finding = self.verify(self.finding, when=T0 + 3 * HOUR, passed=False, new_due_at=T0 + 2 * DAY)
        self.assertEqual((finding.status, finding.due_at, finding.verify_rounds), ("rectifying", T0 + 2 * DAY, 1))
        order = WorkOrder.objects.get(pk=finding.work_order_id)
        self.assertEqual(order.status, Status.IN_PROGRESS)  # rework
        self.assertTrue(order.events.filter(data__rework=True).exists())

        finding = self.rectify(finding, when=T0 + DAY, actor=self.staff)
        self.assertEqual(WorkOrder.objects.get(pk=finding.work_order_id).status, Status.COMPLETED)
        finding = self.verify(finding, when=T0 + DAY + HOUR)
        self.assertEqual((finding.status, finding.verify_rounds), (FindingStatus.CLOSED, 2))
        kinds = list(finding.events.values_list("to_status", flat=True))
        self.assertEqual(kinds, ["open", "awaiting_verification", "rectifying", "awaiting_verification", "closed"])

    @translation.override("en")  # asserts on the English message
    def test_the_rectifier_does_not_verify_his_own_work(self) -> None:
        finding = self.rectify(self.raise_finding(department=self.department), when=T0 + HOUR, actor=self.supervisor)
        with self.assertRaises(PermissionDenied) as e:
            self.verify(finding, when=T0 + 2 * HOUR, actor=self.supervisor)
        self.assertIn("other", str(e.exception))

    def test_it_refuses_people_who_may_not_verify(self) -> None:
        for person in (self.inspector2, self.staff, self.viewer, self.outsider):
            with self.subTest(person=person.username), self.assertRaises(PermissionDenied):
                self.verify(self.finding, when=T0 + 3 * HOUR, actor=person)
        ad_hoc = self.rectify(self.raise_finding(), when=T0 + HOUR)
        with self.assertRaises(PermissionDenied):  # a third party verifies only his rounds' findings
            self.verify(ad_hoc, when=T0 + 2 * HOUR, actor=self.inspector)
        self.assertEqual(self.verify(ad_hoc, when=T0 + 2 * HOUR, actor=self.supervisor).status, "closed")

    def test_an_open_finding_cannot_be_verified(self) -> None:
        with self.assertRaises(ValidationError) as e:
            self.verify(self.raise_finding(), when=T0 + HOUR)
        self.assertEqual(e.exception.code, "bad_transition")

    def test_a_stale_copy_conflicts(self) -> None:
        stale = Finding.objects.get(pk=self.finding.pk)
        self.verify(self.finding, when=T0 + 3 * HOUR)
        with self.assertRaises(svc.Conflict):
            self.verify(stale, when=T0 + 3 * HOUR)


class CancelTests(FindingTestCase):
    def test_a_manager_cancels_with_a_reason_and_the_order_goes_too(self) -> None:
        finding = self.raise_finding()
        with self.assertRaises(ValidationError):
            svc.finding_cancel(finding=finding, reason="", actor=self.quality)
        for person in (self.staff, self.inspector, self.viewer, self.outsider):
            with self.subTest(person=person.username), self.assertRaises(PermissionDenied):
                svc.finding_cancel(finding=finding, reason="误报", actor=person)
        finding = svc.finding_cancel(finding=finding, reason="误报", actor=self.manager)
        self.assertEqual(finding.status, FindingStatus.CANCELLED)
        self.assertEqual(WorkOrder.objects.get(pk=finding.work_order_id).status, Status.CANCELLED)


class ExtensionTests(FindingTestCase):
    def setUp(self) -> None:
        self.finding = self.raise_finding(department=self.department)  # due T0 + 168 h

    def ask(self, *, actor=None, due=None, reason="等配件", when=T0 + HOUR):
        with time_machine.travel(when, tick=False):
            return svc.finding_extension_request(
                finding=self.finding, requested_due_at=due or T0 + 10 * DAY, reason=reason, actor=actor or self.staff
            )

    def decide(self, request, *, approve=True, note="", actor=None, when=T0 + 2 * HOUR):
        with time_machine.travel(when, tick=False):
            return svc.finding_extension_decide(
                request=request, approve=approve, note=note, actor=actor or self.quality
            )

    def test_an_approval_moves_the_deadline(self) -> None:
        request = self.ask()
        self.assertEqual((request.status, request.previous_due_at), (ExtensionStatus.PENDING, T0 + 168 * HOUR))
        request = self.decide(request, actor=self.manager)
        self.finding.refresh_from_db()
        self.assertEqual((request.status, request.decided_by), (ExtensionStatus.APPROVED, self.manager))
        self.assertEqual(self.finding.due_at, T0 + 10 * DAY)
        kinds = list(self.finding.events.values_list("kind", flat=True))
        self.assertEqual(kinds[-2:], [FindingEventKind.EXTENSION_REQUESTED, FindingEventKind.EXTENSION_DECIDED])

    def test_a_rejection_needs_a_note_and_keeps_the_deadline(self) -> None:
        request = self.ask()
        with self.assertRaises(ValidationError) as e:
            self.decide(request, approve=False)
        self.assertIn("reason", e.exception.message_dict)
        request = self.decide(request, approve=False, note="不需要配件")
        self.finding.refresh_from_db()
        self.assertEqual((request.status, self.finding.due_at), (ExtensionStatus.REJECTED, T0 + 168 * HOUR))
        with self.assertRaises(ValidationError) as e:
            self.decide(request)
        self.assertEqual(e.exception.code, "extension_decided")

    def test_it_names_bad_requests(self) -> None:
        cases = [
            ({"due": T0 + DAY}, "requested_due_at"),  # earlier than the deadline
            ({"due": T0 - DAY}, "requested_due_at"),
            ({"reason": " "}, "reason"),
        ]
        for kwargs, field in cases:
            with self.subTest(field=field), self.assertRaises(ValidationError) as e:
                self.ask(**kwargs)
            self.assertIn(field, e.exception.message_dict)
        self.ask()
        with self.assertRaises(ValidationError) as e:
            self.ask(due=T0 + 12 * DAY)
        self.assertEqual(e.exception.code, "extension_pending")

    def test_only_the_team_asks_and_only_a_manager_decides(self) -> None:
        for person in (self.inspector, self.viewer, self.quality, self.outsider):
            with self.subTest(asker=person.username), self.assertRaises(PermissionDenied):
                self.ask(actor=person)
        request = self.ask(actor=self.manager)
        for person in (self.staff, self.supervisor, self.inspector, self.viewer, self.outsider):
            with self.subTest(decider=person.username), self.assertRaises(PermissionDenied):
                self.decide(request, actor=person)
        with self.assertRaises(PermissionDenied):  # not one's own request
            self.decide(request, actor=self.manager)
        self.assertEqual(self.decide(request, actor=self.quality).status, ExtensionStatus.APPROVED)

    def test_a_finding_awaiting_verification_takes_no_extension(self) -> None:
        request = self.ask()
        finding = self.rectify(self.finding, when=T0 + 2 * HOUR, actor=self.staff)
        with self.assertRaises(ValidationError) as e:
            self.decide(request, when=T0 + 3 * HOUR)
        self.assertEqual(e.exception.code, "finding_done")
        self.finding = finding
        with self.assertRaises(ValidationError):
            self.ask(when=T0 + 3 * HOUR)


class EscalationTests(FindingTestCase):
    def sweep(self, when: dt.datetime) -> dict:
        with time_machine.travel(when, tick=False), mock.patch("inspections.notify.async_task") as queue:
            with self.captureOnCommitCallbacks(execute=True):
                totals = svc.findings_sweep(now=when)
        self.queued = [c.args for c in queue.call_args_list]
        return totals

    def test_it_escalates_an_overdue_finding_exactly_once(self) -> None:
        finding = self.raise_finding(due_at=T0 + DAY)
        self.assertEqual(self.sweep(T0 + DAY - HOUR)["escalated"], 0)
        self.assertEqual(self.sweep(T0 + DAY + HOUR)["escalated"], 1)
        self.assertEqual(self.queued, [("inspections.notify.send_finding_escalated", finding.pk)])
        finding.refresh_from_db()
        self.assertEqual((finding.escalated_at, finding.escalation_level), (T0 + DAY + HOUR, 1))
        self.assertEqual(self.sweep(T0 + DAY + 2 * HOUR)["escalated"], 0)  # a second sweep
        self.assertEqual(self.queued, [])
        event = finding.events.get(kind=FindingEventKind.ESCALATED)
        self.assertEqual((event.actor, event.data["overdue_hours"]), (None, 1))

    def test_two_sweeps_over_the_same_rows_escalate_once(self) -> None:
        finding = self.raise_finding(due_at=T0 + DAY)
        later = T0 + 2 * DAY
        self.assertEqual(svc._escalate(finding.pk, now=later), 1)
        self.assertEqual(svc._escalate(finding.pk, now=later), 0)  # lost the conditional UPDATE
        self.assertEqual(FindingEvent.objects.filter(kind=FindingEventKind.ESCALATED).count(), 1)

    def test_a_new_deadline_can_escalate_again(self) -> None:
        finding = self.raise_finding(due_at=T0 + DAY, department=self.department)
        self.sweep(T0 + 2 * DAY)
        with time_machine.travel(T0 + 2 * DAY, tick=False):
            request = svc.finding_extension_request(
                finding=finding, requested_due_at=T0 + 4 * DAY, reason="等配件", actor=self.staff
            )
            svc.finding_extension_decide(request=request, approve=True, actor=self.quality)
        finding.refresh_from_db()
        self.assertIsNone(finding.escalated_at)
        self.assertEqual(self.sweep(T0 + 3 * DAY)["escalated"], 0)
        self.assertEqual(self.sweep(T0 + 5 * DAY)["escalated"], 1)
        finding.refresh_from_db()
        self.assertEqual(finding.escalation_level, 2)

    def test_it_leaves_findings_the_team_has_done(self) -> None:
        waiting = self.rectify(self.raise_finding(due_at=T0 + DAY), when=T0 + 2 * HOUR)
        closed = self.close(self.raise_finding(due_at=T0 + DAY, title="其他"), rectified=T0 + 2 * HOUR)
        self.assertEqual(self.sweep(T0 + 3 * DAY)["escalated"], 0)
        self.assertIsNone(Finding.objects.get(pk=waiting.pk).escalated_at)
        self.assertIsNone(Finding.objects.get(pk=closed.pk).escalated_at)

    def test_it_mails_the_project_manager_and_the_quality_managers(self) -> None:
        other_pm = make_user("pm2", name="周项目", phone="13900000031")
        core_services.membership_grant(
            company=self.company, project=self.project2, user=other_pm, role=Role.PROJECT_MANAGER, actor=self.admin
        )
        other_pm.email = "pm2@acme.test"
        other_pm.save()
        finding = self.raise_finding(due_at=T0 + DAY)
        with translation.override("en"):
            self.assertEqual(send_finding_escalated(finding.pk), 1)
        message = mail.outbox[0]
        self.assertEqual(sorted(message.to), ["pm@acme.test", "qm@acme.test"])
        self.assertIn("垃圾桶满溢", message.subject)
        self.assertIn(self.project.name, message.body)

    def test_the_command_runs_the_sweep(self) -> None:
        self.raise_finding(due_at=T0 + DAY)
        with time_machine.travel(T0 + 2 * DAY, tick=False), mock.patch("inspections.notify.async_task"):
            call_command("sweep_findings", stdout=(out := __import__("io").StringIO()))
        self.assertIn("escalated=1", out.getvalue())


class FindingSelectorTests(FindingTestCase):
    def setUp(self) -> None:
        self.round = self.submitted(fail=("lobby", "pump"))
        self.lobby, self.pump = self.finding_of(self.round, "lobby"), self.finding_of(self.round, "pump")
        self.ad_hoc = self.raise_finding(department=None, title="路灯不亮")

    def visible(self, user) -> set[int]:
        return set(finding_list(user=user).values_list("pk", flat=True))

    def test_who_sees_which_finding(self) -> None:
        all_three = {self.lobby.pk, self.pump.pk, self.ad_hoc.pk}
        for person in (self.quality, self.admin, self.manager, self.supervisor, self.viewer):
            with self.subTest(person=person.username):
                self.assertEqual(self.visible(person), all_three)
        self.assertEqual(self.visible(self.staff), {self.pump.pk, self.ad_hoc.pk})  # 工程部 and no department
        self.assertEqual(self.visible(self.inspector), {self.lobby.pk, self.pump.pk})  # his round only
        for person in (self.inspector2, self.outsider, self.owner):
            with self.subTest(person=person.username):
                self.assertEqual(self.visible(person), set())

    def test_lookups_answer_404_for_missing_and_not_yours(self) -> None:
        self.assertEqual(get_finding_for_user(user=self.staff, pk=self.pump.pk), self.pump)
        for person, pk in ((self.staff, self.lobby.pk), (self.outsider, self.pump.pk), (self.quality, 0)):
            with self.subTest(person=person.username), self.assertRaises(Http404):
                get_finding_for_user(user=person, pk=pk)
        with time_machine.travel(T0 + HOUR, tick=False):
            request = svc.finding_extension_request(
                finding=self.pump, requested_due_at=T0 + 9 * DAY, reason="等配件", actor=self.staff
            )
        self.assertEqual(get_extension_request_for_user(user=self.manager, pk=request.pk), request)
        with self.assertRaises(Http404):
            get_extension_request_for_user(user=self.outsider, pk=request.pk)

    def test_it_lists_the_actions_each_person_has(self) -> None:
        self.assertEqual(finding_actions(finding=self.pump, user=self.staff), ["start", "rectify", "extension"])
        self.assertEqual(finding_actions(finding=self.pump, user=self.inspector), [])
        self.assertEqual(finding_actions(finding=self.pump, user=self.quality), ["cancel"])
        pump = self.rectify(self.pump, when=T0 + HOUR, actor=self.supervisor)
        self.assertEqual(finding_actions(finding=pump, user=self.inspector), ["verify"])
        self.assertEqual(finding_actions(finding=pump, user=self.supervisor), [])  # his own work
        self.assertEqual(finding_actions(finding=pump, user=self.viewer), [])


class DepartmentlessProjectTests(FindingTestCase):
    def test_an_item_of_a_missing_department_opens_an_unassigned_order(self) -> None:
        round = self.submitted(fail=("desk",))  # no customer service department in the project
        desk = self.finding_of(round, "desk")
        self.assertIsNone(desk.department)
        self.assertIsNone(desk.work_order.department)
        self.assertEqual(desk.item.department_kind, DepartmentKind.CUSTOMER_SERVICE)
        self.assertEqual(desk.round.scheduled_for, DAY1)
        self.assertEqual(desk.created, at(2026, 12, 1, 10))
