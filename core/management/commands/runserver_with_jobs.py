"""`manage.py runserver_with_jobs [addr:port]`: the development server plus the job cluster (`make run`)."""

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_scopes import scopes_disabled

from core.demo.logins import logins_table
from core.demo.places import COMPANY
from core.models import Company

DEFAULT_ADDRPORT = "127.0.0.1:8000"
STOP_TIMEOUT = 15  # seconds the cluster gets to finish running tasks before it is killed


class Command(BaseCommand):
    help = "Start the django-q2 cluster (qcluster) as a child process, then runserver; stop the cluster on exit."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default=DEFAULT_ADDRPORT, help="Like runserver, e.g. 0.0.0.0:8000.")
        parser.add_argument("--noreload", action="store_false", dest="use_reloader", help="Passed to runserver.")
        parser.add_argument("--no-jobs", action="store_true", help="Serve without starting the job cluster.")

    def handle(self, *args, addrport: str, use_reloader: bool, no_jobs: bool, **options):
        if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            # The autoreloader's child re-runs this command; the parent already owns the cluster.
            call_command("runserver", addrport, use_reloader=True)
            return
        cluster = None if no_jobs else self._start_cluster()
        try:
            self._banner(addrport, jobs=cluster is not None)
            call_command("runserver", addrport, use_reloader=use_reloader)
        finally:
            if cluster is not None:
                self._stop_cluster(cluster)

    def _start_cluster(self) -> subprocess.Popen:
        # Its own session, so Ctrl-C reaches only runserver and we stop the cluster in order.
        cluster = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"], cwd=settings.BASE_DIR, start_new_session=True
        )
        self.stdout.write(f"Started the job cluster (qcluster, pid {cluster.pid}).")
        return cluster

    def _stop_cluster(self, cluster: subprocess.Popen) -> None:
        if cluster.poll() is not None:
            self.stderr.write(f"The job cluster had already exited (code {cluster.returncode}).")
            return
        self.stdout.write("Stopping the job cluster ...")
        cluster.send_signal(signal.SIGTERM)
        try:
            cluster.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(cluster.pid, signal.SIGKILL)  # the cluster and its workers: the session we started
            cluster.wait()

    def _banner(self, addrport: str, *, jobs: bool) -> None:
        url = f"http://{_display_host(addrport)}/"
        self.stdout.write(self.style.SUCCESS(f"\npinzhi: {url}  (jobs: {'django-q2 cluster' if jobs else 'off'})\n"))
        with scopes_disabled():
            has_demo = Company.objects.filter(code=COMPANY["code"]).exists()
        if has_demo:
            self.stdout.write(logins_table(base_url=url.rstrip("/")) + "\n")
        else:
            self.stdout.write("No demo company yet: run `manage.py demo_data` (or `make demo`) for demo logins.\n")
        self.stdout.flush()


def _display_host(addrport: str) -> str:
    host, _sep, port = addrport.rpartition(":")
    if not _sep:
        host, port = "", addrport
    host = host.strip("[]")
    if host in ("", "0", "0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
