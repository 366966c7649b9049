"""The alert pages (/alerts/): the alert centre with its counts and filters, one alert with its
evidence, timeline, deliveries and actions, the inbox and the navbar bell; who may see and do what."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from alerts.choices import AlertEventKind, AlertStatus, Level, RuleKind
from alerts.models import Alert, AlertEvent, InboxItem
from alerts.services import alert_acknowledge
from alerts.tests.ui_base import AlertsUiTestCase
from workorders.tests.factories import report


class ViewTestCase(AlertsUiTestCase):
    def setUp(self) -> None:
        self.english()

    def alert(self, pk: int) -> Alert:
        with scopes_disabled():
            return Alert.objects.get(pk=pk)


#
# Who may see what
#
class AccessTests(ViewTestCase):
    def pages(self) -> list[str]:
        return ["/alerts/", f"/alerts/{self.breach.pk}/", "/alerts/inbox/"]

    def actions(self) -> list[str]:
        return [f"/alerts/{self.breach.pk}/{name}/" for name in ("acknowledge", "assign", "resolve", "note")]

    def test_it_sends_anonymous_people_to_sign_in(self) -> None:
        for url in [*self.pages(), *self.actions()]:
            response = self.client.post(url) if url in self.actions() else self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertIn("/accounts/login/", response["Location"])

    def test_it_sends_owners_to_their_pages(self) -> None:
        self.login(self.owner)
        for url in self.pages():
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertTrue(response["Location"].startswith("/m/"), url)

    def test_it_refuses_staff_without_alerts(self) -> None:
        self.login(self.staff)
        for url in self.pages():
            self.assertEqual(self.client.get(url).status_code, 403, url)
        self.assertNotContains(self.client.get("/"), 'id="alert-bell"')

    def test_it_answers_404_for_another_companys_alert(self) -> None:
        self.login(self.outsider)
        self.assertEqual(self.client.get(f"/alerts/{self.breach.pk}/").status_code, 404)
        for url in self.actions():
            self.assertEqual(self.client.post(url, {"note": "x", "owner": self.outsider.pk}).status_code, 404, url)
        response = self.client.get("/alerts/")
        self.assertNotContains(response, self.order.code)
        self.assertContains(response, self.foreign_order.code)

    def test_it_hides_other_projects_from_project_people(self) -> None:
        self.login(self.manager)
        self.assertEqual(self.client.get(f"/alerts/{self.keyword.pk}/").status_code, 404)
        response = self.client.get("/alerts/")
        self.assertContains(response, self.order.code)
        self.assertNotContains(response, self.order2.code)

    def test_it_lets_viewers_read_but_not_act(self) -> None:
        self.login(self.viewer)
        response = self.client.get(f"/alerts/{self.breach.pk}/")
        self.assertContains(response, "Nothing for you to do on this alert.")
        self.assertNotContains(response, f"/alerts/{self.breach.pk}/acknowledge/")
        for url in self.actions():
            self.assertEqual(self.client.post(url, {"note": "看看", "owner": self.viewer.pk}).status_code, 403, url)
        self.assertEqual(self.alert(self.breach.pk).status, AlertStatus.OPEN)

    def test_it_refuses_get_on_actions(self) -> None:
        self.login(self.quality)
        self.assertEqual(self.client.get(self.actions()[0]).status_code, 405)


#
# The alert centre
#
class AlertListTests(ViewTestCase):
    def test_it_shows_the_alerts_with_their_summary_and_badges(self) -> None:
        self.login(self.quality)
        response = self.client.get("/alerts/")
        self.assertContains(response, f"Order {self.order.code} needs attention")
        self.assertContains(response, f'href="/alerts/{self.breach.pk}/"')
        self.assertContains(response, '<span class="badge text-bg-danger">Critical</span>', html=True)
        self.assertContains(response, '<span class="badge text-bg-warning">High</span>', html=True)
        self.assertContains(response, "Quality manager")  # the keyword alert's level

    def test_it_shows_the_counts(self) -> None:
        with scopes_disabled():
            alert_acknowledge(alert=self.breach, actor=self.supervisor)
        self.login(self.quality)
        response = self.client.get("/alerts/")
        self.assertContains(response, '<div class="stat text-danger" data-count="open-critical">1</div>', html=True)
        self.assertContains(response, '<div class="stat text-warning" data-count="open-high">0</div>', html=True)
        self.assertContains(response, 'href="?status=open&amp;severity=critical"')
        self.assertContains(response, '<div class="stat" data-count="acknowledged">1</div>', html=True)
        self.assertContains(response, '<div class="stat" data-count="mine">1</div>', html=True)

    def test_it_counts_the_switcher_project_only(self) -> None:
        self.login(self.quality)
        self.client.post("/switch-project/", {"project_id": self.project.pk})
        response = self.client.get("/alerts/")
        self.assertContains(response, '<div class="stat text-danger" data-count="open-critical">0</div>', html=True)
        self.assertNotContains(response, self.order2.code)

    def test_it_filters_and_toggles_mine(self) -> None:
        self.login(self.quality)
        response = self.client.get("/alerts/", {"severity": "high"})
        self.assertContains(response, self.order.code)
        self.assertNotContains(response, self.order2.code)
        response = self.client.get("/alerts/", {"owner": "me", "is_open": "true"})
        self.assertContains(response, self.order2.code)
        self.assertNotContains(response, self.order.code)
        self.assertContains(response, 'class="nav-link py-1 active" href="?owner=me&amp;is_open=true"')

    def test_it_names_a_bad_filter(self) -> None:
        self.login(self.quality)
        response = self.client.get("/alerts/", {"severity": "apocalyptic"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "alert-danger")

    def test_it_exports_excel(self) -> None:
        self.login(self.quality)
        response = self.client.get("/alerts/", {"export": "xlsx"})
        self.assertIn("spreadsheetml", response["Content-Type"])

    def test_it_keeps_the_query_count_flat_as_alerts_grow(self) -> None:
        self.login(self.quality)
        with CaptureQueriesContext(connection) as few:
            self.assertEqual(self.client.get("/alerts/").status_code, 200)
        with scopes_disabled():
            for n in range(5):
                self.raise_alert(RuleKind.SLA_BREACH, self.order, key=f"more:{n}")
                self.raise_alert(RuleKind.KEYWORD, self.order2, key=f"more:{n}", tier="L1")
        with self.assertNumQueries(len(few)):
            self.client.get("/alerts/")

    def test_it_is_chinese_by_default(self) -> None:
        self.client.cookies.clear()
        self.login(self.quality)
        response = self.client.get("/alerts/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'lang="zh-hans"')


#
# One alert
#
class AlertDetailTests(ViewTestCase):
    def test_it_shows_the_evidence_with_links_to_the_orders(self) -> None:
        self.login(self.quality)
        response = self.client.get(f"/alerts/{self.breach.pk}/")
        link = f'<a href="/workorders/{self.order.pk}/">{self.order.code} 厨房漏水</a>'
        self.assertContains(response, link, html=True)
        self.assertContains(response, f'href="/alerts/rules/{self.breach.rule_id}/"')
        facts = '<dt class="col-sm-4 fw-normal text-muted">target</dt><dd class="col-sm-8">Resolve</dd>'
        self.assertContains(response, facts, html=True)  # the facts, labelled, the SLA target by its name
        self.assertNotContains(response, "event_id")
        self.assertContains(response, "Raised")  # the timeline
        self.assertContains(response, "赵主管")  # the owner

    def test_it_shows_the_deliveries_with_their_state(self) -> None:
        from alerts.models import Channel, Delivery

        with scopes_disabled():
            channel = Channel.objects.create(
                company=self.company, name="品质群", kind="wecom", url="https://example.com/x"
            )
            Delivery.objects.create(
                company=self.company,
                alert=self.breach,
                channel=channel,
                event_key="raised",
                status="retrying",
                attempts=2,
                last_error="HTTP 502 Bad Gateway",
                created=self.breach.created,
                next_attempt_at=self.breach.created,
            )
        self.login(self.quality)
        response = self.client.get(f"/alerts/{self.breach.pk}/")
        self.assertContains(response, "品质群")
        self.assertContains(response, '<span class="badge text-bg-warning">Retrying</span>', html=True)
        self.assertContains(response, "HTTP 502 Bad Gateway")

    def test_it_marks_the_inbox_item_read(self) -> None:
        self.login(self.supervisor)
        self.assertContains(self.client.get("/alerts/inbox/"), 'id="alert-unread">1<')
        self.client.get(f"/alerts/{self.breach.pk}/")
        with scopes_disabled():
            item = InboxItem.objects.get(alert=self.breach, user=self.supervisor)
        self.assertIsNotNone(item.read_at)
        self.assertNotContains(self.client.get("/alerts/inbox/"), 'id="alert-unread"')

    def test_it_does_not_mark_other_peoples_items(self) -> None:
        self.login(self.quality)
        self.client.get(f"/alerts/{self.breach.pk}/")
        with scopes_disabled():
            self.assertIsNone(InboxItem.objects.get(alert=self.breach, user=self.supervisor).read_at)

    def test_it_acknowledges(self) -> None:
        self.login(self.supervisor)
        response = self.client.post(f"/alerts/{self.breach.pk}/acknowledge/", {"note": "在处理"})
        self.assertRedirects(response, f"/alerts/{self.breach.pk}/")
        alert = self.alert(self.breach.pk)
        self.assertEqual(alert.status, AlertStatus.ACKNOWLEDGED)
        self.assertIsNone(alert.escalate_at)
        self.assertEqual(alert.acknowledged_by, self.supervisor)

    def test_it_requires_a_note_to_resolve(self) -> None:
        self.login(self.supervisor)
        response = self.client.post(f"/alerts/{self.breach.pk}/resolve/", {"note": "  "})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, '<div class="invalid-feedback d-block">This field is required.</div>', html=True)
        self.assertContains(response, '<details class="mb-3" open>')
        self.assertEqual(self.alert(self.breach.pk).status, AlertStatus.OPEN)

    def test_it_says_what_is_wrong_in_chinese(self) -> None:
        self.client.cookies.clear()
        self.login(self.supervisor)
        response = self.client.post(f"/alerts/{self.breach.pk}/resolve/", {"note": ""})
        self.assertContains(response, "这个字段是必填项。")

    def test_it_resolves_with_a_note(self) -> None:
        self.login(self.supervisor)
        response = self.client.post(f"/alerts/{self.breach.pk}/resolve/", {"note": "已联系业主上门维修"})
        self.assertRedirects(response, f"/alerts/{self.breach.pk}/")
        alert = self.alert(self.breach.pk)
        self.assertEqual(alert.status, AlertStatus.RESOLVED)
        response = self.client.get(f"/alerts/{self.breach.pk}/")
        self.assertContains(response, "已联系业主上门维修")
        self.assertNotContains(response, f"/alerts/{self.breach.pk}/resolve/")

    def test_it_explains_a_step_the_alert_cannot_take(self) -> None:
        self.login(self.supervisor)
        self.client.post(f"/alerts/{self.breach.pk}/resolve/", {"note": "好了"})
        response = self.client.post(f"/alerts/{self.breach.pk}/acknowledge/", {"note": ""})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "An alert that is Resolved cannot become Acknowledged.")

    def test_it_hands_the_alert_over(self) -> None:
        self.login(self.supervisor)
        response = self.client.post(f"/alerts/{self.breach.pk}/assign/", {"owner": self.manager.pk, "note": "请跟进"})
        self.assertRedirects(response, f"/alerts/{self.breach.pk}/")
        self.assertEqual(self.alert(self.breach.pk).owner, self.manager)
        with scopes_disabled():
            self.assertTrue(InboxItem.objects.filter(alert=self.breach, user=self.manager, read_at=None).exists())
        self.assertContains(self.client.get(f"/alerts/{self.breach.pk}/"), "→ 李项目")

    def test_it_refuses_an_owner_who_cannot_see_the_alert(self) -> None:
        self.login(self.supervisor)
        for person in (self.staff, self.outsider):
            response = self.client.post(f"/alerts/{self.breach.pk}/assign/", {"owner": person.pk})
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, "Select a valid choice.")
        self.assertEqual(self.alert(self.breach.pk).owner, self.supervisor)

    def test_it_adds_a_note(self) -> None:
        self.login(self.manager)
        self.assertRedirects(
            self.client.post(f"/alerts/{self.breach.pk}/note/", {"note": "明早回访"}), f"/alerts/{self.breach.pk}/"
        )
        with scopes_disabled():
            event = AlertEvent.objects.filter(alert=self.breach).last()
        self.assertEqual((event.kind, event.reason, event.actor), (AlertEventKind.NOTE, "明早回访", self.manager))

    def test_it_loads_the_evidence_with_one_query_per_kind(self) -> None:
        self.login(self.quality)
        with CaptureQueriesContext(connection) as few:
            self.client.get(f"/alerts/{self.breach.pk}/")
        with scopes_disabled():
            more = [report(self, title=f"漏水{n}", description="漏水") for n in range(4)]
            for order in more:
                self.raise_alert(RuleKind.SLA_BREACH, order, key=f"wo:{self.order.pk}")  # merged into the alert
        with self.assertNumQueries(len(few)):
            response = self.client.get(f"/alerts/{self.breach.pk}/")
        self.assertContains(response, f"{more[-1].code} 漏水3")

    def test_it_shows_the_escalation_level_and_due_time(self) -> None:
        self.login(self.quality)
        response = self.client.get(f"/alerts/{self.breach.pk}/")
        self.assertContains(response, "Supervisor")
        zone = self.company.zone
        due = self.breach.escalate_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        self.assertContains(response, due)
        self.assertEqual(self.alert(self.keyword.pk).level, Level.QUALITY_MANAGER)


#
# Inbox and bell
#
class InboxTests(ViewTestCase):
    def test_it_lists_my_items_unread_first(self) -> None:
        with scopes_disabled():
            later = self.raise_alert(RuleKind.SLA_BREACH, self.order, key="later", department_id=self.department.pk)
        self.login(self.supervisor)
        self.client.get(f"/alerts/{later.pk}/")
        response = self.client.get("/alerts/inbox/")
        body = response.content.decode()
        self.assertLess(body.index(f'href="/alerts/{self.breach.pk}/"'), body.index(f'href="/alerts/{later.pk}/"'))
        self.assertContains(response, 'data-unread="true"', count=1)

    def test_it_shows_the_unread_count_in_the_navbar(self) -> None:
        self.login(self.supervisor)
        response = self.client.get("/")
        badge = '<span class="badge rounded-pill text-bg-danger" id="alert-unread">1</span>'
        self.assertContains(response, badge, html=True)
        self.login(self.viewer)
        response = self.client.get("/")
        self.assertContains(response, 'id="alert-bell"')
        self.assertNotContains(response, 'id="alert-unread"')

    def test_it_marks_everything_read(self) -> None:
        self.login(self.supervisor)
        self.assertRedirects(self.client.post("/alerts/inbox/read-all/"), "/alerts/inbox/")
        with scopes_disabled():
            self.assertFalse(InboxItem.objects.filter(user=self.supervisor, read_at=None).exists())
            self.assertTrue(InboxItem.objects.filter(user=self.quality, read_at=None).exists())

    def test_it_keeps_the_query_count_flat_as_the_inbox_grows(self) -> None:
        self.login(self.supervisor)
        with CaptureQueriesContext(connection) as few:
            self.assertEqual(self.client.get("/alerts/inbox/").status_code, 200)
        with scopes_disabled():
            for n in range(5):
                self.raise_alert(RuleKind.SLA_BREACH, self.order, key=f"more:{n}", department_id=self.department.pk)
        with self.assertNumQueries(len(few)):
            self.client.get("/alerts/inbox/")

    def test_it_shows_an_empty_inbox(self) -> None:
        self.login(self.viewer)
        self.assertContains(self.client.get("/alerts/inbox/"), "Your inbox is empty.")
