"""The phone pages of inspections (/inspect/…): my rounds, a round item by item, submit with the
score and its findings, and the rectification loop (rectify, verify, extensions) through HTTP.

Time stands still at 09:00 on Tuesday 1 December 2026 in Shanghai (``NOW``); the round of the
day is due at 18:00. The quality manager leads it and the third-party ``inspector`` is invited;
``inspector2`` inspects in the same project but is not invited.
"""

import datetime as dt
import re
from decimal import Decimal

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.choices import DepartmentKind
from inspections import services
from inspections.choices import ExtensionStatus, FindingStatus, Outcome, RoundKind, RoundStatus
from inspections.models import ExtensionRequest, Finding, InspectionRound, ItemResult
from inspections.services import findings as finding_services
from inspections.tests.base import DAY1, InspectionTestCase, at, jpeg
from workorders.choices import Status as OrderStatus

NOW = at(2026, 12, 1, 9, 0)


class PhoneTestCase(InspectionTestCase):
    def setUp(self) -> None:
        self.travel(NOW)
        self.round = self.make_round(kind=RoundKind.SPECIAL, title="节前安全检查")

    def travel(self, when: dt.datetime) -> None:
        traveller = time_machine.travel(when, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def url(self, round: InspectionRound | None = None, action: str = "") -> str:
        return f"/inspect/{(round or self.round).pk}/" + (f"{action}/" if action else "")

    def item_url(self, key: str, action: str = "", round: InspectionRound | None = None) -> str:
        return self.url(round, f"items/{self.items[key].pk}") + (f"{action}/" if action else "")

    def answer(self, key: str, outcome: str = "pass", **fields):
        return self.client.post(self.item_url(key), {"outcome": outcome, "note": "", **fields})

    def refresh(self, round: InspectionRound | None = None) -> InspectionRound:
        return InspectionRound.objects.get(pk=(round or self.round).pk)

    def errors(self, response, name: str = "form") -> dict:
        return response.context[name].errors


#
# My rounds
#
class MyRoundsTests(PhoneTestCase):
    def test_it_lists_my_rounds_in_progress_today_upcoming_and_submitted(self) -> None:
        started = self.make_round(title="日检进行中")
        services.round_start(round=started, actor=self.inspector)
        upcoming = self.make_round(title="下周周检", day=DAY1 + dt.timedelta(days=3))
        done = self.make_round(title="已交日检")
        self.answer_all(done)
        services.round_submit(round=done, actor=self.inspector)
        not_mine = self.make_round(title="别人的", inspectors=[self.inspector2], lead=None)
        self.login(self.inspector)
        response = self.client.get("/inspect/")
        self.assertEqual(response.status_code, 200)
        groups = {name: [c["round"] for c in response.context[name]] for name in ("in_progress", "today", "upcoming")}
        self.assertEqual(groups, {"in_progress": [started], "today": [self.round], "upcoming": [upcoming]})
        self.assertEqual([c["round"] for c in response.context["done"]], [done])
        self.assertNotContains(response, f'data-round="{not_mine.pk}"')
        self.assertContains(response, 'data-progress="0/4"')
        self.assertContains(response, f'data-score="{done.score}"')

    def test_it_counts_progress_without_a_query_per_round(self) -> None:
        self.login(self.inspector)
        self.client.get("/inspect/")  # warm caches (content types, sessions)
        with CaptureQueriesContext(connection) as before:
            self.client.get("/inspect/")
        for n in range(3):
            self.make_round(title=f"加测{n}")
        with self.assertNumQueries(len(before.captured_queries)):
            response = self.client.get("/inspect/")
        self.assertEqual(len(response.context["today"]), 4)

    def test_a_third_party_sees_only_rounds_he_is_invited_to(self) -> None:
        self.login(self.inspector2)
        response = self.client.get("/inspect/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["today"], [])
        self.assertNotContains(response, "节前安全检查")

    def test_it_sends_anonymous_visitors_to_sign_in(self) -> None:
        response = self.client.get("/inspect/")
        self.assertRedirects(response, "/accounts/login/?next=/inspect/", fetch_redirect_response=False)

    def test_it_sends_owners_to_their_pages(self) -> None:
        self.login(self.owner)
        self.assertRedirects(self.client.get("/inspect/"), "/m/", fetch_redirect_response=False)

    def test_it_refuses_people_who_do_not_inspect(self) -> None:
        for person in (self.staff, self.viewer, self.manager):
            with self.subTest(person=person.username):
                self.login(person)
                self.assertEqual(self.client.get("/inspect/").status_code, 403)

    def test_it_shows_another_companys_inspector_nothing_of_ours(self) -> None:
        self.login(self.outsider)
        response = self.client.get("/inspect/")
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "节前安全检查")


#
# A round
#
class RoundPageTests(PhoneTestCase):
    def test_it_groups_items_by_section_with_progress(self) -> None:
        self.login(self.inspector)
        self.answer("lobby")
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        sections = [(s["name"], len(s["rows"]), s["answered"]) for s in response.context["sections"]]
        self.assertEqual(sections, [("环境", 1, 1), ("工程", 2, 0), ("客服", 1, 0)])
        self.assertContains(response, 'data-progress="1/4"')
        self.assertContains(
            response, f'id="item-{self.items["lobby"].pk}" data-item="{self.items["lobby"].pk}" data-state="pass"'
        )
        self.assertEqual(response.context["next_item"], self.items["fire"])

    def test_it_starts_a_scheduled_round(self) -> None:
        self.login(self.inspector)
        response = self.client.post(self.url(action="start"))
        self.assertRedirects(response, self.url() + "#items", fetch_redirect_response=False)
        round = self.refresh()
        self.assertEqual((round.status, round.started_at), (RoundStatus.IN_PROGRESS, NOW))

    def test_it_hides_rounds_from_people_not_invited_and_other_companies(self) -> None:
        for person in (self.inspector2, self.outsider, self.staff):
            with self.subTest(person=person.username):
                self.login(person)
                self.assertEqual(self.client.get(self.url()).status_code, 404)
                self.assertEqual(self.client.post(self.url(action="start")).status_code, 404)
                self.assertEqual(self.answer("lobby").status_code, 404)
        self.assertFalse(ItemResult.objects.exists())

    def test_a_supervisor_reads_the_round_but_does_not_do_it(self) -> None:
        self.login(self.supervisor)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, 'data-action="answer"')
        self.assertEqual(self.client.post(self.url(action="start")).status_code, 403)
        self.assertEqual(self.answer("lobby").status_code, 403)

    def test_a_project_manager_reads_it_without_a_way_to_a_list_he_cannot_open(self) -> None:
        self.login(self.manager)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, 'href="/inspect/"')
        self.assertEqual(self.client.get("/inspect/").status_code, 403)

    def test_it_sends_owners_and_anonymous_away(self) -> None:
        self.assertEqual(self.client.get(self.url()).status_code, 302)
        self.login(self.owner)
        self.assertRedirects(self.client.get(self.url()), "/m/", fetch_redirect_response=False)

    def test_a_missing_round_is_404(self) -> None:
        self.login(self.quality)
        self.assertEqual(self.client.get("/inspect/999999/").status_code, 404)


#
# Answering items
#
class ItemTests(PhoneTestCase):
    def test_it_records_an_answer_with_place_position_and_the_servers_time(self) -> None:
        self.login(self.inspector)
        response = self.client.get(self.item_url("lobby"))
        self.assertContains(response, 'capture="environment"')
        self.assertContains(response, 'accept="image/*"')
        response = self.answer(
            "lobby",
            note="地面有水渍",
            building=self.building.pk,
            area=self.area.pk,
            latitude="31.2304",
            longitude="121.4737",
        )
        self.assertRedirects(response, self.item_url("fire"), fetch_redirect_response=False)
        result = ItemResult.objects.get(round=self.round, item=self.items["lobby"])
        self.assertEqual(
            (result.outcome, result.note, result.building, result.area, result.inspector, result.at),
            (Outcome.PASS, "地面有水渍", self.building, self.area, self.inspector, NOW),
        )
        self.assertEqual((result.latitude, result.longitude), (Decimal("31.230400"), Decimal("121.473700")))
        self.assertEqual(self.refresh().status, RoundStatus.IN_PROGRESS)  # the first answer starts it

    def test_the_next_answer_starts_at_the_last_place(self) -> None:
        self.login(self.inspector)
        self.answer("lobby", building=self.building.pk)
        response = self.client.get(self.item_url("pump"))
        self.assertEqual(response.context["form"].initial, {"building": self.building.pk, "area": None})

    def test_it_changes_an_answer_before_submitting(self) -> None:
        self.login(self.inspector)
        self.answer("pump")
        self.answer("pump", "na")
        self.assertEqual(ItemResult.objects.get(round=self.round, item=self.items["pump"]).outcome, Outcome.NA)
        response = self.client.get(self.item_url("pump"))
        self.assertContains(response, 'data-answered="na"')

    def test_it_scores_a_scale_item_inside_its_range(self) -> None:
        self.login(self.inspector)
        response = self.answer("desk", score="6")
        self.assertEqual(response.status_code, 400)
        self.assertIn("score", self.errors(response))
        response = self.answer("desk", score="-1")
        self.assertIn("score", self.errors(response))
        response = self.answer("desk", score="")  # a 0–N item needs its score (the service's rule)
        self.assertEqual(response.status_code, 400)
        self.assertIn("score", self.errors(response))
        self.assertFalse(ItemResult.objects.exists())
        self.answer("desk", score="3.5")
        self.assertEqual(ItemResult.objects.get().score, Decimal("3.5"))

    def test_failing_a_photo_item_needs_a_photo(self) -> None:
        self.login(self.inspector)
        response = self.answer("fire", "fail", note="通道堆放杂物")
        self.assertEqual(response.status_code, 400)
        self.assertIn("photo", self.errors(response))
        self.assertContains(response, 'data-field-error="photo"', status_code=400)
        response = self.answer("fire", "fail", note="通道堆放杂物", photo=jpeg())
        self.assertEqual(response.status_code, 302)
        self.assertTrue(ItemResult.objects.get(item=self.items["fire"]).photo)

    def test_it_refuses_a_place_of_another_project_and_a_bad_outcome(self) -> None:
        self.login(self.inspector)
        response = self.answer("lobby", building=self.building2.pk)
        self.assertIn("building", self.errors(response))
        response = self.answer("lobby", "maybe")
        self.assertIn("outcome", self.errors(response))
        response = self.answer("lobby", latitude="95", longitude="121")
        self.assertEqual(response.status_code, 400)
        self.assertFalse(ItemResult.objects.exists())

    def test_an_item_of_another_checklist_is_404(self) -> None:
        other = services.checklist_template_create(
            company=self.company, data={"code": "other", "name": "其他"}, items=[{"title": "x"}], actor=self.quality
        )
        item = other.current_version.items.get()
        self.login(self.inspector)
        self.assertEqual(self.client.get(self.url(action=f"items/{item.pk}")).status_code, 404)

    def test_one_tap_passes_a_pass_fail_item(self) -> None:
        self.login(self.inspector)
        response = self.client.post(self.item_url("pump", "pass"), {"latitude": "31.23", "longitude": "121.47"})
        self.assertRedirects(response, self.url() + f"#item-{self.items['pump'].pk}", fetch_redirect_response=False)
        result = ItemResult.objects.get()
        self.assertEqual((result.outcome, result.latitude), (Outcome.PASS, Decimal("31.230000")))
        # not for a 0–N item: that one needs its score
        response = self.client.post(self.item_url("desk", "pass"))
        self.assertRedirects(response, self.item_url("desk"), fetch_redirect_response=False)
        self.assertEqual(ItemResult.objects.count(), 1)

    def test_the_last_answer_leads_to_submitting(self) -> None:
        self.login(self.inspector)
        for key in ("lobby", "fire", "pump"):
            self.answer(key)
        response = self.answer("desk", score="5")
        self.assertRedirects(response, self.url() + "#submit", fetch_redirect_response=False)


#
# Submitting
#
class SubmitTests(PhoneTestCase):
    def test_it_refuses_to_submit_with_unanswered_items(self) -> None:
        self.login(self.inspector)
        self.answer("lobby")
        response = self.client.post(self.url(action="submit"))
        self.assertEqual(response.status_code, 400)
        self.assertIn("消防通道畅通", response.context["submit_error"])
        self.assertContains(response, 'data-missing="3"', status_code=400)
        self.assertEqual(self.refresh().status, RoundStatus.IN_PROGRESS)

    def test_it_shows_the_score_departments_and_findings_with_their_orders(self) -> None:
        self.login(self.inspector)
        self.answer("lobby", "fail", note="大堂地面有污渍")
        self.answer("fire")
        self.answer("pump")
        self.answer("desk", score="4")
        response = self.client.post(self.url(action="submit"))
        self.assertRedirects(response, self.url() + "#outcome", fetch_redirect_response=False)
        round = self.refresh()
        self.assertEqual((round.status, round.findings_count), (RoundStatus.SUBMITTED, 1))
        response = self.client.get(self.url())
        self.assertContains(response, f'data-score="{round.score}"')
        departments = {d["department_kind"]: d["score"] for d in response.context["departments"]}
        self.assertEqual(departments[DepartmentKind.CLEANING], Decimal("0.0"))
        finding = Finding.objects.get(round=round)
        self.assertEqual((finding.title, finding.department), ("大堂地面洁净", self.cleaning))
        self.assertContains(response, f'data-finding="{finding.pk}"')
        self.assertContains(response, f"<span data-order-code>{finding.work_order.code}</span>")
        self.assertNotContains(response, 'data-action="answer"')  # answers are final

    def test_answers_cannot_change_after_submitting(self) -> None:
        self.login(self.inspector)
        self.answer_all(self.round)
        self.client.post(self.url(action="submit"))
        response = self.answer("lobby", "fail")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(ItemResult.objects.get(round=self.round, item=self.items["lobby"]).outcome, Outcome.PASS)

    def test_a_third_party_sees_no_owners_data(self) -> None:
        self.login(self.inspector)
        self.answer_all(self.round, fail=("lobby",))
        self.client.post(self.url(action="submit"))
        finding = Finding.objects.get(round=self.round)
        pages = [
            self.client.get("/inspect/"),
            self.client.get(self.url()),
            self.client.get(self.item_url("lobby")),
            self.client.get(f"/inspect/findings/{finding.pk}/"),
            self.client.get("/inspect/findings/?tab=verify"),
        ]
        for response in pages:
            self.assertEqual(response.status_code, 200)
            for private in ("周业主", "13800000001", "吴业主", self.unit.code, "owners.view"):
                self.assertNotContains(response, private)
        # his work-order code is plain text: he cannot open work orders
        self.assertNotContains(pages[3], f"/workorders/{finding.work_order_id}/")


#
# Findings
#
class FindingTestCase(PhoneTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.answer_all(self.round, fail=("lobby", "pump"))
        services.round_submit(round=self.round, actor=self.inspector)
        self.cleaning_finding = Finding.objects.get(round=self.round, item=self.items["lobby"])
        self.finding = Finding.objects.get(round=self.round, item=self.items["pump"])  # engineering's

    def f_url(self, finding: Finding | None = None, action: str = "") -> str:
        return f"/inspect/findings/{(finding or self.finding).pk}/" + (f"{action}/" if action else "")

    def rectify(self, actor=None, finding=None, **data):
        self.login(actor or self.supervisor)
        data = {"note": "已更换密封圈", "photo": jpeg("after.jpg"), **data}
        return self.client.post(self.f_url(finding, "rectify"), data)

    def fresh(self, finding: Finding | None = None) -> Finding:
        return Finding.objects.get(pk=(finding or self.finding).pk)


class FindingListTests(FindingTestCase):
    def test_the_team_sees_its_departments_findings_overdue_first(self) -> None:
        late = finding_services.finding_create(
            project=self.project,
            data={"title": "配电房门未锁", "department": self.department, "due_at": NOW + dt.timedelta(hours=1)},
            actor=self.quality,
        )
        self.travel(NOW + dt.timedelta(hours=2))
        self.login(self.supervisor)
        response = self.client.get("/inspect/findings/")
        self.assertEqual(response.context["finding_tab"], "rectify")
        cards = [c["finding"] for c in response.context["cards"]]
        self.assertEqual(cards, [late, self.finding])  # not the cleaning department's
        self.assertTrue(response.context["cards"][0]["overdue"])
        self.login(self.staff)
        response = self.client.get("/inspect/findings/")
        self.assertEqual([c["finding"] for c in response.context["cards"]], [late, self.finding])
        self.assertEqual([name for name, _label, _n in response.context["finding_tabs"]], ["rectify"])

    def test_a_project_manager_sees_all_of_his_project_and_the_extensions_to_decide(self) -> None:
        self.login(self.manager)
        response = self.client.get("/inspect/findings/")
        self.assertEqual({c["finding"] for c in response.context["cards"]}, {self.finding, self.cleaning_finding})
        self.assertEqual([n for n, _l, _c in response.context["finding_tabs"]], ["rectify", "verify", "extensions"])

    def test_it_lists_rectified_findings_to_verify(self) -> None:
        self.rectify()
        for person, expected in (
            (self.quality, [self.finding]),
            (self.inspector, [self.finding]),
            (self.inspector2, []),
        ):
            with self.subTest(person=person.username):
                self.login(person)
                response = self.client.get("/inspect/findings/?tab=verify")
                self.assertEqual([c["finding"] for c in response.context["cards"]], expected)
        self.login(self.supervisor)  # he rectified it himself
        response = self.client.get("/inspect/findings/?tab=verify")
        self.assertEqual(response.context["cards"], [])

    def test_it_lists_findings_without_a_query_per_finding(self) -> None:
        self.login(self.manager)
        self.client.get("/inspect/findings/")
        with CaptureQueriesContext(connection) as before:
            self.client.get("/inspect/findings/")
        for n in range(3):
            finding_services.finding_create(
                project=self.project, data={"title": f"加测{n}", "department": self.department}, actor=self.quality
            )
        with self.assertNumQueries(len(before.captured_queries)):
            response = self.client.get("/inspect/findings/")
        self.assertEqual(len(response.context["cards"]), 5)

    def test_it_refuses_people_without_a_part_in_the_loop(self) -> None:
        self.login(self.viewer)
        self.assertEqual(self.client.get("/inspect/findings/").status_code, 403)
        self.login(self.owner)
        self.assertEqual(self.client.get("/inspect/findings/").status_code, 302)
        self.client.logout()
        self.assertEqual(self.client.get("/inspect/findings/").status_code, 302)


class FindingAccessTests(FindingTestCase):
    def test_it_hides_findings_from_outsiders_and_uninvited_inspectors(self) -> None:
        for person in (self.outsider, self.inspector2):
            with self.subTest(person=person.username):
                self.login(person)
                self.assertEqual(self.client.get(self.f_url()).status_code, 404)
                self.assertEqual(self.rectify(actor=person).status_code, 404)
                self.assertEqual(self.client.post(self.f_url(action="verify"), {"result": "pass"}).status_code, 404)

    def test_staff_see_only_their_departments_findings(self) -> None:
        self.login(self.staff)
        self.assertEqual(self.client.get(self.f_url()).status_code, 200)
        self.assertEqual(self.client.get(self.f_url(self.cleaning_finding)).status_code, 404)

    def test_a_third_party_sees_only_findings_of_his_rounds(self) -> None:
        other = self.make_round(title="别的检查", inspectors=[self.inspector2], lead=None)
        self.answer_all(other, actor=self.inspector2, fail=("lobby",))
        services.round_submit(round=other, actor=self.inspector2)
        foreign = Finding.objects.get(round=other)
        self.login(self.inspector)
        self.assertEqual(self.client.get(self.f_url(foreign)).status_code, 404)
        self.assertEqual(self.client.get(self.f_url()).status_code, 200)
        self.assertEqual(self.client.get(self.url(other)).status_code, 404)

    def test_an_inspector_cannot_rectify_and_the_team_cannot_verify(self) -> None:
        self.assertEqual(self.rectify(actor=self.inspector).status_code, 403)
        self.rectify()
        self.login(self.staff)
        response = self.client.post(self.f_url(action="verify"), {"result": "pass", "note": ""})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.fresh().status, FindingStatus.AWAITING_VERIFICATION)


class RectifyVerifyTests(FindingTestCase):
    def test_the_team_takes_it_on_and_rectifies_with_an_after_photo(self) -> None:
        self.login(self.supervisor)
        response = self.client.get(self.f_url())
        self.assertContains(response, 'data-action="rectify"')
        self.assertEqual(self.client.post(self.f_url(action="start")).status_code, 302)
        self.assertEqual(self.fresh().status, FindingStatus.RECTIFYING)
        response = self.rectify(photo="")
        self.assertEqual(response.status_code, 400)
        self.assertIn("photo", self.errors(response, "rectify_form"))
        response = self.rectify(note="")
        self.assertIn("note", self.errors(response, "rectify_form"))
        self.assertEqual(self.fresh().status, FindingStatus.RECTIFYING)
        response = self.rectify()
        self.assertRedirects(response, self.f_url(), fetch_redirect_response=False)
        finding = self.fresh()
        self.assertEqual((finding.status, finding.rectified_by), (FindingStatus.AWAITING_VERIFICATION, self.supervisor))
        self.assertTrue(finding.rectify_photo)
        self.assertEqual(finding.work_order.status, OrderStatus.COMPLETED)

    def test_the_inspector_verifies_and_it_closes_with_its_order(self) -> None:
        self.rectify()
        self.login(self.inspector)
        response = self.client.get(self.f_url())
        self.assertContains(response, 'data-action="verify"')
        response = self.client.post(self.f_url(action="verify"), {"result": "pass", "note": "已复查"})
        self.assertRedirects(response, self.f_url(), fetch_redirect_response=False)
        finding = self.fresh()
        self.assertEqual(
            (finding.status, finding.verified_by, finding.closed_at), (FindingStatus.CLOSED, self.inspector, NOW)
        )
        self.assertIn(finding.work_order.status, {OrderStatus.VERIFIED, OrderStatus.CLOSED})
        self.assertContains(self.client.get(self.f_url()), "data-closed")

    def test_a_failed_verification_needs_a_note_and_a_new_deadline(self) -> None:
        self.rectify()
        self.login(self.quality)
        response = self.client.post(self.f_url(action="verify"), {"result": "fail", "note": "仍在渗漏"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("new_due_at", self.errors(response, "verify_form"))
        response = self.client.post(
            self.f_url(action="verify"), {"result": "fail", "note": "", "new_due_at": "2026-12-04T18:00"}
        )
        self.assertIn("note", self.errors(response, "verify_form"))
        response = self.client.post(
            self.f_url(action="verify"), {"result": "fail", "note": "仍在渗漏", "new_due_at": "2026-11-30T18:00"}
        )
        self.assertIn("new_due_at", self.errors(response, "verify_form"))
        self.assertEqual(self.fresh().status, FindingStatus.AWAITING_VERIFICATION)
        response = self.client.post(
            self.f_url(action="verify"), {"result": "fail", "note": "仍在渗漏", "new_due_at": "2026-12-04T18:00"}
        )
        self.assertEqual(response.status_code, 302)
        finding = self.fresh()
        self.assertEqual((finding.status, finding.due_at), (FindingStatus.RECTIFYING, at(2026, 12, 4, 18, 0)))
        self.assertEqual(finding.verify_rounds, 1)

    def test_nobody_verifies_his_own_rectification(self) -> None:
        self.rectify(actor=self.supervisor)
        self.login(self.supervisor)
        self.assertNotContains(self.client.get(self.f_url()), 'data-action="verify"')
        self.assertEqual(self.client.post(self.f_url(action="verify"), {"result": "pass"}).status_code, 403)


class ExtensionTests(FindingTestCase):
    def ask(self, actor=None, **data):
        self.login(actor or self.supervisor)
        data = {"requested_due_at": "2026-12-10T18:00", "reason": "需订购配件", **data}
        return self.client.post(self.f_url(action="extension"), data)

    def test_the_team_asks_and_a_manager_approves(self) -> None:
        response = self.ask()
        self.assertRedirects(response, self.f_url(), fetch_redirect_response=False)
        request = ExtensionRequest.objects.get()
        self.assertEqual((request.status, request.requested_due_at), (ExtensionStatus.PENDING, at(2026, 12, 10, 18)))
        self.login(self.manager)
        self.assertContains(self.client.get("/inspect/findings/?tab=extensions"), f'data-extension="{request.pk}"')
        response = self.client.get(self.f_url())
        self.assertContains(response, f'action="/inspect/extensions/{request.pk}/decide/"')
        response = self.client.post(f"/inspect/extensions/{request.pk}/decide/", {"decision": "approve", "note": ""})
        self.assertRedirects(response, self.f_url(), fetch_redirect_response=False)
        self.assertEqual(self.fresh().due_at, at(2026, 12, 10, 18))
        self.assertEqual(ExtensionRequest.objects.get().status, ExtensionStatus.APPROVED)

    def test_a_rejection_needs_a_note(self) -> None:
        self.ask()
        request = ExtensionRequest.objects.get()
        self.login(self.quality)
        response = self.client.post(f"/inspect/extensions/{request.pk}/decide/", {"decision": "reject", "note": ""})
        self.assertEqual(response.status_code, 400)
        self.assertIn("note", self.errors(response, "decide_form"))
        response = self.client.post(
            f"/inspect/extensions/{request.pk}/decide/", {"decision": "reject", "note": "按期完成"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(ExtensionRequest.objects.get().status, ExtensionStatus.REJECTED)
        self.assertEqual(self.fresh().due_at, self.finding.due_at)

    def test_it_refuses_a_deadline_in_the_past_or_no_reason(self) -> None:
        response = self.ask(requested_due_at="2026-11-30T18:00")
        self.assertEqual(response.status_code, 400)
        self.assertIn("requested_due_at", self.errors(response, "extension_form"))
        response = self.ask(reason="")
        self.assertIn("reason", self.errors(response, "extension_form"))
        response = self.ask(requested_due_at="")
        self.assertIn("requested_due_at", self.errors(response, "extension_form"))
        self.assertFalse(ExtensionRequest.objects.exists())

    def test_only_managers_decide_and_never_their_own_request(self) -> None:
        self.ask()
        request = ExtensionRequest.objects.get()
        for person, code in ((self.supervisor, 403), (self.staff, 403), (self.inspector, 403), (self.outsider, 404)):
            with self.subTest(person=person.username):
                self.login(person)
                response = self.client.post(f"/inspect/extensions/{request.pk}/decide/", {"decision": "approve"})
                self.assertEqual(response.status_code, code)
        self.assertEqual(ExtensionRequest.objects.get().status, ExtensionStatus.PENDING)

    def test_the_page_shows_no_extension_form_to_inspectors(self) -> None:
        self.login(self.inspector)
        response = self.client.get(self.f_url())
        self.assertNotContains(response, 'data-action="extension"')
        self.assertEqual(self.ask(actor=self.inspector).status_code, 403)


class NavTests(PhoneTestCase):
    def test_the_menu_offers_my_inspections_to_inspectors_and_teams(self) -> None:
        for person, target in ((self.inspector, "/inspect/"), (self.staff, "/inspect/findings/")):
            with self.subTest(person=person.username):
                self.login(person)
                response = self.client.get("/tasks/" if person == self.staff else "/inspect/")
                self.assertRegex(response.content.decode(), re.escape(f'href="{target}"'))
        self.login(self.viewer)
        self.assertNotContains(self.client.get("/"), 'href="/inspect/')
