import time_machine

from alerts.choices import AlertEventKind, AlertStatus, Level, RuleKind, SubjectType
from alerts.engine import text_scan
from alerts.models import Alert, AlertEvent
from alerts.tests.rules_fixtures import DAY, HOUR, MINUTE, T0, RulesTestCase
from workorders import services as wo


class KeywordRuleTests(RulesTestCase):
    def test_it_raises_the_life_safety_tier_once_for_the_right_order_and_person(self) -> None:
        order = self.report(description="3栋电梯困人了，里面有老人")
        self.report(description="门锁坏了", unit=self.unit2)
        totals = self.evaluate()
        self.assertEqual(totals["raised"], 1)
        alert = self.only_alert(RuleKind.KEYWORD)
        self.assertEqual(alert.dedup_key, f"kw:L0:workorder:{order.pk}")
        self.assertEqual(alert.rule.params["tier"], "L0")
        self.assertEqual((alert.subject_type, alert.subject_id), (SubjectType.WORKORDER, order.pk))
        self.assertEqual(alert.refs, [{"type": "workorder", "id": order.pk}])
        self.assertEqual(
            (alert.project_id, alert.owner, alert.level), (self.project.pk, self.supervisor, Level.SUPERVISOR)
        )
        self.assertEqual(alert.severity, "critical")
        self.assertEqual(self.summary(alert), f"Order {order.code}: keywords 电梯困人 (L0)")
        self.assertEqual(alert.evidence["facts"]["source"], "order")

    def test_it_escalates_a_12345_referral_without_any_keyword(self) -> None:
        from workorders.choices import Source

        order = self.report(description="楼下车库入口积水", source=Source.HOTLINE_12345)
        plain = self.report(description="楼下车库入口积水", unit=self.unit2)
        self.evaluate()
        alert = self.only_alert(RuleKind.KEYWORD)
        self.assertEqual((alert.dedup_key, alert.severity), (f"kw:L2:workorder:{order.pk}", "high"))
        self.assertEqual(alert.evidence["facts"]["words"], ["12345"])
        self.assertNotIn(plain.pk, {a.subject_id for a in self.alerts(RuleKind.KEYWORD)})

    def test_it_reads_traditional_characters(self) -> None:
        order = self.report(description="電梯困人，漏水嚴重，我要打12345投訴")
        self.evaluate()
        keys = {a.dedup_key for a in self.alerts(RuleKind.KEYWORD)}
        self.assertEqual(keys, {f"kw:{tier}:workorder:{order.pk}" for tier in ("L0", "L1", "L2")})
        l1 = self.only_alert(RuleKind.KEYWORD, dedup_key=f"kw:L1:workorder:{order.pk}")
        self.assertEqual(l1.evidence["facts"]["words"], ["漏水严重"])

    def test_it_scans_comments_ratings_and_follow_ups(self) -> None:
        order = self.owner_report(description="门锁坏了")
        with time_machine.travel(T0 + HOUR, tick=False):
            wo.workorder_comment(order=order, text="业主说再不处理就找媒体曝光", actor=self.supervisor)
        self.evaluate(T0 + HOUR + MINUTE)
        alert = self.only_alert(RuleKind.KEYWORD, dedup_key=f"kw:L2:workorder:{order.pk}")
        self.assertEqual(alert.evidence["facts"]["words"], ["媒体", "曝光"])
        self.assertEqual(alert.evidence["facts"]["source"], "comment")
        l3 = self.only_alert(RuleKind.KEYWORD, dedup_key=f"kw:L3:workorder:{order.pk}")  # 再不处理
        self.assertEqual(l3.evidence["facts"]["words"], ["再不处理"])
        self.complete(order, when=T0 + 2 * HOUR)
        with time_machine.travel(T0 + 3 * HOUR, tick=False):
            wo.workorder_rate(order=order, stars=4, comment="師傅態度惡劣", actor=self.owner)
        self.evaluate(T0 + 3 * HOUR + MINUTE)
        l3.refresh_from_db()
        self.assertEqual(l3.evidence["facts"]["words"], ["再不处理"])  # the same tier and order: no news
        self.assertEqual(len(self.alerts(RuleKind.KEYWORD)), 2)

    def test_it_stays_quiet_for_harmless_or_negated_text(self) -> None:
        self.report(description="楼道灯不亮，没有漏电")
        self.assertEqual(self.evaluate()["raised"], 0)
        self.assertEqual(Alert.objects.count(), 0)

    def test_it_skips_inactive_rules_and_rules_of_another_project(self) -> None:
        l0 = self.rule(RuleKind.KEYWORD, tier="L0")
        l0.is_active = False
        l0.save()
        l1 = self.rule(RuleKind.KEYWORD, tier="L1")
        l1.project = self.project2
        l1.save()
        self.report(description="电梯困人，停电了")
        self.evaluate()
        self.assertEqual(Alert.objects.count(), 0)
        self.report(description="大厦停电了", project=self.project2, unit=self.unit_office, actor=self.admin)
        self.evaluate(T0 + 2 * MINUTE)
        self.assertEqual([a.dedup_key.split(":")[1] for a in self.alerts(RuleKind.KEYWORD)], ["L1"])

    def test_it_uses_the_rules_extra_and_ignored_words(self) -> None:
        l2 = self.rule(RuleKind.KEYWORD, tier="L2")
        l2.params = {"tier": "L2", "extra_words": ["物业跑路"], "ignore_words": ["社区医院", "热线"]}
        l2.save()
        order = self.report(description="听说物業跑路了，社区医院门口积水，打了热线")
        self.evaluate()
        alert = self.only_alert(RuleKind.KEYWORD, dedup_key=f"kw:L2:workorder:{order.pk}")
        self.assertEqual(alert.evidence["facts"]["words"], ["物业跑路"])

    def test_it_keeps_companies_apart(self) -> None:
        order = self.report(description="着火了", project=self.other_project, unit=self.other_unit, actor=self.outsider)
        self.evaluate()
        alert = self.only_alert(RuleKind.KEYWORD)
        self.assertEqual((alert.company_id, alert.rule.company_id), (self.other_company.pk, self.other_company.pk))
        self.assertEqual(alert.subject_id, order.pk)
        self.assertFalse(Alert.objects.filter(company=self.company).exists())

    def test_it_resolves_when_the_order_is_closed_or_cancelled(self) -> None:
        fire = self.report(description="楼下着火了")
        flood = self.report(description="水管爆裂，跑水", unit=self.unit2)
        self.evaluate()
        with time_machine.travel(T0 + HOUR, tick=False):
            wo.workorder_cancel(order=fire, reason="误报", actor=self.supervisor)
        totals = self.evaluate(T0 + HOUR + MINUTE)
        self.assertEqual(totals["resolved"], 1)
        fire_alert = self.only_alert(RuleKind.KEYWORD, subject_id=fire.pk)
        self.assertEqual((fire_alert.status, fire_alert.resolution), (AlertStatus.RESOLVED, "auto"))
        event = fire_alert.events.get(kind=AlertEventKind.RESOLVED)
        self.assertEqual(event.reason, "The order is closed or cancelled.")
        self.assertEqual(self.only_alert(RuleKind.KEYWORD, subject_id=flood.pk).status, AlertStatus.OPEN)
        self.assertEqual(self.evaluate(T0 + HOUR + 2 * MINUTE)["resolved"], 0)


class TextScanTests(RulesTestCase):
    def test_it_raises_one_alert_per_tier_and_subject(self) -> None:
        kwargs = {
            "company_id": self.company.pk,
            "project_id": self.project.pk,
            "text": "物業太差，再不處理就打市長熱線",
            "subject_type": SubjectType.PROJECT,
            "subject_id": self.project.pk,
            "refs": [(SubjectType.PROJECT, self.project.pk)],
            "label": "2026年业主满意度调查 第12份",
            "at": T0,
        }
        raised = text_scan(**kwargs)
        self.assertEqual(
            sorted(r.alert.dedup_key for r in raised),
            [f"kw:L2:project:{self.project.pk}", f"kw:L3:project:{self.project.pk}"],
        )
        self.assertTrue(all(r.created for r in raised))
        l2 = next(r.alert for r in raised if "L2" in r.alert.dedup_key)
        self.assertEqual(self.summary(l2), "2026年业主满意度调查 第12份: keywords 市长热线 (L2)")
        again = text_scan(**{**kwargs, "at": T0 + DAY})
        self.assertFalse(any(r.created or r.added for r in again))
        self.assertEqual(AlertEvent.objects.filter(kind=AlertEventKind.RAISED).count(), 2)

    def test_it_finds_nothing_in_plain_text_or_for_another_company(self) -> None:
        self.assertEqual(
            text_scan(
                company_id=self.company.pk,
                project_id=None,
                text="服务很好，谢谢",
                subject_type=SubjectType.PROJECT,
                subject_id=1,
                refs=[],
            ),
            [],
        )
        raised = text_scan(
            company_id=self.other_company.pk,
            project_id=self.other_project.pk,
            text="着火了",
            subject_type=SubjectType.PROJECT,
            subject_id=self.other_project.pk,
            refs=[{"type": "project", "id": self.other_project.pk}],
        )
        self.assertEqual([r.alert.company_id for r in raised], [self.other_company.pk])
