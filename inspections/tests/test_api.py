"""The inspections REST API (/api/v1/inspections/…): checklists, rounds and their steps, findings and
the rectification loop, extension requests, CAPA steps, the reports; who may do what; the whole
loop through HTTP; query counts of the lists.

State comes from inspections.tests.findings_base (a four-item checklist, a quality manager, an
invited third-party inspector and one not invited). Requests run at a frozen moment.
"""

import datetime as dt

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.tests.test_api import ApiTestCase
from inspections import services
from inspections.choices import CapaStatus, FindingStatus, RoundStatus
from inspections.models import ChecklistTemplate, Finding
from inspections.tests.base import jpeg
from inspections.tests.findings_base import T0, FindingTestCase

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
NOW = T0 + HOUR


class InspectionApiTestCase(FindingTestCase, ApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.travel(NOW)

    def travel(self, when: dt.datetime) -> None:
        traveller = time_machine.travel(when, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def multipart(self, path: str, data: dict):
        return self.client.post(f"/api/v1/{path}", data)

    def iso(self, when: dt.datetime) -> str:
        return when.isoformat()


#
# Who may see what
#
class InspectionApiAccessTests(InspectionApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.round = cls().submitted(fail=("lobby", "fire"))
        cls.finding = cls.round.findings.get(item__key="lobby")
        cls.capa = cls.round.findings.get(item__key="fire").capa

    LISTS = ["inspections/templates/", "inspections/rounds/", "inspections/findings/", "inspections/capa/"]

    def details(self) -> list[str]:
        return [
            f"inspections/templates/{self.template.pk}/",
            f"inspections/rounds/{self.round.pk}/",
            f"inspections/findings/{self.finding.pk}/",
            f"inspections/capa/{self.capa.pk}/",
        ]

    def test_it_requires_authentication(self):
        for path in [*self.LISTS, *self.details(), "inspections/reports/"]:
            self.assertError(self.get(path), 401, "not_authenticated")

    def test_it_refuses_owners(self):
        self.auth(self.owner)
        for path in [*self.LISTS, *self.details(), "inspections/reports/?metric=score"]:
            self.assertError(self.get(path), 403, "permission_denied")

    def test_it_hides_another_companys_rows(self):
        self.auth(self.outsider)
        for path in self.LISTS:
            self.assertEqual(self.ids(self.get(path)) & {self.round.pk, self.finding.pk, self.capa.pk}, set(), path)
        self.assertEqual(self.ids(self.get("inspections/templates/")) & {self.template.pk}, set())
        for path in self.details():
            self.assertError(self.get(path), 404, "not_found")
        self.assertError(self.post(f"inspections/rounds/{self.round.pk}/cancel/", {"reason": "x"}), 404, "not_found")
        self.assertError(self.post(f"inspections/findings/{self.finding.pk}/verify/", {}), 404, "not_found")
        self.assertError(self.post(f"inspections/capa/{self.capa.pk}/accept/"), 404, "not_found")

    def test_an_invited_inspector_sees_only_his_rounds_and_their_findings(self):
        other = self.make_round(title="别人的检查", inspectors=[self.inspector2])
        self.auth(self.inspector)
        self.assertEqual(self.ids(self.get("inspections/rounds/")), {self.round.pk})
        self.assertError(self.get(f"inspections/rounds/{other.pk}/"), 404, "not_found")
        self.assertEqual(
            self.ids(self.get("inspections/findings/")), set(self.round.findings.values_list("pk", flat=True))
        )
        for path in ("inspections/templates/", "inspections/capa/", "inspections/reports/?metric=score"):
            self.assertError(self.get(path), 403, "permission_denied")

    def test_an_inspector_not_invited_gets_404(self):
        self.auth(self.inspector2)
        self.assertError(self.get(f"inspections/rounds/{self.round.pk}/"), 404, "not_found")
        self.assertError(self.post(f"inspections/rounds/{self.round.pk}/start/"), 404, "not_found")
        self.assertError(self.get(f"inspections/findings/{self.finding.pk}/"), 404, "not_found")
        self.assertEqual(self.ids(self.get("inspections/findings/")), set())

    def test_staff_cannot_manage(self):
        self.auth(self.staff)
        self.assertError(self.get("inspections/rounds/"), 403, "permission_denied")
        self.assertError(self.post("inspections/rounds/", {"project": self.project.pk}), 403, "permission_denied")
        self.assertError(self.post("inspections/templates/", {"code": "x"}), 403, "permission_denied")
        self.assertError(self.post("inspections/capa/", {}), 403, "permission_denied")
        self.assertEqual(self.get("inspections/findings/").status_code, 200)  # his department's

    def test_a_reader_reads_but_writes_nothing(self):
        self.auth(self.viewer)
        for path in [*self.LISTS, *self.details()]:
            self.assertEqual(self.get(path).status_code, 200, path)
        self.assertError(self.post(f"inspections/rounds/{self.round.pk}/close/"), 403, "permission_denied")
        self.assertError(self.post(f"inspections/templates/{self.template.pk}/deactivate/"), 403, "permission_denied")
        self.assertError(self.post(f"inspections/capa/{self.capa.pk}/accept/"), 403, "permission_denied")

    def test_an_inspector_reads_no_owners_data(self):
        self.auth(self.inspector)
        for path in ("inspections/rounds/", f"inspections/rounds/{self.round.pk}/", "inspections/findings/"):
            body = self.get(path).content.decode()
            for marker in ("周业主", "13800000001", self.unit.code):
                self.assertNotIn(marker, body, path)


#
# Checklists
#
class ChecklistApiTests(InspectionApiTestCase):
    ITEMS = [
        {"title": "消防器材完好", "section": "工程", "severity_if_failed": "severe", "photo_required": True},
        {"title": "灯笼悬挂牢固", "scoring": "scale", "max_score": 5, "weight": "2.00", "department_kind": "security"},
    ]

    def test_it_lists_checklists_with_their_current_version(self):
        self.auth(self.viewer)
        rows = {r["code"]: r for r in self.get("inspections/templates/").json()["results"]}
        self.assertEqual(rows["test-list"]["current_version_number"], 1)
        self.assertEqual(rows["test-list"]["item_count"], 4)
        items = self.get(f"inspections/templates/{self.template.pk}/items/").json()
        self.assertEqual([i["key"] for i in items], ["lobby", "fire", "pump", "desk"])

    def test_it_creates_a_checklist_with_items_and_a_new_version(self):
        self.auth(self.quality)
        response = self.post(
            "inspections/templates/",
            {"code": "festival", "name": "节前安全检查", "kinds": ["special"], "items": self.ITEMS},
        )
        self.assertEqual(response.status_code, 201, response.content)
        template = ChecklistTemplate.objects.get(pk=response.json()["id"])
        self.assertEqual(response.json()["item_count"], 2)
        fire = template.current_version.items.get(title="消防器材完好")
        self.assertEqual((fire.rectify_hours, fire.photo_required), (24, True))
        items = [{"key": fire.key, "title": "消防器材完好有效"}, {"title": "应急照明正常"}]
        response = self.post(f"inspections/templates/{template.pk}/versions/", {"note": "改", "items": items})
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["number"], 2)
        versions = self.get(f"inspections/templates/{template.pk}/versions/").json()
        self.assertEqual([v["number"] for v in versions], [2, 1])
        self.assertEqual(versions[0]["items"][0]["key"], fire.key)
        self.assertEqual(len(self.get(f"inspections/templates/{template.pk}/items/?version=1").json()), 2)

    def test_it_names_bad_input(self):
        self.auth(self.quality)
        self.assertError(self.post("inspections/templates/", {"name": "x"}), 400, "invalid", {"code": "required"})
        response = self.post("inspections/templates/", {"code": "test-list", "name": "x"})
        self.assertError(response, 400, "invalid", {"code": "unique"})
        bad = [{"title": "x", "key": "k"}, {"title": "y", "key": "k"}]
        response = self.post(f"inspections/templates/{self.template.pk}/versions/", {"items": bad})
        self.assertError(response, 400, "invalid", {"items": "invalid"})
        response = self.post(f"inspections/templates/{self.template.pk}/versions/", {"items": [{"scoring": "x"}]})
        self.assertEqual(set(response.json()["error"]["fields"]), {"items"})
        response = self.post("inspections/templates/", {"code": "k", "name": "k", "kinds": ["nope"]})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"]["fields"]["kinds"]["0"][0]["code"], "invalid_choice")

    def test_it_builds_one_from_the_standards_library_and_switches_it_off(self):
        from standards.models import StandardRevision

        revisions = list(
            StandardRevision.objects.filter(company=self.company, item__is_active=True).values_list("pk", flat=True)[:2]
        )
        self.auth(self.quality)
        response = self.post(
            "inspections/templates/from-standards/",
            {"code": "lib", "name": "标准", "kinds": [], "revisions": revisions},
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["item_count"], 2)
        other = StandardRevision.objects.filter(company=self.other_company).first().pk
        response = self.post(
            "inspections/templates/from-standards/", {"code": "lib2", "name": "x", "revisions": [other]}
        )
        self.assertError(response, 400, "invalid", {"revisions": "does_not_exist"})
        response = self.post(f"inspections/templates/{self.template.pk}/deactivate/")
        self.assertFalse(response.json()["is_active"])
        response = self.patch(f"inspections/templates/{self.template.pk}/", {"name": "改名"})
        self.assertEqual(response.json()["name"], "改名")

    def test_a_project_manager_cannot_change_checklists(self):
        self.auth(self.manager)
        self.assertError(self.post("inspections/templates/", {"code": "x", "name": "x"}), 403, "permission_denied")
        response = self.post(f"inspections/templates/{self.template.pk}/versions/", {"items": self.ITEMS})
        self.assertError(response, 403, "permission_denied")

    def test_it_keeps_the_query_count_flat_as_checklists_grow(self):
        self.auth(self.quality)
        with CaptureQueriesContext(connection) as few:
            self.get("inspections/templates/")
        for n in range(3):
            services.checklist_template_create(
                company=self.company, data={"code": f"t{n}", "name": f"表{n}"}, items=self.ITEMS, actor=self.quality
            )
        with self.assertNumQueries(len(few)):
            self.get("inspections/templates/")


#
# Rounds, findings, CAPA: the whole loop through HTTP
#
class InspectionLoopApiTests(InspectionApiTestCase):
    def create_round(self, **overrides):
        data = {
            "project": self.project.pk,
            "template": self.template.pk,
            "kind": "special",
            "title": "节前安全检查",
            "scheduled_for": "2026-12-01",
            "due_at": self.iso(T0 + 8 * HOUR),
            "lead": self.quality.pk,
            "inspectors": [self.inspector.pk],
        }
        data.update(overrides)
        return self.post("inspections/rounds/", data)

    def answer(self, round_id: int, key: str, outcome: str = "pass", **extra):
        item = self.items[key]
        data = {"item": item.pk, "outcome": outcome, **extra}
        if item.scoring == "scale" and outcome != "na":
            data.setdefault("score", "5" if outcome == "pass" else "2")
        if "photo" in data:
            return self.multipart(f"inspections/rounds/{round_id}/results/", data)
        return self.post(f"inspections/rounds/{round_id}/results/", data)

    def run_round(self, *, fail: str) -> dict:
        """Create, start, answer (``fail`` fails), submit; the submitted round's body."""
        self.auth(self.quality)
        round_id = self.create_round().json()["id"]
        self.auth(self.inspector)
        self.assertEqual(self.post(f"inspections/rounds/{round_id}/start/").json()["status"], "in_progress")
        for key in self.items:
            outcome = "fail" if key == fail else "pass"
            extra = {"photo": jpeg(), "note": "通道堆物"} if outcome == "fail" else {}
            self.assertEqual(self.answer(round_id, key, outcome, **extra).status_code, 201)
        response = self.post(f"inspections/rounds/{round_id}/submit/")
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def test_the_whole_loop_through_http(self):
        body = self.run_round(fail="pump")
        self.assertEqual(body["status"], RoundStatus.SUBMITTED)
        self.assertEqual(body["findings_count"], 1)
        self.assertEqual(float(body["score"]), round(100 * 6 / 8, 1))  # weights 1+3+2+2, pump (2) failed
        self.assertEqual({d["department_kind"]: d["failed"] for d in body["department_scores"]}["engineering"], 1)
        (ref,) = body["findings"]
        finding_path = f"inspections/findings/{ref['id']}/"

        self.auth(self.staff)  # the engineering team
        detail = self.get(finding_path).json()
        self.assertEqual(detail["status"], FindingStatus.OPEN)
        self.assertIn("rectify", detail["allowed_actions"])
        self.assertIsNotNone(detail["photo_url"])
        response = self.multipart(f"{finding_path}rectify/", {"note": "已紧固", "photo": jpeg("after.jpg")})
        self.assertEqual(response.json()["status"], FindingStatus.AWAITING_VERIFICATION, response.content)
        self.assertTrue(response.json()["rectify_photo_url"].startswith("http://testserver/"))

        self.auth(self.inspector)
        self.assertError(
            self.post(f"{finding_path}verify/", {"passed": False, "note": "仍渗漏"}),
            400,
            "invalid",
            {"new_due_at": "invalid"},
        )
        response = self.post(
            f"{finding_path}verify/", {"passed": False, "note": "仍渗漏", "new_due_at": self.iso(NOW + DAY)}
        )
        self.assertEqual(response.json()["status"], FindingStatus.RECTIFYING, response.content)

        self.auth(self.staff)
        self.multipart(f"{finding_path}rectify/", {"note": "更换垫片", "photo": jpeg("again.jpg")})
        self.auth(self.inspector)
        response = self.post(f"{finding_path}verify/", {"passed": True})
        self.assertEqual((response.json()["status"], response.json()["verify_rounds"]), (FindingStatus.CLOSED, 2))
        self.assertEqual(Finding.objects.get(pk=ref["id"]).work_order.status, "closed")

    def test_a_repeat_within_90_days_forces_a_capa(self):
        first = self.run_round(fail="pump")["findings"][0]
        self.assertIsNone(first["capa"])  # a major finding needs none
        self.auth(self.staff)
        self.multipart(f"inspections/findings/{first['id']}/rectify/", {"note": "已修", "photo": jpeg()})
        self.auth(self.inspector)
        self.assertEqual(self.post(f"inspections/findings/{first['id']}/verify/", {"passed": True}).status_code, 200)
        self.travel(NOW + 10 * DAY)  # fixed, and back within 90 days
        second = self.run_round(fail="pump")["findings"][0]
        self.assertEqual(second["repeat_of"], first["id"])
        self.assertIsNotNone(second["capa"])
        self.auth(self.quality)
        capa = self.get(f"inspections/capa/{second['capa']}/").json()
        self.assertTrue(capa["requires_8d"])
        self.assertEqual(capa["status"], CapaStatus.FILED)
        self.assertIn(second["id"], capa["findings"])
        self.assertEqual(self.ids(self.get("inspections/findings/", {"repeat": "true"})), {second["id"]})

    def test_it_names_bad_round_input(self):
        self.auth(self.quality)
        self.assertError(
            self.create_round(inspectors=[self.staff.pk]), 400, "invalid", {"inspectors": "does_not_exist"}
        )
        self.assertError(
            self.create_round(project=self.other_project.pk), 400, "invalid", {"project": "does_not_exist"}
        )
        self.assertError(self.create_round(due_at=self.iso(T0 - 20 * HOUR)), 400, "invalid", {"due_at": "invalid"})
        round_id = self.create_round().json()["id"]
        self.auth(self.inspector)
        self.assertError(self.answer(round_id, "lobby", "maybe"), 400, "invalid", {"outcome": "invalid_choice"})
        self.assertError(self.answer(round_id, "fire", "fail"), 400, "invalid", {"photo": "invalid"})
        self.assertError(self.answer(round_id, "desk", "pass", score="7"), 400, "invalid", {"score": "invalid"})
        other_item = services.checklist_template_create(
            company=self.company, data={"code": "other", "name": "其他"}, items=[{"title": "x"}], actor=self.quality
        ).current_version.items.get()
        response = self.post(f"inspections/rounds/{round_id}/results/", {"item": other_item.pk, "outcome": "pass"})
        self.assertError(response, 400, "invalid", {"item": "does_not_exist"})
        self.assertError(self.post(f"inspections/rounds/{round_id}/submit/"), 400, "invalid", {"results": "invalid"})

    def test_the_lead_cancels_and_closes_but_inspectors_cannot(self):
        self.auth(self.quality)
        round_id = self.create_round().json()["id"]
        self.auth(self.inspector)
        self.assertError(self.post(f"inspections/rounds/{round_id}/cancel/", {"reason": "x"}), 403, "permission_denied")
        self.auth(self.quality)
        self.assertError(
            self.post(f"inspections/rounds/{round_id}/cancel/", {}), 400, "invalid", {"reason": "required"}
        )
        response = self.post(f"inspections/rounds/{round_id}/inspectors/", {"inspectors": [self.inspector2.pk]})
        self.assertEqual({p["id"] for p in response.json()["inspectors"]}, {self.quality.pk, self.inspector2.pk})
        self.assertEqual(
            self.post(f"inspections/rounds/{round_id}/cancel/", {"reason": "改期"}).json()["status"], "cancelled"
        )

    def test_it_filters_rounds_and_keeps_the_query_count_flat(self):
        self.auth(self.quality)
        self.create_round()
        with CaptureQueriesContext(connection) as few:
            self.assertEqual(len(self.ids(self.get("inspections/rounds/"))), 1)
        for n in range(4):
            self.make_round(
                title=f"检查{n}", kind="weekly", project=self.project2 if n % 2 else self.project, inspectors=[]
            )
        with self.assertNumQueries(len(few)):
            self.get("inspections/rounds/")
        self.assertEqual(len(self.ids(self.get("inspections/rounds/", {"kind": "weekly"}))), 4)
        self.assertEqual(len(self.ids(self.get("inspections/rounds/", {"project_id": self.project2.pk}))), 2)
        self.assertError(self.get("inspections/rounds/", {"project_id": self.other_project.pk}), 400, "invalid")


class FindingApiTests(InspectionApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.round = cls().submitted(fail=("lobby",))
        cls.lobby = cls.round.findings.get()

    def test_it_raises_a_finding_by_hand_with_a_photo(self):
        self.auth(self.quality)
        data = {
            "project": self.project.pk,
            "title": "电梯轿厢脏",
            "severity": "major",
            "source": "audit",
            "department": self.cleaning.pk,
            "due_at": self.iso(NOW + 2 * DAY),
            "photo": jpeg(),
        }
        response = self.multipart("inspections/findings/", data)
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["source"], body["department"], body["status"]), ("audit", self.cleaning.pk, "open"))
        self.assertIsNotNone(body["work_order"])
        self.assertTrue(body["photo_url"])
        self.assertEqual(response["Location"], f"http://testserver/api/v1/inspections/findings/{body['id']}/")

    def test_it_names_bad_finding_input(self):
        self.auth(self.quality)
        base = {"project": self.project.pk, "title": "x"}
        self.assertError(
            self.post("inspections/findings/", {"project": self.project.pk}), 400, "invalid", {"title": "required"}
        )
        response = self.post("inspections/findings/", {**base, "department": self.other_department.pk})
        self.assertError(response, 400, "invalid", {"department": "does_not_exist"})
        response = self.post("inspections/findings/", {**base, "due_at": self.iso(NOW - DAY)})
        self.assertError(response, 400, "invalid", {"due_at": "invalid"})
        self.auth(self.inspector)  # a third party raises findings in his rounds, on the phone
        self.assertError(self.post("inspections/findings/", base), 403, "permission_denied")

    def test_an_extension_is_asked_for_and_decided(self):
        path = f"inspections/findings/{self.lobby.pk}/extension-requests/"
        self.auth(self.manager)
        self.assertError(
            self.post(path, {"requested_due_at": self.iso(NOW), "reason": "缺材料"}),
            400,
            "invalid",
            {"requested_due_at": "invalid"},
        )
        response = self.post(path, {"requested_due_at": self.iso(NOW + 10 * DAY), "reason": "缺材料"})
        self.assertEqual(response.status_code, 201, response.content)
        extension = response.json()["id"]
        self.assertError(
            self.post(f"inspections/extension-requests/{extension}/decide/", {"approve": True}),
            403,
            "permission_denied",
        )
        self.auth(self.quality)
        self.assertEqual(self.get(path).json()[0]["status"], "pending")
        self.assertError(
            self.post(f"inspections/extension-requests/{extension}/decide/", {"approve": False}),
            400,
            "invalid",
            {"reason": "invalid"},
        )
        response = self.post(f"inspections/extension-requests/{extension}/decide/", {"approve": True})
        self.assertEqual(response.json()["status"], "approved")
        self.assertEqual(Finding.objects.get(pk=self.lobby.pk).due_at, NOW + 10 * DAY)
        self.auth(self.outsider)
        self.assertError(self.get(f"inspections/extension-requests/{extension}/"), 404, "not_found")

    def test_it_filters_findings_and_keeps_the_query_count_flat(self):
        self.auth(self.quality)
        with CaptureQueriesContext(connection) as few:
            self.assertEqual(self.ids(self.get("inspections/findings/")), {self.lobby.pk})
        for n in range(4):
            self.raise_finding(title=f"问题{n}", department=self.department if n % 2 else self.cleaning, when=NOW)
        with self.assertNumQueries(len(few)):
            self.get("inspections/findings/")
        self.assertEqual(len(self.ids(self.get("inspections/findings/", {"department_id": self.department.pk}))), 2)
        self.assertEqual(self.ids(self.get("inspections/findings/", {"round_id": self.round.pk})), {self.lobby.pk})
        self.assertEqual(self.ids(self.get("inspections/findings/", {"overdue": "true"})), set())

    def test_a_manager_cancels_with_a_reason(self):
        self.auth(self.quality)
        path = f"inspections/findings/{self.lobby.pk}/cancel/"
        self.assertError(self.post(path, {}), 400, "invalid", {"reason": "required"})
        self.assertEqual(self.post(path, {"reason": "误报"}).json()["status"], FindingStatus.CANCELLED)


class CapaApiTests(InspectionApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.round = cls().submitted(fail=("fire",))
        cls.fire = cls.round.findings.get()
        cls.capa = cls.fire.capa

    def step(self, name: str, data: dict | None = None):
        return self.post(f"inspections/capa/{self.capa.pk}/{name}/", data or {})

    def test_it_walks_the_steps(self):
        self.auth(self.quality)
        self.assertEqual(self.step("accept").json()["status"], CapaStatus.CONTAINMENT)
        self.assertError(self.step("contain", {"containment": ""}), 400, "invalid", {"containment": "blank"})
        self.assertEqual(self.step("contain", {"containment": "清理通道"}).json()["status"], CapaStatus.ANALYSIS)
        response = self.step("analyse", {"why_chain": ["堆物", "无人管"], "cause_class": "method"})
        self.assertError(response, 400, "invalid", {"why_chain": "invalid"})
        response = self.step("analyse", {"why_chain": ["堆物", "无人管", "巡查未覆盖"], "cause_class": "method"})
        self.assertEqual(response.json()["why_chain"], ["堆物", "无人管", "巡查未覆盖"])
        act = {"corrective_action": "清理", "preventive_action": "巡查", "horizontal_check": "全部楼栋"}
        self.assertError(
            self.step("act", {**act, "horizontal_scope": []}), 400, "invalid", {"horizontal_scope": "invalid"}
        )
        scope = [{"project": self.project2.pk}, {"building": self.building.pk}]
        response = self.step("act", {**act, "horizontal_scope": scope})
        self.assertEqual(
            (response.json()["status"], response.json()["horizontal_scope"]), (CapaStatus.VERIFYING, scope)
        )
        self.assertError(
            self.step("effectiveness", {"result": "effective", "note": "x"}), 400, "invalid", {"result": "invalid"}
        )
        self.travel(NOW + 31 * DAY)
        response = self.multipart(
            f"inspections/capa/{self.capa.pk}/effectiveness/",
            {"result": "effective", "note": "复查无堆物", "photo": jpeg()},
        )
        self.assertTrue(response.json()["effectiveness_photo_url"])
        self.auth(self.manager)
        self.assertError(self.step("close"), 403, "permission_denied")
        self.rectify(self.fire, when=NOW + 31 * DAY)
        self.verify(self.fire, when=NOW + 31 * DAY + HOUR)
        self.travel(NOW + 32 * DAY)
        self.auth(self.quality)
        self.assertEqual(self.step("close", {"note": "有效"}).json()["status"], CapaStatus.CLOSED)

    def test_it_sends_back_and_saves_drafts(self):
        self.auth(self.manager)
        self.step("accept")
        self.assertError(self.step("back", {}), 400, "invalid", {"reason": "required"})
        self.assertEqual(self.step("back", {"reason": "重来"}).json()["status"], CapaStatus.FILED)
        response = self.patch(f"inspections/capa/{self.capa.pk}/", {"title": "消防通道堵塞", "why_chain": ["a"]})
        self.assertEqual((response.json()["title"], response.json()["why_chain"]), ("消防通道堵塞", ["a"]))
        response = self.patch(f"inspections/capa/{self.capa.pk}/", {"owner": self.staff.pk})
        self.assertError(response, 400, "invalid", {"owner": "does_not_exist"})

    def test_it_files_a_capa_for_findings(self):
        finding = self.raise_finding(title="垃圾桶满溢", when=NOW)
        self.auth(self.manager)
        data = {
            "project": self.project.pk,
            "source": "inspection",
            "title": "垃圾清运",
            "description": "5W2H",
            "findings": [finding.pk],
            "owner": self.manager.pk,
            "due_at": self.iso(NOW + 20 * DAY),
        }
        response = self.post("inspections/capa/", data)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["findings"], [finding.pk])
        response = self.post("inspections/capa/", {**data, "findings": [self.fire.pk]})  # it has one open
        self.assertError(response, 400, "invalid", {"findings": "invalid"})
        response = self.post("inspections/capa/", {**data, "project": self.other_project.pk})
        self.assertError(response, 400, "invalid", {"project": "does_not_exist"})

    def test_it_links_more_findings_to_an_open_capa(self):
        finding = self.raise_finding(title="消防通道又堵", when=NOW)
        self.auth(self.manager)
        path = f"inspections/capa/{self.capa.pk}/findings/"
        self.assertError(self.post(path, {"findings": [self.fire.pk]}), 400, "invalid", {"findings": "invalid"})
        self.assertError(self.post(path, {"findings": [999999]}), 400, "invalid", {"findings": "does_not_exist"})
        response = self.post(path, {"findings": [finding.pk]})
        self.assertEqual(sorted(response.json()["findings"]), sorted([self.fire.pk, finding.pk]))
        self.auth(self.viewer)
        self.assertError(self.post(path, {"findings": [finding.pk]}), 403, "permission_denied")

    def test_it_filters_capas_and_keeps_the_query_count_flat(self):
        self.auth(self.quality)
        with CaptureQueriesContext(connection) as few:
            self.assertEqual(self.ids(self.get("inspections/capa/")), {self.capa.pk})
        for n in range(3):
            self.raise_finding(title=f"严重{n}", severity="severe", when=NOW)
        with self.assertNumQueries(len(few)):
            self.get("inspections/capa/")
        self.assertEqual(len(self.ids(self.get("inspections/capa/", {"status": "filed"}))), 4)
        self.assertEqual(self.ids(self.get("inspections/capa/", {"status": "closed"})), set())


#
# Reports
#
class ReportApiTests(InspectionApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        tc = cls()
        cls.round = tc.submitted(fail=("lobby", "pump"))
        tc.close(cls.round.findings.get(item__key="lobby"), rectified=T0 + 2 * HOUR)

    def report(self, **params):
        params = {"date_from": "2026-12-01", "date_to": "2026-12-31", **params}
        return self.get("inspections/reports/", params)

    def test_it_reports_the_score_per_project_and_department(self):
        self.auth(self.viewer)
        body = self.report(metric="score", group_by="project").json()
        (row,) = body["results"]
        self.round.refresh_from_db()
        self.assertEqual(row["group"], {"project": self.project.pk, "project_name": self.project.name})
        self.assertEqual(row["details"]["score"], float(self.round.score))
        self.assertAlmostEqual(row["rate"], float(self.round.achieved / self.round.possible))
        rows = self.report(metric="score", group_by="department").json()["results"]
        self.assertEqual({r["group"]["department_kind"] for r in rows}, {"cleaning", "engineering", "customer_service"})

    def test_it_reports_the_rectification_rates(self):
        self.auth(self.quality)
        (row,) = self.report(metric="rectification").json()["results"]
        self.assertEqual((row["numerator"], row["denominator"], row["rate"]), (1, 2, 0.5))
        rows = self.report(metric="on_time", group_by="department").json()["results"]
        self.assertEqual({r["group"]["department_name"] for r in rows}, {"环境部", "工程部"})
        (row,) = self.report(metric="open_age").json()["results"]
        self.assertEqual((row["numerator"], row["denominator"]), (0, 1))
        self.assertEqual(sum(row["details"]["buckets"].values()), 1)
        body = self.report(metric="repeat", group_by="period", project=self.project.pk).json()
        self.assertEqual(body["results"][0]["group"], {"period": "2026-12-01"})

    def test_it_names_bad_input(self):
        self.auth(self.quality)
        self.assertError(self.report(), 400, "invalid", {"metric": "required"})
        self.assertError(self.report(metric="open_age", group_by="period"), 400, "invalid", {"group_by": "invalid"})
        self.assertError(self.report(metric="score", date_to="2026-11-01"), 400, "invalid", {"date_to": "invalid"})
        self.assertError(
            self.report(metric="score", project=self.other_project.pk), 400, "invalid", {"project": "does_not_exist"}
        )

    def test_an_outsider_sees_nothing_of_ours(self):
        self.auth(self.outsider)
        (row,) = self.report(metric="score").json()["results"]
        self.assertEqual((row["numerator"], row["denominator"]), (0, 0))


class InspectionSchemaTests(InspectionApiTestCase):
    def test_the_schema_documents_the_inspection_paths(self):
        paths = self.client.get("/api/schema/", {"format": "json"}).json()["paths"]
        for path in (
            "/api/v1/inspections/templates/",
            "/api/v1/inspections/templates/{id}/versions/",
            "/api/v1/inspections/rounds/{id}/results/",
            "/api/v1/inspections/findings/{id}/extension-requests/",
            "/api/v1/inspections/extension-requests/{id}/decide/",
            "/api/v1/inspections/capa/{id}/analyse/",
            "/api/v1/inspections/reports/",
        ):
            self.assertIn(path, paths)
