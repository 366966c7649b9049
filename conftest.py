import os

from django_scopes.state import state

# Tests build state outside requests; requests still run inside the middleware's company
# scope (which re-enables scoping), so HTTP tests exercise the tenant guard for real.
state.set({"_enabled": False})
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from django.conf import settings  # noqa: E402

# Hashing is not under test; PBKDF2 would spend most of each setUpTestData.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Uploaded photos go to a throw-away directory per test process, never to the repo's media/.
_media = __import__("tempfile").mkdtemp(prefix="pinzhi-media-")
settings.MEDIA_ROOT = _media


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Per-company caches (calendar, work-order settings, SLA policies) must not outlive a test's rollback."""
    from django.core.cache import cache

    cache.clear()
    yield
