"""Checklist templates: create, versions, from the standards library, seeding, switching off."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from core import services as core_services
from core.choices import DepartmentKind
from inspections import services
from inspections.choices import RoundKind, Scoring, Severity
from inspections.defaults import TEMPLATES
from inspections.models import ChecklistItem, ChecklistTemplate, ChecklistVersion
from inspections.selectors import get_template_for_user, template_list
from inspections.tests.base import ITEMS, InspectionTestCase
from standards.models import StandardItem, StandardRevision


class ChecklistTemplateCreateTests(InspectionTestCase):
    def test_it_creates_a_template_with_its_first_version(self) -> None:
        self.assertEqual(self.version.number, 1)
        self.assertEqual(self.template.current_version, self.version)
        self.assertEqual([i.title for i in self.version.items.order_by("sort_order")], [r["title"] for r in ITEMS])
        self.assertEqual(self.template.created_by, self.quality)

    def test_it_defaults_items(self) -> None:
        lobby, fire = self.items["lobby"], self.items["fire"]
        self.assertEqual((lobby.scoring, lobby.max_score, lobby.weight), (Scoring.PASS_FAIL, 1, Decimal(1)))
        self.assertEqual((lobby.severity_if_failed, lobby.rectify_hours), (Severity.MINOR, 168))
        self.assertEqual(fire.rectify_hours, 24)  # severe: one day
        self.assertFalse(lobby.photo_required)

    def test_it_refuses_a_taken_code(self) -> None:
        with self.assertRaises(ValidationError) as e:
            services.checklist_template_create(
                company=self.company, data={"code": "test-list", "name": "又一个"}, actor=self.quality
            )
        self.assertIn("code", e.exception.message_dict)

    def test_it_refuses_unknown_kinds(self) -> None:
        with self.assertRaises(ValidationError) as e:
            services.checklist_template_create(
                company=self.company, data={"code": "x", "name": "x", "kinds": ["weekly", "yearly"]}, actor=self.admin
            )
        self.assertIn("kinds", e.exception.message_dict)

    def test_it_allows_the_same_code_in_another_company(self) -> None:
        template = services.checklist_template_create(
            company=self.other_company, data={"code": "test-list", "name": "他山"}, actor=self.outsider
        )
        self.assertIsNone(template.current_version)

    def test_it_needs_company_wide_manage(self) -> None:
        for person in (self.manager, self.supervisor, self.inspector, self.viewer, self.outsider, self.staff):
            with self.subTest(person=person.username), self.assertRaises(PermissionDenied):
                services.checklist_template_create(
                    company=self.company, data={"code": "new", "name": "新表"}, actor=person
                )

    def test_it_updates_names_not_items(self) -> None:
        services.checklist_template_update(
            template=self.template, data={"name": "新名字", "kinds": [RoundKind.SPECIAL]}, actor=self.admin
        )
        self.template.refresh_from_db()
        self.assertEqual((self.template.name, self.template.kinds), ("新名字", ["special"]))
        with self.assertRaises(ValueError):
            services.checklist_template_update(template=self.template, data={"code": "x"}, actor=self.admin)


class ChecklistVersionCreateTests(InspectionTestCase):
    def test_it_adds_the_next_version_and_makes_it_current(self) -> None:
        version = services.checklist_version_create(
            template=self.template, items=[{"key": "lobby", "title": "大堂地面及玻璃"}], note="合并", actor=self.quality
        )
        self.template.refresh_from_db()
        self.assertEqual((version.number, self.template.current_version), (2, version))
        self.assertEqual(version.items.get().key, "lobby")  # the same item as in version 1
        self.assertEqual(self.version.items.count(), len(ITEMS))  # version 1 untouched

    @translation.override("en")  # asserts on the English message
    def test_it_names_every_bad_item(self) -> None:
        rows = [
            {"title": ""},
            {"title": "ok", "scoring": "scale", "max_score": 0},
            {"title": "weight", "weight": Decimal(0)},
            {"title": "sev", "severity_if_failed": "fatal"},
            {"title": "dup", "key": "a"},
            {"title": "dup2", "key": "a"},
            {"title": "odd", "colour": "red"},
        ]
        with self.assertRaises(ValidationError) as e:
            services.checklist_version_create(template=self.template, items=rows, actor=self.quality)
        lines = e.exception.message_dict["items"]
        for expected in ("Item 1: title", "Item 2: max_score", "Item 3: weight", "Item 4: severity_if_failed"):
            self.assertTrue(any(line.startswith(expected) for line in lines), (expected, lines))
        self.assertTrue(any("Item 6" in line and "a" in line for line in lines))
        self.assertTrue(any(line.startswith("Item 7") and "colour" in line for line in lines))
        self.assertEqual(self.template.versions.count(), 1)  # nothing kept

    def test_it_needs_items(self) -> None:
        with self.assertRaises(ValidationError) as e:
            services.checklist_version_create(template=self.template, items=[], actor=self.quality)
        self.assertIn("items", e.exception.message_dict)

    @translation.override("en")  # asserts on the English message
    def test_a_pass_fail_item_scores_one(self) -> None:
        version = services.checklist_version_create(template=self.template, items=[{"title": "x"}], actor=self.quality)
        self.assertEqual(version.items.get().max_score, 1)
        with self.assertRaises(ValidationError) as e:
            services.checklist_version_create(
                template=self.template, items=[{"title": "x", "max_score": 5}], actor=self.quality
            )
        self.assertTrue(e.exception.message_dict["items"][0].startswith("Item 1: max_score"))

    def test_it_refuses_a_standard_of_another_company(self) -> None:
        foreign = StandardRevision.objects.filter(company=self.other_company).first()
        with self.assertRaises(ValidationError) as e:
            services.checklist_version_create(
                template=self.template, items=[{"title": "x", "standard_revision": foreign}], actor=self.quality
            )
        self.assertIn("standard_revision", e.exception.message_dict["items"][0])

    def test_versions_and_items_are_immutable(self) -> None:
        with self.assertRaises(ValidationError):
            self.version.save()
        item = self.items["lobby"]
        item.title = "改"
        with self.assertRaises(ValidationError):
            item.save()

    def test_it_needs_manage(self) -> None:
        with self.assertRaises(PermissionDenied):
            services.checklist_version_create(template=self.template, items=[{"title": "x"}], actor=self.manager)


class FromStandardsTests(InspectionTestCase):
    def revisions(self, *codes):
        items = StandardItem.objects.filter(company=self.company, code__in=codes).select_related("current_revision")
        by_code = {i.code: i.current_revision for i in items}
        return [by_code[c] for c in codes]

    def test_it_makes_one_item_per_standard(self) -> None:
        revisions = self.revisions("cln-corridor", "eng-urgent-repair", "sec-gate", "cs-hotline")
        template = services.checklist_template_from_standards(
            company=self.company,
            name="综合",
            code="mixed",
            revisions=revisions,
            kinds=[RoundKind.WEEKLY],
            actor=self.quality,
        )
        items = list(template.current_version.items.order_by("sort_order"))
        self.assertEqual([i.standard_revision for i in items], revisions)
        self.assertEqual([i.key for i in items], ["cln-corridor", "eng-urgent-repair", "sec-gate", "cs-hotline"])
        cleaning, urgent, gate, hotline = items
        self.assertEqual((cleaning.section, cleaning.department_kind), ("环境", DepartmentKind.CLEANING))
        self.assertEqual((cleaning.severity_if_failed, cleaning.photo_required), (Severity.MINOR, True))
        # engineering is major; a 30-minute time limit makes it one step more: severe, 24 h
        self.assertEqual((urgent.severity_if_failed, urgent.rectify_hours), (Severity.SEVERE, 24))
        self.assertEqual((gate.severity_if_failed, gate.photo_required), (Severity.MAJOR, False))
        self.assertEqual(hotline.department_kind, DepartmentKind.CUSTOMER_SERVICE)
        self.assertTrue(all(i.scoring == Scoring.PASS_FAIL and i.weight == 1 for i in items))
        self.assertEqual(cleaning.requirement, revisions[0].judgement)

    def test_it_refuses_standards_of_another_company(self) -> None:
        foreign = StandardRevision.objects.filter(company=self.other_company)[:1]
        with self.assertRaises(ValidationError) as e:
            services.checklist_template_from_standards(
                company=self.company, name="x", code="x", revisions=foreign, kinds=[], actor=self.quality
            )
        self.assertIn("revisions", e.exception.message_dict)

    def test_it_needs_standards(self) -> None:
        with self.assertRaises(ValidationError):
            services.checklist_template_from_standards(
                company=self.company, name="x", code="x", revisions=[], kinds=[], actor=self.quality
            )


class SeedTests(InspectionTestCase):
    def test_every_company_starts_with_the_starter_checklists(self) -> None:
        codes = {t.code for t in TEMPLATES}
        for company in (self.company, self.other_company):
            have = set(ChecklistTemplate.objects.filter(company=company).values_list("code", flat=True))
            self.assertLessEqual(codes, have)
        names = set(ChecklistTemplate.objects.filter(company=self.company).values_list("name", flat=True))
        self.assertLessEqual({"日常品质检查", "节前安全专项检查", "雨季防汛专项检查", "神秘访客(客服)"}, names)

    def test_the_starter_items_point_at_the_company_standards(self) -> None:
        items = ChecklistItem.objects.filter(version__template__company=self.company, standard_revision__isnull=False)
        self.assertTrue(items.exists())
        self.assertFalse(items.exclude(standard_revision__company=self.company).exists())

    def test_the_special_checklists_are_set_up_for_their_purpose(self) -> None:
        safety = ChecklistTemplate.objects.get(company=self.company, code="holiday-safety")
        fire = safety.current_version.items.get(key="eng-fire-facilities")
        self.assertEqual((fire.severity_if_failed, fire.weight), (Severity.SEVERE, Decimal(2)))
        flood = ChecklistTemplate.objects.get(company=self.company, code="flood-season").current_version
        self.assertTrue(flood.items.filter(standard_revision__isnull=True, title="地下车库挡水设施").exists())
        mystery = ChecklistTemplate.objects.get(company=self.company, code="mystery-shopper-cs")
        self.assertEqual(mystery.kinds, [RoundKind.MYSTERY_SHOPPER, RoundKind.THIRD_PARTY])
        self.assertTrue(
            all(i.scoring == Scoring.SCALE and i.max_score == 5 for i in mystery.current_version.items.all())
        )

    def test_it_is_idempotent_and_keeps_edits(self) -> None:
        daily = ChecklistTemplate.objects.get(company=self.company, code="daily-quality")
        services.checklist_version_create(template=daily, items=[{"title": "只查一项"}], actor=self.quality)
        ChecklistTemplate.objects.filter(company=self.company, code="flood-season").update(code="flood-old")
        before = ChecklistVersion.objects.filter(template__company=self.company).count()
        self.assertEqual(services.checklist_defaults_seed(company=self.company), 1)  # only the missing code
        self.assertEqual(services.checklist_defaults_seed(company=self.company), 0)
        self.assertEqual(ChecklistVersion.objects.filter(template__company=self.company).count(), before + 1)
        daily.refresh_from_db()
        self.assertEqual(daily.current_version.number, 2)

    def test_it_skips_standards_the_company_removed(self) -> None:
        company = core_services.company_create(name="新公司", code="fresh", actor=self.operator)
        StandardItem.objects.filter(company=company, code="cs-hotline").update(is_active=False)
        ChecklistTemplate.objects.filter(company=company, code="mystery-shopper-cs").update(code="mystery-old")
        services.checklist_defaults_seed(company=company)
        mystery = ChecklistTemplate.objects.get(company=company, code="mystery-shopper-cs").current_version
        self.assertFalse(mystery.items.filter(key="cs-hotline").exists())


class DeactivateTests(InspectionTestCase):
    def test_it_switches_a_template_off_and_on(self) -> None:
        services.checklist_template_deactivate(template=self.template, actor=self.quality)
        self.assertFalse(ChecklistTemplate.objects.get(pk=self.template.pk).is_active)
        services.checklist_template_activate(template=self.template, actor=self.quality)
        self.assertTrue(ChecklistTemplate.objects.get(pk=self.template.pk).is_active)

    def test_it_needs_manage(self) -> None:
        with self.assertRaises(PermissionDenied):
            services.checklist_template_deactivate(template=self.template, actor=self.viewer)


class TemplateAccessTests(InspectionTestCase):
    def test_it_lists_the_company_checklists_for_viewers_of_inspections(self) -> None:
        for person in (self.quality, self.manager, self.supervisor, self.viewer, self.admin):
            with self.subTest(person=person.username):
                self.assertIn(self.template, template_list(user=person))
                self.assertEqual(get_template_for_user(user=person, pk=self.template.pk), self.template)

    def test_it_hides_checklists_from_outsiders_staff_and_third_parties(self) -> None:
        for person in (self.outsider, self.staff, self.inspector, self.owner):
            with self.subTest(person=person.username):
                self.assertNotIn(self.template, template_list(user=person))
                with self.assertRaises(Http404):
                    get_template_for_user(user=person, pk=self.template.pk)

    def test_it_refuses_writes_without_company_wide_manage(self) -> None:
        self.assertEqual(get_template_for_user(user=self.quality, pk=self.template.pk, write=True), self.template)
        for person in (self.manager, self.viewer):
            with self.subTest(person=person.username), self.assertRaises(PermissionDenied):
                get_template_for_user(user=person, pk=self.template.pk, write=True)

    def test_it_answers_404_for_nonsense_ids(self) -> None:
        for pk in ("x", None, 10**9):
            with self.assertRaises(Http404):
                get_template_for_user(user=self.quality, pk=pk)
