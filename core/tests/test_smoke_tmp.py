from lib.testing import BaseTestCase


class SmokeTests(BaseTestCase):
    def test_it_renders_pages(self):
        self.login(self.admin)
        for url in ["/", "/projects/", f"/projects/{self.project.pk}/", "/buildings/", "/units/", "/areas/",
                    "/departments/", "/people/", "/owners/", "/calendar/", "/notices/", "/import/units/",
                    f"/units/{self.unit.pk}/", f"/owners/{self.resident.pk}/", "/accounts/profile/",
                    "/units/?export=xlsx", "/api/v1/units/", "/api/schema/", "/api/docs/", "/notices/new/",
                    "/projects/new/", "/units/new/", "/people/new/"]:
            r = self.client.get(url)
            self.assertEqual(r.status_code, 200, url)
        self.client.logout()
        self.login(self.owner)
        self.assertEqual(self.client.get("/m/").status_code, 200)
        self.assertEqual(self.client.get(f"/m/units/{self.unit.pk}/").status_code, 200)
        self.assertEqual(self.client.get(f"/m/units/{self.unit2.pk}/").status_code, 404)
        self.assertRedirects(self.client.get("/"), "/m/")
        self.login(self.outsider)
        self.assertEqual(self.client.get(f"/projects/{self.project.pk}/").status_code, 404)
