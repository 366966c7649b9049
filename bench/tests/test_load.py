import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.test import SimpleTestCase

from bench.load import load


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 200 if self.path == "/ok" else 404
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args) -> None:
        pass


class LoadTests(SimpleTestCase):
    def setUp(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)

    def test_it_counts_answers_by_status(self) -> None:
        port = self.server.server_address[1]
        result = load(
            port, lambda n: ("GET", "/ok" if n % 2 else "/missing", None, {}), seconds=0.3, concurrency=2, expect=200
        )
        self.assertGreater(result.ok(200), 0)
        self.assertGreater(result.ok(404), 0)
        self.assertEqual(result.count, len(result.latencies))
        self.assertIn("other answers {404:", result.summary(200))
        self.assertGreater(result.rate(200), 0)
        self.assertGreaterEqual(result.percentile_ms(95), result.percentile_ms(50))
