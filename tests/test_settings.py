"""Production configuration, checked the way a deploy starts the code: in a fresh process.

Settings are read once per process, so each case runs ``manage.py`` or gunicorn in a
subprocess with an environment built from scratch (nothing leaks in from the test run).
"""

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent
HOST = "pinzhi.example.com"


def production_env(**overrides: str | None) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        # Not connected to by these checks; the URLs only have to parse.
        "DATABASE_URL": "postgres://pinzhi:secret@127.0.0.1:5432/pinzhi",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "S3_BUCKET": "pinzhi-media",
        "S3_ENDPOINT_URL": "https://minio.example.com",
        "S3_ACCESS_KEY": "access",
        "S3_SECRET_KEY": "secret",
    }
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)


def test_it_passes_check_deploy_with_production_settings():
    result = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS"),
        ({"ALLOWED_HOSTS": " , "}, "ALLOWED_HOSTS"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
        ({"REDIS_URL": None}, "REDIS_URL"),
        ({"DB_CONN_MAX_AGE": "soon"}, "DB_CONN_MAX_AGE"),
        ({"DJANGO_ENV": "prod"}, "DJANGO_ENV"),
        ({"SECURE_SSL_REDIRECT": "sometimes"}, "SECURE_SSL_REDIRECT"),
    ],
)
def test_it_refuses_to_start_with_a_missing_or_malformed_variable(overrides, variable):
    # Importing the WSGI module is what gunicorn does at start-up.
    result = run([sys.executable, "-c", "import config.wsgi"], production_env(**overrides))

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured:"), result.stderr
    assert variable in last_line


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, headers: dict[str, str]):
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(url, headers={"Host": HOST, **headers})
    try:
        return urllib.request.build_opener(NoRedirect).open(request, timeout=10)
    except urllib.error.HTTPError as response:
        return response


@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn with config/gunicorn.conf.py and production settings, static files collected."""
    env = production_env(STATIC_ROOT=str(tmp_path / "static"), WEB_CONCURRENCY="1")
    collected = run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    assert collected.returncode == 0, collected.stderr
    port = _free_port()
    env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    log = (tmp_path / "gunicorn.log").open("w+")
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "config/gunicorn.conf.py"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start listening within 30 s"
                time.sleep(0.2)
        yield base, tmp_path / "gunicorn.log"
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_it_serves_pages_and_static_files_securely_under_gunicorn(gunicorn):
    base, log_path = gunicorn
    behind_tls = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}

    plain = _get(f"{base}/accounts/login/", {})
    assert plain.status == 301
    assert plain.headers["Location"] == f"https://{HOST}/accounts/login/"

    page = _get(f"{base}/accounts/login/", behind_tls)
    html = page.read().decode()
    assert page.status == 200
    assert '<html lang="zh-hans">' in html
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    csrf_cookie = next(c for c in page.headers.get_all("Set-Cookie") if c.startswith("csrftoken="))
    assert "; Secure" in csrf_cookie

    # Manifest storage: hashed names, cached for ever by WhiteNoise.
    css = re.search(r'href="(/static/vendor/bootstrap/bootstrap\.min\.[0-9a-f]{12}\.css)"', html)
    assert css, "stylesheet link is not a hashed static URL"
    static = _get(f"{base}{css.group(1)}", behind_tls)
    assert static.status == 200
    assert "immutable" in static.headers["Cache-Control"]
    assert b"bootstrap" in static.read(2000).lower()

    assert _get(f"{base}/no-such-page/", behind_tls).status == 404
    time.sleep(0.3)  # let the worker flush its access log line
    assert re.search(r'^203\.0\.113\.7 .*"GET /accounts/login/ HTTP/1\.1" 200 ', log_path.read_text(), re.M)


def test_it_refuses_a_malformed_gunicorn_variable():
    env = production_env(GUNICORN_TIMEOUT="soon")
    result = run([str(BIN / "gunicorn"), "-c", "config/gunicorn.conf.py", "--check-config"], env)

    assert result.returncode != 0
    assert "GUNICORN_TIMEOUT must be an integer" in result.stdout + result.stderr
