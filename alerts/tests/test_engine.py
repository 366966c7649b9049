"""The evaluation pass: cursors, the re-read window, idempotency, bounded passes, failing rules,
query counts, and the hourly entry point."""

from unittest import mock

from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts import engine
from alerts.choices import AlertEventKind, RuleKind
from alerts.engine import evaluate_changes, evaluate_periodic
from alerts.models import Alert, AlertEvent, EvaluationCursor
from alerts.tests.rules_fixtures import DAY, HOUR, MINUTE, T0, RulesTestCase
from workorders.models import WorkOrderEvent

WO_SOURCE = "workorders.WorkOrderEvent"


class EvaluatePassTests(RulesTestCase):
    def cursor(self) -> EvaluationCursor:
        return EvaluationCursor.objects.get(source=WO_SOURCE)

    def test_it_moves_the_cursors_and_keeps_the_last_positions(self) -> None:
        self.report(description="电梯困人")
        totals = self.evaluate()
        self.assertEqual(totals["raised"], 1)
        self.assertEqual(
            set(EvaluationCursor.objects.values_list("source", flat=True)),
            {WO_SOURCE, "plans.TaskEvent", "inspections.FindingEvent"},
        )
        head = WorkOrderEvent.objects.order_by("-id").values_list("id", flat=True).first()
        self.assertEqual((self.cursor().last_id, self.cursor().recent_ids), (head, [0]))
        for i in range(6):
            self.evaluate(T0 + (i + 2) * MINUTE)
        self.assertEqual(self.cursor().recent_ids, [head] * 5)

    def test_evaluating_twice_raises_nothing_new(self) -> None:
        leak = self.category("water-leak")
        self.report(description="着火了，业主说要打12345")
        self.report(when=T0 - DAY, category=leak)
        self.report(category=leak)
        first = self.evaluate()
        self.assertEqual(first["raised"], 3)  # L0, L2 and the repeat
        events = AlertEvent.objects.count()
        with mock.patch("alerts.rules.base.alert_raise", side_effect=AssertionError("raised again")):
            again = self.evaluate(T0 + 2 * MINUTE)  # the same changes, re-read
        self.assertGreater(again["events"], 0)
        self.assertEqual((again["raised"], again["added"], again["reopened"]), (0, 0, 0))
        self.assertEqual(AlertEvent.objects.count(), events)
        self.assertEqual(AlertEvent.objects.filter(kind=AlertEventKind.RAISED).count(), 3)

    def test_the_reread_window_catches_a_change_committed_after_a_later_one(self) -> None:
        late = self.report(description="着火了")
        self.report(description="门锁坏了", unit=self.unit2)
        head = WorkOrderEvent.objects.order_by("-id").values_list("id", flat=True).first()
        late_event = WorkOrderEvent.objects.get(order=late, kind="created").pk
        # The last pass read up to the head while the first order's transaction was not committed yet.
        EvaluationCursor.objects.create(source=WO_SOURCE, last_id=head, recent_ids=[late_event - 1, head])
        self.evaluate()
        self.assertEqual([a.subject_id for a in self.alerts(RuleKind.KEYWORD)], [late.pk])

    def test_outside_the_window_a_change_is_not_read_again(self) -> None:
        self.report(description="着火了")
        head = WorkOrderEvent.objects.order_by("-id").values_list("id", flat=True).first()
        EvaluationCursor.objects.create(source=WO_SOURCE, last_id=head, recent_ids=[head] * 5)
        self.assertEqual(self.evaluate()["events"], 0)
        self.assertEqual(Alert.objects.count(), 0)

    def test_a_bounded_pass_continues_with_the_next(self) -> None:
        for i, unit in enumerate((self.unit, self.unit2, self.unit3)):
            self.report(when=T0 + i * MINUTE, description="着火了", unit=unit)
        with mock.patch.object(engine, "BATCH", 1), mock.patch.object(engine, "REREAD_PASSES", 1):
            raised = [self.evaluate(T0 + (10 + i) * MINUTE)["raised"] for i in range(4)]
        self.assertEqual(raised, [1, 1, 1, 0])

    def test_a_failing_rule_is_counted_and_the_others_still_run(self) -> None:
        self.report(description="着火了", category=self.category("water-leak"))
        with mock.patch("alerts.rules.changes.repeat_candidates", side_effect=RuntimeError("boom")):
            with self.assertLogs("alerts.engine", "ERROR"):
                totals = evaluate_changes(now=T0 + MINUTE)
        self.assertEqual((totals["errors"], totals["raised"]), (1, 1))
        self.assertGreater(self.cursor().last_id, 0)  # the change is not read forever

    def test_an_alert_that_cannot_be_raised_is_counted_and_the_others_are_raised(self) -> None:
        from alerts.services import alert_raise

        def fussy(**kwargs):
            if kwargs["dedup_key"].startswith("kw:L0"):
                raise RuntimeError("boom")
            return alert_raise(**kwargs)

        self.report(description="着火了，跑水了")
        with mock.patch("alerts.rules.base.alert_raise", side_effect=fussy), self.assertLogs("alerts.engine", "ERROR"):
            totals = evaluate_changes(now=T0 + MINUTE)
        self.assertEqual((totals["errors"], totals["raised"]), (1, 1))
        self.assertEqual([a.dedup_key.split(":")[1] for a in self.alerts(RuleKind.KEYWORD)], ["L1"])
        self.evaluate(T0 + 2 * MINUTE)  # the re-read window raises it on the next pass
        self.assertEqual(len(self.alerts(RuleKind.KEYWORD)), 2)

    def test_a_rule_whose_parameters_no_longer_validate_is_left_out(self) -> None:
        rule = self.rule(RuleKind.KEYWORD, tier="L0")
        rule.params = {"tier": "L9"}
        rule.save()
        self.report(description="着火了，跑水了")
        with self.assertLogs("alerts.engine", "WARNING"):
            self.evaluate()
        self.assertEqual([a.dedup_key.split(":")[1] for a in self.alerts(RuleKind.KEYWORD)], ["L1"])

    def test_its_queries_do_not_grow_with_the_changes(self) -> None:
        leak = self.category("water-leak")

        def pass_over(n: int, start) -> int:
            for i in range(n):
                self.report(when=start + i * MINUTE, building=self.building, category=leak, description="楼道渗水")
            with CaptureQueriesContext(connection) as queries:
                self.evaluate(start + HOUR)
            return len(queries)

        pass_over(1, T0 - DAY)  # the cursors exist and have a window to re-read
        few = pass_over(3, T0)
        many = pass_over(20, T0 + DAY)
        self.assertEqual(few, many)
        self.assertLess(many, 40)


class EvaluatePeriodicTests(RulesTestCase):
    def test_it_runs_the_hotspot_and_kpi_rules(self) -> None:
        with (
            mock.patch("alerts.rules.periodic.evaluate_hotspots", return_value=2) as hotspots,
            mock.patch("alerts.rules.periodic.evaluate_kpis", return_value=1) as kpis,
        ):
            self.assertEqual(evaluate_periodic(now=T0), {"hotspots": 2, "kpis": 1})
        hotspots.assert_called_once_with(now=T0)
        kpis.assert_called_once_with(now=T0)

    def test_it_finds_nothing_in_a_quiet_company(self) -> None:
        self.assertEqual(evaluate_periodic(now=T0), {"hotspots": 0, "kpis": 0})
