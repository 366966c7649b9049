"""Repeat complaints (same unit and category within days) and group complaints (several
households, same category and place, within hours)."""

import time_machine

from alerts.choices import AlertEventKind, AlertStatus, RuleKind, SubjectType
from alerts.tests.rules_fixtures import DAY, HOUR, MINUTE, T0, RulesTestCase
from workorders import services as wo


class RepeatComplaintTests(RulesTestCase):
    def setUp(self) -> None:
        self.leak = self.category("water-leak")

    def leak_report(self, when, unit=None, **data):
        return self.report(when=when, unit=unit or self.unit, category=self.leak, description="天花板渗水", **data)

    def test_it_raises_the_second_order_of_a_unit_and_category_within_30_days(self) -> None:
        first = self.leak_report(T0)
        self.evaluate(T0 + MINUTE)
        self.assertEqual(self.alerts(RuleKind.REPEAT_COMPLAINT), [])
        second = self.leak_report(T0 + 10 * DAY)
        self.assertEqual(self.evaluate(T0 + 10 * DAY + MINUTE)["raised"], 1)
        alert = self.only_alert(RuleKind.REPEAT_COMPLAINT)
        self.assertEqual(alert.dedup_key, f"repeat:unit:{self.unit.pk}:cat:{self.leak.pk}:{first.pk}")
        self.assertEqual((alert.subject_type, alert.subject_id), (SubjectType.UNIT, self.unit.pk))
        self.assertEqual(self.refs(alert), {first.pk, second.pk})
        self.assertEqual((alert.owner, alert.project_id), (self.supervisor, self.project.pk))
        self.assertEqual(self.summary(alert), "Unit 1-1-101: 2 漏水/渗水 orders within 30 days")

    def test_a_third_order_in_the_window_adds_to_the_same_alert(self) -> None:
        first = self.leak_report(T0)
        second = self.leak_report(T0 + 10 * DAY)
        self.evaluate(T0 + 10 * DAY + MINUTE)
        third = self.leak_report(T0 + 20 * DAY)
        totals = self.evaluate(T0 + 20 * DAY + MINUTE)
        self.assertEqual((totals["raised"], totals["added"]), (0, 1))
        alert = self.only_alert(RuleKind.REPEAT_COMPLAINT)
        self.assertEqual(self.refs(alert), {first.pk, second.pk, third.pk})
        self.assertEqual(alert.occurrences, 3)
        self.assertEqual(alert.events.last().kind, AlertEventKind.OCCURRED)

    def test_it_ignores_old_cancelled_other_units_and_other_kinds(self) -> None:
        self.leak_report(T0 - 31 * DAY)
        cancelled = self.leak_report(T0 - DAY)
        with time_machine.travel(T0 - DAY + HOUR, tick=False):
            wo.workorder_cancel(order=cancelled, reason="重复报修", actor=self.supervisor)
        self.leak_report(T0 - DAY, unit=self.unit2)
        self.leak_report(T0)
        self.evaluate(T0 + MINUTE)
        self.assertEqual(self.alerts(RuleKind.REPEAT_COMPLAINT), [])
        rule = self.rule(RuleKind.REPEAT_COMPLAINT)
        rule.params = {"days": 30, "kinds": ["complaint"]}
        rule.save()
        self.leak_report(T0 + HOUR)
        self.evaluate(T0 + HOUR + MINUTE)
        self.assertEqual(self.alerts(RuleKind.REPEAT_COMPLAINT), [])

    def test_it_resolves_when_every_order_behind_it_is_closed_or_cancelled(self) -> None:
        first = self.leak_report(T0)
        second = self.leak_report(T0 + DAY)
        self.evaluate(T0 + DAY + MINUTE)
        self.close(self.complete(first, when=T0 + 2 * DAY), when=T0 + 2 * DAY)
        self.evaluate(T0 + 2 * DAY + MINUTE)
        alert = self.only_alert(RuleKind.REPEAT_COMPLAINT)
        self.assertEqual(alert.status, AlertStatus.OPEN)
        with time_machine.travel(T0 + 3 * DAY, tick=False):
            second.refresh_from_db()
            wo.workorder_cancel(order=second, reason="业主自行处理", actor=self.supervisor)
        self.assertEqual(self.evaluate(T0 + 3 * DAY + MINUTE)["resolved"], 1)
        alert.refresh_from_db()
        self.assertEqual(alert.status, AlertStatus.RESOLVED)


class GroupComplaintTests(RulesTestCase):
    def setUp(self) -> None:
        self.outage = self.category("water-outage")

    def outage_report(self, when, **data):
        data.setdefault("unit", self.unit)
        return self.report(when=when, category=self.outage, description="家里没水", **data)

    def test_it_raises_when_three_households_of_a_building_report_within_24_hours(self) -> None:
        first = self.outage_report(T0)
        second = self.outage_report(T0 + HOUR, unit=self.unit2)
        self.evaluate(T0 + HOUR + MINUTE)
        self.assertEqual(self.alerts(RuleKind.GROUP_COMPLAINT), [])
        third = self.outage_report(T0 + 5 * HOUR, unit=self.unit3)
        self.evaluate(T0 + 5 * HOUR + MINUTE)
        alert = self.only_alert(RuleKind.GROUP_COMPLAINT)
        self.assertEqual(alert.dedup_key, f"group:building:{self.building.pk}:cat:{self.outage.pk}:{first.pk}")
        self.assertEqual((alert.subject_type, alert.subject_id), (SubjectType.BUILDING, self.building.pk))
        self.assertEqual(self.refs(alert), {first.pk, second.pk, third.pk})
        self.assertEqual(alert.severity, "critical")
        self.assertEqual(alert.owner, self.supervisor)
        self.assertEqual(self.summary(alert), "1栋: 3 households reported 停水/水压低 within 24 hours")

    def test_one_household_reporting_three_times_is_not_a_group(self) -> None:
        for hours in (0, 1, 2):
            self.outage_report(T0 + hours * HOUR)
        self.outage_report(T0 + 3 * HOUR, unit=self.unit2)
        self.evaluate(T0 + 3 * HOUR + MINUTE)
        self.assertEqual(self.alerts(RuleKind.GROUP_COMPLAINT), [])

    def test_reports_further_apart_than_the_window_are_not_a_group(self) -> None:
        self.outage_report(T0)
        self.outage_report(T0 + 13 * HOUR, unit=self.unit2)
        self.outage_report(T0 + 25 * HOUR, unit=self.unit3)
        self.evaluate(T0 + 25 * HOUR + MINUTE)
        self.assertEqual(self.alerts(RuleKind.GROUP_COMPLAINT), [])

    def test_callers_about_a_public_area_count_by_phone_number(self) -> None:
        orders = [
            self.report(when=T0 + i * HOUR, area=self.area, category=self.outage, contact_phone=phone)
            for i, phone in enumerate(("13811110001", "13811110002", "13811110001", "13811110003"))
        ]
        self.evaluate(T0 + 4 * HOUR)
        alert = self.only_alert(RuleKind.GROUP_COMPLAINT)
        self.assertEqual((alert.subject_type, alert.subject_id), (SubjectType.AREA, self.area.pk))
        self.assertEqual(self.refs(alert), {o.pk for o in orders})
        self.assertEqual(alert.evidence["facts"]["households"], 3)

    def test_a_fourth_household_adds_to_the_alert_and_an_inactive_rule_stays_quiet(self) -> None:
        self.outage_report(T0)
        self.outage_report(T0 + HOUR, unit=self.unit2)
        self.outage_report(T0 + 2 * HOUR, unit=self.unit3)
        self.evaluate(T0 + 2 * HOUR + MINUTE)
        fourth = self.report(
            when=T0 + 3 * HOUR, building=self.building, category=self.outage, contact_phone="13811110009"
        )
        self.evaluate(T0 + 3 * HOUR + MINUTE)
        alert = self.only_alert(RuleKind.GROUP_COMPLAINT)
        self.assertIn(fourth.pk, self.refs(alert))
        self.assertEqual(alert.evidence["facts"]["households"], 4)
        rule = self.rule(RuleKind.GROUP_COMPLAINT)
        rule.is_active = False
        rule.save()
        self.outage_report(T0 + 2 * DAY)
        self.outage_report(T0 + 2 * DAY, unit=self.unit2)
        self.outage_report(T0 + 2 * DAY, unit=self.unit3)
        self.evaluate(T0 + 2 * DAY + MINUTE)
        self.assertEqual(len(self.alerts(RuleKind.GROUP_COMPLAINT)), 1)

    def test_it_keeps_companies_apart(self) -> None:
        self.outage_report(T0)
        self.outage_report(T0, unit=self.unit2)
        other = self.category("water-outage", company=self.other_company)
        for phone in ("13911110001", "13911110002"):
            self.report(
                when=T0,
                project=self.other_project,
                area=self.other_area,
                category=other,
                contact_phone=phone,
                actor=self.outsider,
            )
        self.evaluate(T0 + MINUTE)
        self.assertEqual(self.alerts(RuleKind.GROUP_COMPLAINT), [])
