from django.core.exceptions import ValidationError
from django.test import SimpleTestCase
from django.utils import translation

from alerts.choices import RuleKind
from alerts.defaults import DEFAULT_RULES
from alerts.rules import validate_params
from alerts.rules.params import KPI_NAMES, SCHEMAS


class ValidateParamsTests(SimpleTestCase):
    def errors(self, kind, params) -> list[str]:
        with translation.override("en"), self.assertRaises(ValidationError) as e:
            validate_params(kind, params)
        return e.exception.message_dict["params"]

    def test_it_has_a_schema_for_every_rule_kind(self) -> None:
        self.assertEqual(set(SCHEMAS), set(RuleKind.values))

    def test_it_accepts_every_default_rule(self) -> None:
        for spec in DEFAULT_RULES:
            with self.subTest(rule=str(spec["name"])):
                cleaned = validate_params(spec["kind"], spec["params"])
                for name, value in spec["params"].items():
                    self.assertEqual(cleaned[name], value)

    def test_it_fills_in_the_defaults(self) -> None:
        self.assertEqual(
            validate_params(RuleKind.LOW_RATING, {}),
            {"max_stars": 2, "max_follow_up_satisfaction": 2, "unresolved_follow_up": True},
        )
        self.assertEqual(validate_params(RuleKind.SLA_BREACH, None), {"targets": []})
        self.assertEqual(validate_params(RuleKind.GROUP_COMPLAINT, {}), {"households": 3, "hours": 24})
        self.assertEqual(validate_params(RuleKind.OVERDUE_RECTIFICATION, {}), {})
        self.assertEqual(
            validate_params(RuleKind.MISSED_PATROL, {}), {"min_missed": 1, "kinds": ["patrol", "maintenance"]}
        )
        self.assertEqual(
            validate_params(RuleKind.KPI, {"kpi": "plan_completion"}), {"kpi": "plan_completion", "target": None}
        )

    def test_it_cleans_keyword_lists(self) -> None:
        cleaned = validate_params(
            RuleKind.KEYWORD, {"tier": "l2", "extra_words": "物业经理跑路\n 找媒体 ，找媒体、退钱"}
        )
        self.assertEqual(cleaned, {"tier": "L2", "extra_words": ["物业经理跑路", "找媒体", "退钱"], "ignore_words": []})

    def test_it_rejects_unknown_parameters_naming_them_and_the_rule(self) -> None:
        [message] = self.errors(RuleKind.SLA_WARNING, {"level": 80, "colour": "red"})
        self.assertIn("colour", message)
        self.assertIn("SLA warning", message)

    def test_it_rejects_values_out_of_range(self) -> None:
        cases = [
            (RuleKind.LOW_RATING, {"max_stars": 5}, "max_stars", "between 1 and 4"),
            (RuleKind.LOW_RATING, {"max_stars": True}, "max_stars", "between 1 and 4"),
            (RuleKind.LOW_RATING, {"unresolved_follow_up": "maybe"}, "unresolved_follow_up", "true or false"),
            (RuleKind.SLA_WARNING, {"level": 100}, "level", "50, 80"),
            (RuleKind.SLA_BREACH, {"targets": ["coffee"]}, "targets", "ack"),
            (RuleKind.REPEAT_COMPLAINT, {"days": 0}, "days", "between 1 and 365"),
            (RuleKind.REPEAT_COMPLAINT, {"kinds": ["gossip"]}, "kinds", "complaint"),
            (RuleKind.GROUP_COMPLAINT, {"households": 1}, "households", "between 2 and 100"),
            (RuleKind.GROUP_COMPLAINT, {"hours": 169}, "hours", "between 1 and 168"),
            (RuleKind.HOTSPOT, {"factor": 1}, "factor", "greater than 1"),
            (RuleKind.HOTSPOT, {"window_days": 14, "baseline_days": 14}, "baseline_days", "longer than"),
            (RuleKind.KPI, {"kpi": "happiness"}, "kpi", "plan_completion"),
            (RuleKind.KPI, {"kpi": "plan_completion", "target": 1.5}, "target", "between 0 and 1"),
            (RuleKind.KPI, {}, "kpi", "required"),
            (RuleKind.KEYWORD, {}, "tier", "required"),
            (RuleKind.KEYWORD, {"tier": "L9"}, "tier", "L0, L1, L2, L3"),
            (RuleKind.KEYWORD, {"tier": "L1", "extra_words": [1, 2]}, "extra_words", "list of words"),
            (RuleKind.KEYWORD, {"tier": "L1", "ignore_words": ["长" * 31]}, "ignore_words", "longer than 30"),
            (RuleKind.MISSED_PATROL, {"min_missed": 0}, "min_missed", "between 1 and 100"),
            (RuleKind.EQUIPMENT, {"metric": "", "op": ">", "value": 1}, "metric", "required"),
            (RuleKind.EQUIPMENT, {"metric": "pressure", "op": "~", "value": 1}, "op", ">="),
            (RuleKind.EQUIPMENT, {"metric": "pressure", "op": ">", "value": "high"}, "value", "number"),
            (RuleKind.EQUIPMENT, {"metric": "pressure", "op": ">", "value": 1, "priority": "P7"}, "priority", "P0"),
        ]
        for kind, params, name, words in cases:
            with self.subTest(kind=kind, params=params):
                messages = self.errors(kind, params)
                self.assertTrue(any(name in m and words in m for m in messages), messages)
                with translation.override("en"):
                    label = str(RuleKind(kind).label)
                self.assertTrue(all(label in m for m in messages), messages)

    def test_it_reports_every_bad_parameter_at_once(self) -> None:
        self.assertEqual(len(self.errors(RuleKind.LOW_RATING, {"max_stars": 9, "max_follow_up_satisfaction": 0})), 2)

    def test_it_translates_the_messages(self) -> None:
        with translation.override("zh-hans"), self.assertRaises(ValidationError) as e:
            validate_params(RuleKind.GROUP_COMPLAINT, {"households": 1})
        self.assertIn("households", e.exception.message_dict["params"][0])

    def test_it_rejects_an_unknown_kind_and_params_that_are_not_an_object(self) -> None:
        with self.assertRaises(ValidationError) as e:
            validate_params("astrology", {})
        self.assertIn("kind", e.exception.message_dict)
        self.assertEqual(len(self.errors(RuleKind.SLA_BREACH, ["ack"])), 1)

    def test_it_fills_equipment_defaults_and_accepts_form_strings(self) -> None:
        cleaned = validate_params(
            RuleKind.EQUIPMENT, {"metric": "pressure", "op": "<", "value": "0.15", "open_work_order": "on"}
        )
        self.assertEqual(
            cleaned,
            {
                "metric": "pressure",
                "op": "<",
                "value": 0.15,
                "device_kind": "",
                "device_code": "",
                "open_work_order": True,
                "category_code": "",
                "priority": "P1",
            },
        )
        self.assertEqual(validate_params(RuleKind.SLA_WARNING, {"level": "50"}), {"level": 50})

    def test_it_knows_the_periodic_kpis(self) -> None:
        from alerts.rules.periodic import KPIS

        self.assertEqual(set(KPI_NAMES), set(KPIS))
