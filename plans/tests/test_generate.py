import datetime as dt
import threading
import zoneinfo

from django.db import close_old_connections, connection
from django.test import TransactionTestCase
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from core import services as core_services
from core.choices import Role
from lib.testing import build_company, make_user
from plans import services
from plans.choices import HolidayRule, TaskStatus
from plans.models import Plan, Task
from plans.tests.base import DAY1, SHANGHAI, D, PlanTestCase, T, at


def keys(plan):
    return list(Task.objects.filter(plan=plan).order_by("starts_at").values_list("date", "window_index"))


class GenerateTests(PlanTestCase):
    def test_it_creates_each_window_of_each_date_once(self):
        self.assertEqual(self.generate(until=D(2026, 12, 3)), 6)
        self.assertEqual(self.generate(until=D(2026, 12, 3)), 0)
        Plan.objects.filter(pk=self.patrol.pk).update(generated_until=None)  # force the insert path
        self.assertEqual(self.generate(until=D(2026, 12, 3)), 0)
        self.assertEqual(Task.objects.filter(plan=self.patrol).count(), 6)
        self.patrol.refresh_from_db()
        self.assertEqual(self.patrol.generated_until, D(2026, 12, 3))

    def test_it_continues_where_it_stopped(self):
        self.generate(until=D(2026, 12, 1))
        self.assertEqual(self.generate(until=D(2026, 12, 2)), 2)
        self.assertEqual(keys(self.patrol)[-2:], [(D(2026, 12, 2), 0), (D(2026, 12, 2), 1)])

    def test_it_fills_the_task_from_the_plan(self):
        self.generate()
        night = self.task(window=1)
        self.assertEqual((night.starts_at, night.due_at), (at(2026, 12, 1, 22, 0), at(2026, 12, 2, 6, 0)))
        self.assertEqual((night.company, night.project, night.department), (self.company, self.project, self.security))
        self.assertEqual((night.kind, night.title, night.status), ("patrol", "重点区域巡逻", TaskStatus.SCHEDULED))
        self.assertEqual((night.plan_version, night.required_checkpoints, night.assignee), (1, 3, None))
        self.assertEqual((night.on_time_checkins, night.late_checkins, night.photo), (0, 0, ""))

    def test_it_skips_windows_already_over_and_never_goes_back_further_than_yesterday(self):
        created = services.tasks_generate(until=D(2026, 12, 5), now=at(2026, 12, 5, 9, 0), plans=[self.patrol])
        # nothing before 4 Dec, and 4 Dec's night window ended at 06:00: only 5 Dec's windows remain
        self.assertEqual(created, 2)
        self.assertEqual(keys(self.patrol), [(D(2026, 12, 5), 0), (D(2026, 12, 5), 1)])

    def test_it_picks_up_a_night_window_still_running(self):
        created = services.tasks_generate(until=D(2026, 12, 2), now=at(2026, 12, 2, 3, 0), plans=[self.patrol])
        self.assertEqual(created, 3)
        self.assertEqual(keys(self.patrol)[0], (D(2026, 12, 1), 1))

    def test_it_stops_at_the_last_day_and_before_the_first(self):
        plan = services.plan_create(
            project=self.project,
            data={"kind": "cleaning", "name": "节前大扫除", "starts_on": D(2026, 12, 3), "ends_on": D(2026, 12, 4)},
            windows=[(T(9), T(11))],
            actor=self.admin,
        )
        self.assertEqual(services.tasks_generate(until=D(2026, 12, 9), now=at(2026, 12, 1, 0, 0), plans=[plan]), 2)
        self.assertEqual(keys(plan), [(D(2026, 12, 3), 0), (D(2026, 12, 4), 0)])
        self.assertEqual(services.tasks_generate(until=D(2026, 12, 20), now=at(2026, 12, 10, 0, 0), plans=[plan]), 0)

    def test_it_counts_every_other_day_from_the_first_day(self):
        plan = services.plan_create(
            project=self.project,
            data={"kind": "greening", "name": "浇灌", "rrule": "FREQ=DAILY;INTERVAL=2", "starts_on": D(2026, 11, 28)},
            windows=[(T(6), T(8))],
            actor=self.admin,
        )
        services.tasks_generate(until=D(2026, 12, 6), now=at(2026, 11, 28, 0, 0), plans=[plan])
        dates = [d.day for d, _ in keys(plan)]
        self.assertEqual(dates, [28, 30, 2, 4, 6])

    def test_it_takes_month_ends(self):
        plan = services.plan_create(
            project=self.project,
            data={
                "kind": "maintenance",
                "name": "月末设备检查",
                "rrule": "FREQ=MONTHLY;BYMONTHDAY=-1",
                "starts_on": D(2026, 1, 1),
            },
            actor=self.admin,
        )
        services.tasks_generate(until=D(2026, 4, 30), now=at(2026, 1, 1, 0, 0), plans=[plan])
        self.assertEqual([d for d, _ in keys(plan)], [D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30)])

    def test_it_follows_the_holiday_rules_with_the_companys_calendar(self):
        # 2026 from chinesecalendar (seeded by company_create): 国庆 1–7 Oct, Saturday 10 Oct worked.
        def plan(name, rule, holiday_rule):
            return services.plan_create(
                project=self.project,
                data={
                    "kind": "cleaning",
                    "name": name,
                    "rrule": rule,
                    "starts_on": D(2026, 9, 1),
                    "holiday_rule": holiday_rule,
                },
                windows=[(T(9), T(11))],
                actor=self.admin,
            )

        weekly_shift = plan("周一玻璃", "FREQ=WEEKLY;BYDAY=MO", HolidayRule.SHIFT)
        weekly_skip = plan("周一消杀", "FREQ=WEEKLY;BYDAY=MO", HolidayRule.SKIP)
        workdays = plan("工作日前台", "FREQ=DAILY", HolidayRule.WORKING_DAYS)
        every_day = plan("每日保洁", "FREQ=DAILY", HolidayRule.NONE)
        services.tasks_generate(until=D(2026, 10, 12), now=at(2026, 10, 1, 0, 0))
        self.assertEqual([d for d, _ in keys(weekly_shift)], [D(2026, 10, 8), D(2026, 10, 12)])
        self.assertEqual([d for d, _ in keys(weekly_skip)], [D(2026, 10, 12)])
        self.assertEqual(
            [d.day for d, _ in keys(workdays)], [8, 9, 10, 12]
        )  # the worked Saturday counts, Sunday 11 does not
        self.assertEqual(len(keys(every_day)), 12)

    def test_it_rotates_several_assignees_by_day(self):
        plan = services.plan_create(
            project=self.project,
            data={"kind": "patrol", "name": "轮班巡逻", "starts_on": DAY1},
            windows=[(T(8), T(9)), (T(20), T(21))],
            assignees=[self.guard, self.guard2],
            actor=self.admin,
        )
        services.tasks_generate(until=D(2026, 12, 3), now=at(2026, 12, 1, 0, 0), plans=[plan])
        people = list(Task.objects.filter(plan=plan).order_by("starts_at").values_list("assignee_id", flat=True))
        g1, g2 = self.guard.pk, self.guard2.pk
        self.assertEqual(people, [g1, g1, g2, g2, g1, g1])

    def test_it_schedules_in_the_companys_zone_across_a_dst_change(self):
        self.company.timezone = "Europe/Berlin"
        self.company.save(update_fields=["timezone"])
        berlin = zoneinfo.ZoneInfo("Europe/Berlin")
        plan = services.plan_create(
            project=self.project,
            data={"kind": "patrol", "name": "Nachtrunde", "starts_on": D(2026, 10, 24)},
            windows=[(T(22), T(6))],
            actor=self.admin,
        )
        services.tasks_generate(until=D(2026, 10, 25), now=dt.datetime(2026, 10, 24, tzinfo=berlin), plans=[plan])
        first, second = Task.objects.filter(plan=plan).order_by("date")
        self.assertEqual(first.starts_at.astimezone(berlin).hour, 22)
        self.assertEqual((first.due_at - first.starts_at).total_seconds(), 9 * 3600)  # clocks go back at 03:00
        self.assertEqual((second.due_at - second.starts_at).total_seconds(), 8 * 3600)

    def test_it_skips_inactive_plans_and_other_companies_when_asked(self):
        other = services.plan_create(
            project=self.other_project,
            data={"kind": "patrol", "name": "他家巡逻", "starts_on": DAY1},
            windows=[(T(8), T(9))],
            actor=self.outsider,
        )
        Plan.objects.filter(pk=self.patrol.pk).update(is_active=False)
        created = services.tasks_generate(until=DAY1, now=at(2026, 12, 1, 0, 0), company=self.company)
        self.assertEqual(created, 0)
        self.assertEqual(services.tasks_generate(until=DAY1, now=at(2026, 12, 1, 0, 0)), 1)
        self.assertEqual(Task.objects.get().plan, other)

    def test_it_counts_the_current_route_only(self):
        services.plan_route_set(plan=self.patrol, checkpoints=[self.roof], actor=self.admin)
        self.generate()
        self.assertEqual((self.task().required_checkpoints, self.task().plan_version), (1, 2))

    def test_it_generates_many_plans_in_few_queries(self):
        for i in range(30):
            services.plan_create(
                project=self.project,
                data={"kind": "cleaning", "name": f"保洁{i}", "starts_on": DAY1},
                windows=[(T(h), T(h + 1)) for h in range(8, 12)],
                actor=self.admin,
            )
        with CaptureQueriesContext(connection) as queries:
            created = services.tasks_generate(until=D(2026, 12, 2), now=at(2026, 12, 1, 0, 0))
        self.assertEqual(created, 30 * 4 * 2 + 4)
        # plan ids, plans, windows, company, route sizes, assignees, generated_until; inserts aside
        reads = [
            q["sql"] for q in queries.captured_queries if "plans_task" not in q["sql"] and "SAVEPOINT" not in q["sql"]
        ]
        self.assertEqual(len(reads), 7, reads)


class ConcurrentGenerateTests(TransactionTestCase):
    """Two generators at the same moment create each task once.

    On PostgreSQL they run in two threads and race on the natural key; SQLite serialises
    writers, so there they run in turn.
    """

    def test_it_creates_each_task_once_with_two_generators(self):
        with scopes_disabled():
            operator = make_user("op", superuser=True)
            admin = make_user("boss", phone="13911111111")
            built = build_company(code="race", name="竞速物业", operator=operator, admin=admin)
            core_services.membership_grant(
                company=built["company"], user=admin, role=Role.QUALITY_MANAGER, actor=operator
            )
            for i in range(40):
                services.plan_create(
                    project=built["project"],
                    data={"kind": "patrol", "name": f"巡逻{i}", "starts_on": DAY1},
                    windows=[(T(h), T(h + 1)) for h in range(0, 24, 2)],
                    actor=admin,
                )
        now = dt.datetime(2026, 12, 1, tzinfo=SHANGHAI)
        barrier = threading.Barrier(2)
        results, errors = [], []

        def run():
            try:
                barrier.wait(timeout=10)
                with scopes_disabled():
                    results.append(services.tasks_generate(until=D(2026, 12, 3), now=now))
            except Exception as e:  # surfaced by the assertion below
                errors.append(e)
            finally:
                close_old_connections()

        if connection.vendor == "postgresql":
            threads = [threading.Thread(target=run) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        else:
            barrier = threading.Barrier(1)
            run()
            run()
        self.assertEqual(errors, [])
        with scopes_disabled():
            self.assertEqual(Task.objects.count(), 40 * 12 * 3)
        self.assertEqual(sum(results), 40 * 12 * 3)
