"""Shared state for the findings, CAPA, learning and report tests, built through the services.

On top of InspectionTestCase: e-mail addresses for the people who are told about escalations,
and helpers that submit a round with failures, raise an ad hoc finding, and take a finding
through rectification and verification at given moments (frozen time).
"""

import datetime as dt

import time_machine

from accounts.models import User
from inspections import services
from inspections.choices import Severity
from inspections.models import Finding, InspectionRound
from inspections.services import findings as finding_services
from inspections.tests.base import DAY1, InspectionTestCase, at, jpeg

T0 = at(2026, 12, 1, 10, 0)  # a Tuesday morning


class FindingTestCase(InspectionTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        for person, email in ((cls.manager, "pm@acme.test"), (cls.quality, "qm@acme.test")):
            User.objects.filter(pk=person.pk).update(email=email)
            person.email = email

    def submitted(self, *, fail=("lobby",), when: dt.datetime = T0, day=DAY1, **round_args) -> InspectionRound:
        """A round answered by the invited inspector with ``fail`` failing, submitted at ``when``."""
        with time_machine.travel(when, tick=False):
            round = self.make_round(day=day, **round_args)
            self.answer_all(round, fail=fail)
            services.round_submit(round=round, actor=self.inspector)
        return round

    def finding_of(self, round: InspectionRound, key: str) -> Finding:
        return round.findings.get(item__key=key)

    def raise_finding(self, *, when: dt.datetime = T0, actor=None, project=None, **data) -> Finding:
        data.setdefault("title", "垃圾桶满溢")
        data.setdefault("severity", Severity.MINOR)
        data.setdefault("department", self.cleaning)
        with time_machine.travel(when, tick=False):
            return finding_services.finding_create(
                project=project or self.project, data=data, actor=actor or self.quality
            )

    def rectify(self, finding: Finding, *, when: dt.datetime, actor=None) -> Finding:
        actor = actor or (self.staff if finding.department_id == self.department.pk else self.manager)
        with time_machine.travel(when, tick=False):
            return finding_services.finding_rectify(
                finding=finding, note="已清理", photo=jpeg("after.jpg"), actor=actor
            )

    def verify(self, finding: Finding, *, when: dt.datetime, passed=True, new_due_at=None, actor=None) -> Finding:
        with time_machine.travel(when, tick=False):
            return finding_services.finding_verify(
                finding=finding,
                passed=passed,
                note="" if passed else "仍有污渍",
                new_due_at=new_due_at,
                actor=actor or self.quality,
            )

    def close(self, finding: Finding, *, rectified: dt.datetime, verified: dt.datetime | None = None) -> Finding:
        finding = self.rectify(finding, when=rectified)
        return self.verify(finding, when=verified or rectified + dt.timedelta(hours=1))
