"""Hotspot roll-ups: orders per place, category and kind on the report day (with repeated problems
at the same unit or public area), per local hour of the report, and the records behind them."""

from analytics.models import HotspotDaily, HourlyLoad
from analytics.services import rollup_rebuild
from analytics.services.rollup import counter_records
from analytics.tests.base import D0, DAY, HOUR, MINUTE, T0, AnalyticsTestCase, at, table
from workorders.choices import Kind


class HotspotRollupTests(AnalyticsTestCase):
    def rebuild(self, company=None) -> None:
        rollup_rebuild(company=company or self.company, days=[D0 + n * DAY for n in range(-3, 40)])

    def hotspot(self, *, day=D0, building=None, area=None, category=None, kind=Kind.REPAIR) -> dict:
        key = (
            self.project.pk,
            self.department.pk,
            (building or self.building).pk,
            area.pk if area else None,
            category.pk if category else None,
            kind,
            day,
        )
        return table(HotspotDaily, company=self.company).get(key, {})

    def test_orders_count_per_place_and_category_with_repeats_at_the_same_unit(self) -> None:
        leak = self.category("water-leak")
        self.report(category=leak)
        self.report(category=leak, when=T0 + HOUR)  # the same unit: a repeat
        self.report(category=leak, unit=self.unit2, when=T0 + 2 * HOUR)  # another unit: not a repeat
        self.report(category=leak, when=T0 + 31 * DAY)  # too late to be a repeat
        self.rebuild()
        self.assertEqual(self.hotspot(category=leak), {"reported": 3, "repeats": 1})
        self.assertEqual(self.hotspot(category=leak, day=D0 + 31 * DAY), {"reported": 1})

    def test_public_areas_and_complaints(self) -> None:
        light = self.category("electric-public-light")
        noise = self.category("c-order-noise")
        self.report(category=light, area=self.area)
        self.report(category=light, area=self.area, when=T0 + DAY)
        self.report(kind=Kind.COMPLAINT, category=noise)
        self.report(kind=Kind.COMPLAINT, category=noise, when=T0 + 3 * HOUR)
        self.rebuild()
        self.assertEqual(self.hotspot(area=self.area, category=light), {"reported": 1})
        self.assertEqual(self.hotspot(area=self.area, category=light, day=D0 + DAY), {"reported": 1, "repeats": 1})
        self.assertEqual(
            self.hotspot(category=noise, kind=Kind.COMPLAINT), {"reported": 2, "repeats": 1, "complaints": 2}
        )

    def test_cancelled_orders_are_no_hotspot_and_no_earlier_order(self) -> None:
        leak = self.category("water-leak")
        first = self.report(category=leak)
        self.step("cancel", first, when=T0 + MINUTE, reason="不需要了")
        self.report(category=leak, when=T0 + HOUR)
        self.rebuild()
        self.assertEqual(self.hotspot(category=leak), {"reported": 1})

    def test_hours_are_local_to_the_company(self) -> None:
        self.report(when=at(2026, 11, 2, 23, 30))  # 15:30 UTC, late evening in Shanghai
        self.report(when=at(2026, 11, 3, 0, 10))
        self.report(when=at(2026, 11, 3, 0, 50))
        self.rebuild()
        rows = {(r.day, r.hour): r.reported for r in HourlyLoad.objects.filter(company=self.company)}
        self.assertEqual(rows, {(D0, 23): 1, (D0 + DAY, 0): 2})

    def test_other_companies_rows_stay_their_own(self) -> None:
        self.report(project=self.other_project, unit=self.other_unit, actor=self.outsider)
        self.report(category=self.category("water-leak"))
        self.rebuild()
        self.rebuild(company=self.other_company)
        self.assertEqual(HotspotDaily.objects.filter(company=self.company).count(), 1)
        self.assertEqual(HotspotDaily.objects.filter(company=self.other_company).count(), 1)
        self.assertEqual(
            {r.project_id for r in HourlyLoad.objects.filter(company=self.other_company)}, {self.other_project.pk}
        )

    def test_the_records_behind_a_hotspot_counter(self) -> None:
        leak = self.category("water-leak")
        first = self.report(category=leak)
        second = self.report(category=leak, when=T0 + HOUR)
        self.report(category=self.category("electric-socket"), when=T0 + HOUR)
        days = [D0]
        reported = counter_records(
            company=self.company, model=HotspotDaily, counter="reported", days=days, filters={"category_id": leak.pk}
        )
        self.assertEqual(set(reported), {first, second})
        repeats = counter_records(company=self.company, model=HotspotDaily, counter="repeats", days=days)
        self.assertEqual(list(repeats), [second])
        at_ten = counter_records(
            company=self.company, model=HourlyLoad, counter="reported", days=days, filters={"hour": 11}
        )
        self.assertEqual(len(at_ten), 2)
