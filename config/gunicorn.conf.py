"""gunicorn settings, read from the environment like the rest of pinzhi.

    gunicorn -c config/gunicorn.conf.py

Runs behind nginx (docs/deploy.md). The Django settings themselves come from the
variables config/settings.py reads (DJANGO_ENV, SECRET_KEY, DATABASE_URL, ...).
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be an integer, got {value!r}") from None


wsgi_app = "config.wsgi:application"

# Where to listen: nginx on the same host proxies to this address (or a unix socket,
# e.g. GUNICORN_BIND=unix:/run/pinzhi/gunicorn.sock).
bind = [item.strip() for item in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",") if item.strip()]

# Sync workers: each holds one request at a time and one database connection.
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = max(1, max_requests // 10) if max_requests else 0
# Import Django once in the master: a recycled worker is then a fork (milliseconds), not a
# fresh import of the whole project (about a second of CPU taken from serving). Nothing opens
# a database connection at import time, so no connection is shared across the fork.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") not in ("0", "false", "no")
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"  # worker heartbeats on tmpfs, not a possibly slow disk

# Access log to stdout, errors to stderr: journald or the container runtime collects both.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The client address as nginx saw it, then the usual combined format plus the duration (s).
access_log_format = '%({x-forwarded-for}i)s %(h)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s'
# Trust X-Forwarded-* only from the proxy (gunicorn's own FORWARDED_ALLOW_IPS, default localhost).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
