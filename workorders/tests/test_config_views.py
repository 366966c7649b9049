from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from core import services as core_services
from core.choices import DepartmentKind, Role
from core.models import Membership
from lib.testing import BaseTestCase, make_user
from workorders import services
from workorders.choices import AcceptTimeoutAction, Kind, Priority, SlaClock
from workorders.config_views import human_minutes
from workorders.models import Category, DispatchRule, SlaPolicy, WorkOrderSettings
from workorders.tests.factories import category


def url(name: str, *args) -> str:
    return reverse(f"workorder_config:{name}", args=args)


class ConfigTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.quality = make_user("quality", name="李品质", phone="13900000009")
        core_services.membership_grant(
            company=cls.company, user=cls.quality, role=Role.QUALITY_MANAGER, actor=cls.admin
        )

    def login(self, user) -> None:
        super().login(user)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


#
# Categories
#
class CategoryPagesTests(ConfigTestCase):
    def category_data(self, **overrides) -> dict:
        data = {
            "name": "阳台漏水",
            "code": "water-balcony",
            "parent": category(self.company, "water").pk,
            "kind": Kind.REPAIR,
            "priority_hint": Priority.P1,
            "department_kind": "",
            "description": "雨天阳台积水渗漏",
            "sort_order": 9,
            "is_active": "on",
        }
        return {**data, **overrides}

    def test_it_lists_the_tree_with_children_under_their_parent(self):
        self.login(self.admin)
        response = self.client.get(url("category_list"))
        body = response.content.decode()
        self.assertLess(body.index("给排水"), body.index("漏水/渗水"))
        self.assertLess(body.index("漏水/渗水"), body.index("电气"))
        self.assertContains(response, "服务态度")

    def test_it_filters_by_kind(self):
        self.login(self.admin)
        response = self.client.get(url("category_list"), {"kind": Kind.COMPLAINT})
        self.assertContains(response, "服务态度")
        self.assertNotContains(response, "给排水")

    def test_it_exports_the_tree(self):
        self.login(self.admin)
        response = self.client.get(url("category_list"), {"export": "xlsx"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("spreadsheetml", response["Content-Type"])

    def test_it_creates_a_sub_category(self):
        self.login(self.admin)
        response = self.client.post(url("category_create"), self.category_data())
        self.assertRedirects(response, url("category_list"))
        created = Category.objects.get(company=self.company, code="water-balcony")
        self.assertEqual((created.parent.code, created.priority_hint), ("water", Priority.P1))

    def test_it_lets_the_quality_manager_edit(self):
        self.login(self.quality)
        leak = category(self.company, "water-leak")
        data = self.category_data(name="漏水/渗水（户内）", code="water-leak", priority_hint=Priority.P0)
        self.assertRedirects(self.client.post(url("category_edit", leak.pk), data), url("category_list"))
        leak.refresh_from_db()
        self.assertEqual((leak.name, leak.priority_hint), ("漏水/渗水（户内）", Priority.P0))

    def test_it_rejects_a_duplicate_code(self):
        self.login(self.admin)
        before = Category.objects.filter(company=self.company).count()
        response = self.client.post(url("category_create"), self.category_data(code="water-leak"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("code", response.context["form"].errors)
        self.assertEqual(Category.objects.filter(company=self.company).count(), before)

    def test_it_keeps_the_tree_two_levels_deep(self):
        self.login(self.admin)
        data = self.category_data(parent=category(self.company, "water-leak").pk)
        response = self.client.post(url("category_create"), data)
        self.assertIn("parent", response.context["form"].errors)
        self.assertFalse(Category.objects.filter(company=self.company, code="water-balcony").exists())

    def test_it_refuses_a_parent_with_another_kind(self):
        self.login(self.admin)
        response = self.client.post(url("category_create"), self.category_data(kind=Kind.COMPLAINT))
        self.assertIn("kind", response.context["form"].errors)

    def test_it_keeps_a_parent_with_children_top_level(self):
        self.login(self.admin)
        water = category(self.company, "water")
        data = self.category_data(name="给排水", code="water", parent=category(self.company, "electric").pk)
        response = self.client.post(url("category_edit", water.pk), data)
        self.assertIn("parent", response.context["form"].errors)
        water.refresh_from_db()
        self.assertIsNone(water.parent_id)

    def test_it_refuses_staff_and_viewers(self):
        leak = category(self.company, "water-leak")
        for user in (self.staff, self.viewer, self.manager):
            self.login(user)
            for path in (url("category_list"), url("category_create"), url("category_edit", leak.pk)):
                with self.subTest(user=user.username, path=path):
                    self.assertEqual(self.client.get(path).status_code, 403)

    def test_it_hides_company_a_categories_from_the_outsider(self):
        self.login(self.outsider)
        leak = category(self.company, "water-leak")
        self.assertEqual(self.client.get(url("category_edit", leak.pk)).status_code, 404)
        response = self.client.post(url("category_edit", leak.pk), self.category_data(code="water-leak", name="x"))
        self.assertEqual(response.status_code, 404)
        leak.refresh_from_db()
        self.assertEqual(leak.name, "漏水/渗水")
        self.assertNotContains(self.client.get(url("category_list")), "安居")

    def test_it_creates_in_the_outsiders_own_company(self):
        self.login(self.outsider)
        self.client.post(url("category_create"), self.category_data(parent=category(self.other_company, "water").pk))
        self.assertTrue(Category.objects.filter(company=self.other_company, code="water-balcony").exists())
        self.assertFalse(Category.objects.filter(company=self.company, code="water-balcony").exists())

    def test_it_refuses_a_parent_of_another_company(self):
        self.login(self.admin)
        response = self.client.post(
            url("category_create"), self.category_data(parent=category(self.other_company, "water").pk)
        )
        self.assertIn("parent", response.context["form"].errors)

    def test_it_sends_anonymous_to_sign_in(self):
        response = self.client.get(url("category_list"))
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response["Location"])


#
# SLA policies
#
class HumanMinutesTests(ConfigTestCase):
    def test_it_speaks_in_working_days_minutes_and_hours(self):
        with translation.override("en"):
            self.assertEqual(human_minutes(1080, clock=SlaClock.BUSINESS, workday=540), "2 working days")
            self.assertEqual(human_minutes(540, clock=SlaClock.BUSINESS, workday=540), "1 working day")
            self.assertEqual(human_minutes(1440, clock=SlaClock.ROUND_THE_CLOCK, workday=540), "24 hours")
            self.assertEqual(human_minutes(30, clock=SlaClock.BUSINESS, workday=540), "30 minutes")
            self.assertEqual(human_minutes(90, clock=SlaClock.BUSINESS, workday=540), "90 minutes")
            self.assertEqual(human_minutes(None, clock=SlaClock.BUSINESS, workday=540), "—")


class SlaPolicyPagesTests(ConfigTestCase):
    def policy_data(self, **overrides) -> dict:
        data = {
            "kind": Kind.REPAIR,
            "priority": Priority.P2,
            "service_level": "level_1",
            "clock": SlaClock.BUSINESS,
            "acknowledge_minutes": 15,
            "dispatch_minutes": 30,
            "arrive_minutes": "",
            "resolve_minutes": 540,
        }
        return {**data, **overrides}

    def test_it_shows_the_matrix_in_human_units(self):
        self.login(self.admin)
        response = self.client.get(url("sla_policy_list"), {"kind": Kind.REPAIR, "priority": Priority.P2})
        self.assertContains(response, "2 working days")  # resolve of repair P2
        self.assertContains(response, "30 minutes")
        self.assertContains(response, "at the agreed time")
        self.assertContains(response, "Business calendar")
        response = self.client.get(url("sla_policy_list"), {"kind": Kind.REPAIR, "priority": Priority.P0})
        self.assertContains(response, "2 hours")
        self.assertContains(response, "Around the clock")

    def test_it_filters_policies_for_all_levels(self):
        self.login(self.admin)
        response = self.client.get(url("sla_policy_list"), {"kind": Kind.REPAIR, "service_level": "all"})
        self.assertEqual({p.service_level for p in response.context["table"].rows}, {""})
        response = self.client.get(url("sla_policy_list"), {"kind": Kind.REPAIR, "service_level": "level_1"})
        self.assertEqual({p.service_level for p in response.context["table"].rows}, {"level_1"})

    def test_it_shows_one_page_with_every_policy(self):
        self.login(self.admin)
        response = self.client.get(url("sla_policy_list"))
        self.assertEqual(len(response.context["table"].rows), SlaPolicy.objects.filter(company=self.company).count())

    def test_it_creates_a_policy_for_a_service_level(self):
        self.login(self.admin)
        self.assertRedirects(self.client.post(url("sla_policy_create"), self.policy_data()), url("sla_policy_list"))
        policy = SlaPolicy.objects.get(
            company=self.company, kind=Kind.REPAIR, priority=Priority.P2, service_level="level_1"
        )
        self.assertEqual((policy.acknowledge_minutes, policy.arrive_minutes), (15, None))

    def test_it_edits_a_policy(self):
        self.login(self.quality)
        policy = SlaPolicy.objects.get(company=self.company, kind=Kind.REPAIR, priority=Priority.P2, service_level="")
        data = self.policy_data(service_level="", resolve_minutes=3 * 540)
        self.assertRedirects(self.client.post(url("sla_policy_edit", policy.pk), data), url("sla_policy_list"))
        policy.refresh_from_db()
        self.assertEqual(policy.resolve_minutes, 1620)

    def test_it_rejects_negative_minutes(self):
        self.login(self.admin)
        response = self.client.post(url("sla_policy_create"), self.policy_data(resolve_minutes=-5))
        self.assertEqual(response.status_code, 200)
        self.assertIn("resolve_minutes", response.context["form"].errors)
        self.assertFalse(
            SlaPolicy.objects.filter(company=self.company, priority=Priority.P2, service_level="level_1").exists()
        )

    def test_it_rejects_a_second_policy_for_the_same_cell(self):
        self.login(self.admin)
        before = SlaPolicy.objects.filter(company=self.company).count()
        response = self.client.post(url("sla_policy_create"), self.policy_data(service_level=""))
        self.assertIn("service_level", response.context["form"].errors)
        self.assertEqual(SlaPolicy.objects.filter(company=self.company).count(), before)

    def test_it_explains_the_minutes(self):
        self.login(self.admin)
        self.assertContains(self.client.get(url("sla_policy_create")), "working minutes for the business calendar")

    def test_it_refuses_staff(self):
        policy = SlaPolicy.objects.filter(company=self.company).first()
        self.login(self.staff)
        for path in (url("sla_policy_list"), url("sla_policy_create"), url("sla_policy_edit", policy.pk)):
            self.assertEqual(self.client.get(path).status_code, 403, path)

    def test_it_hides_company_a_policies_from_the_outsider(self):
        policy = SlaPolicy.objects.filter(company=self.company).first()
        self.login(self.outsider)
        self.assertEqual(self.client.get(url("sla_policy_edit", policy.pk)).status_code, 404)
        response = self.client.post(url("sla_policy_edit", policy.pk), self.policy_data(resolve_minutes=1))
        self.assertEqual(response.status_code, 404)
        policy.refresh_from_db()
        self.assertNotEqual(policy.resolve_minutes, 1)


#
# Company settings
#
class SettingsPageTests(ConfigTestCase):
    data = {
        "reopen_days": 14,
        "auto_dispatch": "",
        "accept_timeout_minutes": 30,
        "accept_timeout_action": AcceptTimeoutAction.REDISPATCH,
        "follow_up_hours": 24,
        "breach_rectification_threshold": 5,
        "weather_warning_until": "",
        "weather_factor": "1.5",
    }

    def test_it_saves_the_settings(self):
        self.login(self.admin)
        self.assertContains(self.client.get(url("settings_edit")), "reopen_days")
        self.assertRedirects(self.client.post(url("settings_edit"), self.data), url("settings_edit"))
        saved = WorkOrderSettings.objects.get(company=self.company)
        self.assertEqual((saved.reopen_days, saved.auto_dispatch, saved.follow_up_hours), (14, False, 24))

    def test_it_declares_a_red_weather_warning(self):
        self.login(self.quality)
        data = {**self.data, "weather_warning_until": "2026-11-22T18:00", "weather_factor": "2"}
        self.assertRedirects(self.client.post(url("settings_edit"), data), url("settings_edit"))
        saved = WorkOrderSettings.objects.get(company=self.company)
        self.assertEqual(timezone.localtime(saved.weather_warning_until).strftime("%Y-%m-%d %H:%M"), "2026-11-22 18:00")
        response = self.client.post(url("settings_edit"), {**data, "weather_factor": "0.5"})
        self.assertIn("weather_factor", response.context["form"].errors)

    def test_it_rejects_a_zero_timeout(self):
        self.login(self.quality)
        response = self.client.post(url("settings_edit"), {**self.data, "accept_timeout_minutes": 0})
        self.assertIn("accept_timeout_minutes", response.context["form"].errors)
        self.assertEqual(WorkOrderSettings.objects.get(company=self.company).accept_timeout_minutes, 15)

    def test_it_refuses_staff_and_project_managers(self):
        for user in (self.staff, self.manager, self.viewer):
            self.login(user)
            self.assertEqual(self.client.get(url("settings_edit")).status_code, 403, user.username)

    def test_it_changes_only_the_outsiders_own_company(self):
        self.login(self.outsider)
        self.client.post(url("settings_edit"), self.data)
        self.assertEqual(WorkOrderSettings.objects.get(company=self.other_company).reopen_days, 14)
        self.assertEqual(WorkOrderSettings.objects.get(company=self.company).reopen_days, 7)


#
# Dispatch rules
#
class DispatchRulePagesTests(ConfigTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.tower_department = core_services.department_create(
            project=cls.project2, data={"name": "大厦工程部", "kind": DepartmentKind.ENGINEERING}, actor=cls.admin
        )
        cls.rule = services.dispatch_rule_save(
            project=cls.project,
            data={"category": category(cls.company, "water"), "department": cls.department},
            actor=cls.admin,
        )
        cls.tower_rule = services.dispatch_rule_save(
            project=cls.project2, data={"department": cls.tower_department}, actor=cls.admin
        )

    def rule_data(self, **overrides) -> dict:
        data = {
            "project": self.project.pk,
            "category": category(self.company, "elevator").pk,
            "building": self.building.pk,
            "area": "",
            "department": self.department.pk,
            "sort_order": 1,
            "is_active": "on",
        }
        return {**data, **overrides}

    def test_it_lists_the_rules_of_the_managers_projects(self):
        self.login(self.manager)
        response = self.client.get(url("dispatch_rule_list"))
        self.assertContains(response, "工程部")
        self.assertNotContains(response, "大厦工程部")
        self.login(self.admin)
        self.assertContains(self.client.get(url("dispatch_rule_list")), "大厦工程部")

    def test_it_creates_a_rule(self):
        self.login(self.manager)
        response = self.client.post(url("dispatch_rule_create"), self.rule_data())
        self.assertRedirects(response, url("dispatch_rule_list"))
        rule = DispatchRule.objects.get(project=self.project, category__code="elevator")
        self.assertEqual((rule.building, rule.department, rule.company), (self.building, self.department, self.company))

    def test_it_edits_a_rule(self):
        self.login(self.supervisor)
        data = self.rule_data(category="", building="", area=self.area.pk, is_active="")
        del data["project"]
        self.assertRedirects(self.client.post(url("dispatch_rule_edit", self.rule.pk), data), url("dispatch_rule_list"))
        self.rule.refresh_from_db()
        self.assertEqual((self.rule.category, self.rule.area, self.rule.is_active), (None, self.area, False))

    def test_it_refuses_a_department_of_another_project(self):
        self.login(self.admin)
        before = DispatchRule.objects.count()
        response = self.client.post(url("dispatch_rule_create"), self.rule_data(department=self.tower_department.pk))
        self.assertEqual(response.status_code, 200)
        self.assertIn("department", response.context["form"].errors)
        self.assertEqual(DispatchRule.objects.count(), before)

    def test_it_refuses_a_department_of_another_company(self):
        self.login(self.admin)
        response = self.client.post(url("dispatch_rule_create"), self.rule_data(department=self.other_department.pk))
        self.assertIn("department", response.context["form"].errors)
        self.assertFalse(DispatchRule.objects.filter(department=self.other_department).exists())

    def test_it_offers_only_the_managers_projects(self):
        self.login(self.manager)
        form = self.client.get(url("dispatch_rule_create")).context["form"]
        self.assertEqual(list(form.fields["project"].queryset), [self.project])
        self.assertNotIn(self.tower_department, form.fields["department"].queryset)
        response = self.client.post(url("dispatch_rule_create"), self.rule_data(project=self.project2.pk))
        self.assertIn("project", response.context["form"].errors)

    def test_it_deletes_a_rule_by_post_only(self):
        self.login(self.admin)
        self.assertEqual(self.client.get(url("dispatch_rule_delete", self.rule.pk)).status_code, 405)
        response = self.client.post(url("dispatch_rule_delete", self.rule.pk))
        self.assertRedirects(response, url("dispatch_rule_list"))
        self.assertFalse(DispatchRule.objects.filter(pk=self.rule.pk).exists())

    def test_it_hides_other_projects_rules_from_a_project_manager(self):
        self.login(self.manager)
        self.assertEqual(self.client.get(url("dispatch_rule_edit", self.tower_rule.pk)).status_code, 404)
        self.assertEqual(self.client.post(url("dispatch_rule_delete", self.tower_rule.pk)).status_code, 404)
        self.assertTrue(DispatchRule.objects.filter(pk=self.tower_rule.pk).exists())

    def test_it_refuses_staff_and_viewers(self):
        for user in (self.staff, self.viewer):
            self.login(user)
            for path in (
                url("dispatch_rule_list"),
                url("dispatch_rule_create"),
                url("dispatch_rule_edit", self.rule.pk),
            ):
                self.assertEqual(self.client.get(path).status_code, 403, path)
            self.assertEqual(self.client.post(url("dispatch_rule_delete", self.rule.pk)).status_code, 403)
        self.assertTrue(DispatchRule.objects.filter(pk=self.rule.pk).exists())

    def test_it_hides_company_a_rules_from_the_outsider(self):
        self.login(self.outsider)
        self.assertEqual(self.client.get(url("dispatch_rule_edit", self.rule.pk)).status_code, 404)
        self.assertEqual(self.client.post(url("dispatch_rule_delete", self.rule.pk)).status_code, 404)
        self.assertTrue(DispatchRule.objects.filter(pk=self.rule.pk).exists())
        self.assertEqual(list(self.client.get(url("dispatch_rule_list")).context["table"].rows), [])


#
# On duty
#
class DutyPagesTests(ConfigTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.staff_role = Membership.objects.get(user=cls.staff, project=cls.project, role=Role.STAFF)
        cls.plumber = make_user("plumber", name="孙水工", phone="13900000010")
        cls.plumber_role = core_services.membership_grant(
            company=cls.company,
            project=cls.project,
            user=cls.plumber,
            role=Role.STAFF,
            department=cls.department,
            actor=cls.admin,
        )
        cls.tower_staff = make_user("tower", name="周大厦", phone="13900000011")
        cls.tower_role = core_services.membership_grant(
            company=cls.company, project=cls.project2, user=cls.tower_staff, role=Role.STAFF, actor=cls.admin
        )

    def test_it_lists_the_field_staff_of_the_supervisors_project(self):
        self.login(self.supervisor)
        response = self.client.get(url("duty_list"))
        self.assertContains(response, "钱师傅")
        self.assertContains(response, "孙水工")
        self.assertNotContains(response, "周大厦")

    def test_it_puts_a_person_off_and_on_duty(self):
        self.login(self.supervisor)
        self.assertRedirects(
            self.client.post(url("membership_duty", self.plumber_role.pk), {"on_duty": "0"}), url("duty_list")
        )
        self.plumber_role.refresh_from_db()
        self.assertFalse(self.plumber_role.on_duty)
        self.client.post(url("membership_duty", self.plumber_role.pk), {"on_duty": "1"})
        self.plumber_role.refresh_from_db()
        self.assertTrue(self.plumber_role.on_duty)

    def test_it_lets_staff_switch_only_themselves(self):
        self.login(self.staff)
        response = self.client.get(url("duty_list"))
        self.assertContains(response, "钱师傅")
        self.assertNotContains(response, "孙水工")
        self.client.post(url("membership_duty", self.staff_role.pk), {"on_duty": "0"})
        self.staff_role.refresh_from_db()
        self.assertFalse(self.staff_role.on_duty)
        self.assertEqual(
            self.client.post(url("membership_duty", self.plumber_role.pk), {"on_duty": "0"}).status_code, 404
        )
        self.plumber_role.refresh_from_db()
        self.assertTrue(self.plumber_role.on_duty)

    def test_it_refuses_viewers(self):
        self.login(self.viewer)
        self.assertEqual(self.client.get(url("duty_list")).status_code, 403)
        self.assertEqual(self.client.post(url("membership_duty", self.staff_role.pk)).status_code, 403)

    def test_it_hides_other_projects_people_from_a_project_manager(self):
        self.login(self.manager)
        response = self.client.post(url("membership_duty", self.tower_role.pk), {"on_duty": "0"})
        self.assertEqual(response.status_code, 404)
        self.tower_role.refresh_from_db()
        self.assertTrue(self.tower_role.on_duty)

    def test_it_hides_company_a_people_from_the_outsider(self):
        self.login(self.outsider)
        self.assertEqual(
            self.client.post(url("membership_duty", self.staff_role.pk), {"on_duty": "0"}).status_code, 404
        )
        self.assertNotContains(self.client.get(url("duty_list")), "钱师傅")
        self.staff_role.refresh_from_db()
        self.assertTrue(self.staff_role.on_duty)

    def test_it_needs_post(self):
        self.login(self.supervisor)
        self.assertEqual(self.client.get(url("membership_duty", self.staff_role.pk)).status_code, 405)


class DutyServiceTests(ConfigTestCase):
    def test_it_refuses_a_colleague_without_the_lead_role(self):
        from django.core.exceptions import PermissionDenied

        role = Membership.objects.get(user=self.supervisor, project=self.project)
        with self.assertRaises(PermissionDenied):
            services.membership_duty_set(membership=role, on_duty=False, actor=self.staff)


#
# Navigation
#
class NavigationTests(ConfigTestCase):
    def test_it_links_the_pages_for_admins(self):
        self.login(self.admin)
        response = self.client.get("/")
        for name in ("category_list", "sla_policy_list", "settings_edit", "dispatch_rule_list", "duty_list"):
            self.assertContains(response, url(name))

    def test_it_shows_staff_only_the_duty_page(self):
        self.login(self.staff)
        response = self.client.get("/")
        self.assertContains(response, url("duty_list"))
        self.assertNotContains(response, url("category_list"))
        self.assertNotContains(response, url("dispatch_rule_list"))
