"""Owner pages for work orders (/m/workorders/), driven over HTTP; staff steps go through the services."""

import datetime as dt

import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import services as core_services
from core.choices import ResidentRelation
from lib.images import PHOTO_NOT_IMAGE
from lib.testing import BaseTestCase
from portal.workorder_forms import PLACE_INVALID
from workorders import services
from workorders.choices import FollowUpStatus, Kind, PhotoStage, Status
from workorders.models import Category, FollowUp, Rating, WorkOrder, WorkOrderEvent, WorkOrderPhoto
from workorders.tests.factories import category, jpeg, report

NEW = "/m/workorders/new/"


class OwnerWorkOrderTestCase(BaseTestCase):
    def setUp(self):
        # Assert on the English source strings, whatever the catalogue holds.
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def completed(self, order=None, *, photos=()):
        order = order or report(self)
        services.workorder_dispatch(order=order, assignee=self.staff, actor=self.admin)
        services.workorder_start(order=order, actor=self.admin)
        return services.workorder_complete(order=order, actor=self.admin, photos=photos)

    def closed(self, order=None):
        return services.workorder_close(order=self.completed(order), actor=self.admin)

    def post_report(self, **data):
        form = {
            "kind": Kind.REPAIR,
            "category": category(self.company).pk,
            "place": f"unit:{self.unit.pk}",
            "description": "厨房水管漏水，请尽快处理",
            "contact_phone": "13800000001",
            **data,
        }
        return self.client.post(NEW, form)

    def detail(self, order):
        return self.client.get(f"/m/workorders/{order.pk}/")


class WorkOrderCreateTests(OwnerWorkOrderTestCase):
    def test_it_offers_my_units_public_areas_and_the_categories_of_the_kind(self):
        self.login(self.owner)
        response = self.client.get(NEW)
        self.assertContains(response, f'value="unit:{self.unit.pk}" selected')
        self.assertContains(response, f'value="area:{self.area.pk}"')
        self.assertNotContains(response, f'value="unit:{self.unit2.pk}"')
        self.assertNotContains(response, f'value="area:{self.other_area.pk}"')
        self.assertContains(response, "漏水/渗水")
        self.assertContains(response, '<optgroup label="给排水">')
        self.assertNotContains(response, "物业费")
        self.assertContains(response, 'accept="image/*"')
        self.assertContains(response, 'value="13800000001"')

    def test_it_lists_the_categories_of_the_chosen_kind(self):
        self.login(self.owner)
        response = self.client.get(NEW + "?kind=complaint")
        self.assertContains(response, "物业费")
        self.assertNotContains(response, "漏水/渗水")
        self.assertNotContains(response, "Preferred visit time")

    def test_it_creates_an_order_with_a_before_photo(self):
        self.login(self.owner)
        response = self.post_report(photos=[jpeg(), jpeg("b.jpg", color="blue")], is_public="on", location="厨房")
        order = WorkOrder.objects.get()
        self.assertRedirects(response, f"/m/workorders/{order.pk}/")
        self.assertEqual((order.reporter, order.resident, order.unit), (self.owner, self.resident, self.unit))
        self.assertEqual((order.project, order.location), (self.project, "厨房"))
        self.assertTrue(order.is_open)
        self.assertTrue(order.is_public)
        self.assertEqual(order.photos.filter(stage=PhotoStage.BEFORE).count(), 2)
        self.assertTrue(order.events.filter(kind="created").exists())
        self.assertTrue(order.events.filter(kind="photo").exists())
        page = self.detail(order)
        self.assertContains(page, order.code)
        self.assertContains(page, order.photos.first().thumbnail.url)

    def test_it_reports_for_a_public_area(self):
        self.login(self.owner)
        self.post_report(place=f"area:{self.area.pk}")
        order = WorkOrder.objects.get()
        self.assertEqual((order.area, order.unit, order.building), (self.area, None, self.building))

    def test_it_keeps_an_appointment_for_a_repair(self):
        self.login(self.owner)
        at = timezone.localtime() + dt.timedelta(days=1)
        self.post_report(appointment_at=at.strftime("%Y-%m-%dT%H:%M"))
        self.assertEqual(WorkOrder.objects.get().appointment_at, at.replace(second=0, microsecond=0))

    def test_it_rejects_an_appointment_in_the_past(self):
        self.login(self.owner)
        past = timezone.localtime() - dt.timedelta(days=1)
        response = self.post_report(appointment_at=past.strftime("%Y-%m-%dT%H:%M"))
        self.assertContains(response, "Pick a time in the future.")
        self.assertFalse(WorkOrder.objects.exists())

    def test_it_rejects_a_bad_photo_and_creates_nothing(self):
        self.login(self.owner)
        bad = SimpleUploadedFile("leak.jpg", b"this is not a photo", content_type="image/jpeg")
        response = self.post_report(photos=[jpeg(), bad])
        self.assertEqual(response.status_code, 200)
        self.assertIn(str(PHOTO_NOT_IMAGE), response.context["form"].errors["photos"])
        self.assertContains(response, str(PHOTO_NOT_IMAGE))
        self.assertFalse(WorkOrder.objects.exists())
        self.assertFalse(WorkOrderPhoto.objects.exists())
        self.assertFalse(WorkOrderEvent.objects.exists())

    def test_it_rejects_someone_elses_unit_and_creates_nothing(self):
        self.login(self.owner)
        for place in (f"unit:{self.unit2.pk}", f"unit:{self.other_unit.pk}", f"area:{self.other_area.pk}", "x:1"):
            response = self.post_report(place=place)
            self.assertEqual(response.status_code, 200)
            self.assertIn(str(PLACE_INVALID), response.context["form"].errors["place"])
        self.assertFalse(WorkOrder.objects.exists())

    def test_it_requires_a_description(self):
        self.login(self.owner)
        response = self.post_report(description="  ")
        self.assertIn("description", response.context["form"].errors)
        self.assertFalse(WorkOrder.objects.exists())

    def test_it_rejects_a_category_of_another_kind_or_company(self):
        self.login(self.owner)
        complaint = Category.objects.get(company=self.company, code="c-fees-property")
        foreign = category(self.other_company)
        for bad in (complaint, foreign):
            response = self.post_report(category=bad.pk)
            self.assertIn("category", response.context["form"].errors)
        self.assertFalse(WorkOrder.objects.exists())

    def test_it_files_a_complaint_with_its_category(self):
        self.login(self.owner)
        fees = Category.objects.get(company=self.company, code="c-fees-property")
        self.post_report(kind=Kind.COMPLAINT, category=fees.pk, description="物业费账单有误")
        order = WorkOrder.objects.get()
        self.assertEqual((order.kind, order.category), (Kind.COMPLAINT, fees))

    def test_it_follows_the_project_of_the_chosen_unit(self):
        core_services.unit_resident_link(
            unit=self.unit_office, resident=self.resident, relation=ResidentRelation.TENANT, actor=self.admin
        )
        self.login(self.owner)
        self.assertContains(self.client.get(NEW), f'value="unit:{self.unit_office.pk}"')
        self.post_report(place=f"unit:{self.unit_office.pk}")
        order = WorkOrder.objects.get()
        self.assertEqual((order.project, order.unit), (self.project2, self.unit_office))

    def test_it_files_only_kinds_owners_may_file(self):
        self.login(self.owner)
        self.post_report(kind="rectification")
        self.assertEqual(WorkOrder.objects.get().kind, Kind.REPAIR)

    def test_it_tells_a_person_without_units_to_contact_the_property(self):
        self.login(self.outsider)
        response = self.client.get(NEW)
        self.assertContains(response, "No unit is linked to your account yet.")
        self.client.post(NEW, {"kind": "repair", "description": "x", "place": f"unit:{self.other_unit.pk}"})
        self.assertFalse(WorkOrder.objects.exists())

    def test_it_sends_anonymous_to_the_owner_sign_in(self):
        self.assertRedirects(self.client.get(NEW), f"/m/login/?next={NEW}")
        self.post_report()
        self.assertFalse(WorkOrder.objects.exists())


class WorkOrderListTests(OwnerWorkOrderTestCase):
    def test_it_lists_only_my_orders(self):
        mine = report(self, description="我家厨房漏水")
        report(self, actor=self.other_owner, unit=self.unit2, description="吴家卫生间漏水")
        self.login(self.owner)
        response = self.client.get("/m/workorders/")
        self.assertContains(response, "我家厨房漏水")
        self.assertContains(response, f"/m/workorders/{mine.pk}/")
        self.assertNotContains(response, "吴家卫生间漏水")

    def test_it_shows_the_next_deadline_and_what_waits_for_me(self):
        order = self.closed()
        report(self, description="新的一单")
        self.login(self.owner)
        response = self.client.get("/m/workorders/")
        self.assertContains(response, "Follow-up waiting for your answer")
        self.assertContains(response, "Please rate")
        self.assertContains(response, "Resolved by")
        self.assertContains(self.client.get("/m/"), f"/m/workorders/{order.pk}/")

    def test_it_reads_a_constant_number_of_queries(self):
        self.completed()
        self.login(self.owner)
        with CaptureQueriesContext(connection) as one:
            self.client.get("/m/workorders/")
        for _ in range(3):
            self.completed()
        with CaptureQueriesContext(connection) as four:
            self.assertContains(self.client.get("/m/workorders/"), "Please rate", count=4)
        self.assertEqual(len(one), len(four))

    def test_it_shows_the_follow_up_badge_on_every_page(self):
        self.closed()
        self.login(self.owner)
        self.assertContains(self.client.get("/m/notices/"), 'title="Follow-ups waiting for your answer">1</span>')

    def test_it_sends_anonymous_to_the_owner_sign_in(self):
        self.assertRedirects(self.client.get("/m/workorders/"), "/m/login/?next=/m/workorders/")


class WorkOrderDetailTests(OwnerWorkOrderTestCase):
    def test_it_shows_progress_handler_deadline_and_timeline(self):
        order = report(self, photos=[jpeg()])
        services.workorder_dispatch(order=order, assignee=self.staff, actor=self.admin, note="带上管钳")
        self.login(self.owner)
        response = self.detail(order)
        self.assertContains(response, 'aria-current="step"><span class="wo-dot"></span>Dispatched')
        self.assertContains(response, "钱师傅")
        self.assertContains(response, "Assigned to 钱师傅")
        self.assertNotContains(response, "带上管钳")  # the dispatch note is for the worker
        self.assertContains(response, "王经理")  # the dispatcher, by name
        self.assertNotContains(response, "13900000004")  # never the staff phone
        self.assertContains(response, "Before")
        order.refresh_from_db()
        self.assertContains(response, timezone.localtime(order.arrive_due_at or order.resolve_due_at).strftime("%H:%M"))
        self.assertContains(response, "Cancel this order")
        self.assertNotContains(response, "How was the work?")

    def test_it_hides_staff_only_steps_and_their_photos(self):
        order = report(self)
        services.workorder_comment(order=order, text="内部备注：业主难缠", actor=self.admin, photos=[jpeg()])
        services.workorder_comment(order=order, text="已联系业主", is_public=True, actor=self.admin)
        self.login(self.owner)
        response = self.detail(order)
        self.assertNotContains(response, "内部备注")
        self.assertNotContains(response, WorkOrderPhoto.objects.get().thumbnail.url)
        self.assertContains(response, "已联系业主")

    def test_it_shows_the_system_as_the_actor_of_automatic_steps(self):
        order = self.closed()
        self.login(self.owner)
        follow_up = order.follow_ups.get()
        self.client.post(f"/m/follow-ups/{follow_up.pk}/answer/", {"resolved": "no", "satisfaction": "1"})
        self.assertContains(self.detail(order), "System")

    def test_it_shows_a_cancelled_order_clearly(self):
        order = report(self)
        services.workorder_cancel(order=order, reason="业主已自行修好", actor=self.admin)
        self.login(self.owner)
        response = self.detail(order)
        self.assertContains(response, "wo-steps stopped")
        self.assertContains(response, "业主已自行修好")

    def test_it_shows_an_order_on_hold(self):
        order = report(self)
        services.workorder_dispatch(order=order, assignee=self.staff, actor=self.admin)
        services.workorder_hold(order=order, hold_reason="parts", actor=self.admin)
        self.login(self.owner)
        self.assertContains(self.detail(order), "Waiting for parts")

    def test_it_answers_404_for_another_owners_order_and_its_actions(self):
        theirs = self.closed(report(self, actor=self.other_owner, unit=self.unit2, description="吴家卫生间漏水"))
        follow_up = theirs.follow_ups.get()
        self.login(self.owner)
        self.assertEqual(self.detail(theirs).status_code, 404)
        for action in ("rate", "reopen", "cancel", "comment"):
            url = f"/m/workorders/{theirs.pk}/{action}/"
            response = self.client.post(url, {"stars": "5", "reason": "x", "text": "x"})
            self.assertEqual(response.status_code, 404, url)
        response = self.client.post(f"/m/follow-ups/{follow_up.pk}/answer/", {"resolved": "no", "satisfaction": "1"})
        self.assertEqual(response.status_code, 404)
        theirs.refresh_from_db()
        self.assertEqual(theirs.status, Status.CLOSED)
        self.assertFalse(theirs.ratings.exists())
        self.assertEqual(FollowUp.objects.get().status, FollowUpStatus.PENDING)

    def test_it_answers_404_to_staff_and_outsiders(self):
        # /m/ shows an owner his own orders only, even to staff who may see the order in the staff UI.
        order = report(self)
        for user in (self.admin, self.outsider):
            self.login(user)
            self.assertEqual(self.detail(order).status_code, 404)

    def test_it_sends_anonymous_to_the_owner_sign_in(self):
        order = report(self)
        url = f"/m/workorders/{order.pk}/"
        self.assertRedirects(self.client.get(url), f"/m/login/?next={url}")
        response = self.client.post(url + "cancel/", {"reason": "x"})
        self.assertRedirects(response, f"/m/login/?next={url}cancel/")
        order.refresh_from_db()
        self.assertEqual(order.status, Status.SUBMITTED)

    def test_it_refuses_get_on_actions(self):
        order = report(self)
        self.login(self.owner)
        self.assertEqual(self.client.get(f"/m/workorders/{order.pk}/cancel/").status_code, 405)


class WorkOrderRateTests(OwnerWorkOrderTestCase):
    def test_it_rates_with_tags_comment_and_consent(self):
        order = self.completed()
        self.login(self.owner)
        self.assertContains(self.detail(order), "How was the work?")
        response = self.client.post(
            f"/m/workorders/{order.pk}/rate/",
            {"stars": "4", "tags": ["speed", "quality"], "comment": "师傅很专业", "is_public": "on"},
        )
        self.assertRedirects(response, f"/m/workorders/{order.pk}/")
        rating = Rating.objects.get()
        self.assertEqual((rating.stars, rating.tags, rating.comment), (4, ["speed", "quality"], "师傅很专业"))
        order.refresh_from_db()
        self.assertTrue(order.is_public)
        page = self.detail(order)
        self.assertContains(page, "★★★★☆")
        self.assertNotContains(page, "How was the work?")

    def test_it_rejects_stars_out_of_range(self):
        order = self.completed()
        self.login(self.owner)
        for stars in ("0", "6", "", "x"):
            response = self.client.post(f"/m/workorders/{order.pk}/rate/", {"stars": stars})
            self.assertEqual(response.status_code, 200)
            self.assertIn("stars", response.context["forms"]["rate"].errors)
        self.assertFalse(Rating.objects.exists())

    def test_it_refuses_to_rate_an_open_order(self):
        order = report(self)
        self.login(self.owner)
        response = self.client.post(f"/m/workorders/{order.pk}/rate/", {"stars": "5"}, follow=True)
        self.assertContains(response, "This is no longer possible for this order.")
        self.assertFalse(Rating.objects.exists())


class WorkOrderReopenTests(OwnerWorkOrderTestCase):
    def test_it_reopens_within_the_window(self):
        order = self.completed()
        self.login(self.owner)
        response = self.client.post(f"/m/workorders/{order.pk}/reopen/", {"reason": "还在漏水"})
        self.assertRedirects(response, f"/m/workorders/{order.pk}/")
        order.refresh_from_db()
        self.assertEqual((order.status, order.reopen_count), (Status.REOPENED, 1))
        self.assertContains(self.detail(order), "还在漏水")

    def test_it_requires_a_reason(self):
        order = self.completed()
        self.login(self.owner)
        response = self.client.post(f"/m/workorders/{order.pk}/reopen/", {"reason": " "})
        self.assertIn("reason", response.context["forms"]["reopen"].errors)
        order.refresh_from_db()
        self.assertEqual(order.status, Status.COMPLETED)

    def test_it_refuses_after_the_window(self):
        order = self.completed()
        self.login(self.owner)
        with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
            self.assertNotContains(self.detail(order), "Send it back")
            response = self.client.post(f"/m/workorders/{order.pk}/reopen/", {"reason": "还在漏水"}, follow=True)
        self.assertContains(response, "This is no longer possible for this order.")
        order.refresh_from_db()
        self.assertEqual(order.status, Status.COMPLETED)


class WorkOrderCancelTests(OwnerWorkOrderTestCase):
    def test_it_cancels_a_fresh_order_with_a_reason(self):
        order = report(self)
        self.login(self.owner)
        response = self.client.post(f"/m/workorders/{order.pk}/cancel/", {"reason": "已自行修好"})
        self.assertRedirects(response, f"/m/workorders/{order.pk}/")
        order.refresh_from_db()
        self.assertEqual(order.status, Status.CANCELLED)
        self.assertContains(self.detail(order), "已自行修好")

    def test_it_refuses_once_work_has_started(self):
        order = report(self)
        services.workorder_dispatch(order=order, assignee=self.staff, actor=self.admin)
        services.workorder_start(order=order, actor=self.admin)
        self.login(self.owner)
        self.assertNotContains(self.detail(order), "Cancel this order")
        self.client.post(f"/m/workorders/{order.pk}/cancel/", {"reason": "不修了"})
        order.refresh_from_db()
        self.assertEqual(order.status, Status.IN_PROGRESS)


class WorkOrderCommentTests(OwnerWorkOrderTestCase):
    def test_it_adds_a_public_note_with_a_photo(self):
        order = report(self)
        self.login(self.owner)
        response = self.client.post(f"/m/workorders/{order.pk}/comment/", {"text": "下午在家", "photos": [jpeg()]})
        self.assertRedirects(response, f"/m/workorders/{order.pk}/")
        event = order.events.get(kind="comment")
        self.assertEqual((event.reason, event.is_public, event.photos.count()), ("下午在家", True, 1))
        self.assertContains(self.detail(order), event.photos.get().thumbnail.url)

    def test_it_rejects_an_empty_note_and_a_bad_photo(self):
        order = report(self)
        self.login(self.owner)
        response = self.client.post(f"/m/workorders/{order.pk}/comment/", {"text": " "})
        self.assertContains(response, "Write a note or add a photo.")
        bad = SimpleUploadedFile("a.jpg", b"nope", content_type="image/jpeg")
        response = self.client.post(f"/m/workorders/{order.pk}/comment/", {"text": "看图", "photos": [bad]})
        self.assertIn(str(PHOTO_NOT_IMAGE), response.context["forms"]["comment"].errors["photos"])
        self.assertFalse(order.events.filter(kind="comment").exists())


class FollowUpAnswerTests(OwnerWorkOrderTestCase):
    def test_it_reopens_the_order_when_not_resolved(self):
        order = self.closed()
        follow_up = order.follow_ups.get()
        self.login(self.owner)
        self.assertContains(self.detail(order), f"/m/follow-ups/{follow_up.pk}/answer/")
        response = self.client.post(
            f"/m/follow-ups/{follow_up.pk}/answer/", {"resolved": "no", "satisfaction": "2", "comment": "又漏了"}
        )
        self.assertRedirects(response, f"/m/workorders/{order.pk}/")
        follow_up.refresh_from_db()
        order.refresh_from_db()
        self.assertEqual((follow_up.status, follow_up.method, follow_up.done_by), ("done", "app", self.owner))
        self.assertEqual(order.status, Status.REOPENED)

    def test_it_records_a_happy_answer(self):
        order = self.closed()
        follow_up = order.follow_ups.get()
        self.login(self.owner)
        self.client.post(f"/m/follow-ups/{follow_up.pk}/answer/", {"resolved": "yes", "satisfaction": "5"})
        follow_up.refresh_from_db()
        order.refresh_from_db()
        self.assertEqual((follow_up.resolved, follow_up.satisfaction), ("yes", 5))
        self.assertEqual(order.status, Status.CLOSED)
        self.assertNotContains(self.detail(order), "/answer/")

    def test_it_requires_both_answers(self):
        order = self.closed()
        follow_up = order.follow_ups.get()
        self.login(self.owner)
        response = self.client.post(f"/m/follow-ups/{follow_up.pk}/answer/", {"resolved": "yes", "satisfaction": "9"})
        self.assertIn("satisfaction", response.context["forms"]["follow_up"].errors)
        follow_up.refresh_from_db()
        self.assertEqual(follow_up.status, FollowUpStatus.PENDING)

    def test_it_answers_404_for_a_missing_follow_up(self):
        self.login(self.owner)
        self.assertEqual(self.client.post("/m/follow-ups/999999/answer/", {}).status_code, 404)
