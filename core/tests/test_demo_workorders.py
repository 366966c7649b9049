from io import StringIO

from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone
from django_scopes import scopes_disabled

from core.demo.logins import DEMO_PASSWORD
from core.models import Company, Membership
from workorders.choices import OPEN_STATUSES, EventKind, FollowUpStatus, Priority, SlaState, Source, Status
from workorders.models import DispatchRule, FollowUp, Rating, SlaBreach, WorkOrder, WorkOrderEvent
from workorders.selectors import owner_workorders


def demo_data() -> None:
    call_command("demo_data", stdout=StringIO(), stderr=StringIO())


class DemoWorkOrdersTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        demo_data()
        cls.company = Company.objects.get(code="anju")

    def setUp(self) -> None:
        self.scope = scopes_disabled()
        self.scope.__enter__()
        self.addCleanup(self.scope.__exit__, None, None, None)
        self.orders = WorkOrder.objects.filter(company=self.company)

    def test_it_creates_orders_in_every_status(self):
        statuses = set(self.orders.values_list("status", flat=True))
        self.assertEqual(statuses, set(Status.values))
        self.assertTrue(35 <= self.orders.count() <= 60, self.orders.count())
        self.assertEqual(set(self.orders.values_list("project__code", flat=True)), {"jinxiu", "huanqiu"})

    def test_it_reports_through_every_channel(self):
        sources = set(self.orders.values_list("source", flat=True))
        self.assertLessEqual({Source.OWNER_APP, Source.PHONE, Source.HOTLINE_12345, Source.STAFF}, sources)

    def test_it_flags_orders_by_their_text(self):
        trapped = self.orders.get(title="3栋2单元电梯困人")
        self.assertEqual((trapped.priority, trapped.is_life_safety), (Priority.P0, True))
        self.assertTrue(self.orders.filter(is_escalated=True, description__contains="12345").exists())
        self.assertTrue(WorkOrderEvent.objects.filter(order__company=self.company, kind=EventKind.FLAGGED).exists())

    def test_it_has_orders_past_their_deadlines(self):
        open_orders = self.orders.filter(status__in=sorted(OPEN_STATUSES))
        self.assertTrue(open_orders.filter(sla_state=SlaState.BREACHED).exists())
        self.assertTrue(open_orders.filter(sla_state__in=[SlaState.WARNING, SlaState.CRITICAL]).exists())
        self.assertTrue(open_orders.filter(resolve_due_at__lt=timezone.now()).exists())
        self.assertTrue(SlaBreach.objects.filter(company=self.company).exists())

    def test_it_keeps_every_timeline_in_the_past_and_in_order(self):
        now = timezone.now()
        for order in self.orders:
            times = list(order.events.order_by("id").values_list("created", flat=True))
            with self.subTest(order=order.title):
                self.assertEqual(times[0], order.created)
                self.assertEqual(times, sorted(times))
                self.assertLessEqual(times[-1], now)
        span = now - self.orders.order_by("created").first().created
        self.assertGreater(span.days, 7)

    def test_it_rates_and_follows_up(self):
        ratings = Rating.objects.filter(company=self.company)
        self.assertGreaterEqual(ratings.count(), 3)
        self.assertTrue(ratings.filter(stars__lte=2).exists())
        self.assertTrue(self.orders.filter(is_public=True, ratings__isnull=False).exists())
        follow_ups = set(FollowUp.objects.filter(company=self.company).values_list("status", flat=True))
        self.assertEqual(follow_ups, {FollowUpStatus.DONE, FollowUpStatus.PENDING})

    def test_it_gives_the_staff_login_orders_of_his_own(self):
        mine = self.orders.filter(assignee__username="staff")
        self.assertGreaterEqual(mine.filter(status__in=sorted(OPEN_STATUSES)).count(), 3)
        self.assertTrue(mine.filter(status=Status.ON_HOLD).exists())

    def test_it_gives_the_demo_owner_orders_to_follow_rate_and_answer(self):
        from accounts.models import User

        owner = User.objects.get(username="owner")
        mine = owner_workorders(user=owner)
        self.assertGreaterEqual(mine.count(), 5)
        self.assertTrue(mine.filter(status=Status.COMPLETED, ratings__isnull=True).exists())
        self.assertTrue(FollowUp.objects.filter(order__in=mine, status=FollowUpStatus.PENDING).exists())

    def test_it_opens_accounts_for_a_few_more_owners(self):
        accounts = self.orders.filter(source=Source.OWNER_APP).exclude(reporter__username="owner")
        reporter = accounts.first().reporter
        self.assertEqual(authenticate(username=reporter.phone, password=DEMO_PASSWORD), reporter)

    def test_it_adds_dispatch_rules_and_a_duty_roster(self):
        self.assertEqual(DispatchRule.objects.filter(company=self.company).count(), 5)
        off = Membership.objects.filter(company=self.company, on_duty=False)
        self.assertEqual(set(off.values_list("department__kind", flat=True)), {"greening"})

    def test_it_creates_the_orders_once(self):
        counts = (self.orders.count(), WorkOrderEvent.objects.count(), DispatchRule.objects.count())
        demo_data()
        self.assertEqual((self.orders.count(), WorkOrderEvent.objects.count(), DispatchRule.objects.count()), counts)
