"""Rounds: create, start, record results, submit (score, findings hook, roll-up), cancel, close; who may."""

import datetime as dt
from decimal import Decimal
from unittest import mock

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import override_settings
from django.utils import translation

from core import services as core_services
from core.choices import Role
from inspections import services
from inspections.choices import Outcome, RoundEventKind, RoundKind, RoundStatus
from inspections.models import Finding, InspectionRollup, InspectionRound, ItemResult, RoundEvent, RoundInspector
from inspections.selectors import (
    can_do_round,
    get_round_for_user,
    is_inspector_only,
    round_actions,
    round_department_scores,
    round_list,
)
from inspections.services.common import Conflict
from inspections.tests.base import DAY1, SHANGHAI, InspectionTestCase, at, jpeg
from lib.testing import make_user


class RoundCreateTests(InspectionTestCase):
    def test_it_schedules_a_round_with_its_inspectors(self) -> None:
        round = self.make_round()
        self.assertEqual(round.status, RoundStatus.SCHEDULED)
        self.assertEqual(set(round.inspectors.all()), {self.quality, self.inspector})  # the lead is one
        event = round.events.get()
        self.assertEqual((event.to_status, event.actor), (RoundStatus.SCHEDULED, self.quality))
        self.assertEqual(sorted(event.data["inspectors"]), sorted([self.quality.pk, self.inspector.pk]))

    def test_it_titles_an_untitled_round_after_its_checklist(self) -> None:
        self.assertEqual(self.make_round(title=" ").title, "测试检查表")

    def test_a_project_manager_may_schedule_in_his_project_only(self) -> None:
        round = self.make_round(actor=self.manager, lead=self.supervisor, inspectors=[])
        self.assertEqual(round.lead, self.supervisor)
        with self.assertRaises(PermissionDenied):
            self.make_round(project=self.project2, actor=self.manager, inspectors=[])

    def test_it_refuses_people_without_a_say(self) -> None:
        for person in (self.supervisor, self.inspector, self.viewer, self.staff, self.outsider):
            with self.subTest(person=person.username), self.assertRaises(PermissionDenied):
                self.make_round(actor=person)

    def test_it_refuses_inspectors_who_do_not_inspect_there(self) -> None:
        for person in (self.staff, self.viewer, self.manager, self.outsider):
            with self.subTest(person=person.username), self.assertRaises(ValidationError) as e:
                self.make_round(inspectors=[person])
            self.assertIn("inspectors", e.exception.message_dict)
        with self.assertRaises(ValidationError):  # invited to project, not to project2
            self.make_round(project=self.project2, lead=None, inspectors=[self.inspector])

    def test_it_needs_someone_to_inspect(self) -> None:
        with self.assertRaises(ValidationError) as e:
            self.make_round(lead=None, inspectors=[])
        self.assertIn("inspectors", e.exception.message_dict)

    def test_it_refuses_a_checklist_of_another_company(self) -> None:
        foreign = services.checklist_template_create(
            company=self.other_company, data={"code": "f", "name": "f"}, items=[{"title": "x"}], actor=self.outsider
        )
        with self.assertRaises(ValidationError) as e:
            self.make_round(version=foreign.current_version)
        self.assertIn("version", e.exception.message_dict)

    def test_it_refuses_a_switched_off_checklist(self) -> None:
        services.checklist_template_deactivate(template=self.template, actor=self.quality)
        self.version.template.refresh_from_db()
        with self.assertRaises(ValidationError) as e:
            self.make_round()
        self.assertIn("version", e.exception.message_dict)

    def test_it_refuses_a_kind_the_checklist_is_not_meant_for(self) -> None:
        services.checklist_template_update(template=self.template, data={"kinds": ["special"]}, actor=self.quality)
        self.version.template.refresh_from_db()
        with self.assertRaises(ValidationError) as e:
            self.make_round(kind=RoundKind.MYSTERY_SHOPPER)
        self.assertIn("kind", e.exception.message_dict)
        self.assertEqual(self.make_round(kind=RoundKind.SPECIAL).kind, "special")

    def test_it_refuses_a_deadline_before_the_day(self) -> None:
        with self.assertRaises(ValidationError) as e:
            services.round_create(
                project=self.project,
                version=self.version,
                kind=RoundKind.DAILY,
                title="x",
                scheduled_for=DAY1,
                due_at=at(2026, 11, 30, 23, 0),
                lead=self.quality,
                inspectors=[],
                actor=self.quality,
            )
        self.assertIn("due_at", e.exception.message_dict)

    def test_a_source_key_makes_a_round_once(self) -> None:
        first = self.make_round(source_key="schedule:1:2026-12-01")
        again = self.make_round(source_key="schedule:1:2026-12-01")
        self.assertEqual(first.pk, again.pk)
        self.assertEqual(InspectionRound.objects.filter(source_key="schedule:1:2026-12-01").count(), 1)


class RoundInspectorsTests(InspectionTestCase):
    def test_it_replaces_the_invited_inspectors(self) -> None:
        round = self.make_round()
        services.round_inspectors_set(round=round, inspectors=[self.inspector2], actor=self.quality)
        self.assertEqual(set(round.inspectors.all()), {self.quality, self.inspector2})
        self.assertEqual(round.events.filter(kind=RoundEventKind.INSPECTORS).count(), 1)

    def test_it_needs_manage(self) -> None:
        round = self.make_round()
        with self.assertRaises(PermissionDenied):
            services.round_inspectors_set(round=round, inspectors=[self.inspector2], actor=self.inspector)


class RoundStartTests(InspectionTestCase):
    def test_an_invited_inspector_starts_a_round(self) -> None:
        round = self.make_round()
        services.round_start(round=round, actor=self.inspector, at=at(2026, 12, 1, 9))
        round.refresh_from_db()
        self.assertEqual((round.status, round.started_at), (RoundStatus.IN_PROGRESS, at(2026, 12, 1, 9)))
        self.assertEqual(round.events.last().to_status, RoundStatus.IN_PROGRESS)

    @translation.override("en")  # asserts on the English message
    def test_an_inspector_not_invited_may_not(self) -> None:
        round = self.make_round()
        with self.assertRaises(PermissionDenied) as e:
            services.round_start(round=round, actor=self.inspector2)
        self.assertIn("not an inspector", str(e.exception))
        for person in (self.manager, self.viewer, self.outsider, self.staff):
            with self.subTest(person=person.username), self.assertRaises(PermissionDenied):
                services.round_start(round=round, actor=person)

    def test_a_supervisor_inspects_only_when_invited(self) -> None:
        round = self.make_round()
        with self.assertRaises(PermissionDenied):
            services.round_start(round=round, actor=self.supervisor)
        invited = self.make_round(inspectors=[self.supervisor])
        services.round_start(round=invited, actor=self.supervisor)

    def test_a_quality_manager_inspects_any_round(self) -> None:
        round = self.make_round(lead=self.inspector, inspectors=[])
        services.round_start(round=round, actor=self.quality)

    def test_it_refuses_a_second_start(self) -> None:
        round = self.make_round()
        services.round_start(round=round, actor=self.inspector)
        with self.assertRaises(ValidationError):
            services.round_start(round=round, actor=self.inspector)

    def test_a_stale_copy_conflicts(self) -> None:
        round = self.make_round()
        stale = InspectionRound.objects.get(pk=round.pk)
        services.round_cancel(round=round, reason="下雨", actor=self.quality)
        with self.assertRaises(Conflict):
            services.round_start(round=stale, actor=self.inspector)


class RoundResultRecordTests(InspectionTestCase):
    def setUp(self) -> None:
        self.round = self.make_round()

    def record(self, key: str, outcome: str, **kwargs) -> ItemResult:
        kwargs.setdefault("actor", self.inspector)
        return services.round_result_record(round=self.round, item=self.items[key], outcome=outcome, **kwargs)

    def test_the_first_answer_starts_the_round(self) -> None:
        result = self.record("lobby", "pass", at=at(2026, 12, 1, 9, 5))
        self.round.refresh_from_db()
        self.assertEqual((self.round.status, self.round.started_at), (RoundStatus.IN_PROGRESS, at(2026, 12, 1, 9, 5)))
        self.assertEqual(
            (result.score, result.inspector, result.at), (Decimal(1), self.inspector, at(2026, 12, 1, 9, 5))
        )

    def test_it_stores_place_position_note_and_photo(self) -> None:
        result = self.record(
            "fire",
            "fail",
            note="  堆放杂物  ",
            photo=jpeg(),
            latitude="31.230001",
            longitude=121.47,
            building=self.building,
            area=self.area,
        )
        result.refresh_from_db()
        self.assertEqual((result.score, result.note), (Decimal(0), "堆放杂物"))
        self.assertEqual((result.latitude, result.longitude), (Decimal("31.230001"), Decimal("121.470000")))
        self.assertEqual((result.building, result.area), (self.building, self.area))
        self.assertTrue(result.photo.name.startswith(f"inspections/{self.company.pk}/2026/"))
        self.assertTrue(result.thumbnail.name)

    def test_a_failed_photo_item_needs_a_photo(self) -> None:
        with self.assertRaises(ValidationError) as e:
            self.record("fire", "fail")
        self.assertIn("photo", e.exception.message_dict)
        self.record("fire", "pass")  # passing needs none
        self.record("lobby", "fail")  # nor does an item without the rule

    def test_it_refuses_a_broken_photo(self) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        with self.assertRaises(ValidationError) as e:
            self.record("fire", "fail", photo=SimpleUploadedFile("x.jpg", b"not a photo"))
        self.assertIn("photo", e.exception.message_dict)

    def test_re_recording_replaces_and_keeps_the_photo(self) -> None:
        first = self.record("fire", "fail", photo=jpeg(), note="堵")
        again = self.record("fire", "fail", note="仍堵")  # the photo stays
        self.assertEqual(first.pk, again.pk)
        self.assertEqual(ItemResult.objects.filter(round=self.round).count(), 1)
        again.refresh_from_db()
        self.assertEqual((again.note, again.photo.name), ("仍堵", first.photo.name))
        self.assertEqual(self.record("fire", "na").score, None)

    def test_scale_items_need_a_score_in_range(self) -> None:
        for score in (None, "", -1, 6, "abc", "2.555", float("nan")):
            with self.subTest(score=score), self.assertRaises(ValidationError) as e:
                self.record("desk", "pass", score=score)
            self.assertIn("score", e.exception.message_dict)
        with self.assertRaises(ValidationError) as e:
            self.record("desk", "fail", score=5)  # a failure with full marks
        self.assertIn("score", e.exception.message_dict)
        self.assertEqual(self.record("desk", "pass", score="4.5").score, Decimal("4.5"))
        self.assertEqual(self.record("desk", "fail", score=0).score, Decimal(0))
        self.assertIsNone(self.record("desk", "na").score)

    def test_pass_fail_items_take_no_score(self) -> None:
        with self.assertRaises(ValidationError) as e:
            self.record("lobby", "pass", score=1)
        self.assertIn("score", e.exception.message_dict)

    def test_it_refuses_unknown_outcomes(self) -> None:
        with self.assertRaises(ValidationError) as e:
            self.record("lobby", "ok")
        self.assertIn("outcome", e.exception.message_dict)

    def test_it_refuses_an_item_of_another_checklist(self) -> None:
        other = services.checklist_version_create(template=self.template, items=[{"title": "x"}], actor=self.quality)
        with self.assertRaises(ValidationError) as e:
            services.round_result_record(round=self.round, item=other.items.get(), outcome="pass", actor=self.inspector)
        self.assertIn("item", e.exception.message_dict)

    def test_it_refuses_half_or_impossible_positions(self) -> None:
        for lat, lon, field in (
            (31.2, None, "longitude"),
            (None, 121, "longitude"),
            (91, 0, "latitude"),
            ("x", 1, "latitude"),
        ):
            with self.subTest(lat=lat, lon=lon), self.assertRaises(ValidationError) as e:
                self.record("lobby", "pass", latitude=lat, longitude=lon)
            self.assertIn(field, e.exception.message_dict)

    def test_it_refuses_places_of_another_project(self) -> None:
        with self.assertRaises(ValidationError) as e:
            self.record("lobby", "pass", building=self.building2)
        self.assertIn("building", e.exception.message_dict)
        with self.assertRaises(ValidationError) as e:
            self.record("lobby", "pass", area=self.other_area)
        self.assertIn("area", e.exception.message_dict)

    def test_only_invited_inspectors_record(self) -> None:
        for person in (self.inspector2, self.supervisor, self.manager, self.viewer, self.outsider):
            with self.subTest(person=person.username), self.assertRaises(PermissionDenied):
                self.record("lobby", "pass", actor=person)
        self.assertFalse(ItemResult.objects.exists())

    def test_it_refuses_results_after_submitting_or_cancelling(self) -> None:
        self.answer_all(self.round)
        services.round_submit(round=self.round, actor=self.inspector)
        with self.assertRaises(ValidationError):
            self.record("lobby", "fail")
        cancelled = self.make_round()
        services.round_cancel(round=cancelled, reason="停电", actor=self.quality)
        with self.assertRaises(ValidationError):
            services.round_result_record(round=cancelled, item=self.items["lobby"], outcome="pass", actor=self.quality)


class RoundSubmitTests(InspectionTestCase):
    def test_it_scores_the_round(self) -> None:
        round = self.make_round()
        self.answer_all(round, fail=("fire",), desk_score=4)
        services.round_submit(round=round, actor=self.inspector, at=at(2026, 12, 1, 11))
        round.refresh_from_db()
        # lobby 1/1, fire 0/3, pump 2/2, desk 2×4/5 = 1.6/2 → 4.6/8 = 57.5
        self.assertEqual(round.status, RoundStatus.SUBMITTED)
        self.assertEqual((round.score, round.achieved, round.possible), (Decimal("57.5"), Decimal("4.6"), Decimal(8)))
        self.assertEqual(round.submitted_at, at(2026, 12, 1, 11))
        event = round.events.last()
        self.assertEqual((event.to_status, event.data), (RoundStatus.SUBMITTED, {"score": "57.5", "failed": 1}))

    def test_na_items_leave_the_base(self) -> None:
        round = self.make_round()
        self.answer_all(round, na=("fire", "desk"))
        services.round_submit(round=round, actor=self.inspector)
        round.refresh_from_db()
        self.assertEqual((round.score, round.possible), (Decimal(100), Decimal(3)))

    def test_a_round_where_nothing_applies_has_no_score(self) -> None:
        round = self.make_round()
        self.answer_all(round, na=tuple(self.items))
        services.round_submit(round=round, actor=self.inspector)
        round.refresh_from_db()
        self.assertEqual((round.status, round.score, round.possible), (RoundStatus.SUBMITTED, None, Decimal(0)))

    def test_it_needs_every_item_answered(self) -> None:
        round = self.make_round()
        services.round_result_record(round=round, item=self.items["lobby"], outcome="pass", actor=self.inspector)
        with translation.override("en"), self.assertRaises(ValidationError) as e:
            services.round_submit(round=round, actor=self.inspector)
        message = e.exception.message_dict["results"][0]
        self.assertIn("3 items", message)
        self.assertIn("消防通道畅通", message)
        round.refresh_from_db()
        self.assertEqual(round.status, RoundStatus.IN_PROGRESS)

    def test_it_refuses_a_round_not_started(self) -> None:
        with self.assertRaises(ValidationError):
            services.round_submit(round=self.make_round(), actor=self.inspector)

    def test_only_its_inspectors_submit(self) -> None:
        round = self.make_round()
        self.answer_all(round)
        for person in (self.inspector2, self.manager, self.viewer, self.outsider):
            with self.subTest(person=person.username), self.assertRaises(PermissionDenied):
                services.round_submit(round=round, actor=person)

    def test_it_writes_the_rollup_of_its_month(self) -> None:
        round = self.make_round()
        self.answer_all(round, fail=("fire",))
        services.round_submit(round=round, actor=self.inspector)
        whole = InspectionRollup.objects.get(project=self.project, department_kind="")
        self.assertEqual((whole.period, whole.kind, whole.rounds), (dt.date(2026, 12, 1), RoundKind.DAILY, 1))
        self.assertEqual((whole.possible, whole.achieved, whole.score), (Decimal(8), Decimal(5), Decimal("62.5")))
        engineering = InspectionRollup.objects.get(project=self.project, department_kind="engineering")
        self.assertEqual((engineering.score, engineering.department), (Decimal(40), self.department))
        cleaning = InspectionRollup.objects.get(project=self.project, department_kind="cleaning")
        self.assertEqual((cleaning.score, cleaning.department), (Decimal(100), self.cleaning))
        service = InspectionRollup.objects.get(project=self.project, department_kind="customer_service")
        self.assertIsNone(service.department)  # the project has no customer-service department

    def test_it_opens_findings_through_the_findings_service(self) -> None:
        round = self.make_round()
        self.answer_all(round, fail=("fire", "lobby"))
        with mock.patch("inspections.services.findings.findings_open_for_round", return_value=["a", "b"]) as opener:
            services.round_submit(round=round, actor=self.inspector)
        opener.assert_called_once_with(round=round, actor=self.inspector)
        round.refresh_from_db()
        self.assertEqual(round.findings_count, 2)

    def test_each_failed_item_becomes_a_finding(self) -> None:
        round = self.make_round()
        self.answer_all(round, fail=("fire", "lobby"))
        services.round_submit(round=round, actor=self.inspector)
        round.refresh_from_db()
        findings = Finding.objects.filter(round=round)
        self.assertEqual(sorted(findings.values_list("item__key", flat=True)), ["fire", "lobby"])
        self.assertEqual(round.findings_count, 2)
        whole = InspectionRollup.objects.get(project=self.project, department_kind="")
        self.assertEqual(whole.findings, 2)

    def test_department_scores_of_a_round(self) -> None:
        round = self.make_round()
        self.answer_all(round, fail=("fire",), desk_score=3)
        scores = {row["department_kind"]: row for row in round_department_scores(round)}
        self.assertEqual(list(scores), ["customer_service", "engineering", "cleaning"])
        self.assertEqual(scores["engineering"]["score"], Decimal(40))
        self.assertEqual(scores["engineering"]["failed"], 1)
        self.assertEqual(scores["customer_service"]["score"], Decimal(60))
        self.assertEqual(scores["cleaning"]["score"], Decimal(100))


class RoundCancelCloseTests(InspectionTestCase):
    def test_it_cancels_an_open_round_with_a_reason(self) -> None:
        round = self.make_round()
        with self.assertRaises(ValidationError) as e:
            services.round_cancel(round=round, reason=" ", actor=self.quality)
        self.assertIn("reason", e.exception.message_dict)
        services.round_cancel(round=round, reason="台风停检", actor=self.quality)
        round.refresh_from_db()
        self.assertEqual(round.status, RoundStatus.CANCELLED)
        self.assertEqual(round.events.last().reason, "台风停检")

    def test_it_refuses_to_cancel_a_submitted_round(self) -> None:
        round = self.make_round()
        self.answer_all(round)
        services.round_submit(round=round, actor=self.inspector)
        with self.assertRaises(ValidationError):
            services.round_cancel(round=round, reason="x", actor=self.quality)

    def test_cancelling_needs_manage(self) -> None:
        round = self.make_round()
        for person in (self.inspector, self.supervisor, self.viewer, self.outsider):
            with self.subTest(person=person.username), self.assertRaises(PermissionDenied):
                services.round_cancel(round=round, reason="x", actor=person)

    def test_it_closes_a_submitted_round(self) -> None:
        round = self.make_round()
        self.answer_all(round)
        services.round_submit(round=round, actor=self.inspector)
        services.round_close(round=round, actor=self.manager)
        round.refresh_from_db()
        self.assertEqual(round.status, RoundStatus.CLOSED)
        self.assertIsNotNone(round.closed_at)
        with self.assertRaises(ValidationError):
            services.round_close(round=round, actor=self.manager)

    def test_it_refuses_to_close_an_open_round(self) -> None:
        with self.assertRaises(ValidationError):
            services.round_close(round=self.make_round(), actor=self.quality)

    def test_every_change_is_an_event(self) -> None:
        round = self.make_round()
        self.answer_all(round)
        services.round_submit(round=round, actor=self.inspector)
        services.round_close(round=round, actor=self.quality)
        steps = list(RoundEvent.objects.filter(round=round, kind="status").values_list("from_status", "to_status"))
        self.assertEqual(
            steps,
            [("", "scheduled"), ("scheduled", "in_progress"), ("in_progress", "submitted"), ("submitted", "closed")],
        )


class RoundAccessTests(InspectionTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.invited = cls.make_round_cls(inspectors=[cls.inspector])
        cls.not_invited = cls.make_round_cls(inspectors=[cls.inspector2])
        cls.tower = cls.make_round_cls(project=cls.project2, inspectors=[])

    @classmethod
    def make_round_cls(cls, *, project=None, inspectors):
        return services.round_create(
            project=project or cls.project,
            version=cls.version,
            kind=RoundKind.THIRD_PARTY,
            title="第三方测评",
            scheduled_for=DAY1,
            due_at=dt.datetime(2026, 12, 1, 18, tzinfo=SHANGHAI),
            lead=cls.quality,
            inspectors=inspectors,
            actor=cls.quality,
        )

    def test_an_inspector_sees_only_the_rounds_he_is_invited_to(self) -> None:
        self.assertEqual(list(round_list(user=self.inspector)), [self.invited])
        self.assertEqual(get_round_for_user(user=self.inspector, pk=self.invited.pk), self.invited)
        for round in (self.not_invited, self.tower):
            with self.assertRaises(Http404):
                get_round_for_user(user=self.inspector, pk=round.pk)

    def test_an_inspector_whose_role_ended_sees_nothing(self) -> None:
        from core.models import Membership

        Membership.objects.filter(user=self.inspector).update(is_active=False)
        self.inspector = type(self.inspector).objects.get(pk=self.inspector.pk)
        self.assertFalse(round_list(user=self.inspector).exists())
        self.assertFalse(can_do_round(user=self.inspector, round=self.invited))

    def test_viewers_of_inspections_see_every_round_of_their_projects(self) -> None:
        everything = {self.invited, self.not_invited, self.tower}
        self.assertEqual(set(round_list(user=self.quality)), everything)
        self.assertEqual(set(round_list(user=self.viewer)), everything)
        self.assertEqual(set(round_list(user=self.admin)), everything)
        self.assertEqual(set(round_list(user=self.manager)), {self.invited, self.not_invited})
        self.assertEqual(set(round_list(user=self.supervisor)), {self.invited, self.not_invited})

    def test_others_see_nothing(self) -> None:
        for person in (self.staff, self.owner, self.outsider):
            with self.subTest(person=person.username):
                self.assertFalse(round_list(user=person).exists())
                with self.assertRaises(Http404):
                    get_round_for_user(user=person, pk=self.invited.pk)

    def test_it_answers_404_for_nonsense_ids(self) -> None:
        for pk in ("x", None, 10**9):
            with self.assertRaises(Http404):
                get_round_for_user(user=self.quality, pk=pk)

    def test_writes_need_manage(self) -> None:
        self.assertEqual(get_round_for_user(user=self.manager, pk=self.invited.pk, write=True), self.invited)
        for person in (self.viewer, self.supervisor, self.inspector):
            with self.subTest(person=person.username), self.assertRaises(PermissionDenied):
                get_round_for_user(user=person, pk=self.invited.pk, write=True)

    def test_third_parties_are_told_apart(self) -> None:
        self.assertTrue(is_inspector_only(user=self.inspector))
        self.assertTrue(is_inspector_only(user=self.inspector, project=self.project))
        for person in (self.quality, self.supervisor, self.viewer):
            self.assertFalse(is_inspector_only(user=person, project=self.project))

    def test_actions_follow_the_role_and_status(self) -> None:
        self.assertEqual(round_actions(round=self.invited, user=self.inspector), ["start", "record"])
        self.assertEqual(round_actions(round=self.not_invited, user=self.inspector2), ["start", "record"])
        self.assertEqual(round_actions(round=self.invited, user=self.manager), ["inspectors", "cancel"])
        self.assertEqual(
            round_actions(round=self.invited, user=self.quality), ["start", "record", "inspectors", "cancel"]
        )
        self.assertEqual(round_actions(round=self.invited, user=self.viewer), [])

    def test_an_inspector_of_two_projects_sees_each_only_when_invited(self) -> None:
        both = make_user("both", name="双项目")
        for project in (self.project, self.project2):
            core_services.membership_grant(
                company=self.company, project=project, user=both, role=Role.INSPECTOR, actor=self.admin
            )
        RoundInspector.objects.create(company=self.company, round=self.tower, user=both)
        self.assertEqual(list(round_list(user=both)), [self.tower])


@override_settings(LANGUAGE_CODE="en")
class OutcomeChoicesTests(InspectionTestCase):
    def test_outcomes_are_pass_fail_na(self) -> None:
        self.assertEqual(Outcome.values, ["pass", "fail", "na"])
