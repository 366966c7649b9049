"""Personas and helpers for the alerts tests: the base personas plus a quality manager."""

from alerts.models import AlertRule
from core import services as core_services
from core.choices import Role
from lib.testing import BaseTestCase, make_user


class AlertsTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.quality = make_user("quality", name="品质经理", phone="13900000009")
        core_services.membership_grant(
            company=cls.company, user=cls.quality, role=Role.QUALITY_MANAGER, actor=cls.admin
        )

    @classmethod
    def rule(cls, kind: str, company=None, **params) -> AlertRule:
        """The company's first default rule of ``kind`` (whose params include ``params``)."""
        rules = AlertRule.objects.with_scopes_disabled().filter(company=company or cls.company, kind=kind)
        for rule in rules.order_by("id"):
            if all(rule.params.get(k) == v for k, v in params.items()):
                return rule
        raise AssertionError(f"no default rule {kind} {params}")
