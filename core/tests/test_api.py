"""The organisation REST API: tokens, lists, filters, writes, structured errors and who may do what."""

from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from core import services
from core.choices import AreaKind, DepartmentKind, ResidentRelation, Role, UnitStatus
from core.models import Area, Building, Department, Project, Resident, Unit, UnitResident
from lib.testing import PASSWORD, BaseTestCase, make_user

LIST_ENDPOINTS = [
    "projects",
    "buildings",
    "units",
    "areas",
    "departments",
    "memberships",
    "residents",
    "unit-residents",
]


class ApiTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()  # sign-in failure counters live in the cache

    def auth(self, user) -> None:
        token, _created = Token.objects.get_or_create(user=user)
        self.client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"

    def get(self, path: str, params: dict | None = None):
        return self.client.get(f"/api/v1/{path}", params or {})

    def post(self, path: str, data: dict | None = None):
        return self.client.post(f"/api/v1/{path}", data or {}, content_type="application/json")

    def patch(self, path: str, data: dict):
        return self.client.patch(f"/api/v1/{path}", data, content_type="application/json")

    def put(self, path: str, data: dict):
        return self.client.put(f"/api/v1/{path}", data, content_type="application/json")

    def ids(self, response) -> set[int]:
        self.assertEqual(response.status_code, 200, response.content)
        return {row["id"] for row in response.json()["results"]}

    def assertError(self, response, status: int, code: str, fields: dict[str, str] | None = None) -> dict:
        """The body is {"error": {"status", "code", "message", "fields": {field: [{"code", "message"}]}}}."""
        self.assertEqual(response.status_code, status, response.content)
        self.assertEqual(response["Content-Type"], "application/json")
        body = response.json()
        self.assertEqual(set(body), {"error"})
        error = body["error"]
        self.assertEqual(set(error), {"status", "code", "message", "fields"})
        self.assertEqual((error["status"], error["code"]), (status, code))
        self.assertIsInstance(error["message"], str)
        self.assertTrue(error["message"])
        for field, rule in (fields or {}).items():
            self.assertIn(field, error["fields"], error)
            for item in error["fields"][field]:
                self.assertEqual(set(item), {"code", "message"})
                self.assertTrue(item["message"])
            self.assertIn(rule, [item["code"] for item in error["fields"][field]], error)
        if fields is not None:
            self.assertEqual(set(error["fields"]), set(fields), error)
        return error


#
# Tokens
#
class TokenTests(ApiTestCase):
    def obtain(self, username: str, password: str = PASSWORD):
        return self.client.post(
            "/api/v1/auth/token/", {"username": username, "password": password}, content_type="application/json"
        )

    def test_it_issues_a_token_for_a_username(self):
        r = self.obtain("manager")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json(), {"token": Token.objects.get(user=self.manager).key})

    def test_it_issues_the_same_token_for_a_phone(self):
        by_name = self.obtain("manager").json()["token"]
        self.assertEqual(self.obtain("13900000002").json()["token"], by_name)
        self.assertEqual(self.obtain(" 13900000002 ").json()["token"], by_name)

    def test_it_rejects_a_wrong_password_with_401(self):
        r = self.obtain("manager", "wrong-password")
        self.assertError(r, 401, "authentication_failed", fields={})
        self.assertIn("Token", r["WWW-Authenticate"])
        self.assertFalse(Token.objects.filter(user=self.manager).exists())

    def test_it_gives_unknown_users_the_same_answer(self):
        wrong = self.obtain("manager", "wrong-password").json()
        self.assertEqual(self.obtain("nobody", "wrong-password").json(), wrong)

    def test_it_rejects_inactive_users(self):
        self.manager.is_active = False
        self.manager.save()
        self.assertError(self.obtain("manager"), 401, "authentication_failed")

    def test_it_names_missing_fields(self):
        r = self.client.post("/api/v1/auth/token/", {}, content_type="application/json")
        self.assertError(r, 400, "invalid", fields={"username": "required", "password": "required"})

    def test_it_rejects_malformed_json(self):
        r = self.client.post("/api/v1/auth/token/", "{not json", content_type="application/json")
        self.assertError(r, 400, "parse_error", fields={})

    @override_settings(LOGIN_FAILURE_LIMIT=3)
    def test_it_throttles_after_repeated_failures(self):
        for _attempt in range(3):
            self.assertEqual(self.obtain("manager", "wrong").status_code, 401)
        r = self.obtain("manager")  # even the right password is refused now
        self.assertError(r, 429, "throttled")
        self.assertFalse(Token.objects.filter(user=self.manager).exists())
        self.assertEqual(self.obtain("supervisor").status_code, 200)  # other people are not locked out

    @override_settings(LOGIN_FAILURE_LIMIT=3)
    def test_it_counts_the_phone_and_the_username_separately_but_both_lock(self):
        for _attempt in range(3):
            self.obtain("13900000002", "wrong")
        self.assertError(self.obtain("13900000002"), 429, "throttled")

    @override_settings(LOGIN_FAILURE_LIMIT=3)
    def test_it_forgets_failures_after_a_success(self):
        for _attempt in range(2):
            self.obtain("manager", "wrong")
        self.assertEqual(self.obtain("manager").status_code, 200)
        for _attempt in range(2):
            self.obtain("manager", "wrong")
        self.assertEqual(self.obtain("manager").status_code, 200)

    def test_the_token_authenticates_list_requests(self):
        token = self.obtain("admin").json()["token"]
        r = self.client.get("/api/v1/units/", HTTP_AUTHORIZATION=f"Token {token}")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json()["count"], 4)

    def test_it_rejects_a_bad_token(self):
        r = self.client.get("/api/v1/units/", HTTP_AUTHORIZATION="Token not-a-real-token")
        self.assertError(r, 401, "authentication_failed")


class AnonymousTests(ApiTestCase):
    def test_it_requires_authentication_everywhere(self):
        for path in [*LIST_ENDPOINTS, f"units/{self.unit.pk}/", "me/"]:
            r = self.get(path if path.endswith("/") else f"{path}/")
            self.assertError(r, 401, "not_authenticated")

    def test_it_writes_nothing_for_anonymous(self):
        before = Building.objects.count()
        r = self.post("buildings/", {"project": self.project.pk, "name": "9栋", "floors": 3})
        self.assertError(r, 401, "not_authenticated")
        self.assertEqual(Building.objects.count(), before)


#
# Lists, filters and pagination
#
class ListTests(ApiTestCase):
    def test_it_lists_the_company_for_its_admin(self):
        self.auth(self.admin)
        self.assertEqual(self.ids(self.get("projects/")), {self.project.pk, self.project2.pk})
        self.assertEqual(self.ids(self.get("buildings/")), {self.building.pk, self.building2.pk})
        self.assertEqual(
            self.ids(self.get("units/")), {self.unit.pk, self.unit2.pk, self.unit3.pk, self.unit_office.pk}
        )
        self.assertEqual(self.ids(self.get("areas/")), {self.area.pk})
        self.assertEqual(self.ids(self.get("departments/")), {self.department.pk})
        self.assertEqual(self.ids(self.get("residents/")), {self.resident.pk, self.other_resident.pk})
        self.assertEqual(self.ids(self.get("unit-residents/")), {self.owner_link.pk, self.other_owner_link.pk})

    def test_it_limits_a_project_member_to_his_project(self):
        self.auth(self.staff)
        self.assertEqual(self.ids(self.get("projects/")), {self.project.pk})
        self.assertEqual(self.ids(self.get("units/")), {self.unit.pk, self.unit2.pk, self.unit3.pk})

    def test_it_hides_other_companies(self):
        self.auth(self.outsider)
        for path in LIST_ENDPOINTS:
            r = self.get(f"{path}/")
            self.assertEqual(r.status_code, 200, path)
            for row in r.json()["results"]:
                self.assertNotEqual(row.get("company", self.other_company.pk), self.company.pk, path)
        self.assertEqual(
            self.ids(self.get("projects/")),
            set(Project.objects.filter(company=self.other_company).values_list("id", flat=True)),
        )
        self.assertNotIn(self.unit.pk, self.ids(self.get("units/")))

    def test_it_serializes_a_unit(self):
        self.auth(self.admin)
        row = next(u for u in self.get("units/").json()["results"] if u["id"] == self.unit.pk)
        self.assertEqual(row["code"], "1-1-101")
        self.assertEqual((row["project"], row["building"], row["floor"]), (self.project.pk, self.building.pk, 1))
        self.assertEqual((row["floor_area"], row["status"]), ("98.50", "occupied"))

    def test_it_filters_units(self):
        self.auth(self.admin)
        Unit.objects.filter(pk=self.unit2.pk).update(status=UnitStatus.VACANT)
        self.assertEqual(self.ids(self.get("units/", {"status": "vacant"})), {self.unit2.pk})
        self.assertEqual(self.ids(self.get("units/", {"project_id": self.project2.pk})), {self.unit_office.pk})
        self.assertEqual(self.ids(self.get("units/", {"q": "1-1-3"})), {self.unit3.pk})
        self.assertEqual(
            self.ids(self.get("units/", {"project_id": self.project.pk, "status": "occupied", "q": "1栋"})),
            {self.unit.pk, self.unit3.pk},
        )
        self.assertEqual(self.ids(self.get("units/", {"building_id": self.building2.pk})), {self.unit_office.pk})

    def test_it_does_not_leak_through_filters(self):
        # Another company's project answers exactly like a project that does not exist.
        self.auth(self.admin)
        other = self.get("units/", {"project_id": self.other_project.pk})
        missing = self.get("units/", {"project_id": 999999})
        self.assertError(other, 400, "invalid", fields={"project_id": "invalid_choice"})
        self.assertEqual(other.json(), missing.json())

    def test_it_reports_a_bad_filter_value(self):
        self.auth(self.admin)
        self.assertError(
            self.get("units/", {"status": "demolished"}), 400, "invalid", fields={"status": "invalid_choice"}
        )
        self.assertError(
            self.get("units/", {"project_id": "abc"}), 400, "invalid", fields={"project_id": "invalid_choice"}
        )

    def test_it_filters_other_lists(self):
        self.auth(self.admin)
        self.assertEqual(self.ids(self.get("buildings/", {"project_id": self.project2.pk})), {self.building2.pk})
        self.assertEqual(self.ids(self.get("areas/", {"kind": AreaKind.LOBBY})), {self.area.pk})
        self.assertEqual(self.ids(self.get("departments/", {"kind": DepartmentKind.SECURITY})), set())
        self.assertEqual(self.ids(self.get("projects/", {"kind": "office"})), {self.project2.pk})
        self.assertEqual(self.ids(self.get("residents/", {"q": "周"})), {self.resident.pk})
        self.assertEqual(self.ids(self.get("unit-residents/", {"is_verified": "true"})), {self.owner_link.pk})
        staff_ids = self.ids(self.get("memberships/", {"role": Role.STAFF}))
        self.assertEqual(staff_ids, set(self.staff.memberships.values_list("id", flat=True)))

    def test_it_paginates(self):
        self.auth(self.admin)
        first = self.get("units/", {"page_size": 3}).json()
        self.assertEqual(set(first), {"count", "next", "previous", "results"})
        self.assertEqual((first["count"], len(first["results"]), first["previous"]), (4, 3, None))
        self.assertIn("page=2", first["next"])
        second = self.client.get(first["next"]).json()
        self.assertEqual((len(second["results"]), second["next"]), (1, None))
        seen = [u["id"] for u in first["results"] + second["results"]]
        self.assertEqual(sorted(seen), seen)  # a stable order across pages
        self.assertEqual(len(set(seen)), 4)

    def test_it_404s_past_the_last_page(self):
        self.auth(self.admin)
        self.assertError(self.get("units/", {"page": 9}), 404, "not_found")


class ListQueryCountTests(ApiTestCase):
    """Lists cost a fixed number of queries however many rows they return (no N+1)."""

    def grow(self) -> None:
        for n in range(5):
            building = services.building_create(
                project=self.project, data={"name": f"{n + 5}栋", "floors": 6}, actor=self.admin
            )
            unit = services.unit_create(
                project=self.project,
                data={
                    "building": building,
                    "floor": 1,
                    "number": "101",
                    "code": f"{n + 5}-101",
                    "floor_area": Decimal("80"),
                },
                actor=self.admin,
            )
            services.area_create(
                project=self.project,
                data={"name": f"{n + 5}栋大堂", "kind": AreaKind.LOBBY, "building": building},
                actor=self.admin,
            )
            department = services.department_create(
                project=self.project,
                data={"name": f"客服{n}部", "kind": DepartmentKind.CUSTOMER_SERVICE},
                actor=self.admin,
            )
            services.project_create(
                company=self.company, data={"name": f"新项目{n}", "code": f"new-{n}"}, actor=self.admin
            )
            services.staff_create(
                company=self.company,
                username=f"tech{n}",
                name=f"技工{n}",
                phone=None,
                password=None,
                role=Role.STAFF,
                project=self.project,
                department=department,
                actor=self.admin,
            )
            resident = services.resident_create(
                company=self.company, name=f"业主{n}", phone=f"1350000000{n}", actor=self.admin
            )
            services.unit_resident_link(unit=unit, resident=resident, relation=ResidentRelation.OWNER, actor=self.admin)

    def count_queries(self, path: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            r = self.get(path)
        self.assertEqual(r.status_code, 200, path)
        return len(ctx.captured_queries)

    def test_it_does_not_query_per_row(self):
        self.auth(self.admin)
        before = {path: self.count_queries(f"{path}/") for path in LIST_ENDPOINTS}
        self.grow()
        for path in LIST_ENDPOINTS:
            self.assertGreater(self.get(f"{path}/").json()["count"], 1, path)
            after = self.count_queries(f"{path}/")
            self.assertEqual(after, before[path], path)
            self.assertLessEqual(after, 6, path)  # token, access (2), count, page (+ prefetches)

    def test_the_unit_list_costs_five_queries(self):
        self.auth(self.admin)
        self.get("units/")  # warm the content-type cache
        # token + user, memberships, resident links, count, page
        with self.assertNumQueries(5):
            self.get("units/")


#
# Retrieve
#
class RetrieveTests(ApiTestCase):
    def test_it_retrieves_every_kind(self):
        self.auth(self.admin)
        for path, obj in [
            ("projects", self.project),
            ("buildings", self.building),
            ("units", self.unit),
            ("areas", self.area),
            ("departments", self.department),
            ("residents", self.resident),
            ("unit-residents", self.owner_link),
            ("memberships", self.staff.memberships.get()),
        ]:
            r = self.get(f"{path}/{obj.pk}/")
            self.assertEqual(r.status_code, 200, path)
            self.assertEqual(r.json()["id"], obj.pk)

    def test_it_answers_404_for_another_companys_rows(self):
        self.auth(self.outsider)
        for path, obj in [
            ("projects", self.project),
            ("buildings", self.building),
            ("units", self.unit),
            ("areas", self.area),
            ("departments", self.department),
            ("residents", self.resident),
            ("unit-residents", self.owner_link),
            ("memberships", self.staff.memberships.get()),
        ]:
            self.assertError(self.get(f"{path}/{obj.pk}/"), 404, "not_found", fields={})

    def test_missing_and_not_yours_look_the_same(self):
        self.auth(self.outsider)
        self.assertEqual(self.get(f"units/{self.unit.pk}/").json(), self.get("units/999999/").json())

    def test_it_answers_404_for_another_project(self):
        self.auth(self.staff)
        self.assertEqual(self.get(f"units/{self.unit.pk}/").status_code, 200)
        self.assertError(self.get(f"units/{self.unit_office.pk}/"), 404, "not_found")
        self.assertError(self.get(f"projects/{self.project2.pk}/"), 404, "not_found")

    def test_it_answers_404_for_a_non_numeric_id(self):
        self.auth(self.admin)
        self.assertError(self.get("units/abc/"), 404, "not_found")


#
# Create and update
#
class CreateTests(ApiTestCase):
    def test_it_creates_a_project_in_the_admins_company(self):
        self.auth(self.admin)
        r = self.post("projects/", {"name": "新城", "code": "xincheng", "kind": "office"})
        self.assertEqual(r.status_code, 201, r.content)
        project = Project.objects.get(pk=r.json()["id"])
        self.assertEqual((project.company, project.kind), (self.company, "office"))

    def test_it_ignores_a_company_in_the_body(self):
        self.auth(self.admin)
        r = self.post("projects/", {"name": "新城", "code": "xincheng", "company": self.other_company.pk})
        self.assertEqual(r.status_code, 201)
        self.assertEqual(Project.objects.get(code="xincheng").company, self.company)

    def test_it_names_a_duplicate_project_code(self):
        self.auth(self.admin)
        before = Project.objects.count()
        r = self.post("projects/", {"name": "另一个", "code": self.project.code})
        self.assertError(r, 400, "invalid", fields={"code": "unique"})
        self.assertEqual(Project.objects.count(), before)

    def test_it_names_a_broken_cross_field_rule(self):
        self.auth(self.admin)
        r = self.post(
            "projects/",
            {"name": "新城", "code": "xincheng", "contract_start": "2026-05-01", "contract_end": "2026-01-01"},
        )
        self.assertError(r, 400, "invalid", fields={"contract_end": "invalid"})

    def test_it_creates_a_building(self):
        self.auth(self.manager)
        r = self.post("buildings/", {"project": self.project.pk, "name": "5栋", "floors": 11})
        self.assertEqual(r.status_code, 201, r.content)
        building = Building.objects.get(pk=r.json()["id"])
        self.assertEqual((building.company, building.project, building.floors), (self.company, self.project, 11))

    def test_it_names_building_rules(self):
        self.auth(self.admin)
        self.assertError(
            self.post("buildings/", {"project": self.project.pk, "name": "5栋", "floors": 0}),
            400,
            "invalid",
            fields={"floors": "min_value"},
        )
        self.assertError(
            self.post("buildings/", {"project": self.project.pk, "floors": 3}),
            400,
            "invalid",
            fields={"name": "required"},
        )
        self.assertError(
            self.post("buildings/", {"project": self.project.pk, "name": "1栋", "floors": 3}),
            400,
            "invalid",
            fields={"name": "unique"},
        )
        self.assertFalse(Building.objects.filter(name="5栋").exists())

    def test_it_creates_a_unit(self):
        self.auth(self.admin)
        r = self.post(
            "units/",
            {
                "project": self.project.pk,
                "building": self.building.pk,
                "floor": 4,
                "number": "401",
                "code": "1-1-401",
                "floor_area": "90.5",
            },
        )
        self.assertEqual(r.status_code, 201, r.content)
        self.assertEqual(r.json()["floor_area"], "90.50")
        self.assertEqual(Unit.objects.get(code="1-1-401").company, self.company)

    def test_it_names_unit_rules(self):
        self.auth(self.admin)
        before = Unit.objects.count()
        data = {
            "project": self.project.pk,
            "building": self.building.pk,
            "floor": 4,
            "number": "401",
            "code": "1-1-401",
            "floor_area": "90",
        }
        self.assertError(
            self.post("units/", {**data, "floor_area": "-1"}), 400, "invalid", fields={"floor_area": "min_value"}
        )
        self.assertError(
            self.post("units/", {**data, "floor_area": "abc"}), 400, "invalid", fields={"floor_area": "invalid"}
        )
        missing = {k: v for k, v in data.items() if k != "number"}
        self.assertError(self.post("units/", missing), 400, "invalid", fields={"number": "required"})
        self.assertError(
            self.post("units/", {**data, "code": self.unit.code}), 400, "invalid", fields={"code": "unique"}
        )
        self.assertError(
            self.post("units/", {**data, "status": "sold"}), 400, "invalid", fields={"status": "invalid_choice"}
        )
        self.assertError(
            self.post("units/", {**data, "building": self.building2.pk}), 400, "invalid", fields={"building": "invalid"}
        )
        self.assertEqual(Unit.objects.count(), before)

    def test_it_creates_an_area_and_a_department(self):
        self.auth(self.admin)
        r = self.post("areas/", {"project": self.project.pk, "name": "地库", "kind": AreaKind.GARAGE})
        self.assertEqual(r.status_code, 201, r.content)
        self.assertTrue(Area.objects.filter(project=self.project, name="地库").exists())
        r = self.post("departments/", {"project": self.project.pk, "name": "保安部", "kind": DepartmentKind.SECURITY})
        self.assertEqual(r.status_code, 201, r.content)
        self.assertError(
            self.post(
                "departments/", {"project": self.project.pk, "name": "工程部", "kind": DepartmentKind.ENGINEERING}
            ),
            400,
            "invalid",
            fields={"name": "unique"},
        )

    def test_it_rejects_an_area_in_a_building_of_another_project(self):
        self.auth(self.admin)
        r = self.post("areas/", {"project": self.project.pk, "name": "A座大堂", "building": self.building2.pk})
        self.assertError(r, 400, "invalid", fields={"building": "invalid"})
        self.assertFalse(Area.objects.filter(name="A座大堂").exists())

    def test_an_outsider_cannot_create_in_another_companys_project(self):
        self.auth(self.outsider)
        before = (Building.objects.count(), Unit.objects.count(), Area.objects.count(), Department.objects.count())
        self.assertError(
            self.post("buildings/", {"project": self.project.pk, "name": "9栋", "floors": 3}),
            400,
            "invalid",
            fields={"project": "does_not_exist"},
        )
        self.assertError(
            self.post(
                "units/",
                {
                    "project": self.project.pk,
                    "building": self.building.pk,
                    "floor": 1,
                    "number": "1",
                    "code": "x-1",
                    "floor_area": "1",
                },
            ),
            400,
            "invalid",
            fields={"project": "does_not_exist", "building": "does_not_exist"},
        )
        self.assertError(
            self.post("areas/", {"project": self.project.pk, "name": "x"}),
            400,
            "invalid",
            fields={"project": "does_not_exist"},
        )
        self.assertError(
            self.post("departments/", {"project": self.project.pk, "name": "x", "kind": "security"}),
            400,
            "invalid",
            fields={"project": "does_not_exist"},
        )
        self.assertEqual(
            before, (Building.objects.count(), Unit.objects.count(), Area.objects.count(), Department.objects.count())
        )

    def test_a_project_manager_cannot_create_in_a_project_he_cannot_see(self):
        self.auth(self.manager)
        r = self.post("buildings/", {"project": self.project2.pk, "name": "B座", "floors": 3})
        self.assertError(r, 400, "invalid", fields={"project": "does_not_exist"})
        self.assertFalse(Building.objects.filter(name="B座").exists())

    def test_read_only_roles_get_403_on_create(self):
        for user in (self.staff, self.viewer, self.supervisor):
            self.auth(user)
            self.assertError(
                self.post("buildings/", {"project": self.project.pk, "name": "9栋", "floors": 3}),
                403,
                "permission_denied",
                fields={},
            )
            self.assertError(self.post("units/", {}), 403, "permission_denied")
            self.assertError(self.post("projects/", {"name": "x", "code": "x"}), 403, "permission_denied")
        self.assertFalse(Building.objects.filter(name="9栋").exists())

    def test_only_company_admins_create_projects(self):
        self.auth(self.manager)
        self.assertError(self.post("projects/", {"name": "新城", "code": "xincheng"}), 403, "permission_denied")
        self.assertFalse(Project.objects.filter(code="xincheng").exists())


class UpdateTests(ApiTestCase):
    def test_it_updates_a_unit(self):
        self.auth(self.manager)
        r = self.patch(f"units/{self.unit.pk}/", {"floor_area": "100.25", "status": "vacant"})
        self.assertEqual(r.status_code, 200, r.content)
        self.unit.refresh_from_db()
        self.assertEqual((self.unit.floor_area, self.unit.status), (Decimal("100.25"), UnitStatus.VACANT))

    def test_it_replaces_a_building(self):
        self.auth(self.admin)
        r = self.put(
            f"buildings/{self.building.pk}/",
            {"project": self.project.pk, "name": "一号楼", "floors": 20, "sort_order": 3},
        )
        self.assertEqual(r.status_code, 200, r.content)
        self.building.refresh_from_db()
        self.assertEqual((self.building.name, self.building.floors, self.building.sort_order), ("一号楼", 20, 3))

    def test_it_updates_projects_areas_and_departments(self):
        self.auth(self.admin)
        self.assertEqual(self.patch(f"projects/{self.project.pk}/", {"city": "深圳"}).status_code, 200)
        self.assertEqual(self.patch(f"areas/{self.area.pk}/", {"description": "24h"}).status_code, 200)
        self.assertEqual(self.patch(f"departments/{self.department.pk}/", {"phone": "0755-1"}).status_code, 200)
        self.project.refresh_from_db()
        self.area.refresh_from_db()
        self.department.refresh_from_db()
        self.assertEqual((self.project.city, self.area.description, self.department.phone), ("深圳", "24h", "0755-1"))

    def test_it_names_update_rules(self):
        self.auth(self.admin)
        self.assertError(
            self.patch(f"units/{self.unit.pk}/", {"floor_area": "-3"}),
            400,
            "invalid",
            fields={"floor_area": "min_value"},
        )
        self.assertError(
            self.patch(f"units/{self.unit.pk}/", {"code": self.unit2.code}), 400, "invalid", fields={"code": "unique"}
        )
        self.assertError(
            self.patch(f"units/{self.unit.pk}/", {"building": self.building2.pk}),
            400,
            "invalid",
            fields={"building": "invalid"},
        )
        self.unit.refresh_from_db()
        self.assertEqual(
            (self.unit.code, self.unit.floor_area, self.unit.building), ("1-1-101", Decimal("98.50"), self.building)
        )

    def test_it_refuses_to_move_a_row_to_another_project(self):
        self.auth(self.admin)
        self.assertError(
            self.patch(f"areas/{self.area.pk}/", {"project": self.project2.pk}),
            400,
            "invalid",
            fields={"project": "immutable"},
        )
        self.area.refresh_from_db()
        self.assertEqual(self.area.project, self.project)

    def test_an_outsider_gets_404_on_update(self):
        self.auth(self.outsider)
        for path, obj in [
            ("projects", self.project),
            ("buildings", self.building),
            ("units", self.unit),
            ("areas", self.area),
            ("departments", self.department),
        ]:
            self.assertError(
                self.patch(f"{path}/{obj.pk}/", {"name": "hacked", "floor_area": "1"}), 404, "not_found", fields={}
            )
        self.unit.refresh_from_db()
        self.building.refresh_from_db()
        self.assertEqual((self.unit.floor_area, self.building.name), (Decimal("98.50"), "1栋"))

    def test_read_only_roles_get_403_on_update(self):
        for user in (self.staff, self.viewer):
            self.auth(user)
            self.assertError(self.patch(f"units/{self.unit.pk}/", {"floor_area": "1"}), 403, "permission_denied")
            self.assertError(
                self.put(f"buildings/{self.building.pk}/", {"project": self.project.pk, "name": "x", "floors": 1}),
                403,
                "permission_denied",
            )
        self.unit.refresh_from_db()
        self.assertEqual(self.unit.floor_area, Decimal("98.50"))

    def test_a_manager_cannot_edit_the_project_itself(self):
        self.auth(self.manager)
        self.assertError(self.patch(f"projects/{self.project.pk}/", {"city": "x"}), 403, "permission_denied")

    def test_there_is_no_delete(self):
        self.auth(self.admin)
        r = self.client.delete(f"/api/v1/units/{self.unit.pk}/")
        self.assertError(r, 405, "method_not_allowed")
        self.assertTrue(Unit.objects.filter(pk=self.unit.pk).exists())


#
# People and owners
#
class MembershipApiTests(ApiTestCase):
    def test_it_lists_roles_with_the_user(self):
        self.auth(self.admin)
        rows = self.get("memberships/", {"q": "钱师傅"}).json()["results"]
        self.assertEqual(len(rows), 1)
        self.assertEqual(
            (rows[0]["role"], rows[0]["user"]["username"], rows[0]["project"]), (Role.STAFF, "staff", self.project.pk)
        )

    def test_it_is_read_only(self):
        self.auth(self.admin)
        self.assertError(self.post("memberships/", {"role": "staff"}), 405, "method_not_allowed")

    def test_it_is_forbidden_without_people_view(self):
        self.auth(self.staff)  # staff may see the organisation, not the people
        self.assertError(self.get("memberships/"), 403, "permission_denied")


class ResidentApiTests(ApiTestCase):
    def test_it_creates_a_resident_and_links_his_account(self):
        self.auth(self.admin)
        user = make_user("newowner", phone="13800000077")
        r = self.post("residents/", {"name": "新业主", "phone": "13800000077"})
        self.assertEqual(r.status_code, 201, r.content)
        self.assertTrue(r.json()["has_account"])
        self.assertEqual(Resident.objects.get(pk=r.json()["id"]).user, user)

    def test_it_names_resident_rules(self):
        self.auth(self.admin)
        before = Resident.objects.count()
        self.assertError(
            self.post("residents/", {"name": "x", "phone": "12345"}), 400, "invalid", fields={"phone": "invalid"}
        )
        self.assertError(
            self.post("residents/", {"name": "x", "phone": "13800000001"}), 400, "invalid", fields={"phone": "unique"}
        )
        self.assertError(self.post("residents/", {"name": "x"}), 400, "invalid", fields={"phone": "required"})
        self.assertEqual(Resident.objects.count(), before)

    def test_staff_cannot_create_residents(self):
        self.auth(self.staff)
        self.assertError(self.post("residents/", {"name": "x", "phone": "13800000077"}), 403, "permission_denied")
        self.assertFalse(Resident.objects.filter(phone="13800000077").exists())


class UnitResidentApiTests(ApiTestCase):
    def test_it_links_and_verifies(self):
        self.auth(self.supervisor)
        r = self.post(
            "unit-residents/",
            {"unit": self.unit3.pk, "resident": self.other_resident.pk, "relation": ResidentRelation.TENANT},
        )
        self.assertEqual(r.status_code, 201, r.content)
        body = r.json()
        self.assertEqual((body["unit_code"], body["resident_name"], body["is_verified"]), ("1-1-301", "吴业主", False))
        r = self.post(f"unit-residents/{body['id']}/verify/")
        self.assertEqual(r.status_code, 200, r.content)
        self.assertTrue(r.json()["is_verified"])
        link = UnitResident.objects.get(pk=body["id"])
        self.assertEqual((link.is_verified, link.verified_by), (True, self.supervisor))

    def test_a_project_member_links_a_resident_he_just_created(self):
        self.auth(self.supervisor)
        resident = self.post("residents/", {"name": "新业主", "phone": "13800000077"}).json()
        r = self.post("unit-residents/", {"unit": self.unit3.pk, "resident": resident["id"], "relation": "owner"})
        self.assertEqual(r.status_code, 201, r.content)
        self.assertIn(resident["id"], self.ids(self.get("residents/")))

    def test_it_ignores_is_verified_in_the_body(self):
        self.auth(self.admin)
        r = self.post(
            "unit-residents/",
            {
                "unit": self.unit3.pk,
                "resident": self.other_resident.pk,
                "relation": ResidentRelation.OWNER,
                "is_verified": True,
            },
        )
        self.assertEqual(r.status_code, 201)
        self.assertFalse(UnitResident.objects.get(pk=r.json()["id"]).is_verified)

    def test_it_refuses_to_verify_twice(self):
        self.auth(self.admin)
        self.assertError(
            self.post(f"unit-residents/{self.owner_link.pk}/verify/"),
            400,
            "invalid",
            fields={"non_field_errors": "invalid"},
        )

    def test_it_names_a_duplicate_link(self):
        self.auth(self.admin)
        before = UnitResident.objects.count()
        r = self.post("unit-residents/", {"unit": self.unit.pk, "resident": self.resident.pk, "relation": "owner"})
        self.assertError(r, 400, "invalid", fields={"resident": "unique"})
        self.assertEqual(UnitResident.objects.count(), before)

    def test_an_outsider_cannot_link_or_verify(self):
        self.auth(self.outsider)
        before = UnitResident.objects.count()
        r = self.post("unit-residents/", {"unit": self.unit3.pk, "resident": self.resident.pk, "relation": "owner"})
        self.assertError(r, 400, "invalid", fields={"unit": "does_not_exist", "resident": "does_not_exist"})
        self.assertError(self.post(f"unit-residents/{self.other_owner_link.pk}/verify/"), 404, "not_found")
        self.assertEqual(UnitResident.objects.count(), before)
        self.other_owner_link.refresh_from_db()
        self.assertFalse(self.other_owner_link.is_verified)

    def test_staff_cannot_link_or_verify(self):
        self.auth(self.staff)
        r = self.post("unit-residents/", {"unit": self.unit3.pk, "resident": self.resident.pk, "relation": "owner"})
        self.assertError(r, 403, "permission_denied")
        self.assertError(self.post(f"unit-residents/{self.other_owner_link.pk}/verify/"), 403, "permission_denied")
        self.other_owner_link.refresh_from_db()
        self.assertFalse(self.other_owner_link.is_verified)

    def test_a_project_member_cannot_link_units_of_another_project(self):
        self.auth(self.supervisor)
        r = self.post(
            "unit-residents/", {"unit": self.unit_office.pk, "resident": self.resident.pk, "relation": "tenant"}
        )
        self.assertError(r, 400, "invalid", fields={"unit": "does_not_exist"})
        self.assertFalse(UnitResident.objects.filter(unit=self.unit_office).exists())


#
# Owners (no staff role) and /me/
#
class OwnerApiTests(ApiTestCase):
    """An owner signs in to the API for /me/ only: every staff endpoint answers 403."""

    def test_it_forbids_staff_lists_to_owners(self):
        self.auth(self.owner)
        for path in LIST_ENDPOINTS:
            self.assertError(self.get(f"{path}/"), 403, "permission_denied", fields={})

    def test_it_forbids_staff_rows_and_writes_to_owners(self):
        self.auth(self.owner)
        self.assertError(self.get(f"units/{self.unit.pk}/"), 403, "permission_denied")
        self.assertError(self.get(f"unit-residents/{self.other_owner_link.pk}/"), 403, "permission_denied")
        self.assertError(self.post("projects/", {"name": "x", "code": "x"}), 403, "permission_denied")
        self.assertError(self.post(f"unit-residents/{self.other_owner_link.pk}/verify/"), 403, "permission_denied")
        self.assertFalse(Project.objects.filter(code="x").exists())

    def test_me_shows_the_owners_units_only(self):
        self.auth(self.owner)
        r = self.get("me/")
        self.assertEqual(r.status_code, 200)
        body = r.json()
        self.assertEqual((body["username"], body["phone"], body["roles"]), ("owner", "13800000001", []))
        self.assertEqual(
            [(u["unit"], u["unit_code"], u["relation"], u["is_verified"]) for u in body["units"]],
            [(self.unit.pk, "1-1-101", "owner", True)],
        )

    def test_me_shows_staff_roles(self):
        self.auth(self.supervisor)
        body = self.get("me/").json()
        self.assertEqual(body["units"], [])
        self.assertEqual(
            body["roles"],
            [
                {
                    "company": self.company.pk,
                    "project": self.project.pk,
                    "role": Role.SUPERVISOR,
                    "department": self.department.pk,
                }
            ],
        )

    def test_me_over_a_session(self):
        self.login(self.other_owner)
        body = self.get("me/").json()
        self.assertEqual([u["unit"] for u in body["units"]], [self.unit2.pk])

    def test_a_staff_member_elsewhere_sees_only_his_own_units_here(self):
        # The outsider (admin of company B) also owns a unit in company A.
        resident = services.resident_create(company=self.company, name="郑外人", phone="13700000001", actor=self.admin)
        services.unit_resident_link(
            unit=self.unit3, resident=resident, relation=ResidentRelation.OWNER, actor=self.admin
        )
        self.auth(self.outsider)
        self.assertEqual([u["unit"] for u in self.get("me/").json()["units"]], [self.unit3.pk])
        self.assertNotIn(self.unit3.pk, self.ids(self.get("units/")))
        self.assertEqual(self.ids(self.get("unit-residents/")) & {self.owner_link.pk, self.other_owner_link.pk}, set())
        self.assertNotIn(self.resident.pk, self.ids(self.get("residents/")))
        self.assertError(self.get(f"units/{self.unit3.pk}/"), 404, "not_found")


class OptionsTests(ApiTestCase):
    def test_options_describes_the_endpoint(self):
        self.auth(self.admin)
        r = self.client.options("/api/v1/units/")
        self.assertEqual(r.status_code, 200, r.content)
        self.assertIn("POST", r.json()["actions"])
