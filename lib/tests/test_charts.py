import json
from decimal import Decimal

from django.test import SimpleTestCase
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from lib.charts import TARGET_COLOR, bar_chart, heatmap, line_chart, pie_chart

MONTHS = ["2026-01", "2026-02", "2026-03"]


def _roundtrip(option: dict) -> dict:
    """The option as the browser gets it: plain JSON, no custom encoder."""
    return json.loads(json.dumps(option))


class LineChartTests(SimpleTestCase):
    def test_it_is_plain_json(self):
        option = line_chart(
            categories=MONTHS, series=[(_("Total"), [Decimal("91.5"), None, 88])], title=_("Trend by month")
        )
        self.assertEqual(_roundtrip(option), option)
        self.assertEqual(option["series"][0]["data"], [91.5, None, 88])

    def test_it_forces_lazy_labels_in_the_active_language(self):
        with translation.override("zh-hans"):
            option = line_chart(categories=MONTHS, series=[(_("Total"), [1, 2, 3])], title=_("Total"))
        self.assertIsInstance(option["series"][0]["name"], str)
        self.assertEqual(option["series"][0]["name"], option["title"]["text"])
        self.assertNotEqual(option["title"]["text"], "Total")

    def test_it_keeps_gaps_as_breaks_in_the_line(self):
        option = _roundtrip(line_chart(categories=MONTHS, series=[("a", [None, 80, None])]))
        self.assertEqual(option["series"][0]["data"], [None, 80, None])
        self.assertFalse(option["series"][0]["connectNulls"])

    def test_it_turns_not_a_number_into_a_gap(self):
        option = line_chart(categories=MONTHS, series=[("a", [float("nan"), float("inf"), 1.0])])
        self.assertEqual(option["series"][0]["data"], [None, None, 1.0])
        json.dumps(option, allow_nan=False)

    def test_it_draws_the_target_as_a_mark_line(self):
        option = line_chart(
            categories=MONTHS, series=[("a", [97, 99, 96]), ("b", [90, 91, 92])], target=98, target_label="target"
        )
        mark = option["series"][0]["markLine"]
        self.assertEqual(mark["data"], [{"name": "target", "yAxis": 98}])
        self.assertEqual(mark["lineStyle"]["color"], TARGET_COLOR)
        self.assertNotIn("markLine", option["series"][1])

    def test_it_widens_the_axis_to_show_a_target_above_the_values(self):
        option = line_chart(categories=MONTHS, series=[("a", [80, 82, None])], target=95)
        self.assertGreaterEqual(option["yAxis"]["max"], 95)

    def test_it_widens_the_axis_to_show_a_target_below_the_values(self):
        option = line_chart(categories=MONTHS, series=[("a", [80, 82, 85])], target=60)
        self.assertLessEqual(option["yAxis"]["min"], 60)

    def test_it_draws_a_target_without_data(self):
        option = _roundtrip(line_chart(categories=MONTHS, series=[], target=Decimal("98.5"), target_label="t"))
        self.assertEqual(option["series"][0]["markLine"]["data"][0]["yAxis"], 98.5)

    def test_it_leaves_out_the_target_when_there_is_none(self):
        option = line_chart(categories=MONTHS, series=[("a", [1, 2, 3])])
        self.assertNotIn("markLine", option["series"][0])

    def test_it_labels_percent_axes_and_caps_them_at_100(self):
        option = line_chart(categories=MONTHS, series=[("a", [97, 99, 96])], percent=True, target=98)
        self.assertEqual(option["yAxis"]["axisLabel"]["formatter"], "{value}%")
        self.assertEqual(option["yAxis"]["max"], 100)
        self.assertEqual(option["tooltip"]["valueFormatter"], "{value} %")

    def test_it_links_points_to_the_records_behind_them(self):
        option = _roundtrip(
            line_chart(
                categories=MONTHS,
                series=[("a", [1, None, 3]), ("b", [4, 5, 6])],
                links=[["/x/?m=1", "/x/?m=2", None]],
            )
        )
        self.assertEqual(option["series"][0]["data"], [{"value": 1, "url": "/x/?m=1"}, None, 3])
        self.assertEqual(option["series"][1]["data"], [4, 5, 6])  # no links given for it

    def test_it_shows_a_legend_only_for_several_series(self):
        self.assertNotIn("legend", line_chart(categories=MONTHS, series=[("a", [1, 2, 3])]))
        self.assertIn("legend", line_chart(categories=MONTHS, series=[("a", [1, 2, 3]), ("b", [3, 2, 1])]))


class BarChartTests(SimpleTestCase):
    def test_it_is_plain_json(self):
        option = bar_chart(categories=[_("Total"), "水电"], series=[("orders", [Decimal(3), None])])
        self.assertEqual(_roundtrip(option), option)
        self.assertEqual(option["series"][0]["data"], [3.0, None])

    def test_it_stacks_series(self):
        option = bar_chart(categories=["a", "b"], series=[("x", [1, 2]), ("y", [3, 4])], stacked=True)
        self.assertEqual({s["stack"] for s in option["series"]}, {"total"})

    def test_it_does_not_stack_by_default(self):
        option = bar_chart(categories=["a"], series=[("x", [1]), ("y", [3])])
        self.assertFalse(any("stack" in s for s in option["series"]))

    def test_it_lists_top_categories_from_the_top_when_horizontal(self):
        option = bar_chart(categories=["most", "less"], series=[("n", [9, 4])], horizontal=True)
        self.assertEqual(option["yAxis"]["type"], "category")
        self.assertEqual(option["yAxis"]["data"], ["most", "less"])
        self.assertTrue(option["yAxis"]["inverse"])
        self.assertEqual(option["xAxis"]["type"], "value")

    def test_it_draws_a_vertical_target_on_horizontal_bars(self):
        option = bar_chart(categories=["a"], series=[("n", [9])], horizontal=True, target=5, target_label="t")
        self.assertEqual(option["series"][0]["markLine"]["data"], [{"name": "t", "xAxis": 5}])

    def test_it_links_bars_and_tolerates_short_link_lists(self):
        option = bar_chart(categories=["a", "b"], series=[("n", [Decimal(2), 3])], links=[["/a/"]])
        self.assertEqual(option["series"][0]["data"], [{"value": 2.0, "url": "/a/"}, 3])


class HeatmapTests(SimpleTestCase):
    def test_it_is_plain_json(self):
        option = heatmap(x_labels=["1号楼", "2号楼"], y_labels=[_("Total")], cells=[(0, 0, Decimal("2.5"))])
        self.assertEqual(_roundtrip(option), option)
        self.assertEqual(option["series"][0]["data"][0]["value"], [0, 0, 2.5])

    def test_it_scales_colours_from_zero_to_the_largest_value(self):
        option = heatmap(x_labels=["a", "b", "c"], y_labels=["x", "y"], cells=[(0, 0, 3), (1, 1, 12), (2, 0, 5)])
        self.assertEqual((option["visualMap"]["min"], option["visualMap"]["max"]), (0, 12))

    def test_it_scales_down_to_a_negative_smallest_value(self):
        option = heatmap(x_labels=["a", "b"], y_labels=["x"], cells=[(0, 0, -4), (1, 0, 6)])
        self.assertEqual((option["visualMap"]["min"], option["visualMap"]["max"]), (-4, 6))

    def test_it_keeps_a_usable_scale_without_values(self):
        option = heatmap(x_labels=["a"], y_labels=["x"], cells=[(0, 0, 0)])
        self.assertEqual((option["visualMap"]["min"], option["visualMap"]["max"]), (0, 1))
        option = heatmap(x_labels=["a"], y_labels=["x"], cells=[])
        self.assertEqual((option["visualMap"]["min"], option["visualMap"]["max"]), (0, 1))

    def test_it_takes_labels_or_indexes(self):
        option = heatmap(
            x_labels=[str(h) for h in range(24)],
            y_labels=["Mon", "Tue"],
            cells=[("8", "Tue", 4), (9, 0, 2)],
        )
        self.assertEqual([d["value"] for d in option["series"][0]["data"]], [[8, 1, 4], [9, 0, 2]])
        self.assertEqual([d["name"] for d in option["series"][0]["data"]], ["Tue · 8", "Mon · 9"])

    def test_it_leaves_empty_cells_out(self):
        option = heatmap(x_labels=["a", "b"], y_labels=["x"], cells=[(0, 0, None), (1, 0, 1)])
        self.assertEqual([d["value"] for d in option["series"][0]["data"]], [[1, 0, 1]])

    def test_it_links_cells(self):
        option = heatmap(x_labels=["a", "b"], y_labels=["x"], cells=[(0, 0, 2, "/a/"), (1, 0, 1)])
        self.assertEqual(option["series"][0]["data"][0]["url"], "/a/")
        self.assertNotIn("url", option["series"][0]["data"][1])

    def test_it_rejects_unknown_cells(self):
        with self.assertRaises(ValueError):
            heatmap(x_labels=["a"], y_labels=["x"], cells=[("b", "x", 1)])
        with self.assertRaises(ValueError):
            heatmap(x_labels=["a"], y_labels=["x"], cells=[(1, 0, 1)])


class PieChartTests(SimpleTestCase):
    def test_it_drops_empty_slices(self):
        option = _roundtrip(pie_chart(items=[(_("Total"), 3), ("b", 0), ("c", None), ("d", Decimal("1.5"))]))
        self.assertEqual([d["name"] for d in option["series"][0]["data"]], [str(_("Total")), "d"])
        self.assertEqual(option["series"][0]["data"][1]["value"], 1.5)

    def test_it_links_slices(self):
        option = pie_chart(items=[("a", 3, "/a/"), ("b", 1)])
        a, b = option["series"][0]["data"]
        self.assertEqual((a, b), ({"name": "a", "value": 3, "url": "/a/"}, {"name": "b", "value": 1}))
