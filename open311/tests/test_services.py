from django.core.exceptions import PermissionDenied, ValidationError

from lib.testing import BaseTestCase
from open311.models import Open311Client
from open311.services import open311_client_create, open311_request_create
from workorders.tests.factories import category


class Open311ClientCreateTests(BaseTestCase):
    def create(self, **kwargs) -> Open311Client:
        fields = {"company": self.company, "name": "市民App", "default_project": self.project, "actor": self.admin}
        return open311_client_create(**{**fields, **kwargs})

    def test_it_generates_a_long_random_key(self):
        first, second = self.create(), self.create(name="第二个App")
        self.assertGreaterEqual(len(first.api_key), 40)
        self.assertNotEqual(first.api_key, second.api_key)

    def test_it_keeps_the_key_out_of_the_history(self):
        client = self.create()
        self.assertFalse(hasattr(client.history.first(), "api_key"))

    def test_it_rejects_a_project_of_another_company(self):
        with self.assertRaises(ValidationError) as caught:
            self.create(default_project=self.other_project)
        self.assertIn("default_project", caught.exception.message_dict)

    def test_it_requires_the_configure_permission(self):
        with self.assertRaises(PermissionDenied):
            self.create(actor=self.viewer)
        with self.assertRaises(PermissionDenied):
            self.create(actor=self.outsider)

    def test_it_rejects_a_duplicate_key(self):
        self.create(api_key="same-key-for-both")
        with self.assertRaises(ValidationError):
            self.create(name="另一个", api_key="same-key-for-both")


class Open311RequestCreateTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.api_client = open311_client_create(
            company=cls.company, name="市民App", default_project=cls.project, actor=cls.admin
        )

    def test_it_refuses_an_inactive_client(self):
        self.api_client.is_active = False
        with self.assertRaises(PermissionDenied):
            open311_request_create(
                client=self.api_client, category=category(self.company), data={"address_string": "x"}
            )

    def test_it_refuses_a_category_or_area_of_another_company(self):
        with self.assertRaises(ValueError):
            open311_request_create(client=self.api_client, category=category(self.other_company), data={})
        with self.assertRaises(ValueError):
            open311_request_create(
                client=self.api_client, category=category(self.company), data={}, area=self.other_area
            )


class Open311AdminTests(BaseTestCase):
    def test_it_lets_the_operator_manage_clients(self):
        client = open311_client_create(
            company=self.company, name="市民App", default_project=self.project, actor=self.admin
        )
        self.login(self.operator)
        self.assertContains(self.client.get("/admin/open311/open311client/"), "市民App")
        self.assertContains(self.client.get(f"/admin/open311/open311client/{client.pk}/change/"), client.api_key)
        self.assertEqual(self.client.get("/admin/open311/open311client/add/").status_code, 200)
