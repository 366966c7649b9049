"""inspections.scoring: item points, round and department scores (pure functions)."""

from decimal import Decimal

from django.test import SimpleTestCase

from inspections.scoring import Row, department_scores, item_points, percent, round_score

D = Decimal


def pf(outcome: str, weight="1", kind: str = "") -> Row:
    return Row(scoring="pass_fail", max_score=1, weight=D(weight), outcome=outcome, department_kind=kind)


def scale(score, max_score: int = 5, weight="1", outcome: str = "pass", kind: str = "") -> Row:
    return Row(
        scoring="scale",
        max_score=max_score,
        weight=D(weight),
        outcome=outcome,
        score=None if score is None else D(score),
        department_kind=kind,
    )


class ItemPointsTests(SimpleTestCase):
    def test_it_gives_a_passed_item_its_weight(self) -> None:
        self.assertEqual(item_points(pf("pass", "3")), (D(3), D(3)))

    def test_it_gives_a_failed_item_nothing(self) -> None:
        self.assertEqual(item_points(pf("fail", "3")), (D(0), D(3)))

    def test_it_leaves_na_items_out(self) -> None:
        self.assertEqual(item_points(pf("na", "3")), (D(0), D(0)))
        self.assertEqual(item_points(scale(None, outcome="na")), (D(0), D(0)))

    def test_it_scales_a_score_by_its_maximum(self) -> None:
        self.assertEqual(item_points(scale("3", 5, "2")), (D("1.2"), D(2)))

    def test_it_ignores_a_stored_score_of_pass_fail_items(self) -> None:
        row = Row(scoring="pass_fail", max_score=1, weight=D(2), outcome="fail", score=D(1))
        self.assertEqual(item_points(row), (D(0), D(2)))


class RoundScoreTests(SimpleTestCase):
    def test_it_weights_items(self) -> None:
        score = round_score([pf("pass", "1"), pf("fail", "3"), pf("pass", "2"), scale("4", 5, "2")])
        # (1 + 0 + 2 + 1.6) / 8 = 57.5 %
        self.assertEqual(score.score, D("57.5"))
        self.assertEqual((score.achieved, score.possible), (D("4.6"), D(8)))
        self.assertEqual((score.items, score.failed), (4, 1))

    def test_it_rounds_half_up_to_a_tenth(self) -> None:
        self.assertEqual(round_score([pf("pass"), pf("pass"), pf("fail")]).score, D("66.7"))
        self.assertEqual(percent(D(1), D(8)), D("12.5"))
        self.assertEqual(percent(D("0.0625"), D(1)), D("6.3"))  # 6.25 → 6.3

    def test_it_excludes_na_items_from_the_base(self) -> None:
        self.assertEqual(round_score([pf("pass"), pf("na", "10")]).score, D(100))

    def test_it_has_no_score_when_nothing_applies(self) -> None:
        score = round_score([pf("na"), scale(None, outcome="na")])
        self.assertIsNone(score.score)
        self.assertEqual(score.possible, D(0))

    def test_it_has_no_score_for_no_rows(self) -> None:
        self.assertIsNone(round_score([]).score)

    def test_a_full_round_scores_100(self) -> None:
        self.assertEqual(round_score([pf("pass", "2"), scale("5")]).score, D(100))

    def test_a_round_of_failures_scores_0(self) -> None:
        self.assertEqual(round_score([pf("fail", "2"), scale("0", outcome="fail")]).score, D(0))


class DepartmentScoresTests(SimpleTestCase):
    def test_it_scores_each_department_over_its_own_items(self) -> None:
        rows = [
            pf("pass", "1", "cleaning"),
            pf("fail", "3", "engineering"),
            pf("pass", "2", "engineering"),
            pf("pass", "5"),  # no department: counts in the round, not in any department
        ]
        scores = department_scores(rows)
        self.assertEqual(list(scores), ["cleaning", "engineering"])
        self.assertEqual(scores["cleaning"].score, D(100))
        self.assertEqual(scores["engineering"].score, D(40))
        self.assertEqual(scores["engineering"].failed, 1)
