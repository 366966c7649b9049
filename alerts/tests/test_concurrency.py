"""Exactly once under concurrency: two evaluation passes at the same moment, and two workers
raising the same condition with different evidence.

The threads need real transactions and real row locks, so these are TransactionTestCases that
race on PostgreSQL (CI runs the suite there too). SQLite takes one writer at a time and ignores
FOR UPDATE, so on SQLite the same workers run one after the other: the exactly-once results must
hold there as well, but only PostgreSQL proves them under a race.
"""

import dataclasses
import datetime as dt
import threading
import unittest

import time_machine
from django.db import close_old_connections, connection
from django.test import TransactionTestCase
from django_scopes import scopes_disabled

from alerts import engine
from alerts.choices import AlertEventKind, RuleKind, SubjectType
from alerts.engine import evaluate_changes
from alerts.models import Alert, AlertEvent, AlertRule
from alerts.services import alert_raise
from alerts.tests.rules_fixtures import T0
from core import services as core_services
from core.choices import Role
from lib.testing import build_company, make_user
from workorders import services as wo
from workorders.models import Category

NOW = T0 + dt.timedelta(minutes=5)


def racing() -> bool:
    return connection.vendor == "postgresql"


class ConcurrentEvaluationTests(TransactionTestCase):
    def setUp(self) -> None:
        with scopes_disabled():
            operator = make_user("op", superuser=True)
            self.admin = make_user("boss", phone="13911111111")
            built = build_company(code="race", name="竞速物业", operator=operator, admin=self.admin)
            quality = make_user("qm", phone="13911111112")
            core_services.membership_grant(
                company=built["company"], user=quality, role=Role.QUALITY_MANAGER, actor=operator
            )
            self.company, self.project, self.units = built["company"], built["project"], built["units"]
            leak = Category.objects.get(company=self.company, code="water-leak")
            with time_machine.travel(T0, tick=False):
                for i in range(30):
                    wo.workorder_create(
                        project=self.project,
                        data={"kind": "repair", "description": f"{i}号：着火了，业主要打12345", "area": built["area"]},
                        actor=self.admin,
                    )
                for unit in self.units:  # a repeat complaint per unit, a group complaint of the three
                    for _ in range(2):
                        wo.workorder_create(
                            project=self.project,
                            data={"kind": "repair", "category": leak, "unit": unit, "description": "渗水"},
                            actor=self.admin,
                        )

    def run_together(self, *targets) -> list:
        if not racing():  # SQLite: one writer at a time, so one after the other
            with scopes_disabled():
                return [target() for target in targets]
        barrier = threading.Barrier(len(targets))
        results, errors = [None] * len(targets), []

        def run(i, target):
            try:
                barrier.wait(timeout=10)
                with scopes_disabled():  # scopes are per thread; the job disables them too
                    results[i] = target()
            except Exception as e:  # surfaced by the assertion in the test
                errors.append(e)
            finally:
                close_old_connections()

        threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])
        return results

    def test_two_passes_at_once_raise_each_alert_once(self) -> None:
        results = self.run_together(lambda: evaluate_changes(now=NOW), lambda: evaluate_changes(now=NOW))
        with scopes_disabled():
            alerts = list(Alert.objects.values_list("kind", "dedup_key"))
            self.assertEqual(len(alerts), len(set(alerts)))
            kinds = [kind for kind, _ in alerts]
            self.assertEqual(kinds.count(RuleKind.KEYWORD), 30 * 2)  # L0 and L2 of each
            self.assertEqual(kinds.count(RuleKind.REPEAT_COMPLAINT), 3)
            self.assertEqual(kinds.count(RuleKind.GROUP_COMPLAINT), 1)  # three households, one building
            raised = AlertEvent.objects.filter(kind=AlertEventKind.RAISED)
            self.assertEqual(raised.count(), len(alerts))
            self.assertEqual(raised.values("alert").distinct().count(), len(alerts))
            self.assertEqual(AlertEvent.objects.filter(kind=AlertEventKind.OCCURRED).count(), 0)
        self.assertEqual(sum(r["raised"] for r in results), len(alerts))
        again = evaluate_changes(now=NOW + dt.timedelta(minutes=1))
        self.assertEqual((again["raised"], again["added"]), (0, 0))

    def test_a_pass_skips_a_source_another_pass_holds(self) -> None:
        if not racing():  # no row locks to hold: a second pass after the first finds nothing new
            first, second = self.run_together(lambda: evaluate_changes(now=NOW), lambda: evaluate_changes(now=NOW))
            self.assertEqual((first["raised"], second["raised"], second["skipped"]), (30 * 2 + 3 + 1, 0, 0))
            return
        holding, released = threading.Event(), threading.Event()
        source = engine.SOURCES[0]
        first = []

        def slow_evaluate(events, book, now):
            if not first:  # the first pass holds the cursor until the second one has finished
                first.append(threading.get_ident())
                holding.set()
                released.wait(timeout=20)
            return source.evaluate(events, book, now)

        def second():
            holding.wait(timeout=20)
            try:
                return evaluate_changes(now=NOW)
            finally:
                released.set()

        sources = (dataclasses.replace(source, evaluate=slow_evaluate), *engine.SOURCES[1:])
        with unittest.mock.patch.object(engine, "SOURCES", sources):
            held, skipped = self.run_together(lambda: evaluate_changes(now=NOW), second)
        self.assertEqual(skipped["skipped"], 1)
        self.assertEqual(skipped["raised"], 0)
        self.assertEqual(held["raised"], 30 * 2 + 3 + 1)

    def test_two_workers_raising_one_condition_keep_one_alert_with_all_evidence(self) -> None:
        with scopes_disabled():
            rule = AlertRule.objects.get(company=self.company, kind=RuleKind.REPEAT_COMPLAINT)

        def raise_with(order_id):
            return lambda: alert_raise(
                rule=rule,
                dedup_key="repeat:unit:1:cat:1:1",
                subject_type=SubjectType.UNIT,
                subject_id=self.units[0].pk,
                project_id=self.project.pk,
                refs=[(SubjectType.WORKORDER, 1), (SubjectType.WORKORDER, order_id)],
                summary=("Unit {unit}: {count} {category} orders within {days} days", {}),
                at=NOW,
            )

        results = self.run_together(raise_with(2), raise_with(3))
        self.assertEqual(sorted(r.created for r in results), [False, True])  # whichever came first
        with scopes_disabled():
            alert = Alert.objects.get()
            self.assertEqual({r["id"] for r in alert.refs}, {1, 2, 3})
            self.assertEqual(alert.occurrences, 3)
            kinds = sorted(alert.events.values_list("kind", flat=True))
        self.assertEqual(kinds, [AlertEventKind.OCCURRED, AlertEventKind.RAISED])
