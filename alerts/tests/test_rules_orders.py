"""The rating red line and the SLA rules, over orders taken through the real services."""

import datetime as dt

import time_machine

from alerts.choices import AlertEventKind, AlertStatus, RuleKind, SubjectType
from alerts.models import Alert, AlertEvent
from alerts.tests.rules_fixtures import DAY, HOUR, MINUTE, T0, RulesTestCase
from workorders import services as wo
from workorders.choices import FollowUpMethod, Priority
from workorders.models import FollowUp


class LowRatingRuleTests(RulesTestCase):
    def rated(self, stars: int, comment: str = "", order=None):
        order = order or self.complete(self.owner_report(), when=T0 + HOUR)
        with time_machine.travel(T0 + 2 * HOUR, tick=False):
            wo.workorder_rate(order=order, stars=stars, comment=comment, actor=self.owner)
        return order

    def followed_up(self, order, *, when, satisfaction, resolved="yes"):
        with time_machine.travel(when, tick=False):
            follow_up = FollowUp.objects.filter(order=order, status="pending").latest("id")
            return wo.follow_up_record(
                follow_up=follow_up,
                method=FollowUpMethod.PHONE,
                resolved=resolved,
                satisfaction=satisfaction,
                actor=self.supervisor,
            )

    def test_it_raises_a_rating_of_two_stars_once(self) -> None:
        order = self.rated(2, "修得一般")
        self.assertEqual(self.evaluate(T0 + 2 * HOUR + MINUTE)["raised"], 1)
        alert = self.only_alert(RuleKind.LOW_RATING)
        self.assertEqual(alert.dedup_key, f"low_rating:workorder:{order.pk}:r0")
        self.assertEqual((alert.subject_type, alert.subject_id), (SubjectType.WORKORDER, order.pk))
        self.assertEqual(alert.refs, [{"type": "workorder", "id": order.pk}])
        self.assertEqual(alert.owner, self.supervisor)
        self.assertEqual(self.summary(alert), f"Order {order.code}: rated 2 of 5 stars")
        self.assertEqual(self.evaluate(T0 + 2 * HOUR + 2 * MINUTE)["raised"], 0)
        self.assertEqual(AlertEvent.objects.filter(kind=AlertEventKind.RAISED).count(), 1)

    def test_it_leaves_ratings_above_the_line_alone(self) -> None:
        self.rated(3)
        self.evaluate(T0 + 2 * HOUR + MINUTE)
        self.assertEqual(self.alerts(RuleKind.LOW_RATING), [])

    def test_it_follows_the_rules_line(self) -> None:
        rule = self.rule(RuleKind.LOW_RATING)
        rule.params = {"max_stars": 3}
        rule.save()
        self.rated(3)
        self.evaluate(T0 + 2 * HOUR + MINUTE)
        self.assertEqual(len(self.alerts(RuleKind.LOW_RATING)), 1)

    def test_an_inactive_rule_raises_nothing(self) -> None:
        rule = self.rule(RuleKind.LOW_RATING)
        rule.is_active = False
        rule.save()
        self.rated(1)
        self.evaluate(T0 + 2 * HOUR + MINUTE)
        self.assertEqual(self.alerts(RuleKind.LOW_RATING), [])

    def test_a_satisfied_follow_up_resolves_it(self) -> None:
        order = self.rated(1)
        self.evaluate(T0 + 2 * HOUR + MINUTE)
        self.close(order, when=T0 + 3 * HOUR)
        self.followed_up(order, when=T0 + DAY, satisfaction=4)
        self.assertEqual(self.evaluate(T0 + DAY + MINUTE)["resolved"], 1)
        alert = self.only_alert(RuleKind.LOW_RATING)
        self.assertEqual((alert.status, alert.resolution), (AlertStatus.RESOLVED, "auto"))
        self.assertEqual(alert.events.last().reason, "A later rating or follow-up is above the line.")

    def test_an_unsolved_or_unhappy_follow_up_raises_it(self) -> None:
        order = self.rated(5)
        self.close(order, when=T0 + 3 * HOUR)
        self.followed_up(order, when=T0 + DAY, satisfaction=3, resolved="no")  # reopens the order
        self.evaluate(T0 + DAY + MINUTE)
        alert = self.only_alert(RuleKind.LOW_RATING)
        self.assertEqual(alert.dedup_key, f"low_rating:workorder:{order.pk}:r0")  # the round it judged
        self.assertEqual(self.summary(alert), f"Order {order.code}: the follow-up says the problem is not solved")
        other = self.rated(5, order=self.complete(self.owner_report(unit=self.unit), when=T0 + HOUR))
        self.close(other, when=T0 + 3 * HOUR)
        self.followed_up(other, when=T0 + DAY, satisfaction=2)
        self.evaluate(T0 + DAY + 2 * MINUTE)
        unhappy = self.only_alert(RuleKind.LOW_RATING, subject_id=other.pk)
        self.assertEqual(self.summary(unhappy), f"Order {other.code}: follow-up satisfaction 2 of 5")


class SlaRuleTests(RulesTestCase):
    def setUp(self) -> None:
        self.order = self.report(description="卫生间地漏返水", priority=Priority.P1)
        with time_machine.travel(T0, tick=False):
            wo.workorder_dispatch(order=self.order, assignee=self.staff, actor=self.supervisor)
        self.order.refresh_from_db()
        self.arrive_due = self.order.arrive_due_at  # 60 minutes around the clock

    def sweep(self, minutes: int) -> dt.datetime:
        when = T0 + dt.timedelta(minutes=minutes)
        with time_machine.travel(when, tick=False):
            wo.sla_sweep(now=when)
        return when

    def test_it_warns_at_80_percent_of_the_limit_not_at_50(self) -> None:
        self.assertEqual(self.arrive_due, T0 + HOUR)
        self.evaluate(self.sweep(30) + MINUTE)
        self.assertEqual(self.alerts(RuleKind.SLA_WARNING), [])
        self.evaluate(self.sweep(48) + MINUTE)
        alert = self.only_alert(RuleKind.SLA_WARNING)
        self.assertEqual(alert.dedup_key, f"sla:workorder:{self.order.pk}:arrive:r0")
        self.assertEqual((alert.owner, alert.project_id), (self.supervisor, self.project.pk))
        self.assertEqual(
            self.summary(alert), f"Order {self.order.code}: 80 % of the time to be on site used (due 2026-11-23 11:00)"
        )
        self.assertEqual(
            alert.evidence["facts"],
            {"target": "arrive", "level": 80, "round": 0, "due": alert.evidence["facts"]["due"]},
        )

    def test_it_raises_the_breach_and_resolves_both_when_someone_arrives(self) -> None:
        self.sweep(48)
        self.evaluate(self.sweep(61) + MINUTE)
        breach = self.only_alert(RuleKind.SLA_BREACH)
        self.assertEqual(breach.dedup_key, f"sla:workorder:{self.order.pk}:arrive:r0")
        self.assertEqual(
            self.summary(breach), f"Order {self.order.code}: nobody on site in time (due 2026-11-23 11:00)"
        )
        with time_machine.travel(T0 + 70 * MINUTE, tick=False):
            wo.workorder_start(order=self.order, actor=self.staff)
        self.assertEqual(self.evaluate(T0 + 71 * MINUTE)["resolved"], 2)
        self.assertEqual(Alert.objects.filter(status=AlertStatus.OPEN).exclude(kind=RuleKind.KEYWORD).count(), 0)

    def test_it_raises_nothing_for_a_limit_met_before_the_rule_read_it(self) -> None:
        self.sweep(48)
        with time_machine.travel(T0 + 49 * MINUTE, tick=False):
            wo.workorder_start(order=self.order, actor=self.staff)
        self.evaluate(T0 + 50 * MINUTE)
        self.assertEqual(self.alerts(RuleKind.SLA_WARNING), [])

    def test_it_follows_the_rules_level_and_targets(self) -> None:
        warning = self.rule(RuleKind.SLA_WARNING)
        warning.params = {"level": 50}
        warning.save()
        breach = self.rule(RuleKind.SLA_BREACH)
        breach.params = {"targets": ["resolve"]}
        breach.save()
        self.evaluate(self.sweep(30) + MINUTE)
        self.assertEqual(len(self.alerts(RuleKind.SLA_WARNING)), 1)
        self.evaluate(self.sweep(61) + MINUTE)
        self.assertEqual(self.alerts(RuleKind.SLA_BREACH), [])

    def test_a_reopened_order_is_a_new_round(self) -> None:
        self.evaluate(self.sweep(61) + MINUTE)
        first = self.only_alert(RuleKind.SLA_BREACH)
        self.complete(self.order, when=T0 + 2 * HOUR)
        self.evaluate(T0 + 2 * HOUR + MINUTE)
        first.refresh_from_db()
        self.assertEqual(first.status, AlertStatus.RESOLVED)
        with time_machine.travel(T0 + 3 * HOUR, tick=False):
            self.order.refresh_from_db()
            wo.workorder_reopen(order=self.order, reason="又漏了", actor=self.supervisor)
            wo.workorder_dispatch(order=self.order, assignee=self.staff, actor=self.supervisor)
        self.evaluate(self.sweep(3 * 60 + 61) + MINUTE)
        keys = [a.dedup_key for a in self.alerts(RuleKind.SLA_BREACH)]
        self.assertEqual(keys, [f"sla:workorder:{self.order.pk}:arrive:r0", f"sla:workorder:{self.order.pk}:arrive:r1"])
        first.refresh_from_db()
        self.assertEqual(first.status, AlertStatus.RESOLVED)  # the old round stays resolved
