"""HTTP load for the API figures: gunicorn as a subprocess, and a threaded client.

The client is Python (``wrk`` is not installed): each thread holds an ``http.client``
connection (gunicorn's sync workers close it after every response, so it reconnects, as a
proxy in front of them would). On a 2-core machine the client's own CPU competes with the
server's, so the measured rates are a floor of what the server alone would sustain.
"""

import http.client
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.context import ROOT

# method, path, body (JSON-serialisable or None), headers
Request = tuple[str, str, object, dict[str, str]]


@dataclass
class LoadResult:
    seconds: float
    latencies: list[float] = field(default_factory=list)  # seconds, of every answered request
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)  # connection errors by exception name
    sample: str = ""  # the body of one unexpected answer, for the report
    client_cpu: float = 0.0  # CPU seconds this process (the client) used during the run

    @property
    def count(self) -> int:
        return sum(self.statuses.values())

    def ok(self, status: int) -> int:
        return self.statuses[status]

    def rate(self, status: int) -> float:
        """Requests per second that got ``status``."""
        return self.ok(status) / self.seconds if self.seconds else 0.0

    def percentile_ms(self, q: float) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(q) - 1] * 1000

    def summary(self, status: int) -> str:
        odd = {k: v for k, v in self.statuses.items() if k != status}
        text = f"{self.rate(status):.0f} req/s ({self.ok(status)} in {self.seconds:.1f} s, p50 "
        text += f"{self.percentile_ms(50):.0f} ms, p95 {self.percentile_ms(95):.0f} ms"
        text += f", client CPU {self.client_cpu / self.seconds:.2f} cores" if self.seconds else ""
        if odd or self.errors:
            text += f"; other answers {dict(odd)}, errors {dict(self.errors)}"
        return text + ")"


def load(port: int, make: Callable[[int], Request], *, seconds: float, concurrency: int, expect: int) -> LoadResult:
    """Send requests from ``concurrency`` threads for ``seconds``; ``make(n)`` builds the n-th request."""
    result = LoadResult(seconds=seconds)
    counter = iter(range(10**9))
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < deadline:
            with lock:
                n = next(counter)
            method, path, body, headers = make(n)
            started = time.perf_counter()
            try:
                conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
                response = conn.getresponse()
                content = response.read()
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    result.errors[type(exc).__name__] += 1
                conn.close()
                continue
            elapsed = time.perf_counter() - started
            with lock:
                result.statuses[response.status] += 1
                result.latencies.append(elapsed)
                if response.status != expect and not result.sample:
                    result.sample = content[:500].decode("utf-8", "replace")
        conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    started, cpu = time.monotonic(), _cpu_seconds()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.monotonic() - started
    result.client_cpu = _cpu_seconds() - cpu
    return result


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Gunicorn:
    """``gunicorn -c config/gunicorn.conf.py`` with 2 workers on a free local port, for one figure.

    Stopped (SIGTERM to the process we started, then SIGKILL) when the ``with`` block ends. The
    access log goes to /dev/null; the error log to ``log`` for a failure's report.
    """

    def __init__(self, env: dict[str, str], *, log: Path, workers: int = 2, extra_env: dict | None = None):
        self.port = _free_port()
        self.env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_LOG_LEVEL": "warning",
            "DB_CONN_MAX_AGE": "60",  # production's default: one connection per worker, kept
            **(extra_env or {}),
        }
        self.log = log
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Gunicorn":
        self._log_file = open(self.log, "wb")
        command = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py"]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=self._log_file, start_new_session=True
        )
        self._wait_ready()
        return self

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log_file.close()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}):\n{self.log.read_text()[-3000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/api/v1/")
                conn.getresponse().read()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.log.read_text()[-3000:]}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
