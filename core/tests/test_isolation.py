"""Tenant isolation, proven by walking every URL pattern (UI, API, admin) automatically.

A new route is covered the day it is added: routes with a ``pk`` must name their model
(see MODEL_WORDS) or this test fails and asks for a mapping.
"""

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from lib.testing import BaseTestCase
from portal.models import Notice

# Longest words first: a URL name is mapped to the first word it contains.
MODEL_WORDS = [
    "inspection_schedule",
    "inspectionschedule",
    "checklist_version",
    "checklistversion",
    "checklist_item",
    "checklistitem",
    "inspectionround",
    "item_result",
    "itemresult",
    "checklist",
    "rollup",
    "round",
    "finding",  # before "extension": finding_extension takes a finding's pk
    "extension",
    "capa",
    "alert-rule",
    "alertrule",
    "rule_",
    "alert-channel",
    "channel",
    "device",
    "gateway",
    "alert",
    "standard_item",
    "standard-item",
    "standarditem",
    "standardrevision",
    "profile_setting",
    "profile-setting",
    "profilesetting",
    "servicelevelprofile",
    "service-level-profile",
    "profile",
    "checkpoint",
    "plan",
    "dispatch_rule",
    "dispatchrule",
    "sla_policy",
    "slapolicy",
    "saved_view",
    "savedview",
    "follow_up",
    "followup",
    "workorder",
    "category",
    "photo",
    "rating",
    "unit_resident",
    "unitresident",
    "membership",
    "department",
    "building",
    "resident",
    "project",
    "notice",
    "unit",
    "area",
    "company",
    "calendaryear",
    "user",
    "group",
    "task",
    "checkin",
    "schedule",
    "ormq",
    "failure",
    "success",
    "campaign",
    "report",
    "board",  # a project's owner board and its public link take the project's pk
]
PUBLIC_ROUTES = {
    "accounts:login",
    "portal:login",
    "accounts:logout",
    "set_language",
    "api-schema",
    "api-docs",
    "api-token",
    "admin:login",
    "admin:logout",
    # Open311 GeoReport v2 is public by the spec: it shows only non-private requests of the
    # jurisdiction named by jurisdiction_id (open311/tests cover the privacy rule).
    "open311:discovery",
    "open311:services",
    "open311:service_definition",
    "open311:requests",
    "open311:request_detail",
    "open311:token",
}
DENIED = {401, 403, 404, 405}
PARAMS = {
    "format": "json",
    "kind": "units",
    "app_label": "core",
    "content_type_id": "1",
    "url": "x",
    "action": "rotate",
}


def walk(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace
            inner = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            regex = pattern.pattern.regex
            # unnamed groups (simple_history's admin URLs) are filled positionally as "_0", "_1", ...
            yield name, list(regex.groupindex) + [f"_{i}" for i in range(regex.groups - len(regex.groupindex))]


def routes():
    seen = set()
    for name, params in walk(get_resolver().url_patterns):
        if (name, tuple(params)) not in seen:
            seen.add((name, tuple(params)))
            yield name, params


def model_word(name: str) -> str | None:
    short = name.split(":")[-1].lower()
    return next((word for word in MODEL_WORDS if word in short), None)


class IsolationTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.notice = Notice.objects.create(
            company=cls.company,
            project=cls.project,
            title="安居停水通知",
            body="周业主请注意",
            published_at=timezone.now(),
        )
        cls.other_notice = Notice.objects.create(
            company=cls.other_company,
            project=cls.other_project,
            title="他山通知",
            body="-",
            published_at=timezone.now(),
        )
        from workorders import services as wo_services
        from workorders.models import Category, SlaPolicy
        from workorders.tests.factories import jpeg, report

        cls.order = report(cls, description="安居1栋厨房漏水周业主家", photos=[jpeg()])
        wo_services.workorder_dispatch(order=cls.order, assignee=cls.staff, actor=cls.admin)
        wo_services.workorder_start(order=cls.order, actor=cls.admin)
        wo_services.workorder_complete(order=cls.order, actor=cls.admin)
        cls.rating = wo_services.workorder_rate(order=cls.order, stars=4, actor=cls.owner)
        wo_services.workorder_close(order=cls.order, actor=cls.admin)
        cls.follow_up = cls.order.follow_ups.get()
        cls.category = Category.objects.get(company=cls.company, code="water-leak")
        cls.sla_policy = SlaPolicy.objects.filter(company=cls.company).first()
        cls.dispatch_rule = wo_services.dispatch_rule_save(
            project=cls.project, data={"department": cls.department}, actor=cls.admin
        )
        cls.other_order = report(cls, actor=cls.other_owner, unit=cls.unit2, description="吴家卫生间漏水")
        cls.saved_view = wo_services.saved_view_save(company=cls.company, user=cls.admin, name="安居视图", query="q=x")
        from standards import services as std_services
        from standards.models import ProfileSetting, ServiceLevelProfile

        cls.standard_item = std_services.standard_item_create(
            company=cls.company,
            data={
                "discipline": "cleaning",
                "code": "acme-lobby",
                "title": "安居大堂专项保洁",
                "requirement": "安居大堂每日2次",
            },
            actor=cls.admin,
        )
        cls.profile = ServiceLevelProfile.objects.get(company=cls.company, code="level_1")
        cls.profile_setting = ProfileSetting.objects.filter(profile=cls.profile).first()
        import datetime as dt

        from plans import services as plan_services

        cls.checkpoint = plan_services.checkpoint_create(
            project=cls.project, data={"name": "安居东门岗"}, actor=cls.admin
        )
        cls.plan = plan_services.plan_create(
            project=cls.project,
            data={"kind": "patrol", "name": "安居夜巡计划", "starts_on": timezone.localdate()},
            windows=[(dt.time(0), dt.time(0))],
            checkpoints=[cls.checkpoint],
            actor=cls.admin,
        )
        plan_services.tasks_generate(until=timezone.localdate(), plans=[cls.plan])
        cls.task = cls.plan.tasks.first()
        cls.checkin = plan_services.task_checkin(
            task=cls.task, actor=cls.admin, method="manual", checkpoint=cls.checkpoint, note="安居补签"
        )
        from inspections import services as insp_services

        cls.checklist = insp_services.checklist_template_create(
            company=cls.company,
            data={"code": "acme-check", "name": "安居品质检查表"},
            items=[{"title": "安居大堂地面", "photo_required": True}],
            actor=cls.admin,
        )
        cls.inspection_round = insp_services.round_create(
            project=cls.project,
            version=cls.checklist.current_version,
            kind="special",
            title="安居节前检查",
            scheduled_for=timezone.localdate(),
            due_at=timezone.now() + dt.timedelta(days=1),
            lead=cls.admin,
            inspectors=[],
            actor=cls.admin,
        )
        cls.item_result = insp_services.round_result_record(
            round=cls.inspection_round,
            item=cls.checklist.current_version.items.get(),
            outcome="pass",
            note="安居大堂积水已清",
            actor=cls.admin,
        )
        cls.inspection_schedule = insp_services.inspection_schedule_create(
            project=cls.project,
            template=cls.checklist,
            data={"kind": "weekly", "title": "安居周检", "starts_on": timezone.localdate(), "lead": cls.admin},
            inspectors=[],
            actor=cls.admin,
        )
        from inspections.services import findings as finding_services

        cls.finding = finding_services.finding_create(
            project=cls.project, data={"title": "安居消防通道堵塞", "department": cls.department}, actor=cls.admin
        )
        cls.extension = finding_services.finding_extension_request(
            finding=cls.finding,
            requested_due_at=cls.finding.due_at + dt.timedelta(days=2),
            reason="安居延期理由",
            actor=cls.admin,
        )
        from inspections.services import capa as capa_services

        cls.capa = capa_services.capa_open(
            project=cls.project,
            source="inspection",
            severity="major",
            title="安居纠正措施",
            description="安居消防通道反复堵塞",
            findings=[cls.finding],
            owner=cls.admin,
            due_at=timezone.now() + dt.timedelta(days=30),
            actor=cls.admin,
        )
        from alerts.models import Device, Gateway
        from alerts.services import alert_raise
        from alerts.services import channels as channel_services
        from alerts.services.config import rule_create

        cls.alert_rule = rule_create(
            company=cls.company,
            data={"kind": "missed_patrol", "name": "安居预警规则", "params": {}},
            actor=cls.admin,
        )
        cls.alert = alert_raise(
            rule=cls.alert_rule,
            dedup_key="isolation",
            subject_type="workorder",
            subject_id=cls.order.pk,
            project_id=cls.project.pk,
            refs=[("workorder", cls.order.pk)],
            summary=("{text}", {"text": "安居预警摘要"}),
        ).alert
        cls.channel = channel_services.channel_create(
            company=cls.company,
            data={"name": "安居品质群", "kind": "email", "emails": "qa@example.com"},
            actor=cls.admin,
        )
        cls.device = Device.objects.create(company=cls.company, project=cls.project, code="acme-pump", name="安居水泵")
        cls.gateway = Gateway.objects.create(company=cls.company, name="安居网关", key_prefix="abcd", key_hash="0" * 64)
        admin_membership = cls.admin.memberships.get()
        from analytics.report_models import Campaign, Report

        day = timezone.localdate()
        cls.campaign = Campaign.objects.create(
            company=cls.company, name="安居品质月", baseline_from=day, baseline_to=day, date_from=day, date_to=day
        )
        cls.report = Report.objects.create(
            company=cls.company, kind="monthly", date_from=day, date_to=day, plan="安居品质月计划"
        )
        cls.company_a_objects = {
            "project": cls.project,
            "building": cls.building,
            "unit": cls.unit,
            "area": cls.area,
            "department": cls.department,
            "membership": admin_membership,
            "resident": cls.resident,
            "unit_resident": cls.owner_link,
            "unitresident": cls.owner_link,
            "notice": cls.notice,
            "company": cls.company,
            "workorder": cls.order,
            "photo": cls.order.photos.first(),
            "rating": cls.rating,
            "follow_up": cls.follow_up,
            "followup": cls.follow_up,
            "category": cls.category,
            "sla_policy": cls.sla_policy,
            "slapolicy": cls.sla_policy,
            "dispatch_rule": cls.dispatch_rule,
            "dispatchrule": cls.dispatch_rule,
            "saved_view": cls.saved_view,
            "savedview": cls.saved_view,
            "standard_item": cls.standard_item,
            "standard-item": cls.standard_item,
            "standarditem": cls.standard_item,
            "standardrevision": cls.standard_item.current_revision,
            "profile_setting": cls.profile_setting,
            "profile-setting": cls.profile_setting,
            "profilesetting": cls.profile_setting,
            "servicelevelprofile": cls.profile,
            "service-level-profile": cls.profile,
            "profile": cls.profile,
            "checkpoint": cls.checkpoint,
            "plan": cls.plan,
            "task": cls.task,
            "checkin": cls.checkin,
            "checklist": cls.checklist,
            "checklist_version": cls.checklist.current_version,
            "checklistversion": cls.checklist.current_version,
            "checklist_item": cls.item_result.item,
            "checklistitem": cls.item_result.item,
            "round": cls.inspection_round,
            "inspectionround": cls.inspection_round,
            "item_result": cls.item_result,
            "itemresult": cls.item_result,
            "inspection_schedule": cls.inspection_schedule,
            "inspectionschedule": cls.inspection_schedule,
            "finding": cls.finding,
            "extension": cls.extension,
            "capa": cls.capa,
            "alert-rule": cls.alert_rule,
            "alertrule": cls.alert_rule,
            "rule_": cls.alert_rule,
            "alert-channel": cls.channel,
            "channel": cls.channel,
            "device": cls.device,
            "gateway": cls.gateway,
            "alert": cls.alert,
            "campaign": cls.campaign,
            "board": cls.project,
            "report": cls.report,
        }
        # Strings that exist only in company A's data: none may reach the outsider.
        cls.company_a_markers = [
            "安居物业",
            "安居品质月",
            "周业主",
            "13800000001",
            "王经理",
            "13900000002",
            "安居停水通知",
            "安居1栋厨房漏水",
            "安居视图",
            "安居大堂专项保洁",
            "安居东门岗",
            "安居夜巡计划",
            "安居补签",
            "安居品质检查表",
            "安居大堂地面",
            "安居节前检查",
            "安居大堂积水已清",
            "安居周检",
            "安居消防通道堵塞",
            "安居延期理由",
            "安居纠正措施",
            "安居预警规则",
            "安居预警摘要",
            "安居品质群",
            "安居水泵",
            "安居网关",
        ]

    def url_for(self, name: str, params: list[str], obj=None) -> str:
        kwargs = {p: PARAMS.get(p, "1") for p in params}
        for key in ("pk", "object_id"):
            if key in params:
                kwargs[key] = str(obj.pk)
        if "path" in params:
            kwargs["path"] = "x.jpg"
        positional = [k for k in kwargs if k.startswith("_")]
        if positional:
            return reverse(name, args=[obj.pk if obj else 1] + ["1"] * (len(positional) - 1))
        return reverse(name, kwargs=kwargs)

    def object_routes(self):
        for name, params in routes():
            if name.startswith("admin:"):
                continue  # Django admin is for platform operators only: see the admin test
            if "pk" in params or "object_id" in params:
                word = model_word(name)
                self.assertIsNotNone(word, f"route {name} takes a pk: add its model to MODEL_WORDS")
                yield name, params, word

    def assert_denied(self, response, url: str, method: str) -> None:
        if response.status_code == 302:
            target = response.headers["Location"]
            self.assertTrue("login" in target or target.startswith("/m/"), f"{method} {url} redirected to {target}")
            return
        self.assertIn(response.status_code, DENIED, f"{method} {url} answered {response.status_code}")

    def assert_no_markers(self, response, url: str, markers: list[str]) -> None:
        body = response.content.decode("utf-8", errors="replace")
        for marker in markers:
            self.assertNotIn(marker, body, f"{url} shows {marker!r}")

    def test_it_walks_a_meaningful_number_of_routes(self):
        names = {name for name, _params in routes()}
        self.assertGreater(len(names), 60)
        for expected in ("core:unit_detail", "unit-detail", "portal:unit_detail", "admin:core_project_change"):
            self.assertIn(expected, names)

    def test_it_hides_company_a_objects_from_the_outsider(self):
        self.login(self.outsider)
        checked = 0
        for name, params, word in self.object_routes():
            obj = self.company_a_objects.get(word)
            if obj is None:
                continue  # admin-only models (users, tasks): covered by the admin test below
            url = self.url_for(name, params, obj)
            for method in ("get", "post"):
                response = getattr(self.client, method)(url)
                self.assert_denied(response, url, method.upper())
                self.assert_no_markers(response, url, self.company_a_markers)
                checked += 1
        self.assertGreater(checked, 40)

    def test_it_leaks_nothing_from_company_a_in_the_outsiders_lists(self):
        self.login(self.outsider)
        for name, params in routes():
            if "pk" in params or "object_id" in params or "path" in params or name.startswith("admin:"):
                continue
            url = self.url_for(name, params)
            response = self.client.get(url)
            self.assertLess(response.status_code, 500, url)
            self.assert_no_markers(response, url, self.company_a_markers)

    def test_it_keeps_the_outsiders_own_data_visible(self):
        # Guards the test above against passing because nothing renders at all.
        self.login(self.outsider)
        self.assertContains(self.client.get("/projects/"), "他山物业花园")
        self.assertContains(self.client.get("/api/v1/units/"), self.other_unit.code)
        self.assertContains(self.client.get(f"/projects/{self.other_project.pk}/"), "他山物业花园")

    def test_it_hides_other_owners_private_data_from_an_owner(self):
        self.login(self.owner)
        others = {
            "unit": self.unit2,
            "resident": self.other_resident,
            "unit_resident": self.other_owner_link,
            "unitresident": self.other_owner_link,
            "workorder": self.other_order,
        }
        markers = ["吴业主", "13800000002", "吴家卫生间漏水"]
        for name, params, word in self.object_routes():
            obj = others.get(word) or self.company_a_objects.get(word)
            if obj is None:
                continue
            url = self.url_for(name, params, obj)
            response = self.client.get(url)
            if word in others:
                self.assert_denied(response, url, "GET")
            self.assert_no_markers(response, url, markers)
        for name, params in routes():
            if not ({"pk", "object_id", "path"} & set(params)) and not name.startswith("admin:"):
                url = self.url_for(name, params)
                self.assert_no_markers(self.client.get(url), url, markers)

    def test_it_requires_sign_in_everywhere_but_public_routes(self):
        for name, params in routes():
            if "path" in params:
                continue
            obj = self.company_a_objects.get(model_word(name) or "", self.project)
            url = self.url_for(name, params, obj)
            response = self.client.get(url)
            if name not in PUBLIC_ROUTES:
                self.assert_denied(response, url, "GET")
            self.assert_no_markers(response, url, self.company_a_markers)

    def test_it_keeps_company_staff_out_of_django_admin(self):
        self.login(self.admin)
        for name, params in routes():
            if name.startswith("admin:") and name not in {"admin:login", "admin:logout", "admin:view_on_site"}:
                url = self.url_for(name, params, self.project)
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302, url)
                self.assertIn("/admin/login/", response.headers["Location"])
