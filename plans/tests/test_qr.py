"""The printed QR codes: /c/<code>/ leads to the right check-in, and the PDF sheets carry the codes."""

import re
import zlib
from urllib.parse import quote

from django.test import RequestFactory, override_settings

from plans import pdf, services
from plans.tests.test_task_views import NOW, TaskTestCase, at

#
# Reading the PDF back: WeasyPrint compresses objects into streams; inflate them all.
#
STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)


def pdf_objects(body: bytes) -> bytes:
    parts = [body]
    for match in STREAM.finditer(body):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def pdf_links(body: bytes) -> set[str]:
    return {m.decode() for m in re.findall(rb"/URI\s*\(([^)]*)\)", pdf_objects(body))}


def pdf_page_count(body: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf_objects(body)))


def pdf_has_text(body: bytes, text: str) -> bool:
    """``text`` in a PDF string (outline entries are UTF-16BE hex: every checkpoint name is one)."""
    objects = pdf_objects(body).lower()
    return text.encode("utf-16-be").hex().encode() in objects or text.encode() in objects


class ScanTests(TaskTestCase):
    def scan(self, checkpoint, query: str = ""):
        return self.client.get(f"/c/{checkpoint.code}/{query}")

    def checkin_url(self, task, checkpoint) -> str:
        return f"/tasks/{task.pk}/checkin/?code={quote(checkpoint.code)}"

    def test_it_sends_anonymous_to_sign_in_and_back(self):
        response = self.scan(self.checkpoints[0])
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response.headers["Location"], f"/accounts/login/?next=/c/{quote(self.checkpoints[0].code)}/")

    def test_it_opens_the_check_in_of_the_task_open_now(self):
        self.login(self.staff)
        cp = self.checkpoints[1]
        response = self.scan(cp)
        self.assertRedirects(response, self.checkin_url(self.task, cp), fetch_redirect_response=False)
        page = self.client.get(response.headers["Location"])
        self.assertContains(page, 'name="method" value="qr"')
        self.assertContains(page, cp.name)

    def test_it_opens_the_task_in_progress_after_its_window(self):
        services.task_start(task=self.task, actor=self.staff)
        self.travel(at(11, 30))
        self.login(self.staff)
        response = self.scan(self.checkpoints[0])
        self.assertRedirects(response, self.checkin_url(self.task, self.checkpoints[0]), fetch_redirect_response=False)

    def test_it_lets_him_choose_between_two_tasks_through_the_checkpoint(self):
        second = self.plan_make("安居消防巡查", assignees=[self.staff], checkpoints=[self.checkpoints[2]])
        second_task = second.tasks.get(date=NOW.date(), window_index=0)
        self.login(self.staff)
        cp = self.checkpoints[2]
        response = self.scan(cp)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'data-scan="choose"')
        self.assertEqual({c["task"].pk for c in response.context["ready"]}, {self.task.pk, second_task.pk})
        response = self.scan(cp, f"?task={second_task.pk}")
        self.assertRedirects(response, self.checkin_url(second_task, cp), fetch_redirect_response=False)
        # Only one of them still needs this checkpoint: straight there.
        services.task_checkin(task=second_task, actor=self.staff, method="qr", code=cp.code)
        self.assertRedirects(self.scan(cp), self.checkin_url(self.task, cp), fetch_redirect_response=False)

    def test_it_says_when_the_next_task_through_here_starts(self):
        self.travel(at(12, 0))  # the morning window is over, the afternoon one ahead
        self.login(self.staff)
        response = self.scan(self.checkpoints[0])
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'data-scan="none"')
        self.assertEqual([t.pk for t in response.context["upcoming"]], [self.afternoon.pk])
        self.assertContains(response, "14:00")

    def test_it_says_he_has_checked_in_here_already(self):
        services.task_checkin(task=self.task, actor=self.staff, method="qr", code=self.checkpoints[0].code)
        self.login(self.staff)
        response = self.scan(self.checkpoints[0])
        self.assertContains(response, 'data-scan="none"')
        self.assertEqual([t.pk for t in response.context["done_here"]], [self.task.pk])
        self.assertContains(response, "09:30")

    def test_it_says_so_when_no_task_of_his_goes_through_the_checkpoint(self):
        self.login(self.staff)
        response = self.scan(self.off_route)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'data-scan="none"')
        self.assertContains(response, self.off_route.name)
        self.assertEqual((response.context["ready"], response.context["upcoming"]), ([], []))

    def test_it_leads_another_staff_member_to_nothing_of_ours(self):
        self.login(self.other_staff)
        response = self.scan(self.checkpoints[0])
        self.assertRedirects(
            response, self.checkin_url(self.other_task, self.checkpoints[0]), fetch_redirect_response=False
        )
        self.login(self.viewer)
        self.assertContains(self.scan(self.checkpoints[0]), 'data-scan="none"')

    def test_it_does_not_know_a_wrong_code_or_another_companys(self):
        self.login(self.staff)
        response = self.client.get("/c/not-a-real-code/")
        self.assertContains(response, 'data-scan="unknown"', status_code=404)
        theirs = services.checkpoint_create(project=self.other_project, data={"name": "他山东门"}, actor=self.outsider)
        response = self.scan(theirs)
        self.assertContains(response, 'data-scan="unknown"', status_code=404)
        self.assertNotContains(response, "他山东门", status_code=404)
        self.login(self.outsider)
        response = self.scan(self.checkpoints[0])
        self.assertEqual(response.status_code, 404)
        self.assertNotContains(response, self.checkpoints[0].name, status_code=404)

    def test_it_does_not_know_a_code_that_was_reset(self):
        cp = self.checkpoints[0]
        old = cp.code
        services.checkpoint_code_reset(checkpoint=cp, actor=self.admin)
        self.login(self.staff)
        self.assertEqual(self.client.get(f"/c/{old}/").status_code, 404)

    def test_it_sends_an_owner_to_the_owner_pages(self):
        self.login(self.owner)
        response = self.scan(self.checkpoints[0])
        self.assertTrue(response.headers["Location"].startswith("/m/"))


class SheetTests(TaskTestCase):
    def sheet(self, url: str):
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF-"))
        return response.content

    def scan_urls(self, checkpoints) -> set[str]:
        return {f"http://testserver/c/{cp.code}/" for cp in checkpoints}

    def test_it_prints_the_routes_codes_with_their_names(self):
        self.login(self.manager)
        body = self.sheet(f"/plans/{self.plan.pk}/qr.pdf")
        self.assertEqual(pdf_links(body), self.scan_urls(self.checkpoints))
        self.assertEqual(pdf_page_count(body), 1)
        for cp in self.checkpoints:
            self.assertTrue(pdf_has_text(body, cp.name), cp.name)
        self.assertFalse(pdf_has_text(body, self.off_route.name))

    def test_it_puts_twelve_codes_on_a_page(self):
        extra = [self.checkpoint_make(f"{n}号楼楼顶") for n in range(1, 11)]
        route = self.checkpoints + extra
        services.plan_route_set(plan=self.plan, checkpoints=route, actor=self.admin)
        self.login(self.manager)
        body = self.sheet(f"/plans/{self.plan.pk}/qr.pdf")
        self.assertEqual(pdf_links(body), self.scan_urls(route))
        self.assertEqual(pdf_page_count(body), 2)
        self.assertTrue(pdf_has_text(body, "10号楼楼顶"))

    def test_it_prints_one_checkpoint_large(self):
        self.login(self.viewer)
        cp = self.checkpoints[1]
        body = self.sheet(f"/plans/checkpoints/{cp.pk}/qr.pdf")
        self.assertEqual(pdf_links(body), self.scan_urls([cp]))
        self.assertEqual(pdf_page_count(body), 1)
        self.assertTrue(pdf_has_text(body, cp.name))

    def test_it_prints_an_empty_route(self):
        plan = self.plan_make("空路线", checkpoints=[])
        self.login(self.manager)
        body = self.sheet(f"/plans/{plan.pk}/qr.pdf")
        self.assertEqual((pdf_links(body), pdf_page_count(body)), (set(), 1))

    def test_it_needs_plan_view(self):
        urls = [f"/plans/{self.plan.pk}/qr.pdf", f"/plans/checkpoints/{self.checkpoints[0].pk}/qr.pdf"]
        for url in urls:
            self.client.logout()
            self.assertIn("/accounts/login/", self.client.get(url).headers["Location"])
            self.login(self.staff)
            self.assertEqual(self.client.get(url).status_code, 403)
            self.login(self.owner)
            self.assertTrue(self.client.get(url).headers["Location"].startswith("/m/"))
            self.login(self.outsider)
            self.assertEqual(self.client.get(url).status_code, 404)

    @override_settings(ALLOWED_HOSTS=["pinzhi.example.com"])
    def test_it_encodes_the_absolute_short_link(self):
        request = RequestFactory().get("/", secure=True, HTTP_HOST="pinzhi.example.com")
        cp = self.checkpoints[0]
        [label] = pdf.labels(request, [cp])
        self.assertEqual(label.url, f"https://pinzhi.example.com/c/{cp.code}/")
        self.assertTrue(label.image.startswith("data:image/svg+xml"))
        html = pdf.sheet_html(request=request, checkpoints=[cp], title=self.plan.name, project=self.project)
        self.assertIn(cp.name, html)
        self.assertIn(self.project.name, html)
        self.assertIn(label.url, html)
