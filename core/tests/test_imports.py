"""Excel import of buildings, units and owners, driven through the HTTP pages.

Every file is built in memory with openpyxl. A failed import must list each bad row as
(row, column, reason) and write nothing at all.
"""

import io
from decimal import Decimal
from unittest import mock

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.test import override_settings
from django.utils import translation
from openpyxl import Workbook, load_workbook

from core.choices import ResidentRelation, UnitStatus
from core.imports import IMPORT_KINDS, BuildingImport, ImportFailed, import_run
from core.models import Building, Resident, Unit, UnitResident
from lib.excel import XLSX_CONTENT_TYPE
from lib.testing import BaseTestCase, make_user

BUILDING_HEADER = ["楼栋名称", "地上层数", "排序"]
UNIT_HEADER = ["楼栋", "单元", "楼层", "房号", "房屋编码", "建筑面积", "状态"]
OWNER_HEADER = ["房屋编码", "姓名", "手机号", "关系", "已认证"]


def xlsx_bytes(header: list | None, rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if header is not None:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def msg(text: str, **params) -> str:
    """An importer message as the site (and so the request) words it."""
    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(text).format(**params)


FLOORS_RANGE = "must be a whole number of at least 1 and at most {high}"


def upload(content: bytes, name: str = "import.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX_CONTENT_TYPE)


def xlsx(header: list | None, rows: list[list], name: str = "import.xlsx") -> SimpleUploadedFile:
    return upload(xlsx_bytes(header, rows), name)


class ImportTestCase(BaseTestCase):
    def post(self, kind: str, file, project=None):
        project = project or self.project
        return self.client.post(f"/import/{kind}/", {"project": project.pk, "file": file})

    def errors(self, response) -> list[tuple[int, str, str]]:
        self.assertEqual(response.status_code, 200)
        return [(e.row, e.column, str(e.message)) for e in response.context["errors"]]

    def assertRowError(self, response, row: int, column: str, reason: str | None = None) -> None:
        """An error on (row, column); with ``reason``, exactly that message."""
        for e_row, e_column, message in self.errors(response):
            if e_row == row and e_column == column and reason in (None, message):
                return
        self.fail(f"no error ({row}, {column}, {reason}) in {self.errors(response)}")

    def counts(self) -> tuple[int, int, int, int]:
        return Building.objects.count(), Unit.objects.count(), Resident.objects.count(), UnitResident.objects.count()


#
# Buildings
#
class BuildingImportTests(ImportTestCase):
    def setUp(self) -> None:
        self.login(self.admin)

    def test_it_creates_buildings(self):
        r = self.post("buildings", xlsx(BUILDING_HEADER, [["2栋", 26, 2], ["3栋", 11, None]]))
        self.assertRedirects(r, "/buildings/")
        two = Building.objects.get(project=self.project, name="2栋")
        self.assertEqual((two.floors, two.sort_order, two.company_id), (26, 2, self.company.id))
        self.assertEqual(Building.objects.get(project=self.project, name="3栋").sort_order, 0)

    def test_it_updates_existing_buildings_on_reimport(self):
        before = Building.objects.count()
        r = self.post("buildings", xlsx(BUILDING_HEADER, [["1栋", 20, 5]]))
        self.assertRedirects(r, "/buildings/")
        self.assertEqual(Building.objects.count(), before)
        self.building.refresh_from_db()
        self.assertEqual((self.building.floors, self.building.sort_order), (20, 5))
        r = self.post(
            "buildings",
            xlsx(BUILDING_HEADER, [["1栋", 21, 5]]),
        )
        self.assertEqual(Building.objects.count(), before)

    def test_it_keeps_optional_values_missing_from_a_reimport(self):
        Building.objects.filter(pk=self.building.pk).update(sort_order=7)
        self.assertRedirects(self.post("buildings", xlsx(["楼栋名称", "地上层数"], [["1栋", 19]])), "/buildings/")
        self.building.refresh_from_db()
        self.assertEqual((self.building.floors, self.building.sort_order), (19, 7))

    def test_it_reports_success_counts(self):
        r = self.post("buildings", xlsx(BUILDING_HEADER, [["1栋", 20], ["9栋", 3]]))
        messages = [str(m) for m in r.wsgi_request._messages]
        self.assertEqual(
            messages, [msg("Import finished: {created} created, {updated} updated.", created=1, updated=1)]
        )

    def test_it_rejects_zero_floors(self):
        before = self.counts()
        r = self.post("buildings", xlsx(BUILDING_HEADER, [["2栋", 0]]))
        self.assertRowError(r, 2, "地上层数", msg(FLOORS_RANGE, high=32767))
        self.assertEqual(self.counts(), before)

    def test_it_rejects_non_numeric_and_fractional_floors(self):
        r = self.post("buildings", xlsx(BUILDING_HEADER, [["2栋", "十层"], ["3栋", 2.5]]))
        self.assertRowError(r, 2, "地上层数", msg("must be a whole number"))
        self.assertRowError(r, 3, "地上层数", msg("must be a whole number"))
        self.assertFalse(Building.objects.filter(name__in=["2栋", "3栋"]).exists())

    def test_it_rejects_absurd_floor_counts(self):
        # 40000 does not fit the column (smallint on PostgreSQL): a row error, never a 500.
        r = self.post("buildings", xlsx(BUILDING_HEADER, [["2栋", 40000]]))
        self.assertEqual(self.errors(r), [(2, "地上层数", msg(FLOORS_RANGE, high=32767))])
        self.assertFalse(Building.objects.filter(name="2栋").exists())

    def test_it_rejects_negative_sort_order(self):
        before = self.counts()
        r = self.post("buildings", xlsx(BUILDING_HEADER, [["2栋", 5, -1]]))
        self.assertEqual(
            self.errors(r), [(2, "排序", msg("must be a whole number from {low} to {high}", low=0, high=2147483647))]
        )
        self.assertEqual(self.counts(), before)

    def test_it_rejects_an_overlong_name(self):
        r = self.post("buildings", xlsx(BUILDING_HEADER, [["栋" * 51, 5]]))
        self.assertRowError(r, 2, "楼栋名称", msg("must be at most {n} characters", n=50))

    def test_it_reports_duplicate_rows_within_the_file(self):
        r = self.post("buildings", xlsx(BUILDING_HEADER, [["2栋", 5], ["3栋", 5], ["2栋", 6]]))
        self.assertEqual(self.errors(r), [(4, "楼栋名称", msg("duplicates row {n}", n=2))])
        self.assertFalse(Building.objects.filter(name__in=["2栋", "3栋"]).exists())

    def test_it_reports_a_missing_required_cell(self):
        r = self.post("buildings", xlsx(BUILDING_HEADER, [["2栋", None]]))
        self.assertEqual(self.errors(r), [(2, "地上层数", msg("is required"))])

    def test_it_accepts_english_headers(self):
        r = self.post("buildings", xlsx(["name", "floors"], [["2栋", 5]]))
        self.assertRedirects(r, "/buildings/")
        self.assertTrue(Building.objects.filter(project=self.project, name="2栋", floors=5).exists())


#
# Units
#
class UnitImportTests(ImportTestCase):
    def setUp(self) -> None:
        self.login(self.admin)

    def unit_row(self, level: int, **overrides) -> list:
        row = {
            "building": "1栋",
            "entrance": "1单元",
            "floor": level,
            "number": f"{level}01",
            "code": None,
            "floor_area": 88.5,
            "status": None,
            **overrides,
        }
        return [row[k] for k in ("building", "entrance", "floor", "number", "code", "floor_area", "status")]

    def test_it_creates_units_with_generated_codes(self):
        r = self.post("units", xlsx(UNIT_HEADER, [self.unit_row(4), self.unit_row(5, status="vacant")]))
        self.assertRedirects(r, "/units/")
        unit = Unit.objects.get(project=self.project, code="1-1-401")
        self.assertEqual(
            (unit.building, unit.floor, unit.floor_area, unit.status),
            (self.building, 4, Decimal("88.50"), UnitStatus.OCCUPIED),
        )
        self.assertEqual(Unit.objects.get(project=self.project, code="1-1-501").status, UnitStatus.VACANT)

    def test_it_updates_existing_units_on_reimport(self):
        before = Unit.objects.count()
        rows = [self.unit_row(1, floor_area=120), self.unit_row(2, code="1-1-201", status="空置")]
        self.assertRedirects(self.post("units", xlsx(UNIT_HEADER, rows)), "/units/")
        self.assertRedirects(self.post("units", xlsx(UNIT_HEADER, rows)), "/units/")
        self.assertEqual(Unit.objects.count(), before)
        self.unit.refresh_from_db()
        self.unit2.refresh_from_db()
        self.assertEqual(self.unit.floor_area, Decimal("120.00"))
        self.assertEqual(self.unit2.status, UnitStatus.VACANT)

    def test_it_keeps_the_status_when_the_cell_is_empty(self):
        Unit.objects.filter(pk=self.unit.pk).update(status=UnitStatus.VACANT)
        self.assertRedirects(self.post("units", xlsx(UNIT_HEADER, [self.unit_row(1, floor_area=99)])), "/units/")
        self.unit.refresh_from_db()
        self.assertEqual((self.unit.status, self.unit.floor_area), (UnitStatus.VACANT, Decimal("99.00")))

    def test_it_reports_non_numeric_floor_area(self):
        r = self.post("units", xlsx(UNIT_HEADER, [self.unit_row(4, floor_area="九十平")]))
        self.assertEqual(self.errors(r), [(2, "建筑面积", msg("must be a number in square metres"))])

    def test_it_reports_negative_and_zero_floor_area(self):
        r = self.post("units", xlsx(UNIT_HEADER, [self.unit_row(4, floor_area=-5), self.unit_row(5, floor_area=0)]))
        self.assertRowError(r, 2, "建筑面积", msg("must be greater than 0 and less than 100,000,000"))
        self.assertRowError(r, 3, "建筑面积", msg("must be greater than 0 and less than 100,000,000"))

    def test_it_reports_nan_floor_area(self):
        r = self.post("units", xlsx(UNIT_HEADER, [self.unit_row(4, floor_area="NaN")]))
        self.assertEqual(self.errors(r), [(2, "建筑面积", msg("must be a number in square metres"))])

    def test_it_reports_an_unknown_building(self):
        before = self.counts()
        r = self.post("units", xlsx(UNIT_HEADER, [self.unit_row(4), self.unit_row(5, building="9栋")]))
        self.assertEqual(len(self.errors(r)), 1)
        self.assertRowError(
            r, 3, "楼栋", msg("no building named {name} in this project; import buildings first", name="9栋")
        )
        self.assertEqual(self.counts(), before)

    def test_it_does_not_accept_a_building_of_another_project(self):
        r = self.post("units", xlsx(UNIT_HEADER, [self.unit_row(4, building="A座")]))
        self.assertRowError(
            r, 2, "楼栋", msg("no building named {name} in this project; import buildings first", name="A座")
        )

    def test_it_reports_an_unknown_status(self):
        r = self.post("units", xlsx(UNIT_HEADER, [self.unit_row(4, status="装修中")]))
        self.assertRowError(r, 2, "状态")

    def test_it_reports_duplicate_rows_within_the_file(self):
        r = self.post("units", xlsx(UNIT_HEADER, [self.unit_row(4), self.unit_row(5), self.unit_row(4)]))
        self.assertEqual(self.errors(r), [(4, "房屋编码", msg("duplicates row {n}", n=2))])
        self.assertFalse(Unit.objects.filter(code__in=["1-1-401", "1-1-501"]).exists())

    def test_it_reports_an_explicit_code_clashing_with_a_generated_one(self):
        r = self.post("units", xlsx(UNIT_HEADER, [self.unit_row(4), self.unit_row(5, code="1-1-401")]))
        self.assertEqual(self.errors(r), [(3, "房屋编码", msg("duplicates row {n}", n=2))])

    def test_it_reports_a_generated_code_that_is_too_long(self):
        Building.objects.create(company=self.company, project=self.project, name="栋" * 45, floors=3)
        r = self.post("units", xlsx(UNIT_HEADER, [self.unit_row(1, building="栋" * 45, number="1" * 20)]))
        self.assertRowError(r, 2, "房屋编码")
        self.assertFalse(Unit.objects.filter(number="1" * 20).exists())

    def test_it_rejects_a_floor_out_of_range(self):
        r = self.post("units", xlsx(UNIT_HEADER, [self.unit_row(99999)]))
        self.assertEqual([e[:2] for e in self.errors(r)], [(2, "楼层")])

    def test_it_reports_every_problem_in_row_order(self):
        rows = [self.unit_row(4, floor_area="x"), self.unit_row(5), self.unit_row(6, building="9栋", floor="六")]
        r = self.post("units", xlsx(UNIT_HEADER, rows))
        # row 4 has two problems: both are listed, in column order
        self.assertEqual([e[:2] for e in self.errors(r)], [(2, "建筑面积"), (4, "楼栋"), (4, "楼层")])
        self.assertContains(r, 'id="import-errors"')

    def test_it_keeps_sheet_row_numbers_across_blank_rows(self):
        rows = [self.unit_row(4), [None] * 7, ["", "", "", "", "", "", ""], self.unit_row(5, floor_area=-1)]
        r = self.post("units", xlsx(UNIT_HEADER, rows))
        self.assertEqual(self.errors(r), [(5, "建筑面积", msg("must be greater than 0 and less than 100,000,000"))])

    def test_it_writes_nothing_when_only_the_last_of_500_rows_is_bad(self):
        before = self.counts()
        rows = [["1栋", "2单元", 1 + i // 10, f"{i:04d}", None, 90, None] for i in range(499)]
        rows.append(["1栋", "2单元", 99, "9999", None, "abc", None])
        r = self.post("units", xlsx(UNIT_HEADER, rows))
        self.assertEqual(self.errors(r), [(501, "建筑面积", msg("must be a number in square metres"))])
        self.assertEqual(self.counts(), before)
        rows[-1][5] = 90
        self.assertRedirects(self.post("units", xlsx(UNIT_HEADER, rows)), "/units/")
        self.assertEqual(Unit.objects.count(), before[1] + 500)

    def test_it_reports_a_missing_required_column(self):
        header = [h for h in UNIT_HEADER if h != "建筑面积"]
        r = self.post("units", xlsx(header, [["1栋", "1单元", 4, "401", None, None]]))
        self.assertEqual(self.errors(r), [(1, "建筑面积", msg("required column is missing from the header row"))])

    def test_it_reports_an_empty_sheet(self):
        before = self.counts()
        r = self.post("units", xlsx(None, []))
        self.assertEqual(self.errors(r), [(1, "", msg("The sheet is empty."))])
        self.assertEqual(self.counts(), before)

    def test_it_reports_a_header_without_rows(self):
        r = self.post("units", xlsx(UNIT_HEADER, []))
        self.assertEqual(self.errors(r), [(2, "", msg("The file has no data rows."))])

    def test_it_rejects_random_bytes(self):
        before = self.counts()
        r = self.post("units", upload(b"\x00\x01not a workbook" * 50))
        self.assertEqual(self.errors(r), [(0, "", msg("The file is not a readable .xlsx workbook."))])
        self.assertEqual(self.counts(), before)

    def test_it_rejects_a_csv_renamed_to_xlsx(self):
        csv = "楼栋,单元,楼层,房号,房屋编码,建筑面积\n1栋,1单元,4,401,,88\n".encode()
        r = self.post("units", upload(csv, "units.xlsx"))
        self.assertEqual(self.errors(r), [(0, "", msg("The file is not a readable .xlsx workbook."))])
        self.assertFalse(Unit.objects.filter(code="1-1-401").exists())

    def test_it_rejects_a_csv_file_in_the_form(self):
        r = self.post("units", upload(b"a,b\n1,2\n", "units.csv"))
        self.assertEqual(r.status_code, 200)
        self.assertIn("file", r.context["form"].errors)
        self.assertEqual(r.context["errors"], [])

    def test_it_renders_file_level_errors_without_a_row_zero(self):
        r = self.post("units", upload(b"garbage"))
        self.assertContains(r, msg("The file is not a readable .xlsx workbook."))
        self.assertNotContains(r, "<td>0</td>")

    @override_settings(IMPORT_MAX_ROWS=3)
    def test_it_limits_the_number_of_rows(self):
        before = self.counts()
        r = self.post("units", xlsx(UNIT_HEADER, [self.unit_row(f) for f in (4, 5, 6, 7)]))
        self.assertEqual(self.errors(r), [(5, "", msg("too many rows: at most {n} per file", n=3))])
        self.assertEqual(self.counts(), before)

    @override_settings(IMPORT_MAX_ROWS=3)
    def test_it_accepts_exactly_the_row_limit(self):
        r = self.post("units", xlsx(UNIT_HEADER, [self.unit_row(f) for f in (4, 5, 6)]))
        self.assertRedirects(r, "/units/")


class UnitTemplateTests(ImportTestCase):
    def test_it_downloads_a_workbook_matching_the_importer(self):
        self.login(self.staff)  # reading the template only needs org.view
        r = self.client.get("/import/units/template.xlsx")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], XLSX_CONTENT_TYPE)
        self.assertIn("units-template.xlsx", r["Content-Disposition"])
        sheet = load_workbook(io.BytesIO(r.content)).worksheets[0]
        header = [c.value for c in sheet[1]]
        self.assertEqual(header, [c.header for c in IMPORT_KINDS["units"].columns])
        self.assertEqual(header, UNIT_HEADER)

    def test_it_imports_the_template_example_row(self):
        self.login(self.admin)
        content = self.client.get("/import/units/template.xlsx").content
        r = self.post("units", upload(content))
        self.assertRedirects(r, "/units/")
        unit = Unit.objects.get(project=self.project, code="1-1-1501")
        self.assertEqual((unit.floor, unit.floor_area, unit.status), (15, Decimal("128.50"), UnitStatus.OCCUPIED))

    def test_it_offers_templates_for_every_kind(self):
        self.login(self.admin)
        for kind, header in (("buildings", BUILDING_HEADER), ("owners", OWNER_HEADER)):
            r = self.client.get(f"/import/{kind}/template.xlsx")
            self.assertEqual([c.value for c in load_workbook(io.BytesIO(r.content)).worksheets[0][1]], header)

    def test_it_404s_for_an_unknown_kind(self):
        self.login(self.admin)
        self.assertEqual(self.client.get("/import/cars/template.xlsx").status_code, 404)

    def test_it_requires_login_for_the_template(self):
        r = self.client.get("/import/units/template.xlsx")
        self.assertEqual(r.status_code, 302)
        self.assertIn("/accounts/login/", r["Location"])


class UnitExportRoundTripTests(ImportTestCase):
    """An exported unit list can be edited in Excel and imported back."""

    def export(self) -> bytes:
        r = self.client.get(f"/units/?export=xlsx&project_id={self.project.pk}")
        self.assertEqual(r.status_code, 200)
        return r.content

    def test_it_reimports_an_edited_export(self):
        self.login(self.admin)
        before = Unit.objects.count()
        workbook = load_workbook(io.BytesIO(self.export()))
        sheet = workbook.worksheets[0]
        rows = list(sheet.iter_rows(min_row=2))
        # Find columns by content, not by header text: the header follows the interface language.
        mine = next(row for row in rows if self.unit.code in [c.value for c in row])
        code_col = [c.value for c in mine].index(self.unit.code)
        area_col = [c.value for c in mine].index(98.5)
        number_col = [c.value for c in mine].index(self.unit.number)
        mine[area_col].value = 111.11
        new = [c.value for c in mine]
        new[code_col], new[number_col], new[area_col] = "", "401", 70  # a new unit; its code is generated
        sheet.append(new)
        buffer = io.BytesIO()
        workbook.save(buffer)

        r = self.post("units", upload(buffer.getvalue()))
        self.assertRedirects(r, "/units/")
        self.assertEqual(Unit.objects.count(), before + 1)
        self.unit.refresh_from_db()
        self.assertEqual(self.unit.floor_area, Decimal("111.11"))
        self.assertEqual(Unit.objects.get(project=self.project, code="1-1-401").floor_area, Decimal("70.00"))

    def test_it_accepts_the_english_export_header(self):
        self.login(self.admin)
        header = ["project", "building", "entrance", "floor", "room number", "unit code", "floor area (m²)", "status"]
        r = self.post("units", xlsx(header, [["安居物业花园", "1栋", "1单元", 1, "101", "1-1-101", 99, "Vacant"]]))
        self.assertRedirects(r, "/units/")
        self.unit.refresh_from_db()
        self.assertEqual((self.unit.floor_area, self.unit.status), (Decimal("99.00"), UnitStatus.VACANT))

    def test_it_matches_headers_loosely(self):
        self.login(self.admin)
        header = ["楼栋", " 楼层 ", "房号", "建筑面积（㎡）", "ROOM"]
        r = self.post("units", xlsx(header, [["1栋", 4, "401", 80, None]]))
        self.assertRedirects(r, "/units/")
        self.assertTrue(Unit.objects.filter(project=self.project, code="1-401", floor_area=80).exists())

    def test_it_exports_user_text_as_text_not_formulas(self):
        self.login(self.admin)
        evil = '=HYPERLINK("http://x.example","a")'
        Building.objects.filter(pk=self.building.pk).update(name=evil)
        sheet = load_workbook(io.BytesIO(self.export())).worksheets[0]
        cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value == evil]
        self.assertEqual(len(cells), 3)  # one per unit of the building
        self.assertEqual({c.data_type for c in cells}, {"s"})
        before = Unit.objects.count()
        self.assertRedirects(self.post("units", upload(self.export())), "/units/")  # and it imports back
        self.assertEqual(Unit.objects.count(), before)

    def test_it_reimports_an_unchanged_export_without_duplicates(self):
        self.login(self.admin)
        before = Unit.objects.count()
        r = self.post("units", upload(self.export()))
        self.assertRedirects(r, "/units/")
        self.assertEqual(Unit.objects.count(), before)

    def test_it_reimports_an_exported_building_list(self):
        self.login(self.admin)
        content = self.client.get(f"/buildings/?export=xlsx&project_id={self.project.pk}").content
        before = Building.objects.count()
        self.assertRedirects(self.post("buildings", upload(content)), "/buildings/")
        self.assertEqual(Building.objects.count(), before)


#
# Owners
#
class OwnerImportTests(ImportTestCase):
    def setUp(self) -> None:
        self.login(self.admin)

    def test_it_creates_residents_and_links(self):
        newcomer = make_user("newcomer", name="陈新", phone="13800000009")
        rows = [
            [self.unit3.code, "陈新", "13800000009", "业主", "是"],
            [self.unit3.code, "陈小", "138-0000-0010", "family", None],
        ]
        r = self.post("owners", xlsx(OWNER_HEADER, rows))
        self.assertRedirects(r, "/owners/")
        chen = Resident.objects.get(company=self.company, phone="13800000009")
        self.assertEqual(chen.user, newcomer)  # the account with that phone can now sign in to /m/
        link = UnitResident.objects.get(unit=self.unit3, resident=chen)
        self.assertEqual(
            (link.relation, link.is_verified, link.verified_by), (ResidentRelation.OWNER, True, self.admin)
        )
        small = UnitResident.objects.get(unit=self.unit3, resident__phone="13800000010")
        self.assertEqual((small.relation, small.is_verified), (ResidentRelation.FAMILY, False))

    def test_it_updates_existing_links_on_reimport(self):
        before = self.counts()
        rows = [[self.unit2.code, "吴业主", "13800000002", "租户", "是"]]
        self.assertRedirects(self.post("owners", xlsx(OWNER_HEADER, rows)), "/owners/")
        self.assertRedirects(self.post("owners", xlsx(OWNER_HEADER, rows)), "/owners/")
        self.assertEqual(self.counts(), before)
        self.other_owner_link.refresh_from_db()
        self.assertEqual(
            (self.other_owner_link.relation, self.other_owner_link.is_verified), (ResidentRelation.TENANT, True)
        )

    def test_it_reports_a_bad_phone(self):
        before = self.counts()
        r = self.post("owners", xlsx(OWNER_HEADER, [[self.unit3.code, "陈新", "1380000", None, None]]))
        self.assertEqual(self.errors(r), [(2, "手机号", msg("must be an 11-digit mainland mobile number"))])
        self.assertEqual(self.counts(), before)

    def test_it_reports_an_unknown_relation(self):
        r = self.post("owners", xlsx(OWNER_HEADER, [[self.unit3.code, "陈新", "13800000009", "朋友", None]]))
        self.assertRowError(r, 2, "关系")

    def test_it_reports_a_bad_verified_flag(self):
        r = self.post("owners", xlsx(OWNER_HEADER, [[self.unit3.code, "陈新", "13800000009", None, "也许"]]))
        self.assertRowError(r, 2, "已认证", msg("must be 是 or 否"))

    def test_it_reports_an_unknown_unit_code(self):
        before = self.counts()
        r = self.post(
            "owners",
            xlsx(
                OWNER_HEADER,
                [[self.unit3.code, "陈新", "13800000009", None, None], ["9-9-999", "陈新", "13800000009", None, None]],
            ),
        )
        self.assertEqual(
            self.errors(r), [(3, "房屋编码", msg("no unit with code {code} in this project", code="9-9-999"))]
        )
        self.assertEqual(self.counts(), before)

    def test_it_does_not_link_units_of_another_project(self):
        r = self.post("owners", xlsx(OWNER_HEADER, [[self.unit_office.code, "陈新", "13800000009", None, None]]))
        self.assertRowError(r, 2, "房屋编码", msg("no unit with code {code} in this project", code="A-1001"))

    def test_it_reports_duplicate_rows_within_the_file(self):
        row = [self.unit3.code, "陈新", "13800000009", None, None]
        r = self.post("owners", xlsx(OWNER_HEADER, [row, list(row)]))
        self.assertEqual(self.errors(r), [(3, "手机号", msg("duplicates row {n}", n=2))])
        self.assertFalse(Resident.objects.filter(phone="13800000009").exists())

    def test_it_reports_two_names_for_one_phone_in_the_file(self):
        r = self.post(
            "owners",
            xlsx(
                OWNER_HEADER,
                [
                    [self.unit3.code, "陈新", "13800000009", None, None],
                    [self.unit2.code, "陈旧", "13800000009", None, None],
                ],
            ),
        )
        self.assertEqual(self.errors(r), [(3, "姓名", msg("row {n} gives another name for this phone", n=2))])

    def test_it_reports_a_phone_whose_name_differs_from_the_roster(self):
        before = self.counts()
        r = self.post("owners", xlsx(OWNER_HEADER, [[self.unit3.code, "张冒名", "13800000001", None, None]]))
        self.assertEqual(
            self.errors(r), [(2, "姓名", msg("this phone belongs to {name} on the roster", name="周业主"))]
        )
        self.assertEqual(self.counts(), before)

    def test_it_ignores_rosters_of_other_companies(self):
        Resident.objects.create(company=self.other_company, name="别家人", phone="13800000009")
        r = self.post("owners", xlsx(OWNER_HEADER, [[self.unit3.code, "陈新", "13800000009", None, None]]))
        self.assertRedirects(r, "/owners/")
        self.assertEqual(Resident.objects.get(company=self.company, phone="13800000009").name, "陈新")

    def test_it_lets_a_supervisor_import_owners_but_not_units(self):
        self.login(self.supervisor)
        r = self.post("owners", xlsx(OWNER_HEADER, [[self.unit3.code, "陈新", "13800000009", None, None]]))
        self.assertRedirects(r, "/owners/")
        self.assertEqual(self.client.get("/import/units/").status_code, 403)


#
# Who may import
#
class ImportPermissionTests(ImportTestCase):
    def building_file(self):
        return xlsx(BUILDING_HEADER, [["2栋", 5]])

    def test_it_redirects_anonymous_to_login(self):
        for kind in ("buildings", "units", "owners"):
            r = self.client.get(f"/import/{kind}/")
            self.assertEqual(r.status_code, 302)
            self.assertIn("/accounts/login/", r["Location"])
        r = self.post("buildings", self.building_file())
        self.assertEqual(r.status_code, 302)
        self.assertFalse(Building.objects.filter(name="2栋").exists())

    def test_it_forbids_staff_without_org_manage(self):
        self.login(self.staff)
        for kind in ("buildings", "units", "owners"):
            self.assertEqual(self.client.get(f"/import/{kind}/").status_code, 403, kind)
        self.assertEqual(self.post("buildings", self.building_file()).status_code, 403)
        self.assertFalse(Building.objects.filter(name="2栋").exists())

    def test_it_forbids_viewers(self):
        self.login(self.viewer)
        self.assertEqual(self.post("buildings", self.building_file()).status_code, 403)
        self.assertFalse(Building.objects.filter(name="2栋").exists())

    def test_it_sends_owners_to_the_portal(self):
        self.login(self.owner)
        self.assertRedirects(self.post("buildings", self.building_file()), "/m/")
        self.assertFalse(Building.objects.filter(name="2栋").exists())

    def test_it_rejects_another_companys_project_as_a_form_error(self):
        self.login(self.outsider)
        before = self.counts()
        r = self.post("buildings", self.building_file(), project=self.project)
        self.assertEqual(r.status_code, 200)
        self.assertIn("project", r.context["form"].errors)
        self.assertEqual(self.counts(), before)

    def test_it_offers_only_projects_the_user_may_write(self):
        self.login(self.manager)
        r = self.client.get("/import/units/")
        self.assertEqual(list(r.context["form"].fields["project"].queryset), [self.project])
        r = self.post("buildings", self.building_file(), project=self.project2)
        self.assertIn("project", r.context["form"].errors)
        self.assertFalse(Building.objects.filter(name="2栋").exists())

    def test_it_imports_into_the_managers_project(self):
        self.login(self.manager)
        self.assertRedirects(self.post("buildings", self.building_file()), "/buildings/")

    def test_the_service_checks_permission_itself(self):
        with self.assertRaises(PermissionDenied):
            import_run(kind="buildings", project=self.project, upload=self.building_file(), actor=self.staff)
        with self.assertRaises(PermissionDenied):
            import_run(kind="buildings", project=self.project, upload=self.building_file(), actor=self.outsider)
        self.assertFalse(Building.objects.filter(name="2栋").exists())

    def test_it_reports_rows_changed_during_the_import(self):
        self.login(self.admin)
        with mock.patch.object(BuildingImport, "write", side_effect=IntegrityError("building_name_unique")):
            r = self.post("buildings", self.building_file())
        self.assertEqual([e[:2] for e in self.errors(r)], [(0, "")])
        self.assertFalse(Building.objects.filter(name="2栋").exists())

    def test_the_service_raises_every_error(self):
        bad = xlsx(BUILDING_HEADER, [["2栋", 0], ["3栋", "x"]])
        with self.assertRaises(ImportFailed) as ctx:
            import_run(kind="buildings", project=self.project, upload=bad, actor=self.admin)
        self.assertEqual([(e.row, e.column) for e in ctx.exception.errors], [(2, "地上层数"), (3, "地上层数")])
        self.assertEqual(ctx.exception.errors[0].as_dict()["row"], 2)


class ImportSizeLimitTests(ImportTestCase):
    @override_settings(IMPORT_MAX_BYTES=1024)
    def test_it_refuses_a_file_over_the_size_limit_before_reading_it(self):
        self.login(self.admin)
        before = self.counts()
        big = xlsx(["楼栋名称", "地上层数"], [[f"{n}栋", 10] for n in range(2000)])
        self.assertGreater(big.size, 1024)
        response = self.post("buildings", big)
        self.assertEqual(response.status_code, 200)
        self.assertIn("file", response.context["form"].errors)
        self.assertEqual(self.counts(), before)
