from io import StringIO

from django.core.management import call_command
from django.test import TestCase
from django_scopes import scopes_disabled

from accounts.models import User
from core.models import Company
from inspections.choices import FindingStatus, RoundStatus
from inspections.models import Finding, InspectionRound
from inspections.selectors import round_list
from workorders.choices import Kind


def demo_data() -> None:
    call_command("demo_data", stdout=StringIO(), stderr=StringIO())


class DemoInspectionsTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        demo_data()
        cls.company = Company.objects.get(code="anju")

    def setUp(self) -> None:
        self.scope = scopes_disabled()
        self.scope.__enter__()
        self.addCleanup(self.scope.__exit__, None, None, None)

    def test_it_scores_rounds_and_turns_failures_into_rectification(self):
        rounds = InspectionRound.objects.filter(company=self.company)
        self.assertEqual(rounds.filter(status=RoundStatus.SUBMITTED).count(), 2)
        self.assertTrue(all(0 < r.score < 100 for r in rounds.filter(status=RoundStatus.SUBMITTED)))
        findings = Finding.objects.filter(company=self.company)
        self.assertEqual(findings.filter(status=FindingStatus.CLOSED).count(), 1)
        self.assertEqual(findings.filter(status=FindingStatus.OPEN).count(), 2)
        self.assertTrue(all(f.work_order.kind == Kind.RECTIFICATION for f in findings))

    def test_it_leaves_a_special_round_for_the_invited_third_party(self):
        inspector = User.objects.get(username="inspector")
        mine = round_list(user=inspector)
        self.assertIn("元旦节前安全专项检查", [r.title for r in mine])
        self.assertEqual(mine.get(title="元旦节前安全专项检查").status, RoundStatus.SCHEDULED)

    def test_it_is_idempotent(self):
        counts = (InspectionRound.objects.count(), Finding.objects.count())
        demo_data()
        self.assertEqual((InspectionRound.objects.count(), Finding.objects.count()), counts)
