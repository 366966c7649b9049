"""The OpenAPI document and the Swagger UI that renders it."""

import json
import re
import tempfile
from pathlib import Path

from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import SimpleTestCase
from django_scopes import scope
from drf_spectacular.validation import validate_schema

from lib.testing import BaseTestCase

ORG_PATHS = ["projects", "buildings", "units", "areas", "departments", "memberships", "residents", "unit-residents"]


class SchemaTests(BaseTestCase):
    def schema(self) -> dict:
        r = self.client.get("/api/schema/", {"format": "json"})
        self.assertEqual(r.status_code, 200)
        return json.loads(r.content)

    def test_it_serves_a_valid_openapi_3_document(self):
        schema = self.schema()
        self.assertTrue(schema["openapi"].startswith("3."))
        self.assertEqual(schema["info"]["title"], "pinzhi API")
        validate_schema(schema)  # raises on an invalid document

    def test_it_is_public_yaml_by_default(self):
        r = self.client.get("/api/schema/")
        self.assertEqual(r.status_code, 200)
        self.assertIn("application/vnd.oai.openapi", r["Content-Type"])
        self.assertTrue(r.content.startswith(b"openapi: 3."))

    def test_it_documents_every_route(self):
        paths = self.schema()["paths"]
        for name in ORG_PATHS:
            self.assertIn(f"/api/v1/{name}/", paths)
            self.assertIn(f"/api/v1/{name}/{{id}}/", paths)
        for path in ("/api/v1/auth/token/", "/api/v1/me/", "/api/v1/unit-residents/{id}/verify/"):
            self.assertIn(path, paths)

    def test_it_types_ids_and_documents_filters(self):
        paths = self.schema()["paths"]
        (id_param,) = [p for p in paths["/api/v1/units/{id}/"]["get"]["parameters"] if p["name"] == "id"]
        self.assertEqual(id_param["schema"]["type"], "integer")
        filters = {p["name"] for p in paths["/api/v1/units/"]["get"]["parameters"]}
        self.assertTrue({"project_id", "building_id", "status", "q", "page", "page_size"} <= filters)

    def test_it_documents_only_the_methods_that_exist(self):
        paths = self.schema()["paths"]
        self.assertEqual(set(paths["/api/v1/memberships/{id}/"]), {"get"})
        self.assertEqual(set(paths["/api/v1/memberships/"]), {"get"})
        self.assertEqual(set(paths["/api/v1/units/{id}/"]), {"get", "put", "patch"})
        self.assertEqual(set(paths["/api/v1/unit-residents/{id}/"]), {"get"})

    def test_operations_have_their_own_descriptions(self):
        paths = self.schema()["paths"]
        units = paths["/api/v1/units/"]["get"].get("description", "")
        self.assertIn("Units", units)
        for path, methods in paths.items():
            for method, operation in methods.items():
                self.assertNotIn("POST: validate", operation.get("description", ""), (path, method))

    def test_it_generates_without_warnings(self):
        # As in production: the company scope is enabled but no company is active.
        with tempfile.TemporaryDirectory() as tmp, scope():
            call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(Path(tmp) / "schema.yml"))


class SwaggerUiTests(SimpleTestCase):
    def test_it_serves_the_swagger_ui_from_local_static_files(self):
        r = self.client.get("/api/docs/")
        self.assertEqual(r.status_code, 200)
        html = r.content.decode()
        self.assertIn('id="swagger-ui"', html)
        self.assertIn("/api/schema/", html)
        self.assertIsNone(
            re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", html, re.IGNORECASE),
            "the docs page must not load anything from a CDN",
        )
        assets = re.findall(r'(?:src|href)="/static/([^"]+)"', html)
        self.assertTrue(any(a.endswith("swagger-ui-bundle.js") for a in assets), assets)
        self.assertTrue(any(a.endswith("swagger-ui.css") for a in assets), assets)
        for asset in assets:
            self.assertIsNotNone(finders.find(asset), asset)
