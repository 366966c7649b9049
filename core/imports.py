"""Excel import of buildings, units and owners into one project.

All or nothing: every row is validated first and every problem reported as (row, column,
reason); rows are written only if the whole file is valid, in one transaction.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from accounts.models import phone_validator
from core.access import require_perm
from core.choices import Perm, ResidentRelation, UnitStatus
from core.models import Building, Project, Resident, Unit, UnitResident
from lib.excel import workbook_bytes


@dataclass(frozen=True)
class ImportColumn:
    header: str  # the Chinese header in the template (also accepted in English via ``aliases``)
    key: str
    required: bool = True
    parse: Callable[[Any], Any] = str
    aliases: tuple[str, ...] = ()
    example: Any = ""
    # Column labels of the list export (lazy, same msgids as core/tables.py), accepted in
    # every language so an exported list can be edited and imported back.
    labels: tuple[Any, ...] = ()

    def candidates(self) -> set[str]:
        names = {self.header, *self.aliases}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                names.update(str(label) for label in self.labels)
        return {_header_key(n) for n in names}


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportFailed(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


#
# Cell parsers: raise ValueError with a message for the user
#
def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(_text(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None  # NaN and Infinity are not numbers to us


def _whole(low: int, high: int) -> Callable[[Any], int]:
    """A whole number in [low, high]; the bounds are the column's range, so the database never refuses it."""

    def parse(value: Any) -> int:
        number = _decimal(value)
        if number is None or number != number.to_integral_value():
            raise ValueError(_("must be a whole number"))
        if not low <= number <= high:
            if low == 1:
                raise ValueError(_("must be a whole number of at least 1 and at most {high}").format(high=high))
            raise ValueError(_("must be a whole number from {low} to {high}").format(low=low, high=high))
        return int(number)

    return parse


_SMALLINT_MAX = 32767
_positive_int = _whole(1, _SMALLINT_MAX)  # Building.floors: PositiveSmallIntegerField
_floor = _whole(-_SMALLINT_MAX - 1, _SMALLINT_MAX)  # Unit.floor: SmallIntegerField
_sort_order = _whole(0, 2147483647)  # Building.sort_order: PositiveIntegerField


def _area(value: Any) -> Decimal:
    number = _decimal(value)
    if number is None:
        raise ValueError(_("must be a number in square metres"))
    if number <= 0 or number >= Decimal("100000000"):
        raise ValueError(_("must be greater than 0 and less than 100,000,000"))
    return number.quantize(Decimal("0.01"))


# Words people type in the 状态/关系 columns whatever the interface language is.
CHOICE_SYNONYMS: dict[str, str] = {
    "已入住": UnitStatus.OCCUPIED,
    "入住": UnitStatus.OCCUPIED,
    "自住": UnitStatus.OCCUPIED,
    "空置": UnitStatus.VACANT,
    "空房": UnitStatus.VACANT,
    "业主": ResidentRelation.OWNER,
    "租户": ResidentRelation.TENANT,
    "租客": ResidentRelation.TENANT,
    "家属": ResidentRelation.FAMILY,
    "家庭成员": ResidentRelation.FAMILY,
}


def _choice(choices: type) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = _text(value)
        key = text.lower()
        if CHOICE_SYNONYMS.get(text) in choices.values:
            return CHOICE_SYNONYMS[text]
        for code, label in choices.choices:
            if key == code or key in _translations(label):
                return code
        allowed = "、".join(str(label) for _c, label in choices.choices)
        raise ValueError(_("must be one of: {allowed}").format(allowed=allowed))

    return parse


def _translations(label: Any) -> set[str]:
    names = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.add(str(label).lower())
    return names


def _header_key(name: str) -> str:
    """Headers compare without case, spaces or full-width punctuation: 建筑面积（㎡） == 建筑面积(m²)."""
    text = name.strip().lower().replace(" ", "").replace("（", "(").replace("）", ")")
    return text.replace("㎡", "m²").replace("m2", "m²")


def _yes_no(value: Any) -> bool:
    text = _text(value).lower()
    if text in {"是", "yes", "y", "true", "1", "已认证"}:
        return True
    if text in {"否", "no", "n", "false", "0", "未认证", ""}:
        return False
    raise ValueError(_("must be 是 or 否"))


def _phone(value: Any) -> str:
    text = _text(value).replace(" ", "").replace("-", "")
    try:
        phone_validator(text)
    except ValidationError:
        raise ValueError(_("must be an 11-digit mainland mobile number")) from None
    return text


def _name(limit: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = _text(value)
        if len(text) > limit:
            raise ValueError(_("must be at most {n} characters").format(n=limit))
        return text

    return parse


#
# Import kinds
#
class ImportKind(ABC):
    name: str
    title: Any
    perm: str = Perm.ORG_MANAGE
    columns: list[ImportColumn]

    def template(self) -> bytes:
        return workbook_bytes(
            sheet_title=str(self.title),
            header=[c.header for c in self.columns],
            rows=[[c.example for c in self.columns]],
            required={i for i, c in enumerate(self.columns) if c.required},
            notes=[
                _("Shaded columns are required. Delete the example row before importing."),
                _("The file is imported only if every row is valid; otherwise nothing changes."),
                _("Empty optional cells keep the current value of rows that already exist."),
            ],
        )

    def header_of(self, key: str) -> str:
        return next((c.header for c in self.columns if c.key == key), "")

    def column_index(self, header: str) -> int:
        return next((i for i, c in enumerate(self.columns) if c.header == header), -1)

    def model_errors(self, instance, number: int, *, exclude: list[str]) -> list[RowError]:
        """The model's own field validation (lengths, ranges, choices) as row errors, before anything is written."""
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            return [
                RowError(number, self.header_of(field), message)
                for field, messages in exc.message_dict.items()
                for message in messages
            ]
        return []

    @abstractmethod
    def validate(self, *, project: Project, rows: list[tuple[int, dict]], complete: set[int]) -> list[RowError]:
        """Cross-row and database checks over every row; model checks only for ``complete`` rows (all cells parsed)."""

    @abstractmethod
    def write(self, *, project: Project, rows: list[tuple[int, dict]], actor) -> ImportResult:
        """Create or update rows; runs inside the import's transaction."""


def _duplicates(rows: list[tuple[int, dict]], key: Callable[[dict], Any], column: str) -> list[RowError]:
    errors, seen = [], {}
    for number, row in rows:
        value = key(row)
        if value is None:
            continue
        if value in seen:
            errors.append(RowError(number, column, _("duplicates row {n}").format(n=seen[value])))
        else:
            seen[value] = number
    return errors


class BuildingImport(ImportKind):
    name = "buildings"
    title = gettext_lazy("Buildings")
    columns = [
        ImportColumn(
            "楼栋名称",
            "name",
            parse=_name(50),
            aliases=("name",),
            example="1栋",
            labels=(gettext_lazy("building"), gettext_lazy("name")),
        ),
        ImportColumn(
            "地上层数",
            "floors",
            parse=_positive_int,
            aliases=("floors",),
            example=18,
            labels=(gettext_lazy("floors above ground"),),
        ),
        ImportColumn(
            "排序",
            "sort_order",
            required=False,
            parse=_sort_order,
            aliases=("sort_order",),
            example=1,
            labels=(gettext_lazy("sort order"),),
        ),
    ]

    def validate(self, *, project, rows, complete):
        errors = _duplicates(rows, lambda row: row.get("name"), "楼栋名称")
        for number, row in rows:
            if number in complete:
                building = Building(
                    company_id=project.company_id,
                    project=project,
                    name=row["name"],
                    floors=row["floors"],
                    sort_order=row.get("sort_order", 0),
                )
                errors += self.model_errors(building, number, exclude=["company", "project"])
        return errors

    def write(self, *, project, rows, actor):
        existing = {b.name: b for b in Building.objects.filter(project=project)}
        result = ImportResult()
        for _number, row in rows:
            building = existing.get(row["name"]) or Building(company_id=project.company_id, project=project)
            result.updated += bool(building.pk)
            result.created += not building.pk
            building.name, building.floors = row["name"], row["floors"]
            if "sort_order" in row or not building.pk:
                building.sort_order = row.get("sort_order", 0)
            building.save()
        return result


class UnitImport(ImportKind):
    name = "units"
    title = gettext_lazy("Units")
    columns = [
        ImportColumn(
            "楼栋",
            "building",
            parse=_name(50),
            aliases=("building",),
            example="1栋",
            labels=(gettext_lazy("building"),),
        ),
        ImportColumn(
            "单元",
            "entrance",
            required=False,
            parse=_name(20),
            aliases=("entrance",),
            example="1单元",
            labels=(gettext_lazy("entrance"),),
        ),
        ImportColumn("楼层", "floor", parse=_floor, aliases=("floor",), example=15, labels=(gettext_lazy("floor"),)),
        ImportColumn(
            "房号",
            "number",
            parse=_name(20),
            aliases=("number", "room"),
            example="1501",
            labels=(gettext_lazy("room number"),),
        ),
        ImportColumn(
            "房屋编码",
            "code",
            required=False,
            parse=_name(60),
            aliases=("code",),
            example="1-1-1501",
            labels=(gettext_lazy("unit code"),),
        ),
        ImportColumn(
            "建筑面积",
            "floor_area",
            parse=_area,
            aliases=("floor_area", "建筑面积(㎡)"),
            example=128.5,
            labels=(gettext_lazy("floor area (m²)"),),
        ),
        ImportColumn(
            "状态",
            "status",
            required=False,
            parse=_choice(UnitStatus),
            aliases=("status",),
            example="已入住",
            labels=(gettext_lazy("status"),),
        ),
    ]

    def _code(self, row: dict) -> str:
        if row.get("code"):
            return row["code"]
        building = row["building"].removesuffix("栋").removesuffix("号楼")
        entrance = (row.get("entrance") or "").removesuffix("单元")
        return "-".join(p for p in (building, entrance, row["number"]) if p)

    def validate(self, *, project, rows, complete):
        buildings = {b.name: b for b in Building.objects.filter(project=project)}
        errors = _duplicates(
            rows, lambda row: self._code(row) if "building" in row and "number" in row else None, "房屋编码"
        )
        for number, row in rows:
            if "building" in row and row["building"] not in buildings:
                errors.append(
                    RowError(
                        number,
                        "楼栋",
                        _("no building named {name} in this project; import buildings first").format(
                            name=row["building"]
                        ),
                    )
                )
            elif number in complete:
                unit = Unit(
                    company_id=project.company_id,
                    project=project,
                    building=buildings[row["building"]],
                    entrance=row.get("entrance", ""),
                    floor=row["floor"],
                    number=row["number"],
                    code=self._code(row),
                    floor_area=row["floor_area"],
                    status=row.get("status", UnitStatus.OCCUPIED),
                )
                errors += self.model_errors(unit, number, exclude=["company", "project", "building"])
        return errors

    def write(self, *, project, rows, actor):
        buildings = {b.name: b for b in Building.objects.filter(project=project)}
        existing = {u.code: u for u in Unit.objects.filter(project=project)}
        result, new = ImportResult(), []
        for _number, row in rows:
            code = self._code(row)
            unit = existing.get(code) or Unit(company_id=project.company_id, project=project, code=code)
            unit.building = buildings[row["building"]]
            unit.floor, unit.number, unit.floor_area = row["floor"], row["number"], row["floor_area"]
            if "entrance" in row or not unit.pk:
                unit.entrance = row.get("entrance", "")
            if "status" in row or not unit.pk:
                unit.status = row.get("status", UnitStatus.OCCUPIED)
            if unit.pk:
                unit.save()
                result.updated += 1
            else:
                new.append(unit)
        Unit.objects.bulk_create(new, batch_size=1000)
        result.created = len(new)
        return result


class OwnerImport(ImportKind):
    name = "owners"
    title = gettext_lazy("Owners")
    perm = Perm.OWNERS_MANAGE
    columns = [
        ImportColumn(
            "房屋编码",
            "unit_code",
            parse=_name(60),
            aliases=("unit_code",),
            example="1-1-1501",
            labels=(gettext_lazy("unit code"),),
        ),
        ImportColumn(
            "姓名", "name", parse=_name(50), aliases=("name",), example="张伟", labels=(gettext_lazy("name"),)
        ),
        ImportColumn(
            "手机号",
            "phone",
            parse=_phone,
            aliases=("phone",),
            example="13800138000",
            labels=(gettext_lazy("mobile phone"),),
        ),
        ImportColumn(
            "关系",
            "relation",
            required=False,
            parse=_choice(ResidentRelation),
            aliases=("relation",),
            example="业主",
            labels=(gettext_lazy("relation"),),
        ),
        ImportColumn(
            "已认证",
            "verified",
            required=False,
            parse=_yes_no,
            aliases=("verified",),
            example="是",
            labels=(gettext_lazy("verified"),),
        ),
    ]

    def validate(self, *, project, rows, complete):
        codes = set(Unit.objects.filter(project=project).values_list("code", flat=True))
        errors = _duplicates(
            rows,
            lambda row: (row["unit_code"], row["phone"]) if "unit_code" in row and "phone" in row else None,
            "手机号",
        )
        names = {}
        for number, row in rows:
            if "unit_code" in row and row["unit_code"] not in codes:
                errors.append(
                    RowError(
                        number, "房屋编码", _("no unit with code {code} in this project").format(code=row["unit_code"])
                    )
                )
            if "phone" in row and "name" in row:
                first = names.setdefault(row["phone"], (row["name"], number))
                if first[0] != row["name"]:
                    errors.append(
                        RowError(number, "姓名", _("row {n} gives another name for this phone").format(n=first[1]))
                    )
        known = dict(
            Resident.objects.filter(company_id=project.company_id, phone__in=list(names)).values_list("phone", "name")
        )
        for number, row in rows:
            if row.get("phone") in known and "name" in row and known[row["phone"]] != row["name"]:
                errors.append(
                    RowError(
                        number, "姓名", _("this phone belongs to {name} on the roster").format(name=known[row["phone"]])
                    )
                )
        return errors

    def write(self, *, project, rows, actor):
        from core.services import resident_link_account

        company_id = project.company_id
        residents = {r.phone: r for r in Resident.objects.filter(company_id=company_id)}
        units = {u.code: u for u in Unit.objects.filter(project=project)}
        result = ImportResult()
        now = timezone.now()
        for _number, row in rows:
            resident = residents.get(row["phone"])
            if resident is None:
                resident = Resident.objects.create(company_id=company_id, name=row["name"], phone=row["phone"])
                resident_link_account(resident=resident)
                residents[row["phone"]] = resident
            link, created = UnitResident.objects.get_or_create(
                unit=units[row["unit_code"]],
                resident=resident,
                defaults={"company_id": company_id, "relation": row.get("relation", ResidentRelation.OWNER)},
            )
            if not created:
                link.relation = row.get("relation", link.relation)
            if row.get("verified") and not link.is_verified:
                link.is_verified, link.verified_at, link.verified_by = True, now, actor
            link.save()
            result.created += created
            result.updated += not created
        return result


IMPORT_KINDS: dict[str, ImportKind] = {k.name: k for k in (BuildingImport(), UnitImport(), OwnerImport())}


#
# Reading and running
#
def _read_rows(kind: ImportKind, upload) -> tuple[list[tuple[int, dict]], list[RowError]]:
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types (zip, XML, KeyError) on a broken file
        return [], [RowError(0, "", _("The file is not a readable .xlsx workbook."))]
    try:
        if not workbook.worksheets:
            return [], [RowError(0, "", _("The file is not a readable .xlsx workbook."))]
        return _read_sheet(kind, workbook.worksheets[0])
    finally:
        workbook.close()  # read-only workbooks keep the archive open until closed


def _read_sheet(kind: ImportKind, sheet) -> tuple[list[tuple[int, dict]], list[RowError]]:
    lines = sheet.iter_rows(values_only=True)
    header = next(lines, None)
    if not header or all(h is None or _text(h) == "" for h in header):
        return [], [RowError(1, "", _("The sheet is empty."))]
    names = [_header_key(_text(h)) if h is not None else "" for h in header]
    positions: dict[str, int] = {}
    errors = []
    for column in kind.columns:
        candidates = column.candidates()
        position = next((i for i, name in enumerate(names) if name in candidates), None)
        if position is not None:
            positions[column.key] = position
        elif column.required:
            errors.append(RowError(1, column.header, _("required column is missing from the header row")))
    if errors:
        return [], errors
    rows = []
    for number, values in enumerate(lines, start=2):
        if values is None or all(v is None or _text(v) == "" for v in values):
            continue
        if len(rows) >= settings.IMPORT_MAX_ROWS:
            return [], [
                RowError(number, "", _("too many rows: at most {n} per file").format(n=settings.IMPORT_MAX_ROWS))
            ]
        row, row_errors = _parse_row(kind, positions, values, number)
        rows.append((number, row))
        errors.extend(row_errors)
    if not rows and not errors:
        errors.append(RowError(2, "", _("The file has no data rows.")))
    return rows, errors


def _parse_row(kind: ImportKind, positions: dict[str, int], values: tuple, number: int):
    row, errors = {}, []
    for column in kind.columns:
        position = positions.get(column.key)
        raw = values[position] if position is not None and position < len(values) else None
        if raw is None or _text(raw) == "":
            if column.required:
                errors.append(RowError(number, column.header, _("is required")))
            continue
        try:
            row[column.key] = column.parse(raw)
        except ValueError as exc:
            errors.append(RowError(number, column.header, str(exc)))
    return row, errors


def import_run(*, kind: str, project: Project, upload, actor) -> ImportResult:
    """Validate the whole file, then write it in one transaction; raise ImportFailed with every error."""
    spec = IMPORT_KINDS[kind]
    require_perm(actor, spec.perm, company_id=project.company_id, project_id=project.id)
    rows, errors = _read_rows(spec, upload)
    if rows:
        bad = {e.row for e in errors}
        errors += spec.validate(project=project, rows=rows, complete={n for n, _row in rows if n not in bad})
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: (e.row, spec.column_index(e.column))))
    try:
        with transaction.atomic():
            return spec.write(project=project, rows=rows, actor=actor)
    except IntegrityError:  # rows changed between validation and writing (a concurrent import or edit)
        raise ImportFailed(
            [
                RowError(
                    0,
                    "",
                    _(
                        "The rows changed while the file was being imported; nothing was "
                        "written. Please import the file again."
                    ),
                )
            ]
        ) from None


def import_template(kind: str) -> bytes:
    return IMPORT_KINDS[kind].template()
