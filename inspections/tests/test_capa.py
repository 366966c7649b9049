"""CAPA (DOMAIN.md §6.7): the steps in order, what each step needs, effectiveness and closing
authority; CAPA required for severe findings, repeats (8D) and P0 incidents; repeat detection."""

import datetime as dt
from unittest import mock

import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from inspections import services
from inspections.choices import (
    CapaEventKind,
    CapaSource,
    CapaStatus,
    CauseClass,
    EffectivenessResult,
    FindingEventKind,
    FindingStatus,
    Severity,
)
from inspections.models import Capa, CapaEvent, Finding
from inspections.notify import send_capa_effectiveness_due
from inspections.selectors_findings import capa_actions, capa_list, get_capa_for_user
from inspections.services import capa as svc
from inspections.services import findings as finding_services
from inspections.services.templates import version_items_as_rows
from inspections.tests.base import DAY1, jpeg
from inspections.tests.findings_base import T0, FindingTestCase
from standards.models import StandardRevision
from workorders import services as wo_services
from workorders.choices import Kind, Priority

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
WHYS = ["通道堆放杂物", "业主装修临时堆放", "秩序员巡查未制止", "巡查标准未写明消防通道"]


class CapaTestCase(FindingTestCase):
    def open(self, *, actor=None, when=T0, findings=(), **kwargs) -> Capa:
        args = {
            "project": self.project,
            "source": CapaSource.AUDIT,
            "severity": Severity.MAJOR,
            "title": "消防通道反复堵塞",
            "description": "What: 消防通道堆物. Where: 1栋. When: 12月. Who: 装修户. Why: 巡查不到位. How much: 3次",
            "findings": findings,
            "owner": self.manager,
            "due_at": when + 14 * DAY,
            "actor": actor or self.quality,
        }
        args.update(kwargs)
        with time_machine.travel(when, tick=False):
            return svc.capa_open(**args)

    def through_analysis(self, capa: Capa, *, when=T0, whys=WHYS, cause=CauseClass.METHOD) -> Capa:
        with time_machine.travel(when, tick=False):
            svc.capa_accept(capa=capa, actor=self.manager)
            svc.capa_contain(capa=capa, containment="立即清理通道，通知装修户", actor=self.manager)
            return svc.capa_analyse(capa=capa, why_chain=whys, cause_class=cause, actor=self.manager)

    def act(self, capa: Capa, *, when=T0, scope=None, **kwargs) -> Capa:
        args = {
            "corrective_action": "修订秩序巡查标准，增加消防通道检查",
            "preventive_action": "装修登记时书面告知",
            "horizontal_check": "全项目各楼栋消防通道排查",
            "horizontal_scope": scope
            if scope is not None
            else [{"building": self.building.pk}, {"project": self.project2.pk}],
            "actor": self.manager,
        }
        args.update(kwargs)
        with time_machine.travel(when, tick=False):
            return svc.capa_act(capa=capa, **args)

    def record(
        self, capa: Capa, *, when, result=EffectivenessResult.EFFECTIVE, note="30天复查无复发", actor=None, photo=None
    ):
        with time_machine.travel(when, tick=False):
            return svc.capa_effectiveness_record(
                capa=capa, result=result, note=note, photo=photo, actor=actor or self.quality
            )


class CapaStepsTests(CapaTestCase):
    def test_a_capa_goes_through_every_step_to_closing(self) -> None:
        capa = self.open()
        self.assertEqual((capa.status, capa.owner, capa.created_by), (CapaStatus.FILED, self.manager, self.quality))
        capa = self.through_analysis(capa)
        self.assertEqual((capa.status, capa.cause_class, capa.why_chain), (CapaStatus.ACTION, "method", WHYS))
        capa = self.act(capa, when=T0 + DAY)
        self.assertEqual(capa.status, CapaStatus.VERIFYING)
        self.assertEqual(capa.effectiveness_due_at, T0 + 31 * DAY)
        self.assertEqual(capa.horizontal_scope, [{"building": self.building.pk}, {"project": self.project2.pk}])
        capa = self.record(capa, when=T0 + 31 * DAY, photo=jpeg())
        self.assertEqual((capa.status, capa.effectiveness_result), (CapaStatus.VERIFYING, "effective"))
        self.assertTrue(capa.effectiveness_photo)
        with time_machine.travel(T0 + 31 * DAY, tick=False):
            capa = svc.capa_close(capa=capa, actor=self.quality, note="关闭")
        self.assertEqual(
            (capa.status, capa.closed_by, capa.closed_at), (CapaStatus.CLOSED, self.quality, T0 + 31 * DAY)
        )
        steps = list(capa.events.exclude(to_status="").values_list("to_status", flat=True))
        self.assertEqual(steps, ["filed", "containment", "analysis", "action", "verifying", "closed"])

    def test_it_cannot_skip_a_step(self) -> None:
        capa = self.open()
        attempts = [
            lambda: svc.capa_contain(capa=capa, containment="x", actor=self.manager),
            lambda: svc.capa_analyse(capa=capa, why_chain=WHYS, cause_class="man", actor=self.manager),
            lambda: self.act(capa),
            lambda: svc.capa_close(capa=capa, actor=self.quality),
        ]
        for n, attempt in enumerate(attempts):
            with self.subTest(n=n), self.assertRaises(ValidationError) as e:
                attempt()
            self.assertEqual(e.exception.code, "bad_transition")
        with self.assertRaises(ValidationError) as e:
            self.record(capa, when=T0)
        self.assertEqual(e.exception.code, "not_verifying")
        capa.refresh_from_db()
        self.assertEqual(capa.status, CapaStatus.FILED)

    def test_each_step_names_what_it_misses(self) -> None:
        capa = self.open()
        svc.capa_accept(capa=capa, actor=self.manager)
        with self.assertRaises(ValidationError) as e:
            svc.capa_contain(capa=capa, containment=" ", actor=self.manager)
        self.assertIn("containment", e.exception.message_dict)
        svc.capa_contain(capa=capa, containment="清理", actor=self.manager)
        for whys, cause, field in (
            (WHYS[:2], "method", "why_chain"),
            (["a", " ", "b", ""], "man", "why_chain"),
            (WHYS, "luck", "cause_class"),
            (WHYS, "", "cause_class"),
        ):
            with self.subTest(field=field, whys=len(whys)), self.assertRaises(ValidationError) as e:
                svc.capa_analyse(capa=capa, why_chain=whys, cause_class=cause, actor=self.manager)
            self.assertIn(field, e.exception.message_dict)
        capa = svc.capa_analyse(capa=capa, why_chain="一\n二\n三", cause_class="man", actor=self.manager)
        self.assertEqual(capa.why_chain, ["一", "二", "三"])
        bad_scopes = [
            [],
            [{"project": self.other_project.pk}],
            [{"building": "x"}],
            [{"unit": 1}],
            "1栋",
            [{"project": True}],
        ]
        for scope in bad_scopes:
            with self.subTest(scope=scope), self.assertRaises(ValidationError) as e:
                self.act(capa, scope=scope)
            self.assertIn("horizontal_scope", e.exception.message_dict)
        for field in ("corrective_action", "preventive_action", "horizontal_check"):
            with self.subTest(field=field), self.assertRaises(ValidationError) as e:
                self.act(capa, **{field: ""})
            self.assertIn(field, e.exception.message_dict)

    def test_it_cannot_close_without_a_confirmed_effectiveness(self) -> None:
        capa = self.act(self.through_analysis(self.open()))
        with self.assertRaises(ValidationError) as e:
            svc.capa_close(capa=capa, actor=self.quality)
        self.assertEqual(e.exception.code, "not_effective")
        with self.assertRaises(ValidationError) as e:  # too early: the check falls due after 30 days
            self.record(capa, when=T0 + 29 * DAY)
        self.assertIn("result", e.exception.message_dict)
        with self.assertRaises(ValidationError) as e:
            self.record(capa, when=T0 + 30 * DAY, note="")
        self.assertIn("note", e.exception.message_dict)
        with self.assertRaises(ValidationError) as e:
            self.record(capa, when=T0 + 30 * DAY, result="maybe")
        self.assertIn("result", e.exception.message_dict)

    def test_not_effective_sends_it_back_to_analysis(self) -> None:
        capa = self.act(self.through_analysis(self.open()))
        capa = self.record(capa, when=T0 + 10 * DAY, result=EffectivenessResult.NOT_EFFECTIVE, note="又堵了")
        self.assertEqual((capa.status, capa.effectiveness_due_at), (CapaStatus.ANALYSIS, None))
        event = capa.events.last()
        self.assertEqual(
            (event.kind, event.from_status, event.reason), (CapaEventKind.EFFECTIVENESS, "verifying", "又堵了")
        )
        capa = svc.capa_analyse(capa=capa, why_chain=[*WHYS, "第五问"], cause_class="man", actor=self.manager)
        capa = self.act(capa, when=T0 + 11 * DAY)
        self.assertEqual(capa.effectiveness_due_at, T0 + 41 * DAY)

    def test_only_the_closing_authority_closes(self) -> None:
        capa = self.record(self.act(self.through_analysis(self.open())), when=T0 + 30 * DAY)
        for person in (self.manager, self.supervisor, self.staff, self.viewer, self.inspector, self.outsider):
            with self.subTest(person=person.username), self.assertRaises(PermissionDenied):
                svc.capa_close(capa=capa, actor=person)
        self.assertEqual(svc.capa_close(capa=capa, actor=self.admin).status, CapaStatus.CLOSED)

    def test_it_closes_only_once_its_findings_are_resolved(self) -> None:
        finding = self.raise_finding(department=self.department)
        capa = self.record(self.act(self.through_analysis(self.open(findings=[finding]))), when=T0 + 30 * DAY)
        with self.assertRaises(ValidationError) as e:
            svc.capa_close(capa=capa, actor=self.quality)
        self.assertEqual(e.exception.code, "findings_open")
        self.close(finding, rectified=T0 + 30 * DAY)
        self.assertEqual(svc.capa_close(capa=capa, actor=self.quality).status, CapaStatus.CLOSED)

    def test_a_step_can_be_sent_back_with_a_reason(self) -> None:
        capa = self.act(self.through_analysis(self.open()))
        self.enterContext(time_machine.travel(T0 + DAY, tick=False))
        with self.assertRaises(ValidationError) as e:
            svc.capa_back(capa=capa, reason="", actor=self.quality)
        self.assertIn("reason", e.exception.message_dict)
        capa = svc.capa_back(capa=capa, reason="横向排查不全", actor=self.quality)
        self.assertEqual((capa.status, capa.effectiveness_due_at), (CapaStatus.ACTION, None))
        self.assertEqual(capa.events.last().kind, CapaEventKind.REJECTED)
        for status in ("analysis", "containment", "filed"):
            capa = svc.capa_back(capa=capa, reason="重做", actor=self.quality)
            self.assertEqual(capa.status, status)
        with self.assertRaises(ValidationError):
            svc.capa_back(capa=capa, reason="重做", actor=self.quality)

    def test_a_draft_can_be_saved_without_changing_the_step(self) -> None:
        capa = self.open()
        capa = svc.capa_update(capa=capa, data={"why_chain": ["一", " "], "owner": self.admin}, actor=self.manager)
        capa.refresh_from_db()
        self.assertEqual((capa.status, capa.why_chain, capa.owner), (CapaStatus.FILED, ["一"], self.admin))
        with self.assertRaises(ValidationError) as e:
            svc.capa_update(capa=capa, data={"owner": self.staff}, actor=self.manager)
        self.assertIn("owner", e.exception.message_dict)
        with self.assertRaises(ValueError):
            svc.capa_update(capa=capa, data={"status": "closed"}, actor=self.manager)

    def test_a_stale_copy_conflicts(self) -> None:
        capa = self.open()
        stale = Capa.objects.get(pk=capa.pk)
        svc.capa_accept(capa=capa, actor=self.manager)
        with self.assertRaises(svc.Conflict):
            svc.capa_accept(capa=stale, actor=self.manager)


class CapaOpenTests(CapaTestCase):
    def test_it_links_its_findings(self) -> None:
        finding = self.raise_finding()
        capa = self.open(findings=[finding])
        finding.refresh_from_db()
        self.assertEqual(finding.capa, capa)
        self.assertEqual(finding.events.last().kind, FindingEventKind.CAPA)
        with self.assertRaises(ValidationError) as e:  # one open CAPA per finding
            self.open(findings=[finding])
        self.assertIn("findings", e.exception.message_dict)

    def test_it_names_bad_input(self) -> None:
        other = self.raise_finding(project=self.project2, department=None, title="外墙")
        cases = [
            ({"due_at": T0 - DAY}, "due_at"),
            ({"due_at": None}, "due_at"),
            ({"owner": None}, "owner"),
            ({"owner": self.outsider}, "owner"),
            ({"owner": self.staff}, "owner"),  # no capa.manage
            ({"source": "gossip"}, "source"),
            ({"title": ""}, "title"),
            ({"description": " "}, "description"),
            ({"severity": "huge"}, "severity"),
            ({"findings": [other]}, "findings"),
        ]
        for kwargs, field in cases:
            with self.subTest(field=field, value=next(iter(kwargs.values()))), self.assertRaises(ValidationError) as e:
                self.open(**kwargs)
            self.assertIn(field, e.exception.message_dict)
        self.assertFalse(Capa.objects.exists())

    def test_it_refuses_people_without_capa_manage(self) -> None:
        for person in (self.staff, self.supervisor, self.viewer, self.inspector, self.outsider):
            with self.subTest(person=person.username), self.assertRaises(PermissionDenied):
                self.open(actor=person)
        with self.assertRaises(PermissionDenied):
            self.open(actor=self.manager, project=self.project2)
        capa = self.open(actor=self.manager)
        for person in (self.staff, self.viewer, self.inspector, self.outsider):
            with self.subTest(step=person.username), self.assertRaises(PermissionDenied):
                svc.capa_accept(capa=capa, actor=person)

    def test_an_incident_capa_for_a_p0_order(self) -> None:
        with time_machine.travel(T0, tick=False):
            order = wo_services.workorder_create(
                project=self.project,
                data={"kind": Kind.REPAIR, "description": "3栋电梯困人，有人晕倒", "building": self.building},
                actor=self.supervisor,
            )
            self.assertEqual(order.priority, Priority.P0)
            capa = svc.capa_open_for_incident(work_order=order, actor=self.manager)
        self.assertEqual((capa.source, capa.severity, capa.requires_8d), (CapaSource.INCIDENT, Severity.CRITICAL, True))
        self.assertEqual((capa.work_order, capa.owner, capa.due_at), (order, self.manager, T0 + 7 * DAY))
        self.assertEqual(svc.capa_open_for_incident(work_order=order, actor=self.quality), capa)
        self.assertEqual(Capa.objects.count(), 1)
        with self.assertRaises(PermissionDenied):
            svc.capa_open_for_incident(work_order=order, actor=self.staff)
        plain = wo_services.workorder_create(
            project=self.project, data={"kind": Kind.REPAIR, "description": "门锁坏了"}, actor=self.supervisor
        )
        with self.assertRaises(ValidationError) as e:
            svc.capa_open_for_incident(work_order=plain, actor=self.manager)
        self.assertEqual(e.exception.code, "not_an_incident")

    def test_an_incident_capa_asks_five_whys(self) -> None:
        order = wo_services.workorder_create(
            project=self.project, data={"kind": Kind.REPAIR, "description": "地下室起火冒烟"}, actor=self.supervisor
        )
        capa = svc.capa_open_for_incident(work_order=order, actor=self.manager)
        with self.assertRaises(ValidationError) as e:
            self.through_analysis(capa, whys=WHYS)  # four
        self.assertIn("why_chain", e.exception.message_dict)
        capa.refresh_from_db()
        capa = svc.capa_analyse(capa=capa, why_chain=[*WHYS, "第五问"], cause_class="machine", actor=self.manager)
        self.assertEqual(capa.status, CapaStatus.ACTION)


class RepeatTests(CapaTestCase):
    """A repeat (same item, standard item, or title and department within 90 days) forces a CAPA with 8D."""

    def test_the_same_item_within_90_days_is_a_repeat_and_forces_an_8d_capa(self) -> None:
        first = self.finding_of(self.submitted(fail=("lobby",)), "lobby")
        self.assertIsNone(first.capa)  # minor, first time
        self.close(first, rectified=T0 + DAY)
        second = self.finding_of(self.submitted(fail=("lobby",), when=T0 + 80 * DAY), "lobby")
        self.assertEqual(second.repeat_of, first)
        capa = second.capa
        self.assertEqual((capa.status, capa.requires_8d, capa.source), (CapaStatus.FILED, True, "inspection"))
        self.assertEqual(capa.source_key, f"finding:{second.pk}")
        self.assertTrue(second.events.filter(kind=FindingEventKind.REPEAT, data__repeat_of=first.pk).exists())

    def test_seeing_it_again_while_it_is_being_fixed_is_not_a_repeat(self) -> None:
        first = self.finding_of(self.submitted(fail=("lobby",)), "lobby")
        again = self.finding_of(
            self.submitted(fail=("lobby",), when=T0 + DAY, day=DAY1 + dt.timedelta(days=1)), "lobby"
        )
        self.assertEqual(first.status, FindingStatus.OPEN)
        self.assertIsNone(again.repeat_of)
        self.assertIsNone(again.capa)

    def test_after_90_days_it_is_not_a_repeat(self) -> None:
        self.submitted(fail=("lobby",))
        later = self.finding_of(self.submitted(fail=("lobby",), when=T0 + 91 * DAY), "lobby")
        self.assertIsNone(later.repeat_of)
        self.assertIsNone(later.capa)

    def test_another_project_or_a_cancelled_finding_is_not_a_repeat(self) -> None:
        elsewhere = self.raise_finding(project=self.project2, department=None)
        cancelled = self.raise_finding(title="井盖松动", department=self.department)
        finding_services.finding_cancel(finding=cancelled, reason="误报", actor=self.quality)
        self.assertIsNone(self.raise_finding(department=None, when=T0 + DAY).repeat_of)
        self.assertIsNone(self.raise_finding(title="井盖松动", department=self.department, when=T0 + DAY).repeat_of)
        self.assertIsNotNone(elsewhere.pk)

    def test_a_repeat_joins_the_open_capa_of_the_finding_it_repeats(self) -> None:
        fire = self.finding_of(self.submitted(fail=("fire",)), "fire")  # severe: its own CAPA
        self.assertFalse(fire.capa.requires_8d)
        self.close(fire, rectified=T0 + DAY)
        again = self.finding_of(self.submitted(fail=("fire",), when=T0 + 5 * DAY), "fire")
        self.assertEqual((again.repeat_of, again.capa), (fire, fire.capa))
        fire.capa.refresh_from_db()
        self.assertTrue(fire.capa.requires_8d)
        self.assertEqual(Capa.objects.count(), 1)

    def test_the_same_item_in_a_later_version_of_the_checklist_is_a_repeat(self) -> None:
        first = self.finding_of(self.submitted(fail=("pump",)), "pump")
        self.close(first, rectified=T0 + DAY)
        rows = version_items_as_rows(self.version)
        rows[2]["title"] = "水泵房无渗漏、无积水"
        version = services.checklist_version_create(template=self.template, items=rows, actor=self.quality)
        with time_machine.travel(T0 + 3 * DAY, tick=False):
            round = self.make_round(version=version)
            for item in version.items.all():
                outcome = "fail" if item.key == "pump" else "pass"
                score = 5 if item.scoring == "scale" else None
                photo = jpeg() if outcome == "fail" and item.photo_required else None
                services.round_result_record(
                    round=round, item=item, outcome=outcome, score=score, photo=photo, actor=self.inspector
                )
            services.round_submit(round=round, actor=self.inspector)
        second = round.findings.get()
        self.assertNotEqual(second.item, first.item)
        self.assertEqual(second.repeat_of, first)
        self.assertTrue(second.capa.requires_8d)

    def test_the_same_title_and_department_is_a_repeat_of_an_ad_hoc_finding(self) -> None:
        first = self.raise_finding(title="垃圾桶满溢")
        self.close(first, rectified=T0 + DAY)
        self.assertEqual(self.raise_finding(title=" 垃圾桶满溢 ", when=T0 + 10 * DAY).repeat_of, first)
        self.assertIsNone(
            self.raise_finding(title="垃圾桶满溢", department=self.department, when=T0 + 11 * DAY).repeat_of
        )

    def test_the_same_standard_item_is_a_repeat(self) -> None:
        revision = StandardRevision.objects.filter(company=self.company).first()
        items = [
            {"key": "a", "title": "电梯轿厢整洁", "standard_revision": revision, "department_kind": "cleaning"},
            {"key": "b", "title": "电梯日常清洁", "standard_revision": revision, "department_kind": "cleaning"},
        ]
        template = services.checklist_template_create(
            company=self.company, data={"code": "lift", "name": "电梯", "kinds": []}, items=items, actor=self.quality
        )
        a, b = template.current_version.items.order_by("sort_order")
        with time_machine.travel(T0, tick=False):
            round = self.make_round(version=template.current_version)
            for item, outcome in ((a, "fail"), (b, "pass")):
                services.round_result_record(round=round, item=item, outcome=outcome, actor=self.inspector)
            services.round_submit(round=round, actor=self.inspector)
        first = self.close(round.findings.get(), rectified=T0 + dt.timedelta(hours=2))
        second = self.raise_finding(item=b, title="", department=None, when=T0 + DAY)
        self.assertEqual(second.repeat_of, first)
        self.assertEqual(second.capa.standard_item_id, revision.item_id)

    def test_the_same_cause_on_the_same_standard_requires_8d(self) -> None:
        revision = StandardRevision.objects.filter(company=self.company).first()
        item = {"key": "x", "title": "消防栓完好", "standard_revision": revision, "severity_if_failed": "severe"}
        template = services.checklist_template_create(
            company=self.company, data={"code": "fire", "name": "消防", "kinds": []}, items=[item], actor=self.quality
        )
        first = self.raise_finding(
            item=template.current_version.items.get(), title="", department=self.department, severity=Severity.SEVERE
        )
        capa1 = first.capa
        self.assertFalse(capa1.requires_8d)
        capa1 = self.through_analysis(capa1, cause=CauseClass.MACHINE)
        self.assertFalse(capa1.requires_8d)
        capa2 = self.open(when=T0 + DAY)
        Capa.objects.filter(pk=capa2.pk).update(standard_item_id=revision.item_id)
        capa2.refresh_from_db()
        with self.assertRaises(ValidationError) as e:  # now a repeated cause: five whys
            self.through_analysis(capa2, when=T0 + DAY, cause=CauseClass.MACHINE)
        self.assertIn("why_chain", e.exception.message_dict)
        capa2.refresh_from_db()
        self.enterContext(time_machine.travel(T0 + DAY, tick=False))
        capa2 = svc.capa_analyse(capa=capa2, why_chain=[*WHYS, "五"], cause_class="machine", actor=self.manager)
        self.assertTrue(capa2.requires_8d)
        self.assertEqual(capa2.events.last().data["same_cause_as"], capa1.pk)

    def test_a_finding_on_a_standard_with_an_analysed_capa_joins_it(self) -> None:
        revision = StandardRevision.objects.filter(company=self.company).first()
        item = {"key": "y", "title": "配电房上锁", "standard_revision": revision, "department_kind": "engineering"}
        template = services.checklist_template_create(
            company=self.company, data={"code": "power", "name": "配电", "kinds": []}, items=[item], actor=self.quality
        )
        capa = self.through_analysis(self.open())
        Capa.objects.filter(pk=capa.pk).update(standard_item_id=revision.item_id)
        finding = self.raise_finding(
            item=template.current_version.items.get(), title="", department=None, when=T0 + DAY
        )
        self.assertIsNone(finding.repeat_of)
        event = finding.events.get(kind=FindingEventKind.REPEAT)
        self.assertEqual(event.data, {"same_standard_as_capa": capa.pk})
        capa.refresh_from_db()
        self.assertEqual((finding.capa, capa.requires_8d), (capa, True))


class EffectivenessSweepTests(CapaTestCase):
    def sweep(self, when):
        with time_machine.travel(when, tick=False), mock.patch("inspections.notify.async_task") as queue:
            with self.captureOnCommitCallbacks(execute=True):
                totals = finding_services.findings_sweep(now=when)
        return totals, [c.args for c in queue.call_args_list]

    def test_a_due_check_is_flagged_once(self) -> None:
        capa = self.act(self.through_analysis(self.open()))
        self.assertEqual(self.sweep(T0 + 29 * DAY)[0]["effectiveness_due"], 0)
        totals, queued = self.sweep(T0 + 30 * DAY + HOUR)
        self.assertEqual(totals["effectiveness_due"], 1)
        self.assertEqual(queued, [("inspections.notify.send_capa_effectiveness_due", capa.pk)])
        self.assertEqual(self.sweep(T0 + 31 * DAY)[0]["effectiveness_due"], 0)
        event = CapaEvent.objects.get(capa=capa, kind=CapaEventKind.EFFECTIVENESS_DUE)
        self.assertEqual(event.data["recurrences"], 0)
        capa.refresh_from_db()
        self.assertEqual(capa.effectiveness_flagged_at, T0 + 30 * DAY + HOUR)

    def test_a_recorded_result_is_not_flagged(self) -> None:
        capa = self.act(self.through_analysis(self.open()))
        self.record(capa, when=T0 + 3 * DAY, result=EffectivenessResult.NOT_EFFECTIVE)
        self.assertEqual(self.sweep(T0 + 40 * DAY)[0]["effectiveness_due"], 0)

    def test_the_owner_and_quality_managers_are_mailed(self) -> None:
        capa = self.act(self.through_analysis(self.open(owner=self.admin)))
        self.admin.email = "admin@acme.test"
        self.admin.save()
        with translation.override("en"):
            self.assertEqual(send_capa_effectiveness_due(capa.pk), 1)
        self.assertEqual(sorted(mail.outbox[0].to), ["admin@acme.test", "pm@acme.test", "qm@acme.test"])


class CapaSelectorTests(CapaTestCase):
    def test_who_sees_which_capa(self) -> None:
        capa = self.open()
        for person in (self.quality, self.admin, self.manager, self.supervisor, self.viewer):
            with self.subTest(person=person.username):
                self.assertEqual(list(capa_list(user=person)), [capa])
        for person in (self.staff, self.inspector, self.outsider, self.owner):
            with self.subTest(person=person.username):
                self.assertEqual(list(capa_list(user=person)), [])
                with self.assertRaises(Http404):
                    get_capa_for_user(user=person, pk=capa.pk)
        with self.assertRaises(PermissionDenied):
            get_capa_for_user(user=self.viewer, pk=capa.pk, write=True)
        self.assertEqual(get_capa_for_user(user=self.manager, pk=capa.pk, write=True), capa)

    def test_it_lists_the_actions_each_person_has(self) -> None:
        capa = self.record(self.act(self.through_analysis(self.open())), when=T0 + 30 * DAY)
        self.assertEqual(capa_actions(capa=capa, user=self.quality), ["effectiveness", "close", "back", "edit"])
        self.assertEqual(capa_actions(capa=capa, user=self.manager), ["effectiveness", "back", "edit"])
        self.assertEqual(capa_actions(capa=capa, user=self.viewer), [])
        self.assertFalse(Finding.objects.exists())
