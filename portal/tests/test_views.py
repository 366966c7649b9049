from django.utils import timezone

from core import services
from lib.testing import BaseTestCase
from portal import services as portal_services
from portal.models import Notice


class OwnerHomeTests(BaseTestCase):
    def test_it_shows_my_units_only(self):
        self.login(self.owner)
        response = self.client.get("/m/")
        self.assertContains(response, self.unit.number)
        self.assertNotContains(response, "吴业主")

    def test_it_shows_the_household_to_a_verified_owner(self):
        services.unit_resident_link(unit=self.unit, resident=self.other_resident, relation="family", actor=self.admin)
        self.login(self.owner)
        self.assertContains(self.client.get(f"/m/units/{self.unit.pk}/"), "吴业主")

    def test_it_hides_the_household_from_an_unverified_resident(self):
        services.unit_resident_link(unit=self.unit2, resident=self.resident, relation="tenant", actor=self.admin)
        self.login(self.owner)
        response = self.client.get(f"/m/units/{self.unit2.pk}/")
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "吴业主")

    def test_it_answers_404_for_someone_elses_unit(self):
        self.login(self.owner)
        self.assertEqual(self.client.get(f"/m/units/{self.unit2.pk}/").status_code, 404)
        self.assertEqual(self.client.get(f"/m/units/{self.other_unit.pk}/").status_code, 404)

    def test_it_sends_anonymous_to_the_owner_sign_in(self):
        self.assertRedirects(self.client.get("/m/"), "/m/login/?next=/m/")

    def test_it_is_built_for_phones(self):
        self.login(self.owner)
        self.assertContains(self.client.get("/m/"), 'name="viewport"')


class NoticeTests(BaseTestCase):
    def test_it_shows_published_notices_of_my_project_only(self):
        portal_services.notice_create(
            project=self.project, data={"title": "停水通知", "body": "周三停水"}, publish=True, actor=self.manager
        )
        portal_services.notice_create(project=self.project, data={"title": "草稿", "body": "-"}, actor=self.manager)
        Notice.objects.create(
            company=self.other_company,
            project=self.other_project,
            title="他山公告",
            body="-",
            published_at=timezone.now(),
        )
        self.login(self.owner)
        response = self.client.get("/m/notices/")
        self.assertContains(response, "停水通知")
        self.assertNotContains(response, "草稿")
        self.assertNotContains(response, "他山公告")

    def test_it_lets_a_manager_publish_and_withdraw(self):
        notice = portal_services.notice_create(
            project=self.project, data={"title": "草稿", "body": "-"}, actor=self.manager
        )
        self.login(self.manager)
        self.client.post(f"/notices/{notice.pk}/publish/")
        notice.refresh_from_db()
        self.assertIsNotNone(notice.published_at)
        self.client.post(f"/notices/{notice.pk}/publish/")
        notice.refresh_from_db()
        self.assertIsNone(notice.published_at)

    def test_it_forbids_staff_to_publish(self):
        notice = portal_services.notice_create(
            project=self.project, data={"title": "草稿", "body": "-"}, actor=self.manager
        )
        self.login(self.staff)
        self.assertEqual(self.client.post(f"/notices/{notice.pk}/publish/").status_code, 403)
        self.assertEqual(self.client.get("/notices/new/").status_code, 403)

    def test_it_creates_a_notice_through_the_form(self):
        self.login(self.manager)
        response = self.client.post(
            "/notices/new/",
            {"project": self.project.pk, "title": "电梯维保", "body": "周五 9:00-12:00", "publish": "on"},
        )
        self.assertRedirects(response, "/notices/")
        self.assertTrue(Notice.objects.filter(title="电梯维保", published_at__isnull=False).exists())
