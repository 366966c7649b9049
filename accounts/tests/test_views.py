from django.core.cache import cache
from django.test import override_settings

from lib.testing import PASSWORD, BaseTestCase


class LoginTests(BaseTestCase):
    def setUp(self):
        cache.clear()

    def test_it_signs_staff_in_by_phone_and_lands_on_the_staff_ui(self):
        response = self.client.post("/accounts/login/", {"username": "13900000001", "password": PASSWORD})
        self.assertRedirects(response, "/")

    def test_it_signs_staff_in_by_username(self):
        response = self.client.post("/accounts/login/", {"username": "manager", "password": PASSWORD})
        self.assertRedirects(response, "/")

    def test_it_lands_owners_on_their_phone_pages(self):
        response = self.client.post("/m/login/", {"username": "13800000001", "password": PASSWORD})
        self.assertRedirects(response, "/m/")
        response = self.client.post("/accounts/login/", {"username": "13800000001", "password": PASSWORD})
        self.assertRedirects(response, "/m/")

    def test_it_rejects_a_wrong_password(self):
        response = self.client.post("/accounts/login/", {"username": "admin", "password": "wrong"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].non_field_errors())
        self.assertNotIn("_auth_user_id", self.client.session)

    @override_settings(LOGIN_FAILURE_LIMIT=3)
    def test_it_throttles_repeated_failures_even_with_the_right_password(self):
        for _ in range(3):
            self.client.post("/accounts/login/", {"username": "admin", "password": "wrong"})
        response = self.client.post("/accounts/login/", {"username": "admin", "password": PASSWORD})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["form"].non_field_errors().as_data()[0].code, "throttled")
        self.assertNotIn("_auth_user_id", self.client.session)

    @override_settings(LOGIN_FAILURE_LIMIT=3)
    def test_it_counts_failures_per_account_not_across_accounts(self):
        for _ in range(3):
            self.client.post("/accounts/login/", {"username": "admin", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
        response = self.client.post(
            "/accounts/login/", {"username": "manager", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2"
        )
        self.assertRedirects(response, "/")

    def test_it_refuses_an_inactive_user(self):
        self.staff.is_active = False
        self.staff.save()
        response = self.client.post("/accounts/login/", {"username": "staff", "password": PASSWORD})
        self.assertEqual(response.status_code, 200)

    def test_it_signs_out_with_post(self):
        self.login(self.admin)
        self.client.post("/accounts/logout/")
        self.assertNotIn("_auth_user_id", self.client.session)


class PasswordChangeTests(BaseTestCase):
    def test_it_changes_the_password(self):
        self.login(self.staff)
        response = self.client.post(
            "/accounts/password/",
            {"old_password": PASSWORD, "new_password1": "Xq7-longer-pw", "new_password2": "Xq7-longer-pw"},
        )
        self.assertRedirects(response, "/accounts/profile/")
        self.staff.refresh_from_db()
        self.assertTrue(self.staff.check_password("Xq7-longer-pw"))

    def test_it_rejects_a_weak_password(self):
        self.login(self.staff)
        response = self.client.post(
            "/accounts/password/", {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("new_password2", response.context["form"].errors)


class TokenTests(BaseTestCase):
    def test_it_regenerates_my_token(self):
        from rest_framework.authtoken.models import Token

        self.login(self.staff)
        self.client.post("/accounts/token/")
        first = Token.objects.get(user=self.staff).key
        self.client.post("/accounts/token/")
        second = Token.objects.get(user=self.staff).key
        self.assertNotEqual(first, second)
        self.assertContains(self.client.get("/accounts/profile/"), second)

    def test_it_needs_sign_in(self):
        response = self.client.post("/accounts/token/")
        self.assertEqual(response.status_code, 302)
