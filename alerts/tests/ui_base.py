"""State for the tests of the alert pages and API: alerts raised through alert_raise on real work
orders, in both projects of company A and in company B.

- ``breach``: an SLA breach on ``order`` (锦绣 project, the engineering department) → owned by
  the supervisor at level 0, high;
- ``keyword``: an L0 keyword alert on ``order2`` in ``project2`` (no supervisor or project
  manager there) → owned by the quality manager at level 2, critical;
- ``foreign``: an alert of company B (the outsider's).
"""

import datetime as dt

from django.conf import settings
from django_scopes import scopes_disabled

from alerts.choices import RuleKind, SubjectType
from alerts.services import alert_raise
from alerts.tests.base import AlertsTestCase
from workorders.tests.factories import report


class AlertsUiTestCase(AlertsTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with scopes_disabled():
            cls.order = report(cls, title="厨房漏水", description="厨房水管漏水")
            cls.order2 = report(
                cls, actor=cls.admin, project=cls.project2, unit=cls.unit_office, title="电梯困人", description="困人了"
            )
            foreign = {"project": cls.other_project, "unit": cls.other_unit, "title": "他山漏水", "description": "漏"}
            cls.foreign_order = report(cls, actor=cls.outsider, **foreign)
            cls.breach = cls.raise_alert(
                RuleKind.SLA_BREACH, cls.order, department_id=cls.department.pk, facts={"target": "resolve"}
            )
            cls.keyword = cls.raise_alert(RuleKind.KEYWORD, cls.order2, tier="L0", facts={"words": "困人"})
            cls.foreign = cls.raise_alert(RuleKind.SLA_BREACH, cls.foreign_order, company=cls.other_company)

    @classmethod
    def raise_alert(cls, kind, order, *, company=None, key=None, facts=None, department_id=None, at=None, **params):
        rule = cls.rule(kind, company=company, **params)
        return alert_raise(
            rule=rule,
            dedup_key=key or f"wo:{order.pk}",
            subject_type=SubjectType.WORKORDER,
            subject_id=order.pk,
            project_id=order.project_id,
            refs=[(SubjectType.WORKORDER, order.pk)],
            facts=facts or {},
            summary=("Order {code} needs attention", {"code": order.code}),
            department_id=department_id,
            at=at,
        ).alert

    def english(self) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


HOUR = dt.timedelta(hours=1)
